"""The frame every page shares (header, navigation, stylesheet) and small HTML helpers.

Pages are server-rendered strings: every value from the registry goes through :func:`esc`.
Nothing is fetched from elsewhere: the stylesheet and the script are this package's own
files (``static/``), and the Content-Security-Policy says so to the browser.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass

from werkzeug.wrappers import Response

#: What a page may load: its own stylesheet, script and JSON, images of its own or inline.
CSP = (
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
NAVIGATION = (("crates", "/", "Crates"), ("traffic", "/traffic", "Traffic"),
              ("faults", "/faults", "Faults"), ("me", "/me", "Token"))  # fmt: skip


def esc(value: object) -> str:
    """*value* as HTML text (quotes too: safe in attributes)."""
    return html.escape(str(value), quote=True)


@dataclass(frozen=True)
class Chrome:
    """What the header of every page shows: the registry and the viewer's standing."""

    registry: str
    url: str
    admin: bool = False
    #: The signed-in user of a private registry (None: public, or not signed in).
    login: str | None = None
    csrf: str | None = None


def document(title: str, body: str, chrome: Chrome, *, active: str = "") -> str:
    """A whole page: *body* inside the shared frame."""
    links = "".join(
        f'<a href="{href}"{" aria-current=page" if key == active else ""}>{label}</a>'
        for key, href, label in NAVIGATION
    )
    standing = '<span class="badge admin">admin</span>' if chrome.admin else ""
    if chrome.login is not None:
        standing += f'<span class="badge">signed in as {esc(chrome.login)}</span>'
    if chrome.csrf is not None and (chrome.admin or chrome.login is not None):
        standing += (
            '<form class="inline" method="post" action="/session/end">'
            f'<input type="hidden" name="csrf" value="{esc(chrome.csrf)}">'
            '<button class="link">sign out</button></form>'
        )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)} · fakereg</title>"
        '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">'
        '<link rel="stylesheet" href="/static/fakereg.css">'
        '<script src="/static/fakereg.js" defer></script></head><body>'
        '<header class="top"><a class="brand" href="/">fakereg</a>'
        f'<span class="registry" title="{esc(chrome.url)}">registry '
        f"<b>{esc(chrome.registry)}</b> at {esc(chrome.url.split('://', 1)[-1])}</span>"
        f"<nav>{links}</nav><span class=standing>{standing}</span></header>"
        f"<main>{body}</main></body></html>"
    )


def page_response(text: str, status: int = 200) -> Response:
    """An HTML answer with the headers every page has (no caching, no framing, CSP)."""
    response = Response(text, status=status, content_type="text/html; charset=utf-8")
    secure(response)
    return response


def secure(response: Response) -> Response:
    """The headers every answer of the page carries."""
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"  # (no-referrer makes Origin "null")
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def table(headings: Iterable[str], rows: Iterable[str], *, cls: str = "", empty: str = "") -> str:
    """A table of already-rendered ``<tr>`` rows (*empty*: the text shown without rows)."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headings)
    body = "".join(rows)
    if not body and empty:
        return f'<p class="empty">{empty}</p>'
    return (
        f'<div class="scroll"><table class="{cls}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def cells(*values: str) -> str:
    """A ``<tr>`` of already-rendered cells."""
    return "<tr>" + "".join(f"<td>{v}</td>" for v in values) + "</tr>"


def hidden_csrf(csrf: str | None) -> str:
    return f'<input type="hidden" name="csrf" value="{esc(csrf or "")}">'


def when(timestamp: str) -> str:
    """An RFC 3339 time as the page shows it (date and minutes, UTC)."""
    if len(timestamp) >= 16 and timestamp[10] == "T":
        shown = f"{timestamp[:10]} {timestamp[11:16]}"
        return f'<time datetime="{esc(timestamp)}">{esc(shown)}</time>'
    return esc(timestamp)
