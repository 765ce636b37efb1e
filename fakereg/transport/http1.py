"""HTTP/1.1 on one connection (RFC 9112), on h11's state machine.

Each request is read whole before it is dispatched: its head is checked more strictly
than h11 does (no bare CR or LF, a request line HTTP/1.x can parse, a bounded size and
field count), ``Content-Length`` with ``Transfer-Encoding`` is refused, a chunked body's
framing is checked by :class:`~.chunked.ChunkedFraming`, and h11 is only ever given the
bytes of the request in hand, so a pipelined request behind it is read the same way.
Refusals get Cargo's error shape and close the connection (RFC 9112, section 9.6).
Kept answers to simple requests are sent by :mod:`.fastpath` without h11.
"""

from __future__ import annotations

import json
import re
import time
from http import HTTPStatus

import h11

from ..errors import InvalidError
from .chunked import ChunkedFraming
from .events import AnswerEvent, Cut, Data, End, Exchange, Head
from .fastpath import SERVER, date, http1_answer, simple_request
from .log import log_line
from .session import HEAD_LIMIT, MAX_FIELDS, Limits, Link, Session
from .wsgi import HOP_BY_HOP

_IDLE, _BODY, _ANSWERING, _STALLED, _CLOSED = range(5)
_BARE_LF = re.compile(rb"(?<!\r)\n")
_VERSION = re.compile(rb"HTTP/(\d)\.(\d)\Z")


def _head_problem(head: bytes) -> tuple[int, str] | None:
    """Why a request head (request line and fields, with its blank line) is refused."""
    line = head[: head.find(b"\r\n")]
    if len(line) > HEAD_LIMIT:
        return 414, f"Request-URI Too Long: the request line is over {HEAD_LIMIT} bytes"
    parts = line.split(b" ")
    if len(parts) == 2:
        return 400, "HTTP/0.9 requests are not supported: send HTTP/1.0 or 1.1"
    if len(parts) != 3:
        return 400, f"Bad request syntax: {line[:100]!r}"
    version = _VERSION.match(parts[2])
    if version is None:
        return 400, f"Bad request version: {parts[2][:20]!r}"
    if version.group(1) != b"1":
        return 505, (
            f"Invalid HTTP version ({version.group(1).decode()}.{version.group(2).decode()}) "
            "in an HTTP/1.1 request line: HTTP/2 starts with its connection preface"
        )
    if head.count(b"\n") != head.count(b"\r\n") or head.count(b"\r") != head.count(b"\n"):
        return 400, "a bare CR or LF in the request head (RFC 9112, section 2.2)"
    if b"\r\n " in head or b"\r\n\t" in head:
        return 400, "obsolete line folding in the request head (RFC 9112, section 5.2)"
    if len(head) > HEAD_LIMIT:
        return 431, "Line too long: the request head is over 65536 bytes"
    if head.count(b"\r\n") > MAX_FIELDS + 2:
        return 431, f"Too many headers: more than {MAX_FIELDS}"
    return None


def _early_problem(data: bytes) -> tuple[int, str] | None:
    """Why a request head not yet whole is refused already."""
    if _BARE_LF.search(data, 0, HEAD_LIMIT + 2):
        line_end = data.find(b"\n")
        first = data[:line_end].split(b" ")
        if len(first) == 2:
            return 400, "HTTP/0.9 requests are not supported: send HTTP/1.0 or 1.1"
        return 400, "a bare CR or LF in the request head (RFC 9112, section 2.2)"
    if len(data) > HEAD_LIMIT:
        if data.find(b"\r\n", 0, HEAD_LIMIT + 2) < 0:
            return 414, f"Request-URI Too Long: the request line is over {HEAD_LIMIT} bytes"
        return 431, "Line too long: the request head is over 65536 bytes"
    return None


def _tokens(headers: list[tuple[bytes, bytes]], name: bytes) -> set[bytes]:
    return {
        token.strip().lower()
        for field, value in headers
        if field == name
        for token in value.split(b",")
    }


