"""One accepted connection: its socket, TLS, HTTP engine, and the bytes waiting to go out.

Owned by the poller alone (workers reach it only through posted events). It is the
:class:`~.session.Link` of its engine, which it picks once it knows the protocol: by ALPN
after the TLS handshake, by HTTP/2's connection preface in cleartext, or by an
``Upgrade: h2c`` the HTTP/1.1 engine accepted.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import struct
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from .events import Exchange
from .fastpath import Replayer
from .http1 import Http1
from .http2 import Http2
from .session import OUTPUT_HIGH, Limits, Session
from .tls import TlsLayer

if TYPE_CHECKING:
    from .events import AnswerEvent  # noqa: F401

#: HTTP/2's connection preface (RFC 9113, section 3.4).
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
#: Plaintext encrypted ahead of the socket at most (the rest waits, unencrypted).
_TLS_AHEAD = 256 * 1024
_RECV = 65536


class Connection:
    """A client's connection, as the poller drives it."""

    def __init__(
        self,
        sock: socket.socket,
        client: tuple[str, int],
        *,
        tls: ssl.SSLContext | None,
        limits: Limits,
        replay: Replayer | None,
        dispatch: Callable[[Connection, Exchange], None],
        unwatch: Callable[[Connection], None] | None = None,
    ) -> None:
        self.sock = sock
        self.client = client
        self.scheme = "https" if tls is not None else "http"
        self.replay = replay
        self._limits = limits
        self._dispatch = dispatch
        self._unwatch = unwatch  # the poller stops watching the socket (before it closes)
        self._tls = None if tls is None else TlsLayer(tls)
        self.session: Session | None = None
        self._sniffed = b""
        self._out: deque[bytes] = deque()  # plaintext not yet encrypted (TLS) or sent
        self._queued = 0  # bytes in _out
        self._wire: memoryview | bytes = b""  # bytes being sent
        self.ending: str | None = None  # how the connection ends once its bytes are out
        self.lingering = False  # our side is shut: reading the client's leftovers
        self._peer_done = False  # the client ended its side: nothing of it is left to read
        self._delay_off = False  # TCP_NODELAY set
        if tls is not None:
            self.no_delay()  # (TLS writes records of its own: tickets, then the answer)
        self.closed = False
        self.events = 0  # what the poller watches it for
        self.seen = -1  # the engine's completed count when the deadline was last set

    # -- the engine's link ---------------------------------------------------------------

    @property
    def backlogged(self) -> bool:
        return self._queued > OUTPUT_HIGH

    def send(self, data: bytes) -> None:
        if data and not self.ending:
            self._out.append(data)
            self._queued += len(data)

    def dispatch(self, exchange: Exchange) -> None:
        self._dispatch(self, exchange)

    def close(self, how: str = "close") -> None:
        if self.ending is None or how == "reset":
            self.ending = how

    def no_delay(self) -> None:
        """Turn Nagle's algorithm off, once: an answer written in several pieces (a
        worker's head and body, TLS records, HTTP/2 frames) must not wait for the client's
        delayed ACK. A kept answer goes out in one write and needs no such flag (setting it
        on every connection costs a new-connection GET about a tenth of its time)."""
        if not self._delay_off:
            self._delay_off = True
            with contextlib.suppress(OSError):
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def upgrade(self, settings: bytes, exchange: Exchange, rest: bytes) -> None:
        self.no_delay()
        self.session = Http2(self, self._limits, (settings, exchange))
        if rest:
            self.session.receive(rest)

    # -- the poller's side ---------------------------------------------------------------

    @property
    def wants_read(self) -> bool:
        if self.lingering:
            return True
        if self.ending or self.backlogged:
            return False  # (read again once the client reads)
        return self.session is None or self.session.wants_read

    @property
    def has_output(self) -> bool:
        return bool(self._wire or self._out)

    def readable(self) -> None:
        """Read what the client sent and give it to the engine (or the TLS layer first)."""
        try:
            data = self.sock.recv(_RECV)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:  # reset by the client
            self.abort()
            return
        if self.lingering:
            if not data:
                self.abort()
            return
        if not data:
            self._peer_done = True
        if self._tls is not None:
            try:
                plain = self._receive_tls(data)
            except ssl.SSLError:
                self.abort()  # a handshake or record the client broke
                return
            if plain is None:
                return
            data = plain
        self._give(data)

    def _receive_tls(self, data: bytes) -> bytes | None:
        """Decrypt; None when there is nothing for the engine (b"": the client ended)."""
        tls = self._tls
        assert tls is not None
        was_ready = tls.ready
        ended = not data
        plain = tls.receive(data)
        wire = tls.wire()
        if wire:
            self._out_wire(wire)
        if not tls.ready:
            if ended:
                self.abort()
            return None
        if not was_ready:
            if tls.alpn == "h2":
                self.session = Http2(self, self._limits)
            else:
                self.session = Http1(self, self._limits)
        if ended or tls.closed:
            if plain:
                self._give(plain)
            return b""
        return plain or None

    def _give(self, data: bytes) -> None:
        session = self.session
        if session is None:  # cleartext: HTTP/2 by its preface, HTTP/1.1 otherwise
            data = self._sniffed + data
            if self._limits.http2 and data and PREFACE.startswith(data[:24]):
                if len(data) < len(PREFACE):
                    self._sniffed = data
                    return
                self.no_delay()
                session = Http2(self, self._limits)
            else:
                session = Http1(self, self._limits)
            self.session = session
            self._sniffed = b""
        session.receive(data)

    def _out_wire(self, data: bytes) -> None:
        if self._wire:
            self._wire = bytes(self._wire) + data
        else:
            self._wire = data

    def flush(self) -> None:
        """Send what is queued, as far as the socket takes it; then end the connection if
        it is ending."""
        if self.closed:
            return
        if self.ending == "reset":
            self.abort(reset=True)
            return
        tls = self._tls
        while True:
            if not self._wire:
                if not self._out:
                    break
                if tls is not None:
                    size = 0
                    while self._out and size < _TLS_AHEAD:
                        chunk = self._out.popleft()
                        size += len(chunk)
                        tls.send(chunk)
                    self._queued -= size
                    self._wire = tls.wire()
                else:
                    chunk = self._out.popleft()
                    while self._out and len(chunk) < _RECV:
                        chunk += self._out.popleft()
                    self._queued -= len(chunk)
                    self._wire = chunk
            try:
                sent = self.sock.send(self._wire)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                self.abort()
                return
            self._wire = memoryview(self._wire)[sent:] if sent < len(self._wire) else b""
            if self._wire:
                break
            if self.session is not None and not self.ending and self._queued <= OUTPUT_HIGH:
                self.session.resume()  # (what backpressure held may queue more: send it)
        if self._wire:
            return
        if self.ending is not None and not self.lingering:
            self._end()

    def _end(self) -> None:
        """All is sent: end as :attr:`ending` says."""
        if self._peer_done:  # the client has ended too: no leftovers to wait for
            self.abort()
            return
        if self.ending == "close" and self._tls is not None and self._tls.ready:
            self._tls.close_notify()
            wire = self._tls.wire()
            if wire:
                with contextlib.suppress(OSError):
                    self.sock.send(wire)
        # A lingering close: shut our side, then read what the client still sends until it
        # closes too (closing with unread bytes would reset the connection, and could cost
        # the client the answer it was sent).
        try:
            self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            self.abort()
            return
        self.lingering = True

    def abort(self, *, reset: bool = False) -> None:
        """Close now, unsent bytes and all (*reset*: with a TCP reset)."""
        if self.closed:
            return
        self.closed = True
        self._out.clear()
        self._queued = 0
        self._wire = b""
        if reset:
            with contextlib.suppress(OSError):
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        if self.events and self._unwatch is not None:
            self._unwatch(self)
        with contextlib.suppress(OSError):
            self.sock.close()
