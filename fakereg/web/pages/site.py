"""The web page of a registry: its views, sessions, who may see what, and its errors.

Served at ``/`` by every registry (its routes are ``Kind.PAGE`` routes of
:mod:`fakereg.web.routes`). The page's own requests are neither recorded nor faulted (like
the control API's): the traffic view shows what the tool under test did.
On a private registry (``auth_required``) the page follows the API's rules: a read token,
given once in the sign-in form (or in ``Authorization``), kept in the session. Opening the
page from ``/?admin=<admin token>`` starts an admin session: the faults view gets its
forms. Refusals answer HTML to a browser (an ``Accept`` naming ``text/html``) and Cargo's
JSON error shape to everyone else.
"""

from __future__ import annotations

import functools
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any
from urllib.parse import urlencode

from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from ...errors import ApiError, InvalidError, RefusedError
from ...storage.accounts import TokenInfo, redact
from ..auth import Authorizer, foreign_origin
from ..http import error_response, json_response, refusal, status_of
from ..sessions import Session, Sessions
from .account import AccountPages
from .crates import CratePages
from .faults import FaultPages
from .layout import Chrome, document, esc, page_response, secure
from .traffic import TrafficPages
from .viewer import Viewer

#: The largest body a form of the page may post (a 413 beyond).
MAX_FORM = 64 * 1024
STATIC_FILES = {
    "fakereg.css": "text/css; charset=utf-8",
    "fakereg.js": "text/javascript; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}


#: A page: the request, who is looking, the route's arguments.
PageView = Callable[..., Response]
Handler = Callable[..., Response]


@dataclass(frozen=True)
class PageParts:
    """What the page shows, handed in at assembly."""

    crates: CratePages
    traffic: TrafficPages
    faults: FaultPages
    account: AccountPages
    auth: Authorizer
    sessions: Sessions
    admin_token: str
    me_token: str | None
    registry: str
    url: str


class WebPages:
    """Answers the page's routes for one registry (and ``/me`` in the same look)."""

    def __init__(self, parts: PageParts) -> None:
        self._parts = parts

    def view(self, page: PageView) -> Handler:
        """The handler of a page's route: the page's rules (a form posted from this site,
        ``?admin=`` opening an admin session, who is looking) around *page*."""

        def handler(request: Request, **args: Any) -> Response:
            request.max_content_length = MAX_FORM  # the page's forms are small
            if request.method == "POST":
                self._check_origin(request)
            admin = request.args.get("admin")
            if admin is not None:
                return self._open_admin(request, admin)
            return page(request, self._viewer(request), **args)

        return handler

    @staticmethod
    def static(request: Request, file: str) -> Response:
        """The stylesheet, the script and the icon, from the package (cached until they
        change)."""
        return _static(request, file)

    def no_page(self, request: Request, allowed: tuple[str, ...] = (), **_: Any) -> Response:
        """A path of the page's with no page (404), or a method it does not take (405)."""
        if allowed:
            response = error_response(405, f"method {request.method} is not allowed here")
            response.headers["Allow"] = ", ".join(allowed)
            return secure(response)
        raise ApiError(404, f"no page at {request.path}")

    # -- who is looking ----------------------------------------------------------------

    def _viewer(self, request: Request) -> Viewer:
        """The viewer, checked as the API checks a read (401/403 on a private registry)."""
        auth, session = self._parts.auth, self._parts.sessions.of(request)
        login = self._signed_in(request)
        if not auth.private or (session is not None and session.admin):
            return Viewer(session, login=login)
        if request.headers.get("Authorization"):
            return Viewer(session, auth.read(request), login)
        token = None if session is None else session.token
        return Viewer(session, auth.read_token(token), login)

    def _signed_in(self, request: Request) -> str | None:
        """The login the browser signed in as, while its token is still good."""
        try:
            credential = self._parts.auth.browser_session(request)
        except RefusedError:
            return None
        return None if credential is None else credential.user.login

    def _chrome(self, viewer: Viewer) -> Chrome:
        session = viewer.session
        csrf = None if session is None else session.csrf
        return Chrome(self._parts.registry, self._parts.url, viewer.admin, viewer.login, csrf)

    @staticmethod
    def _check_origin(request: Request) -> None:
        """A browser's POST must come from a page of this site (the API's rule, in words
        for a person)."""
        foreign = foreign_origin(request)
        if foreign is not None:
            origin, own = foreign
            raise ApiError(403, f"a form of this page must come from {own}, not {origin}")

    def _session_form(self, request: Request, viewer: Viewer, *, admin: bool) -> Session:
        """The session a form was posted in, its CSRF token checked (and admin, if asked)."""
        session = viewer.session
        if session is None or not session.checks(request.form.get("csrf")):
            raise ApiError(403, "this form needs the page's session: reload the page")
        if admin and not session.admin:
            raise ApiError(403, "read-only page: changing faults needs the admin URL (…/?admin=…)")
        return session

    def _open_admin(self, request: Request, given: str) -> Response:
        """``?admin=<token>``: start an admin session, then show the page without it."""
        if not hmac.compare_digest(given.encode(), self._parts.admin_token.encode()):
            raise ApiError(403, "that is not this registry's admin token")
        old = self._parts.sessions.of(request)
        session = self._parts.sessions.start(admin=True, token=old.token if old else None)
        if old is not None:
            self._parts.sessions.end(old)
        query = urlencode([(k, v) for k, v in request.args.items(multi=True) if k != "admin"])
        response = redirect(request.path + (f"?{query}" if query else ""), 303)
        self._parts.sessions.set_cookie(response, session)
        return secure(response)

    def sign_in(self, request: Request) -> Response:
        """The sign-in form: a token (on a private registry, one that may read it), kept
        in a new session. The browser is then signed in as the token's user, with the
        token's limits, on the page and on the API routes crates.io keeps for its
        website (``/api/v1/me/tokens``…)."""
        request.max_content_length = MAX_FORM
        self._check_origin(request)
        token = (request.form.get("token") or "").strip()
        auth = self._parts.auth
        if auth.private:
            auth.read_token(token or None)
        else:
            auth.checks.credential(token or None)
        old = self._parts.sessions.of(request)
        session = self._parts.sessions.start(admin=bool(old and old.admin), token=token)
        if old is not None:
            self._parts.sessions.end(old)
        response = redirect(_local(request.form.get("next")), 303)
        self._parts.sessions.set_cookie(response, session)
        return secure(response)

    def sign_out(self, request: Request, viewer: Viewer) -> Response:
        session = self._session_form(request, viewer, admin=False)
        self._parts.sessions.end(session)
        response = redirect("/", 303)
        self._parts.sessions.set_cookie(response, None)
        return secure(response)

    # -- the pages -------------------------------------------------------------------

    def _page(self, viewer: Viewer, title: str, body: str, active: str) -> Response:
        return page_response(document(title, body, self._chrome(viewer), active=active))

    def crates(self, request: Request, viewer: Viewer) -> Response:
        body = self._parts.crates.listing(request, viewer)
        return self._page(viewer, "Crates", body, "crates")

    def crate(
        self, request: Request, viewer: Viewer, name: str, version: str | None = None
    ) -> Response:
        title, body = self._parts.crates.crate(viewer, name, version)
        return self._page(viewer, title, body, "crates")

    def traffic(self, request: Request, viewer: Viewer) -> Response:
        return self._page(viewer, "Traffic", self._parts.traffic.page(request, viewer), "traffic")

    def rows(self, request: Request, viewer: Viewer) -> Response:
        return secure(json_response(self._parts.traffic.rows(request, viewer)))

    def request(self, request: Request, viewer: Viewer, seq: int) -> Response:
        detail = self._parts.traffic.detail(seq, viewer)
        if request.args.get("part") == "detail":
            return page_response(detail)
        body = f'<p><a href="/traffic">← Traffic</a></p>{detail}'
        return self._page(viewer, f"Request #{seq}", body, "traffic")

    def faults(self, request: Request, viewer: Viewer) -> Response:
        error = None
        if request.method == "POST":
            self._session_form(request, viewer, admin=True)
            try:
                self._parts.faults.add(request.form)
            except (ValueError, TypeError) as exc:  # reg.fail's words, as the control API
                error = str(exc)
            except ApiError as exc:
                error = exc.detail
            if error is None:
                return secure(redirect("/faults", 303))
        csrf = None if viewer.session is None else viewer.session.csrf
        body = self._parts.faults.page(viewer, csrf, error)
        response = self._page(viewer, "Faults", body, "faults")
        response.status_code = 400 if error else 200
        return response

    def remove_fault(self, request: Request, viewer: Viewer, fault_id: int) -> Response:
        self._session_form(request, viewer, admin=True)
        self._parts.faults.remove(fault_id)
        return secure(redirect("/faults", 303))

    def delay(self, request: Request, viewer: Viewer) -> Response:
        self._session_form(request, viewer, admin=True)
        try:
            self._parts.faults.set_delay(request.form)
        except ValueError as exc:
            raise ApiError(400, str(exc)) from None
        return secure(redirect("/faults", 303))

    def me(self, request: Request) -> Response:
        """``/me``: the token to paste into ``cargo login`` and, for a browser signed in,
        its tokens view. A private registry never discloses a token here (there it needs a
        read token, and shows none: a scoped token must not lead to the default user's
        full one)."""
        try:
            viewer = self._viewer(request)
        except ApiError as exc:
            return self.refused(request, exc)
        return self._account(viewer)

    def create_token(self, request: Request, viewer: Viewer) -> Response:
        """The tokens view's form: a new token for the signed-in user, shown once."""
        session = self._session_form(request, viewer, admin=False)
        login = self._account_login(viewer, session)
        try:
            made = self._parts.account.create(login, request.form)
        except InvalidError as exc:
            return self._account(viewer, error=exc.detail, status=400)
        return self._account(viewer, made=made)

    def revoke_token(self, request: Request, viewer: Viewer, token_id: int) -> Response:
        """The revoke button of a token in the tokens view."""
        session = self._session_form(request, viewer, admin=False)
        self._parts.account.revoke(self._account_login(viewer, session), token_id)
        return secure(redirect("/me", 303))

    def respond_invitation(
        self, request: Request, viewer: Viewer, crate_id: int, action: str
    ) -> Response:
        """The accept and decline buttons of an owner invitation in the account view."""
        session = self._session_form(request, viewer, admin=False)
        if action not in ("accept", "decline"):
            raise ApiError(404, f"no page at {request.path}")
        login = self._account_login(viewer, session)
        self._parts.account.respond(login, crate_id, accepted=action == "accept")
        return secure(redirect("/me", 303))

    def _account_login(self, viewer: Viewer, session: Session) -> str:
        if viewer.login is None:
            raise ApiError(403, "sign in with a token first")
        credential = self._parts.auth.checks.credential(session.token)
        if credential.scopes is not None or credential.crates is not None:
            raise ApiError(
                403,
                "this browser signed in with a token limited to some scopes or crates: "
                "sign in with an unlimited token to manage tokens",
            )
        return viewer.login

    def _account(
        self,
        viewer: Viewer,
        *,
        made: tuple[str, TokenInfo] | None = None,
        error: str | None = None,
        status: int = 200,
    ) -> Response:
        api = self._parts.url
        if viewer.credential is not None or self._parts.auth.private or viewer.login:
            who = viewer.login or (viewer.credential.user.login if viewer.credential else "admin")
            shown = (
                f"(signed in as {esc(who)}: this page shows no token here; use the token you "
                "signed in with, or make one below)"
            )
        else:
            token = self._parts.me_token
            shown = esc(token) if token else "(this registry has no default token)"
        body = (
            "<h1>API token</h1>"
            f"<p>Registry API: <code>{esc(api)}</code></p>"
            "<p>Paste this token into <code>cargo login</code>:</p>"
            f'<div class="copy"><pre id="token">{shown}</pre>'
            '<button type="button" data-copy="token">Copy</button></div>'
        )
        if error is not None:
            body += f'<p class="notice error" role="alert">{esc(error)}</p>'
        session = viewer.session
        if viewer.login is not None and session is not None:
            body += self._parts.account.view(viewer.login, session.csrf, made)
        else:
            body += _sign_in_form("/me", private=self._parts.auth.private)
        return page_response(document("API token", body, self._chrome(viewer), active="me"), status)

    # -- refusals ----------------------------------------------------------------------

    def refused(self, request: Request, exc: ApiError | RefusedError) -> Response:
        """A refusal in the page's style: HTML for a browser, Cargo's JSON for the rest."""
        if "text/html" not in (request.headers.get("Accept") or ""):
            return secure(refusal(exc))
        status = status_of(exc)
        session = self._parts.sessions.of(request)
        csrf = None if session is None else session.csrf
        chrome = Chrome(self._parts.registry, self._parts.url, csrf=csrf)
        body = f'<h1>{status}</h1><p class="notice error" role="alert">{esc(exc.detail)}</p>'
        if status == 401 and self._parts.auth.private:
            back = request.full_path.rstrip("?")
            if request.method == "POST":  # a failed sign-in: back where it was going
                back = _local(request.form.get("next"))
            body += _sign_in_form(back, private=True)
        response = page_response(document(str(status), body, chrome), status)
        for name, value in getattr(exc, "headers", None) or ():
            response.headers[name] = value
        return response

    def __repr__(self) -> str:
        return f"WebPages({self._parts.url}, admin token {redact(self._parts.admin_token)})"


def _local(target: str | None) -> str:
    """*target* if it is a path of this site (never another site's URL), else ``/``."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target


def _sign_in_form(next_path: str, *, private: bool) -> str:
    label, hint = (
        ("Read token", "This registry is private: give a token that may read it, once;")
        if private
        else ("Token", "Sign in with an API token to manage your tokens;")
    )
    return (
        '<form class="grid" id="sign-in" method="post" action="/session">'
        f'<label class="wide">{label} <input name="token" type="password" '
        'autocomplete="off" required autofocus></label>'
        f'<input type="hidden" name="next" value="{esc(next_path)}">'
        f"<button>Sign in</button><p class=hint>{hint} the page keeps it for this browser "
        "session.</p></form>"
    )


@functools.cache
def _static_data(file: str) -> bytes:
    """A file of ``static/``, read once per process."""
    return resources.files(__package__).joinpath("static", file).read_bytes()


def _static(request: Request, file: str) -> Response:
    if file not in STATIC_FILES:
        raise ApiError(404, f"no file {file}")
    response = Response(_static_data(file), content_type=STATIC_FILES[file])
    response.headers["Cache-Control"] = "no-cache"
    response.add_etag()
    response.make_conditional(request)
    return secure(response)
