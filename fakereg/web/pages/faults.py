"""The faults and delays view, and its admin forms.

The view lists the faults (in force, or spent: fired their *times*) with their hits, and
the index delay. An admin session (the page opened from the URL with ``?admin=…`` that the
CLI prints) also gets forms; what they post goes through the control API's own code: a
fault is built by :meth:`FaultSpec.from_json <fakereg.FaultSpec.from_json>` from the same keys as
``POST /__fakereg/faults`` and added by the same :class:`~fakereg.testing.inspection.Observer`,
so a bad one is refused with the words ``reg.fail`` would raise.
"""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from ...errors import ApiError
from ...storage.delay import IndexDelay
from ...testing.fault_set import Fault
from ...testing.faults import Answer, FaultSpec
from ...testing.inspection import Observer
from ...traffic.kinds import RECORDED_KINDS as KINDS
from ...transport.events import HTTP2_ERROR_CODES
from .layout import cells, esc, hidden_csrf, table
from .viewer import Viewer

#: The effects the form offers, and the JSON key each sets.
EFFECTS = (("status", "answer with a status"), ("drop", "drop the connection"),
           ("reset", "reset the connection"), ("goaway", "HTTP/2 GOAWAY (drain)"),
           ("reset_stream", "HTTP/2 RST_STREAM"), ("tls_eof", "end TLS without close_notify"),
           ("stall", "stall after the headers"), ("truncate", "truncate the answer"),
           ("corrupt", "corrupt a download"), ("malicious", "serve a malicious .crate"),
           ("invalid_line", "add an invalid index line"), ("delay", "only delay"))  # fmt: skip
_FLAGS = ("drop", "reset", "tls_eof", "stall", "truncate", "corrupt", "malicious", "invalid_line")
#: The effects that take an HTTP/2 error code (the form's ``code`` field), and its default.
_CODED = {"goaway": "NO_ERROR", "reset_stream": "INTERNAL_ERROR"}


def fault_from_form(form: MultiDict[str, str]) -> dict[str, Any]:
    """The control API's JSON for the fault the form describes (validated by FaultSpec)."""
    data: dict[str, Any] = {"kind": form.get("kind", "")}
    for key in ("crate", "version", "method"):
        if form.get(key, "").strip():
            data[key] = form[key].strip()
    effect = form.get("effect", "status")
    if effect == "status":
        data["status"] = _number(form, "status", int) or 503
        if form.get("message", "").strip():
            data["errors"] = [form["message"].strip()]
    elif effect in _FLAGS:
        data[effect] = True
    elif effect in _CODED:
        data[effect] = form.get("code", "").strip() or _CODED[effect]
    elif effect != "delay":
        raise ApiError(400, f"unknown effect `{effect}`")
    for key, kind in (("delay", float), ("times", int), ("after", int)):
        value = _number(form, key, kind)
        if value is not None:
            data[key] = value
    return data


def _number(form: MultiDict[str, str], key: str, kind: type[int] | type[float]) -> Any:
    raw = form.get(key, "").strip()
    if not raw:
        return None
    try:
        return kind(raw)
    except ValueError:
        raise ApiError(400, f"`{key}` must be a number, not `{raw}`") from None


