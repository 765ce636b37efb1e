"""The server: a listening socket, the poller thread, and a bounded pool of workers that
run the WSGI application on requests the poller has read whole.

:meth:`ServerThread.stop` stops accepting, lets answers in flight finish (HTTP/2
connections get a graceful GOAWAY), then closes every connection, so no thread of the
server outlives it but a worker still inside the application past the drain timeout.
"""

from __future__ import annotations

import os
import queue
import socket
import ssl
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from ..errors import AddressInUseError
from ..settings import DEFAULT_IDLE_TIMEOUT
from ..traffic.errorsink import ErrorSink
from .events import AnswerEvent, Exchange
from .fastpath import Replayer
from .poller import Poller
from .session import Limits
from .wsgi import answer

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

#: Connections the kernel may hold before they are accepted (capped by net.core.somaxconn).
LISTEN_BACKLOG = 1024

#: Workers running the application at once; more requests wait their turn.
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


_Job = tuple[Exchange, Callable[[AnswerEvent], None]]


class ServerThread:
    """Serves *app* on *listener* (from :func:`listen`, which it then owns): a poller thread
    and up to *max_workers* workers. *replay* answers requests from kept answers in the
    poller itself; *tls* makes it HTTPS (HTTP/2 by ALPN when the context offers ``h2``);
    *limits* bound what is read. A bug of the poller or a worker ends that connection
    only and goes to *errors*."""

    #: How long stop() lets answers in flight finish.
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
        limits: Limits | None = None,
    ) -> None:
        self._app = app
        self._errors = ErrorSink() if errors is None else errors
        listener.setblocking(False)
        host, port = listener.getsockname()[:2]
        self._address = (str(host), int(port))
        self.port: int = int(port)
        self.idle_timeout = idle_timeout
        self._max_workers = max_workers
        self._lock = threading.Lock()
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._workers: list[threading.Thread] = []
        self._free_workers = 0
        self._poller = Poller(
            listener,
            dispatch=self._submit,
            limits=Limits() if limits is None else limits,
            idle_timeout=idle_timeout,
            replay=replay,
            tls=tls,
            errors=self._errors,
            drain_timeout=self.drain_timeout,
        )
        self._thread = threading.Thread(
            target=self._run_poller, name=f"fakereg-server-{self.port}", daemon=True
        )

    @property
    def connections(self) -> ConnectionCount:
        """Connections open now, and accepted so far."""
        return ConnectionCount(self._poller.open, self._poller.accepted)

    def start(self) -> None:
        self._thread.start()

    def _run_poller(self) -> None:
        try:
            self._poller.run()
        except Exception as exc:  # pragma: no cover - a bug of ours in the loop itself
            self._errors.report(exc, "poller loop")

    # -- the workers ---------------------------------------------------------------------

    def _submit(self, exchange: Exchange, post: Callable[[AnswerEvent], None]) -> None:
        with self._lock:
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
        self._jobs.put((exchange, post))

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            exchange, post = job
            try:
                answer(self._app, exchange, self._address, post, self._errors)
            except Exception as exc:  # pragma: no cover - answer() reports its own
                self._errors.report(exc, "worker")
            with self._lock:
                self._free_workers += 1

    # -- stopping ------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop accepting, let answers in flight finish, close what is left, release the
        port."""
        self._poller.stop()
        if self._thread.is_alive():
            self._thread.join(self.drain_timeout + 2)
        else:
            self._poller.close_unstarted()
        deadline = time.monotonic() + self.drain_timeout
        with self._lock:
            workers = list(self._workers)
        for _ in workers:
            self._jobs.put(None)
        for worker in workers:
            worker.join(max(0.0, deadline - time.monotonic()))
