"""werkzeug's threaded server in a background thread, stopped without a polling delay.

Each connection has its own thread. A connection silent for longer than the idle timeout
is closed, so slow or vanished clients hold nothing for long; :meth:`ServerThread.stop`
lets requests in flight finish, then closes every connection still open, so no thread of
the server outlives it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import selectors
import socket
import threading
import time
from typing import TYPE_CHECKING, Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from ..errors import FakeRegError
from ..settings import DEFAULT_IDLE_TIMEOUT

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

access_log = logging.getLogger("fakereg.access")


#: Connections the kernel may hold before they are accepted (capped by net.core.somaxconn).
LISTEN_BACKLOG = 1024


#: What http.server's refusals without a message of their own say, the same on every Python.
_DETAILS = {414: "Request-URI Too Long: the request line is over 65536 bytes"}


class _CountingWriter:
    """A connection's writer that counts the bytes of an answer once its headers are out."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.counting = False
        self.sent = 0

    def write(self, data: bytes) -> int:
        written: int = self.raw.write(data)
        if self.counting:
            self.sent += len(data)
        return written

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)


class _RequestHandler(WSGIRequestHandler):
    """Logs to ``fakereg.access`` (quiet unless configured) instead of stderr; errors as JSON.

    Each request gets one line once it is answered: client, request line, status, the
    bytes of the body sent and the time taken. Requests that never reach the application
    (an unreadable request line, headers too long or too many, HTTP/0.9) are answered in
    Cargo's error shape too.
    """

    _status: int | str = "-"
    _writer: _CountingWriter | None = None

    def run_wsgi(self) -> None:
        started = time.perf_counter()
        self._status = "-"
        writer = self._writer = _CountingWriter(self.wfile)
        self.wfile = writer  # type: ignore[assignment]
        try:
            super().run_wsgi()
        finally:
            self.wfile = writer.raw
            self._writer = None
            access_log.info(
                '%s "%s" %s %d B %.1f ms',
                self.address_string(),
                self.requestline,
                self._status,
                writer.sent,
                (time.perf_counter() - started) * 1000,
            )

    def end_headers(self) -> None:
        super().end_headers()
        if self._writer is not None:
            self._writer.counting = True

    def parse_request(self) -> bool:
        if not super().parse_request():
            return False
        if self.request_version == "HTTP/0.9":
            self.send_error(400, "HTTP/0.9 requests are not supported: send HTTP/1.0 or 1.1")
            return False
        return True

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        reason = self.responses.get(code, ("Error", ""))[0]
        # http.server names 414 differently across Python versions ("URI Too Long" in 3.13)
        detail = message or _DETAILS.get(code, reason)
        self.log_error("code %d, message %s", code, detail)
        self.close_connection = True
        # A request line that could not be read leaves the default version, HTTP/0.9, for
        # which http.server writes no status line or headers: answer as HTTP/1.0.
        if self.request_version == "HTTP/0.9":
            self.request_version = "HTTP/1.0"
        body = json.dumps({"errors": [{"detail": detail}]}).encode()
        self.send_response(code, reason)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if self._writer is not None:
            self._status = code  # the line is written when the answer is complete
            return
        access_log.info('%s "%s" %s', self.address_string(), self.requestline, code)

    def log_error(self, format: str, *args: object) -> None:
        # What reaches here is the client's doing (a bad request line, a timeout, a
        # hang-up): worth a line in the access log, not an error of the registry's.
        access_log.info(format, *args)

    def log(self, type: str, message: str, *args: object) -> None:
        access_log.log(logging.ERROR if type == "error" else logging.INFO, message, *args)


class AddressInUseError(FakeRegError, OSError):
    """The requested host and port cannot be bound."""


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


class _Connections:
    """The connections being served, so that stop() can close those left open."""

    def __init__(self) -> None:
        self._open: set[socket.socket] = set()
        self._ending: list[threading.Thread] = []  # done with their connection, maybe alive
        self._changed = threading.Condition()

    def opened(self, connection: socket.socket) -> None:
        with self._changed:
            self._open.add(connection)

    def closed(self, connection: socket.socket) -> None:
        with self._changed:
            self._open.discard(connection)
            self._ending = [t for t in self._ending if t.is_alive()]
            self._ending.append(threading.current_thread())
            self._changed.notify_all()

    def close_all(self, timeout: float) -> bool:
        """Shut every open connection down; True once their threads have ended."""
        deadline = time.monotonic() + timeout
        with self._changed:
            for connection in self._open:
                with contextlib.suppress(OSError):  # already gone
                    connection.shutdown(socket.SHUT_RDWR)
            if not self._changed.wait_for(lambda: not self._open, timeout):
                return False
            ending, self._ending = self._ending, []
        for thread in ending:  # a thread reports its connection closed just before it ends
            if thread is not threading.current_thread():
                thread.join(max(0.0, deadline - time.monotonic()))
        return not any(thread.is_alive() for thread in ending)

    def handler(self, idle_timeout: float) -> type[WSGIRequestHandler]:
        """A request handler class that reports its connection here."""
        connections = self

        class Handler(_RequestHandler):
            timeout = idle_timeout

            def setup(self) -> None:
                connections.opened(self.request)
                super().setup()

            def finish(self) -> None:
                try:
                    super().finish()
                finally:
                    connections.closed(self.request)

        return Handler


class ServerThread:
    """Serves *app* from a daemon thread on *listener* (from :func:`listen`), which it owns."""

    #: How long stop() lets requests in flight finish.
    drain_timeout = 5.0

    def __init__(
        self,
        app: WSGIApplication,
        listener: socket.socket,
        *,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
    ) -> None:
        host, port = listener.getsockname()[:2]
        self._in_flight = _InFlight(app)
        self._connections = _Connections()
        try:
            self._server: BaseWSGIServer = make_server(
                host,
                port,
                self._in_flight,
                threaded=True,
                request_handler=self._connections.handler(idle_timeout),
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
        """Stop accepting, let requests in flight finish, close what is left, release the port."""
        if self._thread.is_alive():
            self._wake_w.send(b"x")
            self._thread.join()
        self._server.server_close()
        self._in_flight.wait_idle(self.drain_timeout)
        self._connections.close_all(self.drain_timeout)
        self._wake_r.close()
        self._wake_w.close()
