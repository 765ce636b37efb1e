"""One connection's requests: werkzeug's request handler, shaped for keep-alive and speed.

werkzeug's own ``run_wsgi`` closes every connection and, after each answer, waits 10 ms
for body bytes the application left unread. This one keeps HTTP/1.1 connections open
(and HTTP/1.0 ones that ask), frames every answer with ``Content-Length`` or chunks,
reads what is left of a request body only when it is short, and closes the connection
when it cannot know where the next request starts. An answer the pipeline kept may be
replayed before any WSGI environ is built.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import socket
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from werkzeug.serving import WSGIRequestHandler

from .http1 import framed, replayed
from .pipeline import Replayer

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication, WSGIEnvironment

access_log = logging.getLogger("fakereg.access")

#: What http.server's refusals without a message of their own say, the same on every Python.
_DETAILS = {414: "Request-URI Too Long: the request line is over 65536 bytes"}

#: The most of an unread request body read (and dropped) to keep its connection open.
MAX_SKIPPED_BODY = 64 * 1024


def log_line(client: str, requestline: str, status: int | str, started: float, sent: int) -> None:
    """The access-log line of a request answered: client, request line, status, body bytes
    sent and the time taken since *started* (``time.perf_counter``)."""
    access_log.info(
        '%s "%s" %s %d B %.1f ms',
        client,
        requestline,
        status,
        sent,
        (time.perf_counter() - started) * 1000,
    )


class BodyReader:
    """A request body of known length: reads stop at its end; counts what was read."""

    def __init__(self, raw: io.BufferedIOBase, length: int) -> None:
        self._raw = raw
        self.left = length

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0 or size > self.left:
            size = self.left
        if size == 0:
            return b""
        data = self._raw.read(size)
        self.left -= len(data)
        if not data:
            raise ConnectionResetError("the client hung up in the middle of its request body")
        return data

    def readline(self, size: int | None = -1) -> bytes:
        if size is None or size < 0 or size > self.left:
            size = self.left
        data = self._raw.readline(size) if size else b""
        self.left -= len(data)
        return data

    def __iter__(self) -> Any:
        return iter(self.readline, b"")


class RequestHandler(WSGIRequestHandler):
    """Serves requests on one connection until it closes; logs to ``fakereg.access``.

    Made once per connection (not run by its constructor): the server calls
    :meth:`serve_one` each time the connection has a request to read. Each request gets
    one access-log line once answered: client, request line, status, body bytes, time.
    Requests that never reach the application (an unreadable request line, headers too
    long or too many, HTTP/0.9) are answered in Cargo's error shape too.
    """

    protocol_version = "HTTP/1.1"
    replay: Replayer | None = None

    def __init__(self, request: socket.socket, client_address: Any, server: Any) -> None:
        self.request = request
        self.client_address = client_address
        self.server = server
        self.close_connection = False
        self._closed = False
        self._status: int | str = "-"
        self._sent = 0
        self.setup()

    def serve_one(self) -> bool:
        """Read and answer one request; True when the connection stays open."""
        self._status = "-"
        self._sent = 0
        try:
            self.handle_one_request()
        except (ConnectionError, TimeoutError, OSError):
            self.close_connection = True
        return not self.close_connection

    def pending(self) -> bool:
        """True when the next request's bytes are already here (pipelined)."""
        try:
            self.connection.settimeout(0)
            return bool(self.rfile.peek(1))  # type: ignore[attr-defined]
        except (OSError, ValueError):
            return False
        finally:
            with contextlib.suppress(OSError):
                self.connection.settimeout(self.timeout)

    def close(self) -> None:
        """Close the connection (again: nothing)."""
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(OSError, ValueError):
            self.finish()
        with contextlib.suppress(OSError):
            self.connection.close()

    # -- one request ---------------------------------------------------------------------

    def handle_one_request(self) -> None:
        started = time.perf_counter()
        self.raw_requestline = self.rfile.readline(65537)
        if not self.raw_requestline:
            self.close_connection = True
            return
        if len(self.raw_requestline) > 65536:
            self.requestline = self.request_version = self.command = ""
            self.send_error(414)
            return
        if not self.parse_request():
            return
        try:
            self._answer()
        finally:
            self.wfile.flush()
            log_line(self.address_string(), self.requestline, self._status, started, self._sent)

    def _answer(self) -> None:
        fast = self.replay
        if fast is not None and self.command in ("GET", "HEAD"):
            headers = {key.lower(): value for key, value in self.headers.items()}
            answer = fast(self.command, self.path, headers)
            if answer is not None:
                self._status, self._sent = answer.code, len(answer.body)
                data = replayed(answer, self.version_string())
                self.wfile.write(
                    framed(data, close=self.close_connection, version=self.request_version)
                )
                return
        self.run_wsgi()

    def parse_request(self) -> bool:
        if not super().parse_request():
            return False
        if self.request_version == "HTTP/0.9":
            self.send_error(400, "HTTP/0.9 requests are not supported: send HTTP/1.0 or 1.1")
            return False
        return True

    def run_wsgi(self) -> None:
        app: WSGIApplication = self.server.app
        if self.headers.get("Expect", "").lower().strip(" \t") == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        environ = self.environ = self.make_environ()
        body: BodyReader | None = None
        if "wsgi.input_terminated" not in environ:
            length = environ.get("CONTENT_LENGTH", "")
            if length.isdigit():
                body = BodyReader(self.rfile, int(length))
            elif length:  # unreadable: where the next request would start is unknown
                body = BodyReader(self.rfile, 0)
                self.close_connection = True
            else:
                body = BodyReader(self.rfile, 0)
            environ["wsgi.input"] = body
            environ["wsgi.input_terminated"] = True
        answer = _Answer(self, environ["REQUEST_METHOD"] == "HEAD", body)
        try:
            result = app(environ, answer.start_response)
            try:
                for data in result:
                    answer.write(data)
                answer.finish()
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        except ConnectionError:
            self.close_connection = True
            return
        finally:
            self._sent = answer.sent
        self._after_body(body)

    def _after_body(self, body: BodyReader | None) -> None:
        """Skip what the application left of the request body, or give up the connection."""
        if self.close_connection:
            return
        if not _skippable(body, self.environ):
            self.close_connection = True
            return
        if body is None:
            return
        try:
            while body.left:
                body.read(body.left)
        except (OSError, ValueError):
            self.close_connection = True

    # -- refusals and logging ------------------------------------------------------------

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        reason = self.responses.get(code, ("Error", ""))[0]
        # http.server names 414 differently across Python versions ("URI Too Long" in 3.13)
        detail = message or _DETAILS.get(code, reason)
        self.log_error("code %d, message %s", code, detail)
        self.close_connection = True
        # A request line that could not be read leaves the default version, HTTP/0.9, for
        # which http.server writes no status line or headers: answer as HTTP/1.0.
        if self.request_version in ("HTTP/0.9", ""):
            self.request_version = "HTTP/1.0"
        body = json.dumps({"errors": [{"detail": detail}]}).encode()
        self.send_response(code, reason)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self._sent += len(body)
        self._status = code

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        self._status = code  # the line is written when the answer is complete

    def log_error(self, format: str, *args: object) -> None:
        # What reaches here is the client's doing (a bad request line, a timeout, a
        # hang-up): worth a line in the access log, not an error of the registry's.
        access_log.info(format, *args)

    def log(self, type: str, message: str, *args: object) -> None:
        access_log.log(logging.ERROR if type == "error" else logging.INFO, message, *args)


