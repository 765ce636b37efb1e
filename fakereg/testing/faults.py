"""Fault injection: make chosen requests fail the ways real registries fail.

A :class:`FaultSpec` says which requests (a :class:`RequestMatcher`), how often, and the one
effect: an :class:`Answer` in the registry's place, a :class:`Cut` connection, a
:class:`Rewrite` of the registry's own body, or a :class:`Truncate`\\ d one (or none: only
``headers``, ``delay`` and ``dribble``, which go with any effect but a cut). It is built
from ``reg.fail()``'s keywords or from JSON with the same keys (:meth:`FaultSpec.build`);
a :class:`~fakereg.testing.fault_set.Fault` is a spec in force, counting its hits.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypedDict

if TYPE_CHECKING:
    from typing_extensions import Unpack

from ..errors import InvalidError, InvalidTypeError
from ..traffic.matchers import RequestMatcher
from ..transport.events import HTTP2_ERROR_CODES

HeadersArg = Mapping[str, str] | Sequence[tuple[str, str]]
RewriteKind = Literal["corrupt", "malicious", "invalid_line"]
#: Which request kind each rewrite applies to.
_REWRITE_KINDS: dict[RewriteKind, str] = {
    "corrupt": "download",
    "malicious": "download",
    "invalid_line": "index",
}


class FaultOptions(TypedDict, total=False):
    """The keywords of ``reg.fail(kind, ...)`` and the keys of a fault in JSON; see the
    guide docs/how-to/failures.md for each."""

    crate: str | None
    version: str | None
    method: str | None
    times: int | None
    after: int
    status: int | None
    errors: Sequence[str] | str | None
    body: bytes | str | None
    body_base64: str | None
    headers: HeadersArg | None
    delay: float
    dribble: float
    drop: bool
    reset: bool
    goaway: str | bool | None
    reset_stream: str | bool | None
    tls_eof: bool
    stall: bool
    truncate: bool
    corrupt: bool
    malicious: bool
    invalid_line: bool


@dataclass(frozen=True)
class Answer:
    """Answer in the registry's place: *status*, with a JSON *errors* body or a raw *body*
    (neither: Cargo's error shape naming the fault)."""

    status: int = 200
    errors: tuple[str, ...] | None = None
    body: bytes | None = None

    def __post_init__(self) -> None:
        if not 100 <= self.status <= 599:
            raise InvalidError(f"invalid HTTP status {self.status}")
        if self.errors is not None and self.body is not None:
            raise InvalidError("give errors= (a JSON errors body) or body= (raw), not both")


#: How a :class:`Cut` ends the answer (see there).
CutHow = Literal["drop", "reset", "goaway", "reset_stream", "tls_eof", "stall"]
#: The cuts that send no answer at all (the others send its head first).
_UNANSWERED = frozenset({"drop", "reset", "goaway", "reset_stream"})


@dataclass(frozen=True)
class Cut:
    """End the answer the way a broken server or CDN does.

    ``drop``: the connection closes unanswered. ``reset``: a TCP reset. ``goaway``: on
    HTTP/2 the connection is drained with GOAWAY *code* whose last stream is the one
    before the matching request (it and later streams are never answered); on HTTP/1.1 the
    connection closes unanswered. ``reset_stream``: RST_STREAM *code* on the matching
    stream only (HTTP/2); a TCP reset on HTTP/1.1. ``tls_eof``: the answer's head and half
    its body, then the TCP connection ends without TLS's close_notify (on plain HTTP:
    the connection closes there). ``stall``: the answer's head, then nothing, until the
    client gives up.
    """

    how: CutHow = "drop"
    code: str | None = None  # an HTTP/2 error code name, for goaway and reset_stream

    @property
    def reset(self) -> bool:
        """Whether this is a TCP reset (``reset=True``)."""
        return self.how == "reset"

    @property
    def answered(self) -> bool:
        """Whether the answer's head is sent before the cut."""
        return self.how not in _UNANSWERED

    def describe(self) -> str:
        return f"{self.how} {self.code}" if self.code else self.how


def _error_code(value: str | bool, default: str, keyword: str) -> str:
    """An HTTP/2 error code name from ``goaway=``/``reset_stream=`` (True: *default*)."""
    if value is True:
        return default
    if not isinstance(value, str) or value.upper() not in HTTP2_ERROR_CODES:
        raise InvalidError(
            f"{keyword}= takes an HTTP/2 error code name or True, not {value!r}: "
            + ", ".join(HTTP2_ERROR_CODES)
        )
    return value.upper()


@dataclass(frozen=True)
class Rewrite:
    """Let the registry answer, then spoil its body: ``corrupt`` or ``malicious`` (a
    download), ``invalid_line`` (an index file)."""

    what: RewriteKind


@dataclass(frozen=True)
class Truncate:
    """Send the headers and half of the body, then close the connection."""


Effect = Answer | Cut | Rewrite | Truncate


@dataclass(frozen=True)
class FaultSpec:
    """Which requests fail, how often, and how; validated when made."""

    match: RequestMatcher
    effect: Effect | None = None
    times: int | None = None
    after: int = 0
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0
    dribble: float = 0.0

    def __post_init__(self) -> None:
        kind = self.match.kind
        if kind is None:
            raise InvalidError("a fault needs a kind")
        if self.match.path is not None or self.match.status is not None:
            raise InvalidError("a fault matches kind, method, crate and version only")
        if self.times is not None and self.times < 1:
            raise InvalidError("times must be at least 1 (or None for always)")
        if self.after < 0 or self.delay < 0 or self.dribble < 0:
            raise InvalidError("after, delay and dribble cannot be negative")
        if isinstance(self.effect, Cut) and (
            self.dribble or (self.headers and not self.effect.answered)
        ):
            raise InvalidError(
                f"{self.effect.how} sends no answer to shape"
                + (" with dribble" if self.effect.answered else "")
            )
        if isinstance(self.effect, Rewrite):
            wanted = _REWRITE_KINDS[self.effect.what]
            if kind != wanted:
                raise InvalidError(f"{self.effect.what}=True applies to kind={wanted!r}")
            if self.effect.what == "malicious" and self.match.crate is None:
                raise InvalidError("malicious=True needs crate= (and usually version=)")

    @classmethod
    def build(cls, kind: str, **options: Unpack[FaultOptions]) -> FaultSpec:
        """A spec from ``reg.fail()``'s keywords (:class:`FaultOptions`); at most one
        effect among an answer (``status``/``errors``/``body``), ``drop``, ``reset``,
        ``goaway``, ``reset_stream``, ``tls_eof``, ``stall``, ``truncate``, ``corrupt``,
        ``malicious`` and ``invalid_line``."""
        unknown = set(options) - set(FaultOptions.__annotations__)
        if unknown:
            raise InvalidTypeError(f"unknown fault options: {', '.join(sorted(unknown))}")
        o = options
        status, errors, body = o.get("status"), o.get("errors"), o.get("body")
        if o.get("body_base64") is not None:
            if body is not None:
                raise InvalidError("give body= or body_base64=, not both")
            try:
                body = base64.b64decode(o.get("body_base64") or "", validate=True)
            except (binascii.Error, TypeError) as exc:
                raise InvalidError(str(exc)) from None
        truncate = o.get("truncate", False)
        cuts: list[Cut] = []
        if o.get("drop", False):
            cuts.append(Cut("drop"))
        if o.get("reset", False):
            cuts.append(Cut("reset"))
        goaway, reset_stream = o.get("goaway"), o.get("reset_stream")
        if goaway is not None and goaway is not False:
            cuts.append(Cut("goaway", _error_code(goaway, "NO_ERROR", "goaway")))
        if reset_stream is not None and reset_stream is not False:
            code = _error_code(reset_stream, "INTERNAL_ERROR", "reset_stream")
            cuts.append(Cut("reset_stream", code))
        if o.get("tls_eof", False):
            cuts.append(Cut("tls_eof"))
        if o.get("stall", False):
            cuts.append(Cut("stall"))
        answers = status is not None or errors is not None or body is not None
        if cuts and (answers or truncate) and not cuts[0].answered:
            raise InvalidError(f"{cuts[0].how} sends no answer to shape")
        rewrites = [name for name in _REWRITE_KINDS if o.get(name, False)]
        if answers + len(cuts) + truncate + len(rewrites) > 1:
            raise InvalidError(
                "a fault has one effect: an answer (status/errors/body), drop, reset, "
                "goaway, reset_stream, tls_eof, stall, truncate, corrupt, malicious or "
                "invalid_line; pick one"
            )
        effect: Effect | None = None
        if answers:
            listed = (errors,) if isinstance(errors, str) else errors
            effect = Answer(
                200 if status is None else status,
                None if listed is None else tuple(listed),
                body.encode() if isinstance(body, str) else body,
            )
        elif cuts:
            effect = cuts[0]
        elif truncate:
            effect = Truncate()
        elif rewrites:
            effect = Rewrite(rewrites[0])
        return cls(
            RequestMatcher(kind, o.get("method"), o.get("crate"), o.get("version")),
            effect,
            o.get("times"),
            o.get("after", 0),
            normalize_headers(o.get("headers")),
            o.get("delay", 0.0),
            o.get("dribble", 0.0),
        )

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FaultSpec:
        """A spec from a JSON object with ``reg.fail()``'s keyword names."""
        if not isinstance(data.get("kind"), str):
            raise InvalidError("a fault needs a kind")
        options = dict(data)
        kind = options.pop("kind")
        try:
            return cls.build(kind, **options)
        except TypeError as exc:  # an unknown key, or a value of the wrong type
            raise InvalidError(f"invalid fault: {exc}") from None

    def describe(self) -> str:
        """A short name of what the fault does, for records and reports."""
        effect = self.effect
        effects: list[str] = []
        if isinstance(effect, Answer):
            effects.append(f"status={effect.status}")
            effects += ["errors"] if effect.errors is not None else []
            effects += ["body"] if effect.body is not None else []
        elif isinstance(effect, Cut):
            effects.append(effect.describe())
        elif isinstance(effect, Truncate):
            effects.append("truncate")
        elif isinstance(effect, Rewrite):
            effects.append(effect.what)
        if self.delay:
            effects.append(f"delay={self.delay:g}s")
        if self.dribble:
            effects.append(f"dribble={self.dribble:g}s")
        if self.headers:
            effects.append("headers")
        return ", ".join(effects) or "no effect"


#: A header name: RFC 9110's token characters.
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")
#: Headers that frame the answer: a fault's body decides them, never the spec.
_FRAMING = frozenset({"content-length", "transfer-encoding", "connection"})


def normalize_headers(headers: HeadersArg | None) -> tuple[tuple[str, str], ...]:
    """A fault's extra answer headers, checked: token names, Latin-1 values without line
    breaks or controls (a header never breaks the answer or injects another), and none of
    the headers that frame the answer."""
    if headers is None:
        return ()
    items = headers.items() if isinstance(headers, Mapping) else headers
    checked = []
    for name, value in items:
        if not isinstance(name, str) or not isinstance(value, str):
            raise InvalidTypeError(f"header {name!r}: names and values are strings")
        if not _HEADER_NAME.match(name):
            raise InvalidError(f"header name {name!r}: only RFC 9110 token characters")
        if name.lower() in _FRAMING:
            raise InvalidError(f"header {name}: the answer's framing is the registry's to set")
        try:
            value.encode("latin-1")
        except UnicodeEncodeError:
            raise InvalidError(f"header {name}: the value must be Latin-1") from None
        if any(ch in value for ch in "\r\n\x00") or not value.isprintable():
            raise InvalidError(f"header {name}: no line breaks or controls in a value")
        checked.append((name, value))
    return tuple(checked)
