"""One accepted connection, as the server's poller and workers pass it between them.

The poller answers a request whose answer the pipeline kept itself, straight off the
socket and without blocking (:meth:`Connection.serve_fast`); anything else goes to a
worker, which makes the connection's werkzeug request handler the first time it needs one.
"""

from __future__ import annotations

import contextlib
import socket
import time
from typing import Any

from .handler import RequestHandler, log_line
from .http1 import framed, keeps_alive, parse_simple, replayed
from .pipeline import Replayer


class Connection:
    """A client's socket, its request handler (made on first need) and unsent bytes."""

    __slots__ = (
        "_handler",
        "_handler_class",
        "_server",
        "address",
        "closed",
        "handshake",
        "sock",
        "unsent",
    )

    def __init__(
        self, sock: socket.socket, address: Any, server: Any, handler: type[RequestHandler]
    ) -> None:
        self.sock = sock
        self.address = address
        self._server = server
        self._handler_class = handler
        self._handler: RequestHandler | None = None
        self.unsent: bytes | None = None  # the rest of a fast answer, for a worker to send
        self.closed = False
        self.handshake = False  # a TLS connection whose handshake a worker must make

    @property
    def handler(self) -> RequestHandler:
        if self._handler is None:
            self._handler = self._handler_class(self.sock, self.address, self._server)
        return self._handler

    def serve_fast(self, fast: Replayer | None, server_header: str) -> bool | None:
        """Answer the request waiting on the socket with a kept answer, never blocking.

        None: a worker must (no kept answer for it, or part of the answer is left in
        :attr:`unsent`); otherwise whether the connection stays open.
        """
        if fast is None:
            return None
        started = time.perf_counter()
        try:
            data = self.sock.recv(65540, socket.MSG_PEEK | socket.MSG_DONTWAIT)
        except BlockingIOError:
            return True  # nothing after all: keep waiting
        except OSError:
            return False
        if not data:
            return False  # the client hung up
        request = parse_simple(data)
        if request is None:
            return None
        answer = fast(request.method, request.target, request.headers)
        if answer is None:
            return None
        self.sock.recv(request.size, socket.MSG_DONTWAIT)  # (peeked: it is all there)
        close = not keeps_alive(request)
        out = framed(replayed(answer, server_header), close=close, version=request.version)
        try:
            sent = self.sock.send(out, socket.MSG_DONTWAIT)
        except BlockingIOError:
            sent = 0
        except OSError:
            return False
        requestline = data[: data.index(b"\r\n")].decode("ascii")
        log_line(self.address[0], requestline, answer.code, started, len(answer.body))
        if sent < len(out):
            self.unsent = out[sent:]
            if close:
                self.handler.close_connection = True
            return None
        return not close

    def send_unsent(self) -> bool:
        """Send what :meth:`serve_fast` could not; whether the connection stays open."""
        unsent, self.unsent = self.unsent, None
        try:
            self.sock.sendall(unsent or b"")
        except OSError:
            return False
        return not self.handler.close_connection

    def hang_up(self) -> None:
        """Shut the connection down and close it (again: nothing)."""
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.close()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self._handler is not None:
            self._handler.close()
        with contextlib.suppress(OSError):
            self.sock.close()
