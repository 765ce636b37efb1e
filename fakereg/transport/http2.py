"""HTTP/2 on one connection (RFC 9113), on h2's state machine: requests multiplexed as
streams, each read whole and answered by a worker (or a kept answer, at once), answers
sent as flow control allows, and the faults only HTTP/2 has (GOAWAY, RST_STREAM, a stream
that stalls) as a CDN produces them."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field

import h2.config
import h2.connection
import h2.errors
import h2.events
import h2.exceptions
import h2.settings

from .events import HTTP2_ERROR_CODES, AnswerEvent, Cut, Data, End, Exchange, Head
from .fastpath import SERVER, date, http2_fields
from .log import log_line
from .session import HEAD_LIMIT, Limits, Link, Session
from .wsgi import HOP_BY_HOP

#: Fields of an ``Upgrade: h2c`` request that HTTP/2's stream 1 does not carry.
_UPGRADE_FIELDS = frozenset({"connection", "upgrade", "http2-settings", "keep-alive"})
#: The receive window offered for request bodies (a stream's and the connection's).
RECEIVE_WINDOW = 1 << 24


@dataclass
class _Stream:
    """One request and its answer's progress."""

    headers: list[tuple[str, str]]
    body: bytearray = field(default_factory=bytearray)
    dispatched: bool = False
    head: bool = False  # HEAD: the answer has no body
    pending: deque[bytes] = field(default_factory=deque)
    ended: bool = False  # the answer's last byte is queued
    cut: Cut | None = None  # after what is pending: how the answer ends
    stalled: bool = False


