"""What passes between the poller and the workers: a request read whole, and its answer as
events the poller turns into bytes on the connection it came from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

#: How an answer may end other than normally (see :class:`Interrupt`).
CutHow = Literal["drop", "reset", "goaway", "reset_stream", "tls_eof", "stall", "truncate"]

#: HTTP/2's error codes (RFC 9113, section 7), by name.
HTTP2_ERROR_CODES: dict[str, int] = {
    "NO_ERROR": 0x0,
    "PROTOCOL_ERROR": 0x1,
    "INTERNAL_ERROR": 0x2,
    "FLOW_CONTROL_ERROR": 0x3,
    "SETTINGS_TIMEOUT": 0x4,
    "STREAM_CLOSED": 0x5,
    "FRAME_SIZE_ERROR": 0x6,
    "REFUSED_STREAM": 0x7,
    "CANCEL": 0x8,
    "COMPRESSION_ERROR": 0x9,
    "CONNECT_ERROR": 0xA,
    "ENHANCE_YOUR_CALM": 0xB,
    "INADEQUATE_SECURITY": 0xC,
    "HTTP_1_1_REQUIRED": 0xD,
}


class Interrupt(Exception):
    """Raised by the application (its fault effects) to end an answer the way a broken
    server or CDN does instead of answering normally.

    Before the answer's status: ``drop`` (close the connection), ``reset`` (a TCP reset),
    ``goaway`` (HTTP/2: drain the connection with GOAWAY *code*; HTTP/1.1: close),
    ``reset_stream`` (HTTP/2: RST_STREAM *code* on this stream; HTTP/1.1: a TCP reset).
    After some of the body (raised by the body's iterator): ``truncate`` (close the
    connection), ``tls_eof`` (end the TCP connection without TLS's close_notify),
    ``stall`` (send nothing more, holding the stream open until the client gives up).
    """

    def __init__(self, how: CutHow, code: str | None = None) -> None:
        super().__init__(f"fakereg: answer cut ({how}{' ' + code if code else ''})")
        self.how: CutHow = how
        self.code = code


@dataclass(frozen=True, slots=True)
class Head:
    """The answer's status and header fields (as the application gave them)."""

    status: int
    reason: str
    headers: list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class Data:
    """Some of the answer's body."""

    data: bytes


@dataclass(frozen=True, slots=True)
class End:
    """The answer is complete."""


@dataclass(frozen=True, slots=True)
class Cut:
    """The answer ends as :class:`Interrupt` says (after the head and data posted so far)."""

    how: CutHow
    code: str | None = None


AnswerEvent = Head | Data | End | Cut


#: A WSGI environ key of fakereg's server (an extension, as PEP 3333 allows): True when
#: ``wsgi.input`` holds the request's whole body as the client sent it, False when the
#: body passed the transport's limit and only its start was read.
BODY_COMPLETE = "fakereg.body_complete"


@dataclass(slots=True)
class Exchange:
    """One request as the poller read it, for a worker to answer.

    *target* is the request target as sent (path and query); *headers* keep the client's
    order with lowercase names; *body* is whole, unless it passed the transport's limit
    (*body_complete* False: the application refuses it by its length).
    """

    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes
    http_version: str
    scheme: str
    client: tuple[str, int]
    stream_id: int = 0
    body_complete: bool = True
