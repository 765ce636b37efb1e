"""werkzeug's threaded server in a background thread, stopped without a polling delay."""

from __future__ import annotations

import logging
import os
import selectors
import socket
import threading
from typing import TYPE_CHECKING

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from .errors import FakeRegError

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

access_log = logging.getLogger("fakereg.access")


class _RequestHandler(WSGIRequestHandler):
    """Logs to the ``fakereg.access`` logger (quiet unless configured) instead of stderr."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        access_log.info('%s "%s" %s %s', self.address_string(), self.requestline, code, size)

    def log(self, type: str, message: str, *args: object) -> None:
        access_log.log(logging.ERROR if type == "error" else logging.INFO, message, *args)


class AddressInUseError(FakeRegError, OSError):
    """The requested host and port cannot be bound."""


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        if os.name != "nt":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        error = AddressInUseError(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
        error.errno = exc.errno
        raise error from None
    return sock


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
    """Serves *app* on *host*:*port* (0: a free port) from a daemon thread."""

    #: How long stop() lets requests in flight finish.
    drain_timeout = 5.0

    def __init__(self, app: WSGIApplication, host: str, port: int) -> None:
        listener = _listen(host, port)
        self._in_flight = _InFlight(app)
        try:
            self._server: BaseWSGIServer = make_server(
                host,
                port,
                self._in_flight,
                threaded=True,
                request_handler=_RequestHandler,
                fd=listener.fileno(),
            )
        finally:
            listener.close()  # make_server keeps its own duplicate of the socket
        self.port: int = self._server.socket.getsockname()[1]
        self._wake_r, self._wake_w = socket.socketpair()
        self._thread = threading.Thread(
            target=self._serve, name=f"fakereg-server-{self.port}", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def _serve(self) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(self._server.socket, selectors.EVENT_READ)
            selector.register(self._wake_r, selectors.EVENT_READ)
            while True:
                ready = {key.fileobj for key, _ in selector.select()}
                if self._wake_r in ready:
                    return
                self._server.handle_request()

    def stop(self) -> None:
        """Stop accepting, wait for the serving loop to end, release the port."""
        if self._thread.is_alive():
            self._wake_w.send(b"x")
            self._thread.join()
        self._server.server_close()
        self._in_flight.wait_idle(self.drain_timeout)
        self._wake_r.close()
        self._wake_w.close()