class Http2(Session):
    """An HTTP/2 connection: its streams, their answers, and how it ends."""

    def __init__(
        self, link: Link, limits: Limits, upgrade: tuple[bytes, Exchange] | None = None
    ) -> None:
        self._link = link
        self._limits = limits
        config = h2.config.H2Configuration(
            client_side=False,
            header_encoding=None,
            # Our own fields are lowercase and checked where they are made (a fault's
            # headers by its spec): h2 need not check and normalize them again.
            validate_outbound_headers=False,
            normalize_outbound_headers=False,
        )
        self._h2 = conn = h2.connection.H2Connection(config)
        conn.local_settings = h2.settings.Settings(
            client=False,
            initial_values={
                h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: limits.max_concurrent_streams,
                h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: RECEIVE_WINDOW,
                h2.settings.SettingCodes.MAX_HEADER_LIST_SIZE: HEAD_LIMIT,
            },
        )
        self._streams: dict[int, _Stream] = {}
        self.completed = 0
        self._last_good: int | None = None  # after a GOAWAY: the last stream answered
        self._closing = False
        self._held = False  # answers wait for the client to read (backpressure)
        if upgrade is None:
            conn.initiate_connection()
        else:
            settings, exchange = upgrade
            conn.initiate_upgrade_connection(settings)
        conn.increment_flow_control_window(RECEIVE_WINDOW - 65535)
        if upgrade is not None:  # the request that asked to upgrade is stream 1's
            pseudo = [(":method", exchange.method), (":path", exchange.target)]
            pseudo.append((":scheme", exchange.scheme))
            kept = [(k, v) for k, v in exchange.headers if k not in _UPGRADE_FIELDS]
            self._streams[1] = _Stream(pseudo + kept, body=bytearray(exchange.body))
            self.completed += 1
            self._complete(1)
        self._flush()

    @property
    def wants_read(self) -> bool:
        return not self._closing

    @property
    def busy(self) -> bool:
        return any(s.dispatched or s.pending or s.ended for s in self._streams.values())

    # -- reading -------------------------------------------------------------------------

    def receive(self, data: bytes) -> None:
        if self._closing:
            return
        if not data:
            self._end("close")
            return
        try:
            events = self._h2.receive_data(data)
        except h2.exceptions.ProtocolError:
            self._flush()  # h2 has queued its GOAWAY
            self._end("close")
            return
        for event in events:
            if isinstance(event, h2.events.RequestReceived):
                headers = [
                    (bytes(k).decode("latin-1"), bytes(v).decode("latin-1"))
                    for k, v in event.headers or ()
                ]
                self._streams[event.stream_id] = _Stream(headers)
                self.completed += 1
            elif isinstance(event, h2.events.DataReceived):
                self._data(event)
            elif isinstance(event, h2.events.StreamEnded):
                self._complete(event.stream_id)
            elif isinstance(event, h2.events.StreamReset):
                self._streams.pop(event.stream_id, None)
            elif isinstance(event, h2.events.ConnectionTerminated):
                self._closing = True
        self._send_pending()
        self._flush()
        if self._closing and not self.busy:
            self._end("close")

    def _data(self, event: h2.events.DataReceived) -> None:
        sid = event.stream_id
        stream = self._streams.get(sid)
        if event.flow_controlled_length:
            self._h2.acknowledge_received_data(event.flow_controlled_length, sid)
        if stream is None or stream.dispatched:
            return
        stream.body += event.data or b""
        if len(stream.body) > self._limits.max_body:  # refused by its length, unread
            self._dispatch(sid, stream, complete=False)

    def _complete(self, sid: int) -> None:
        stream = self._streams.get(sid)
        if stream is None or stream.dispatched:
            return
        pseudo = dict(stream.headers)
        method = pseudo.get(":method", "")
        stream.head = method == "HEAD"
        replay = self._link.replay
        if replay is not None and method in ("GET", "HEAD") and not stream.body:
            started = time.perf_counter()
            target = pseudo.get(":path", "")
            fields = {k: v for k, v in stream.headers if not k.startswith(":")}
            fields.setdefault("host", pseudo.get(":authority", ""))
            answer = replay(method, target, fields, "HTTP/2")
            if answer is not None:
                head = [*http2_fields(answer.status, answer.head), (b"date", date())]
                self._h2.send_headers(sid, head, end_stream=not answer.body)
                if answer.body:
                    stream.pending.append(answer.body)
                    stream.ended = True
                else:
                    del self._streams[sid]
                log_line(
                    self._link.client[0],
                    f"{method} {target} HTTP/2",
                    answer.code,
                    started,
                    len(answer.body),
                )
                return
        self._dispatch(sid, stream, complete=True)

    def _dispatch(self, sid: int, stream: _Stream, *, complete: bool) -> None:
        pseudo = dict(stream.headers)
        stream.dispatched = True
        body = bytes(stream.body[: self._limits.max_body + 1])
        stream.body = bytearray()
        self._link.dispatch(
            Exchange(
                pseudo.get(":method", ""),
                pseudo.get(":path", ""),
                stream.headers,
                body,
                "HTTP/2",
                self._link.scheme,
                self._link.client,
                stream_id=sid,
                body_complete=complete,
            )
        )

    # -- answering -----------------------------------------------------------------------

    def answer(self, stream_id: int, event: AnswerEvent) -> None:
        stream = self._streams.get(stream_id)
        if stream is None or stream.ended or stream.cut is not None:
            return  # reset by the client, or after a GOAWAY that left it out
        if self._last_good is not None and stream_id > self._last_good:
            return
        try:
            if isinstance(event, Head):
                fields = [(":status", str(event.status)), ("server", SERVER)]
                fields.append(("date", date().decode()))
                fields += [(k.lower(), v) for k, v in event.headers if k.lower() not in HOP_BY_HOP]
                self._h2.send_headers(stream_id, fields)
            elif isinstance(event, Data):
                if not stream.head and event.data:
                    stream.pending.append(event.data)
            elif isinstance(event, End):
                stream.ended = True
            else:
                stream.cut = event
        except h2.exceptions.StreamClosedError:  # the client reset it meanwhile
            self._streams.pop(stream_id, None)
        self._send_pending()
        self._flush()

    def _send_pending(self) -> None:
        """Send what the streams have queued, as far as flow control allows; apply their
        cuts once what came before is sent."""
        conn = self._h2
        for sid, stream in list(self._streams.items()):
            try:
                while stream.pending and not stream.stalled:
                    if self._link.backlogged:
                        self._held = True
                        return
                    window = min(conn.local_flow_control_window(sid), conn.max_outbound_frame_size)
                    if window <= 0:
                        break
                    chunk = stream.pending[0]
                    if len(chunk) <= window:
                        stream.pending.popleft()
                    else:
                        chunk, stream.pending[0] = chunk[:window], chunk[window:]
                    conn.send_data(sid, chunk)
                    self._flush()
                if stream.pending:
                    continue
                if stream.cut is not None and not stream.stalled:
                    self._apply(sid, stream, stream.cut)
                elif stream.ended:
                    conn.end_stream(sid)
                    del self._streams[sid]
            except h2.exceptions.StreamClosedError:
                self._streams.pop(sid, None)
        if self._last_good is not None and not self.busy:
            self._end("close")

    def _apply(self, sid: int, stream: _Stream, cut: Cut) -> None:
        conn = self._h2
        code = HTTP2_ERROR_CODES.get(cut.code or "", 0)
        if cut.how == "stall":
            stream.stalled = True  # nothing more: its window may open, its data never comes
        elif cut.how == "reset_stream":
            conn.reset_stream(sid, code or h2.errors.ErrorCodes.INTERNAL_ERROR)
            del self._streams[sid]
        elif cut.how == "goaway":
            last = max(0, sid - 2)
            conn.close_connection(error_code=code, last_stream_id=last)
            self._last_good = last
            for other in [s for s in self._streams if s >= sid]:
                del self._streams[other]
        else:  # drop, reset, truncate, tls_eof: the connection ends here
            self._flush()
            self._end("reset" if cut.how == "reset" else "eof" if cut.how == "tls_eof" else "close")

    def resume(self) -> None:
        if self._held and not self._closing:
            self._held = False
            self._send_pending()
            self._flush()

    def shutdown(self) -> None:
        """A graceful GOAWAY (NO_ERROR): streams begun are answered, then the connection
        closes."""
        if self._closing or self._last_good is not None:
            return
        last = self._h2.highest_inbound_stream_id
        self._h2.close_connection(error_code=0, last_stream_id=last)
        self._last_good = last
        self._flush()
        if not self.busy:
            self._end("close")

    def _flush(self) -> None:
        data = self._h2.data_to_send()
        if data:
            self._link.send(data)

    def _end(self, how: str) -> None:
        if not self._closing or how != "close":
            self._flush()
        self._closing = True
        self._streams.clear()
        self._link.close(how)
