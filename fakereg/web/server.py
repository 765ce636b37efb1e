"""werkzeug's WSGI server, answered by a bounded pool of workers, with keep-alive.

One thread (the poller) accepts connections and watches every connection that is
between requests; when one has bytes to read it goes to a worker, which answers its
requests while they keep coming, then hands it back. So a thousand idle keep-alive
connections cost a thousand sockets, not a thousand threads; a connection silent for
longer than the idle timeout is closed (by the poller between requests, by the socket's
timeout within one). :meth:`ServerThread.stop` stops accepting, lets requests in flight
finish, then closes every connection still open, so no thread of the server outlives it.
"""

from __future__ import annotations

import contextlib
import os
import queue
import selectors
import socket
import ssl
import threading
import time
from collections import OrderedDict
from typing import TYPE_CHECKING, NamedTuple

from werkzeug.serving import BaseWSGIServer

from ..errors import AddressInUseError
from ..settings import DEFAULT_IDLE_TIMEOUT
from ..traffic.errorsink import ErrorSink
from .connection import Connection
from .handler import RequestHandler
from .pipeline import Replayer

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment


#: Connections the kernel may hold before they are accepted (capped by net.core.somaxconn).
LISTEN_BACKLOG = 1024

#: Workers answering requests at once; more connections wait their turn, idle ones cost
#: no worker.
MAX_WORKERS = 32


def listen(host: str, port: int) -> socket.socket:
    """A socket listening on *host*:*port* (0: a free port); AddressInUseError if it cannot."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        if os.name != "nt":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(LISTEN_BACKLOG)
    except OSError as exc:
        sock.close()
        error = AddressInUseError(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
        error.errno = exc.errno
        raise error from None
    return sock


class ConnectionCount(NamedTuple):
    """The server's connections: open now, and accepted since it started."""

    open: int
    accepted: int


class _InFlight:
    """Counts requests being answered, so that stop() can let them finish."""

    def __init__(self, app: WSGIApplication) -> None:
        self._app = app
        self._count = 0
        self._idle = threading.Condition()

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        with self._idle:
            self._count += 1
        try:
            answer = self._app(environ, start_response)
        except BaseException:
            self._done()
            raise
        return self._iterate(answer)

    def _iterate(self, answer: Iterable[bytes]) -> Iterator[bytes]:
        try:
            yield from answer
        finally:
            close = getattr(answer, "close", None)
            if close is not None:
                close()
            self._done()

    def _done(self) -> None:
        with self._idle:
            self._count -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        with self._idle:
            return self._idle.wait_for(lambda: self._count == 0, timeout)