class FaultPages:
    """The faults view of one registry, and what its forms do."""

    def __init__(self, observed: Observer, delay: IndexDelay) -> None:
        self._observed = observed
        self._delay = delay

    def add(self, form: MultiDict[str, str]) -> Fault:
        return self._observed.fail(FaultSpec.from_json(fault_from_form(form)))

    def remove(self, fault_id: int) -> None:
        self._observed.remove_fault(fault_id)

    def set_delay(self, form: MultiDict[str, str]) -> None:
        """Delay index updates as the form says; both fields empty: stop (showing all)."""
        seconds, polls = _number(form, "seconds", float), _number(form, "polls", int)
        if seconds is None and polls is None:
            self._delay.reveal()
            return
        self._delay.set(seconds, polls)

    def page(self, viewer: Viewer, csrf: str | None, error: str | None = None) -> str:
        admin = viewer.admin
        rows = [self._row(f, admin, csrf) for f in self._observed.faults.in_force()]
        heads = ["#", "Kind", "Matches", "Effect", "Times", "Hits", "Seen", "State"]
        listing = table(
            heads + ([""] if admin else []),
            rows,
            cls="faults",
            empty="No faults in force.",
        )
        delay = self._delay.delay()
        shown = "none" if delay is None else _delay_text(*delay)
        notice = f'<p class="notice error" role="alert">{esc(error)}</p>' if error else ""
        body = (
            f"<h1>Faults and delays</h1>{notice}<section><h2>Faults</h2>{listing}"
            f'</section><section><h2>Index delay</h2><p id="index-delay">{shown}</p>'
        )
        if not admin:
            return body + (
                '</section><p class="readonly" id="read-only">Read-only. To add and remove '
                "faults here, open the page from the admin URL that <code>python -m "
                "fakereg</code> prints (<code>…/?admin=…</code>).</p>"
            )
        return body + _delay_form(csrf) + "</section>" + _fault_form(csrf)

    def _row(self, fault: Fault, admin: bool, csrf: str | None) -> str:
        match = fault.spec.match
        pairs = (("crate", match.crate), ("version", match.version), ("method", match.method))
        matches = ", ".join(f"{key} {value}" for key, value in pairs if value)
        times = "always" if fault.spec.times is None else str(fault.spec.times)
        if fault.spec.after:
            times += f" after {fault.spec.after}"
        values = [
            str(fault.id),
            esc(fault.kind),
            esc(matches or "any request"),
            esc(_effect(fault)),
            esc(times),
            str(fault.hits),
            str(fault.seen),
            "active" if fault.active else "spent",
        ]
        if admin:
            values.append(
                f'<form method="post" action="/faults/{fault.id}/remove">{hidden_csrf(csrf)}'
                f'<button class="danger" aria-label="remove fault {fault.id}">Remove</button>'
                "</form>"
            )
        return cells(*values)


def _effect(fault: Fault) -> str:
    """What the fault does, with the error details it answers (the words cargo shows)."""
    effect = fault.effect
    words = effect.errors if isinstance(effect, Answer) and effect.errors else ()
    return fault.spec.describe() + "".join(f": {w}" for w in words)


def _delay_text(seconds: float | None, polls: int | None) -> str:
    parts = ([f"{seconds:g} s"] if seconds is not None else []) + (
        [f"{polls} polls"] if polls is not None else []
    )
    return "new versions appear after " + " and ".join(parts)


def _delay_form(csrf: str | None) -> str:
    return (
        '<form class="grid" id="delay-form" method="post" action="/faults/delay">'
        f"{hidden_csrf(csrf)}"
        '<label>Seconds <input name="seconds" inputmode="decimal" size="6"></label>'
        '<label>Polls <input name="polls" inputmode="numeric" size="6"></label>'
        "<button>Set delay</button>"
        '<p class="hint">Both empty: stop delaying and show every hidden version.</p></form>'
    )


def _fault_form(csrf: str | None) -> str:
    kinds = "".join(f"<option>{k}</option>" for k in KINDS)
    effects = "".join(f'<option value="{k}">{label}</option>' for k, label in EFFECTS)
    codes = "".join(f"<option>{code}</option>" for code in HTTP2_ERROR_CODES)
    return (
        '<section><h2>Add a fault</h2><form class="grid" id="fault-form" method="post" '
        f'action="/faults">{hidden_csrf(csrf)}'
        f'<label>Kind <select name="kind" required>{kinds}</select></label>'
        '<label>Crate <input name="crate" placeholder="any"></label>'
        '<label>Version <input name="version" placeholder="any"></label>'
        '<label>Method <input name="method" placeholder="any" size="7"></label>'
        f'<label>Effect <select name="effect">{effects}</select></label>'
        '<label>Status <input name="status" value="503" inputmode="numeric" size="4"></label>'
        f'<label>HTTP/2 code <select name="code"><option value="">default</option>{codes}'
        "</select></label>"
        '<label class="wide">Message <input name="message" '
        'placeholder="the error detail cargo shows"></label>'
        '<label>Delay (s) <input name="delay" inputmode="decimal" size="5"></label>'
        '<label>Times <input name="times" inputmode="numeric" size="4" '
        'placeholder="always"></label>'
        '<label>After <input name="after" inputmode="numeric" size="4" placeholder="0"></label>'
        "<button>Add fault</button></form></section>"
    )
