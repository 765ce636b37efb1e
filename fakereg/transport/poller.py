"""The poller: one thread that owns every connection, reads and writes without blocking,
and hands requests read whole to the workers.

Slow, silent or half-open clients cost a socket and a few objects here, never a worker: a
TLS handshake, a request trickling in and an answer the client does not read all wait in
the poller. A connection's deadline starts when it is accepted and afresh each time a
request of it has been read whole: the next request must be whole within
``idle_timeout`` of that (however it trickles in), or the connection closes.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import ssl
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from ..traffic.errorsink import ErrorSink
from .connection import Connection
from .events import AnswerEvent, Exchange
from .fastpath import Replayer
from .session import Limits

#: How long a closing connection reads what its client still sends (lingering close).
LINGER = 2.0
_READ, _WRITE = selectors.EVENT_READ, selectors.EVENT_WRITE


class Poller:
    """Serves the connections of *listener* until :meth:`stop` (see the module)."""

    def __init__(
        self,
        listener: socket.socket,
        *,
        dispatch: Callable[[Exchange, Callable[[AnswerEvent], None]], None],
        limits: Limits,
        idle_timeout: float,
        replay: Replayer | None,
        tls: ssl.SSLContext | None,
        errors: ErrorSink,
        drain_timeout: float,
    ) -> None:
        self._listener = listener
        self._submit = dispatch
        self._limits = limits
        self._idle_timeout = idle_timeout
        self._replay = replay
        self._tls = tls
        self._errors = errors
        self._drain_timeout = drain_timeout
        self._selector = selectors.DefaultSelector()
        self._connections: set[Connection] = set()
        # Deadlines by their length: each dict stays sorted, as each is set "now + length".
        self._deadlines: OrderedDict[Connection, float] = OrderedDict()
        self._lingering: OrderedDict[Connection, float] = OrderedDict()
        self._posted: deque[tuple[Connection, int, AnswerEvent]] = deque()
        self._woken = False
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._stopping = False
        self.accepted = 0

    @property
    def open(self) -> int:
        return len(self._connections)

    # -- from other threads --------------------------------------------------------------

    def post(self, connection: Connection, stream_id: int, event: AnswerEvent) -> None:
        """An answer event from a worker (thread-safe)."""
        self._posted.append((connection, stream_id, event))
        self._wake()

    def stop(self) -> None:
        """Ask the loop to stop: no new connections; answers in flight finish (for up to
        the drain timeout), HTTP/2 connections get a GOAWAY; then every connection closes."""
        self._stopping = True
        self._wake()

    def _wake(self) -> None:
        if not self._woken:
            self._woken = True
            with contextlib.suppress(OSError):
                self._wake_w.send(b"x")

    # -- the loop ------------------------------------------------------------------------

    def run(self) -> None:
        selector = self._selector
        selector.register(self._listener, _READ, None)
        selector.register(self._wake_r, _READ, self._wake_r)
        stop_by: float | None = None
        try:
            while True:
                timeout = self._next_deadline()
                if stop_by is not None:
                    timeout = 0.05 if timeout is None else min(timeout, 0.05)
                for key, mask in selector.select(timeout):
                    data = key.data
                    if data is None:
                        self._accept()
                    elif data is self._wake_r:
                        with contextlib.suppress(OSError):
                            self._wake_r.recv(4096)
                        # (cleared after the read: a post seeing it set is drained below)
                        self._woken = False
                    else:
                        self._ready(data, mask)
                self._answer_posted()
                self._expire()
                if self._stopping:
                    if stop_by is None:
                        stop_by = time.monotonic() + self._drain_timeout
                        self._begin_stop()
                    # (a lingering connection has nothing left to send: no reason to wait)
                    if time.monotonic() > stop_by or all(c.lingering for c in self._connections):
                        return
        finally:
            for connection in list(self._connections):
                connection.abort()
            self._connections.clear()
            self._deadlines.clear()
            self._lingering.clear()
            selector.close()
            self._listener.close()
            self._wake_r.close()
            self._wake_w.close()

    def _begin_stop(self) -> None:
        with contextlib.suppress(KeyError, ValueError):
            self._selector.unregister(self._listener)
        for connection in list(self._connections):
            if connection.session is None:
                connection.abort()
            else:
                connection.session.shutdown()
            self._update(connection)

    def _accept(self) -> None:
        for _ in range(64):  # (the listener stays readable while more wait)
            try:
                sock, address = self._listener.accept()
            except OSError:  # none left, out of descriptors, reset before accept
                return
            self.accepted += 1
            try:
                sock.setblocking(False)
            except OSError:
                sock.close()
                continue
            connection = Connection(
                sock,
                (str(address[0]), int(address[1])),
                tls=self._tls,
                limits=self._limits,
                replay=self._replay,
                dispatch=self._dispatch,
                unwatch=self._unwatch,
            )
            self._connections.add(connection)
            # The request is often here already: read it without waiting for a poll.
            self._ready(connection, _READ)

    def _ready(self, connection: Connection, mask: int) -> None:
        try:
            if mask & _READ:
                connection.readable()
            self._update(connection)
        except Exception as exc:  # a bug of ours: lose this connection only
            self._errors.report(exc, "poller")
            connection.abort()
            self._update(connection)

    def _dispatch(self, connection: Connection, exchange: Exchange) -> None:
        sid = exchange.stream_id
        self._submit(exchange, lambda event: self.post(connection, sid, event))

    def _answer_posted(self) -> None:
        touched: dict[Connection, None] = {}
        posted = self._posted
        while posted:
            connection, sid, event = posted.popleft()
            if connection.closed or connection.session is None:
                continue
            try:
                connection.no_delay()  # (a worker's answer may come in several writes)
                connection.session.answer(sid, event)
            except Exception as exc:  # a bug of ours: lose this connection only
                self._errors.report(exc, "poller, sending an answer")
                connection.abort()
            touched[connection] = None
        for connection in touched:
            self._update(connection)

    def _update(self, connection: Connection) -> None:
        """After anything happened to *connection*: send, watch, set its deadline."""
        connection.flush()
        if connection.closed:
            self._forget(connection)
            return
        events = (_READ if connection.wants_read else 0) | (_WRITE if connection.has_output else 0)
        if events != connection.events:
            try:
                if not connection.events:
                    self._selector.register(connection.sock, events, connection)
                elif events:
                    self._selector.modify(connection.sock, events, connection)
                else:
                    self._selector.unregister(connection.sock)
            except (OSError, ValueError, KeyError):
                connection.abort()
                self._forget(connection)
                return
            connection.events = events
        session = connection.session
        if connection.lingering:
            if connection.seen != -2:
                connection.seen = -2
                self._deadlines.pop(connection, None)
                self._lingering[connection] = time.monotonic() + LINGER
        elif session is not None and session.busy:
            self._deadlines.pop(connection, None)
            connection.seen = -1
        elif session is None:
            if connection.seen == -1:
                connection.seen = 0
                self._arm(connection, self._idle_timeout)
        elif connection.seen != session.completed or connection not in self._deadlines:
            connection.seen = session.completed
            self._arm(connection, self._idle_timeout)

    def _arm(self, connection: Connection, seconds: float) -> None:
        self._deadlines.pop(connection, None)
        self._deadlines[connection] = time.monotonic() + seconds

    def _next_deadline(self) -> float | None:
        """Seconds to the first deadline, or None."""
        firsts = [next(iter(d.values())) for d in (self._deadlines, self._lingering) if d]
        return max(0.0, min(firsts) - time.monotonic()) if firsts else None

    def _unwatch(self, connection: Connection) -> None:
        with contextlib.suppress(KeyError, ValueError, OSError):
            self._selector.unregister(connection.sock)
        connection.events = 0

    def _forget(self, connection: Connection) -> None:
        if connection.events:
            self._unwatch(connection)
        self._deadlines.pop(connection, None)
        self._lingering.pop(connection, None)
        self._connections.discard(connection)

    def _expire(self) -> None:
        now = time.monotonic()
        for deadlines in (self._deadlines, self._lingering):
            while deadlines:
                connection, deadline = next(iter(deadlines.items()))
                if deadline > now:
                    break
                del deadlines[connection]
                connection.abort()
                self._forget(connection)

    def close_unstarted(self) -> None:
        """Release the sockets of a poller whose loop never ran."""
        self._selector.close()
        self._listener.close()
        self._wake_r.close()
        self._wake_w.close()