class Http1(Session):
    """An HTTP/1.1 connection's requests, one at a time (pipelined ones wait their turn)."""

    def __init__(self, link: Link, limits: Limits) -> None:
        self._link = link
        self._limits = limits
        self._h11 = h11.Connection(h11.SERVER, max_incomplete_event_size=HEAD_LIMIT + 4)
        self._inbox = b""
        self._state = _IDLE
        self._request: h11.Request | None = None
        self._body = bytearray()
        self._left = 0
        self._chunks: ChunkedFraming | None = None
        self._must_close = False
        self._stopping = False
        self._peer_closed = False
        self._upgrade: bytes | None = None
        self._held = False  # a pipelined request waits for the client to read (backpressure)
        self.completed = 0

    @property
    def wants_read(self) -> bool:
        return self._state in (_IDLE, _BODY, _STALLED)

    @property
    def busy(self) -> bool:
        return self._state in (_ANSWERING, _STALLED)

    # -- reading -------------------------------------------------------------------------

    def receive(self, data: bytes) -> None:
        if self._state == _CLOSED:
            return
        if not data:
            self._peer_closed = True
            if self._state == _BODY:
                self._refuse(400, "Bad request: the body ended before its length or last chunk")
            elif self._state == _IDLE and self._inbox:
                self._refuse(400, "Bad request syntax: the request head ended unfinished")
            elif self._state != _ANSWERING:
                self._close()
            return
        if self._state == _STALLED:
            return  # (the client may say anything: the answer never comes)
        self._inbox = self._inbox + data if self._inbox else data
        self._advance()

    def _advance(self) -> None:
        while self._state != _CLOSED:
            if self._state == _IDLE:
                if self._inbox and self._link.backlogged:
                    self._held = True
                    return
                if not self._inbox or not self._start():
                    return
            elif self._state == _BODY:
                if not self._read_body():
                    return
            else:
                return

    def _start(self) -> bool:
        """Read a request's head; whether there is more to do now."""
        data = self._inbox
        replay = self._link.replay
        if replay is not None:
            simple = simple_request(data)
            if simple is not None:
                started = time.perf_counter()
                answer = replay(simple.method, simple.target, simple.headers, simple.version)
                if answer is not None:
                    self._inbox = data[simple.size :]
                    self.completed += 1
                    self._link.send(http1_answer(answer, close=not simple.keep_alive))
                    line = f"{simple.method} {simple.target} {simple.version}"
                    log_line(self._link.client[0], line, answer.code, started, len(answer.body))
                    if not simple.keep_alive:
                        self._close()
                        return False
                    return True
        end = data.find(b"\r\n\r\n", 0, HEAD_LIMIT + 4)
        if end < 0:
            problem = _early_problem(data)
            if problem is not None:
                self._refuse(*problem)
            return False
        head = data[: end + 4]
        problem = _head_problem(head)
        if problem is not None:
            self._refuse(*problem)
            return False
        self._inbox = data[end + 4 :]
        try:
            self._h11.receive_data(head)
            event = self._h11.next_event()
        except h11.RemoteProtocolError as exc:
            detail = f"Bad request: {exc}"
            if str(exc).startswith("illegal request line"):
                detail = (
                    "Bad request syntax: the request line must be method, target and version "
                    "separated by single spaces, the target visible ASCII (RFC 9112, section 3)"
                )
            self._refuse(exc.error_status_hint, detail)
            return False
        if not isinstance(event, h11.Request):  # pragma: no cover - a whole head was given
            self._refuse(400, "Bad request: an incomplete request head")
            return False
        return self._begin(event)

    def _begin(self, request: h11.Request) -> bool:
        self._request = request
        self._body = bytearray()
        headers = list(request.headers)
        names = [name for name, _ in headers]
        if b"transfer-encoding" in names and b"content-length" in names:
            self._refuse(400, "Content-Length and Transfer-Encoding together (RFC 9112, 6.3)")
            return False
        self._chunks = ChunkedFraming() if b"transfer-encoding" in names else None
        self._left = 0
        if b"content-length" in names:
            self._left = int(dict(headers)[b"content-length"])
        if (
            self._limits.http2
            and self._link.scheme == "http"
            and b"h2c" in _tokens(headers, b"upgrade")
            and {b"upgrade", b"http2-settings"} <= _tokens(headers, b"connection")
            and names.count(b"http2-settings") == 1
            and not self._left
            and self._chunks is None
        ):
            self._upgrade = dict(headers)[b"http2-settings"]
        if self._left > self._limits.max_body:  # refused by its length, unread
            self._dispatch(complete=False)
            return False
        if self._h11.they_are_waiting_for_100_continue and (self._left or self._chunks):
            self._link.send(
                self._h11.send(h11.InformationalResponse(status_code=100, headers=[])) or b""
            )
        self._state = _BODY
        return True

    def _read_body(self) -> bool:
        """Read what is here of the body; whether the request is whole (and dispatched)."""
        data = self._inbox
        if self._chunks is not None:
            try:
                taken = self._chunks.scan(data)
            except InvalidError as exc:
                self._refuse(400, f"Bad chunked body: {exc}")
                return False
        else:
            taken = min(self._left, len(data))
            self._left -= taken
        piece, self._inbox = data[:taken], data[taken:]
        try:
            if piece:
                self._h11.receive_data(piece)
            while True:
                event = self._h11.next_event()
                if isinstance(event, h11.Data):
                    self._body += event.data
                elif isinstance(event, h11.EndOfMessage):
                    self._dispatch(complete=True)
                    return True
                else:
                    break
        except h11.RemoteProtocolError as exc:
            self._refuse(exc.error_status_hint, f"Bad request body: {exc}")
            return False
        if len(self._body) > self._limits.max_body:
            self._dispatch(complete=False)
        return False

    def _dispatch(self, *, complete: bool) -> None:
        request = self._request
        assert request is not None
        self._state = _ANSWERING
        self.completed += 1
        if not complete:
            self._must_close = True  # the rest of its body stays unread
            del self._body[self._limits.max_body + 1 :]
        exchange = Exchange(
            request.method.decode("ascii"),
            request.target.decode("latin-1"),
            [(name.decode("latin-1"), value.decode("latin-1")) for name, value in request.headers],
            bytes(self._body),
            "HTTP/" + request.http_version.decode("ascii"),
            self._link.scheme,
            self._link.client,
            body_complete=complete,
        )
        self._body = bytearray()
        if self._upgrade is not None and complete:
            settings, self._upgrade = self._upgrade, None
            switch = h11.InformationalResponse(
                status_code=101,
                headers=[(b"Connection", b"Upgrade"), (b"Upgrade", b"h2c")],
                reason=b"Switching Protocols",
            )
            self._link.send(self._h11.send(switch) or b"")
            self._state = _CLOSED  # the connection is HTTP/2's from here
            exchange.http_version = "HTTP/2"
            exchange.stream_id = 1
            self._link.upgrade(settings, exchange, self._inbox)
            return
        self._link.dispatch(exchange)

    # -- answering -----------------------------------------------------------------------

    def answer(self, stream_id: int, event: AnswerEvent) -> None:
        if self._state != _ANSWERING:
            return
        if isinstance(event, Data):
            if self._request is not None and self._request.method != b"HEAD":
                self._link.send(self._h11.send(h11.Data(data=event.data)) or b"")
        elif isinstance(event, Head):
            headers = [("Server", SERVER), ("Date", date().decode())]
            headers += [(k, v) for k, v in event.headers if k.lower() not in HOP_BY_HOP]
            if self._must_close or self._stopping or self._peer_closed:
                headers.append(("Connection", "close"))
            response = h11.Response(
                status_code=event.status, headers=headers, reason=event.reason.encode("latin-1")
            )
            self._link.send(self._h11.send(response) or b"")
        elif isinstance(event, End):
            self._link.send(self._h11.send(h11.EndOfMessage()) or b"")
            self._finish()
        else:
            self._cut(event)

    def _cut(self, cut: Cut) -> None:
        if cut.how == "stall":
            self._state = _STALLED
            return
        self._state = _CLOSED
        if cut.how in ("reset", "reset_stream"):
            self._link.close("reset")
        elif cut.how == "tls_eof":
            self._link.close("eof")
        else:  # drop, goaway, truncate: the connection closes without (the rest of) an answer
            self._link.close("close")

    def _finish(self) -> None:
        h = self._h11
        if (
            self._must_close
            or self._stopping
            or self._peer_closed
            or h.our_state is not h11.DONE
            or h.their_state is not h11.DONE
        ):
            self._close()
            return
        h.start_next_cycle()
        self._request = None
        self._state = _IDLE
        self._advance()

    def resume(self) -> None:
        if self._held:
            self._held = False
            self._advance()

    def shutdown(self) -> None:
        self._stopping = True
        if self._state in (_IDLE, _BODY, _STALLED):
            self._close()

    def _close(self) -> None:
        self._state = _CLOSED
        self._link.close("close")

    def _refuse(self, status: int, detail: str) -> None:
        """Answer *status* in Cargo's error shape and close: the request cannot be read."""
        started = time.perf_counter()
        body = json.dumps({"errors": [{"detail": detail}]}).encode()
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = "Error"
        head = (
            f"HTTP/1.1 {status} {reason}\r\nServer: {SERVER}\r\nDate: {date().decode()}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n"
        ).encode()
        head_only = self._request is not None and self._request.method == b"HEAD"
        self._link.send(head if head_only else head + body)
        line = self._inbox[: self._inbox.find(b"\r\n")] if self._request is None else b""
        if self._request is not None:
            line = b"%s %s" % (self._request.method, self._request.target)
        log_line(self._link.client[0], line[:200].decode("latin-1"), status, started, len(body))
        self._close()