def _skippable(body: BodyReader | None, environ: WSGIEnvironment) -> bool:
    """Whether what is left of a request body can be read past to the next request."""
    if body is None:  # chunked: werkzeug's reader knows whether it got to the end
        return bool(getattr(environ["wsgi.input"], "_done", False))
    return body.left <= MAX_SKIPPED_BODY


class _Answer:
    """One WSGI answer written to the connection: status and headers with the first bytes."""

    def __init__(self, handler: RequestHandler, head: bool, body: BodyReader | None) -> None:
        self._handler = handler
        self._head = head
        self._body = body
        self._status: str | None = None
        self._headers: list[tuple[str, str]] = []
        self._started = False
        self._chunked = False
        self.sent = 0

    def start_response(
        self, status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        if exc_info and self._started:
            raise exc_info[1].with_traceback(exc_info[2])
        self._status, self._headers = status, headers
        return self.write

    def _start(self, first: bytes) -> None:
        handler = self._handler
        assert self._status is not None, "write() before start_response"
        code_text, _, reason = self._status.partition(" ")
        code = int(code_text)
        handler.send_response(code, reason)
        names = set()
        for key, value in self._headers:
            handler.send_header(key, value)
            names.add(key.lower())
        framed = "content-length" in names or self._head or code < 200 or code in (204, 304)
        if not framed:
            if handler.request_version == "HTTP/1.1":
                self._chunked = True
                handler.send_header("Transfer-Encoding", "chunked")
            else:
                handler.close_connection = True  # the end of the body is the end of it
        if not handler.close_connection and not _skippable(self._body, handler.environ):
            handler.close_connection = True  # say so now: the rest of the body stays unread
        if handler.close_connection:
            handler.send_header("Connection", "close")
        elif handler.request_version != "HTTP/1.1":
            handler.send_header("Connection", "keep-alive")
        handler._headers_buffer.append(b"\r\n")
        head = b"".join(handler._headers_buffer)
        handler._headers_buffer.clear()
        self._started = True
        handler.wfile.write(head + self._frame(first))
        self.sent += len(first)

    def _frame(self, data: bytes) -> bytes:
        if self._chunked and data:
            return b"%x\r\n%s\r\n" % (len(data), data)
        return data

    def write(self, data: bytes) -> None:
        if not self._started:
            self._start(data)
        elif data:
            self._handler.wfile.write(self._frame(data))
            self.sent += len(data)

    def finish(self) -> None:
        if not self._started:
            self._start(b"")
        if self._chunked:
            self._handler.wfile.write(b"0\r\n\r\n")