class ServerThread:
    """Serves *app* on *listener* (from :func:`listen`, which it then owns) from a poller
    thread and up to :data:`MAX_WORKERS` workers; *replay* replays the answers the
    pipeline kept. A bug of the poller or a worker ends that connection only and goes to
    *errors*."""

    #: How long stop() lets requests in flight finish.
    drain_timeout = 5.0

    def __init__(
        self,
        app: WSGIApplication,
        listener: socket.socket,
        *,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
        replay: Replayer | None = None,
        max_workers: int = MAX_WORKERS,
        tls: ssl.SSLContext | None = None,
        errors: ErrorSink | None = None,
    ) -> None:
        host, port = listener.getsockname()[:2]
        self._in_flight = _InFlight(app)
        self.idle_timeout = idle_timeout
        self._tls = tls
        self._errors = ErrorSink() if errors is None else errors
        if tls is not None:  # the poller cannot peek into TLS: every request takes a worker
            replay = None
        self._fast = replay
        self._handler = type(
            "Handler", (RequestHandler,), {"timeout": idle_timeout, "replay": replay}
        )
        try:
            # werkzeug's server object: the listening socket, and what its handlers read.
            self._server = BaseWSGIServer(
                host, port, self._in_flight, handler=self._handler, fd=listener.fileno()
            )
        finally:
            listener.close()  # the server keeps its own duplicate of the socket
        self._server.multithread = True
        # (werkzeug's environ says https when its server has a context; the handshake is
        # ours, in a worker, so werkzeug never wraps the listening socket itself)
        self._server.ssl_context = tls
        self._server_header = f"{self._server._server_version} {RequestHandler.sys_version}"
        self._server.socket.setblocking(False)
        self.port: int = self._server.socket.getsockname()[1]
        self._max_workers = max_workers
        self._lock = threading.Lock()
        self._jobs: queue.SimpleQueue[Connection | None] = queue.SimpleQueue()
        self._returned: list[Connection] = []  # back from workers, for the poller
        self._idle: OrderedDict[Connection, float] = OrderedDict()  # the poller's, by deadline
        self._busy: set[Connection] = set()  # with a worker
        self._workers: list[threading.Thread] = []
        self._free_workers = 0  # waiting for a job, less the jobs queued
        self._stopping = False
        self._accepted = 0
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._thread = threading.Thread(
            target=self._poll, name=f"fakereg-server-{self.port}", daemon=True
        )

    @property
    def connections(self) -> ConnectionCount:
        """Connections open now (between requests or being answered), and accepted so far."""
        with self._lock:
            open_now = len(self._idle) + len(self._busy) + len(self._returned)
            return ConnectionCount(open_now, self._accepted)

    def start(self) -> None:
        self._thread.start()

    # -- the poller ----------------------------------------------------------------------

    def _poll(self) -> None:
        listening = self._server.socket
        with selectors.DefaultSelector() as selector:
            selector.register(listening, selectors.EVENT_READ)
            selector.register(self._wake_r, selectors.EVENT_READ)
            while True:
                timeout = None
                if self._idle:
                    first = next(iter(self._idle.values()))
                    timeout = max(0.0, first - time.monotonic())
                for key, _ in selector.select(timeout):
                    if key.fileobj is listening:
                        self._accept(selector)
                    elif key.fileobj is self._wake_r:
                        with contextlib.suppress(BlockingIOError):
                            self._wake_r.recv(4096)
                        if self._stopping:
                            return
                        self._take_back(selector)
                    else:
                        try:
                            self._readable(selector, key.data)
                        except Exception as exc:  # a bug of ours: lose this connection only
                            self._errors.report(exc, "poller")
                            self._drop(selector, key.data)
                self._expire(selector)

    def _accept(self, selector: selectors.BaseSelector) -> None:
        """Accept one connection (the listener stays readable while more wait)."""
        try:
            sock, address = self._server.socket.accept()
        except OSError:  # none left, out of descriptors, reset before accept
            return
        with self._lock:
            self._accepted += 1
        if self._tls is not None:
            try:
                # TLS 1.3 sends session tickets in a write of their own before the answer:
                # with Nagle the answer would wait for the client's delayed ACK (40 ms).
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                wrapped = self._tls.wrap_socket(
                    sock, server_side=True, do_handshake_on_connect=False
                )
            except OSError:
                sock.close()
                return
            connection = Connection(wrapped, address, self._server, self._handler)
            connection.handshake = True
            self._dispatch(connection)  # the handshake blocks: a worker's job
            return
        connection = Connection(sock, address, self._server, self._handler)
        try:
            sock.settimeout(0)  # the poller never waits on a connection
            # The request is often here already: answer it without waiting for a poll.
            keep = connection.serve_fast(self._fast, self._server_header)
        except OSError:  # the client's doing
            keep = False
        except Exception as exc:  # a bug of ours: lose this connection only
            self._errors.report(exc, "poller, a new connection")
            keep = False
        if keep:
            self._watch(selector, connection)
        elif keep is None:
            self._dispatch(connection)
        else:
            connection.close()

    def _readable(self, selector: selectors.BaseSelector, connection: Connection) -> None:
        keep = None if self._stopping else connection.serve_fast(self._fast, self._server_header)
        if keep:
            with self._lock:  # answered: wait for the next request, afresh
                self._idle.move_to_end(connection)
                self._idle[connection] = time.monotonic() + self.idle_timeout
            return
        self._unwatch(selector, connection)
        if keep is None:
            self._dispatch(connection)
        else:
            connection.close()  # no thread of ours is waiting on it

    def _unwatch(self, selector: selectors.BaseSelector, connection: Connection) -> None:
        """Stop watching *connection* (a worker takes it, or it is closed)."""
        with contextlib.suppress(KeyError, ValueError):
            selector.unregister(connection.sock)
        with self._lock:
            self._idle.pop(connection, None)

    def _drop(self, selector: selectors.BaseSelector, connection: Connection) -> None:
        self._unwatch(selector, connection)
        connection.close()

    def _watch(self, selector: selectors.BaseSelector, connection: Connection) -> None:
        try:
            selector.register(connection.sock, selectors.EVENT_READ, connection)
        except (OSError, ValueError):  # closed meanwhile
            connection.close()
            return
        with self._lock:
            self._idle[connection] = time.monotonic() + self.idle_timeout

    def _take_back(self, selector: selectors.BaseSelector) -> None:
        with self._lock:
            returned, self._returned = self._returned, []
        for connection in returned:
            try:
                connection.sock.settimeout(0)
            except OSError:
                connection.close()
                continue
            self._watch(selector, connection)

    def _expire(self, selector: selectors.BaseSelector) -> None:
        now = time.monotonic()
        while self._idle:
            connection, deadline = next(iter(self._idle.items()))
            if deadline > now:
                return
            self._unwatch(selector, connection)
            connection.hang_up()

    # -- the workers ---------------------------------------------------------------------

    def _dispatch(self, connection: Connection) -> None:
        with self._lock:
            self._busy.add(connection)
            start = self._free_workers <= 0 and len(self._workers) < self._max_workers
            if start:
                worker = threading.Thread(
                    target=self._work, name=f"fakereg-worker-{self.port}", daemon=True
                )
                self._workers.append(worker)
            else:
                self._free_workers -= 1
        if start:
            worker.start()
        self._jobs.put(connection)

    def _work(self) -> None:
        while True:
            connection = self._jobs.get()
            if connection is None:
                return
            self._serve(connection)
            with self._lock:
                self._free_workers += 1

    def _serve(self, connection: Connection) -> None:
        """Answer the connection's requests while they come, then hand it back or close it."""
        try:
            connection.sock.settimeout(self.idle_timeout)
            if connection.handshake:
                connection.handshake = False
                connection.sock.do_handshake()  # type: ignore[attr-defined]
            if connection.unsent is not None:
                keep = connection.send_unsent()
            else:
                keep = connection.handler.serve_one()
            while keep and not self._stopping and connection.handler.pending():
                keep = connection.handler.serve_one()
        except OSError:  # (the handler's own errors are handled where they arise)
            keep = False
        except Exception as exc:  # a bug of ours outside the application: end this one only
            self._errors.report(exc, "worker")
            keep = False
        keep = keep and not self._stopping
        with self._lock:
            self._busy.discard(connection)
            if keep:
                self._returned.append(connection)
        if keep:
            with contextlib.suppress(OSError):
                self._wake_w.send(b"r")
        else:
            connection.close()

    # -- stopping ------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop accepting, let requests in flight finish, close what is left, release the port."""
        self._stopping = True
        if self._thread.is_alive():
            self._wake_w.send(b"x")
            self._thread.join()
        self._server.server_close()
        with self._lock:
            idle = [*self._idle, *self._returned]
            self._idle.clear()
            self._returned = []
        for connection in idle:
            connection.hang_up()
        self._in_flight.wait_idle(self.drain_timeout)
        with self._lock:
            busy = list(self._busy)
        for connection in busy:  # reading a request that may never come: end the wait
            with contextlib.suppress(OSError):
                connection.sock.shutdown(socket.SHUT_RDWR)
        with self._lock:
            workers = list(self._workers)
        for _ in workers:
            self._jobs.put(None)
        deadline = time.monotonic() + self.drain_timeout
        for worker in workers:
            worker.join(max(0.0, deadline - time.monotonic()))
        with self._lock:
            late = list(self._returned)  # handed back by a worker before it saw the flag
        for connection in late:
            connection.hang_up()
        self._wake_r.close()
        self._wake_w.close()
