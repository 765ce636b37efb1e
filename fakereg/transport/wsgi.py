"""A request read whole, answered by the WSGI application in a worker: the environ made
from an :class:`~.events.Exchange`, and the answer posted back as events."""

from __future__ import annotations

import io
import sys
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from .events import BODY_COMPLETE, AnswerEvent, Cut, Data, End, Exchange, Head, Interrupt
from .log import log_line

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication, WSGIEnvironment

    from ..traffic.errorsink import ErrorSink

#: Header fields about one hop's framing: HTTP/2 forbids them, WSGI leaves them to servers.
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te"}
)

_INTERNAL_ERROR = b'{"errors":[{"detail":"internal server error: see reg.errors"}]}'


def _wsgi_text(text: str) -> str:
    """A str as WSGI carries it: its UTF-8 bytes as Latin-1 characters (PEP 3333)."""
    return text.encode("utf-8", "surrogateescape").decode("latin-1")


def environ_of(exchange: Exchange, server: tuple[str, int]) -> WSGIEnvironment:
    """The WSGI environ of *exchange*, as werkzeug's own server would make it."""
    target = exchange.target
    url = urlsplit(target)
    path = url.path
    if not url.scheme and url.netloc:  # "//a/b": the first segment is the path's, not a host
        path = f"/{url.netloc}{path}"
    environ: dict[str, Any] = {
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": exchange.scheme,
        "wsgi.input": io.BytesIO(exchange.body),
        "wsgi.input_terminated": True,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "SERVER_SOFTWARE": "fakereg",
        "REQUEST_METHOD": exchange.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": _wsgi_text(unquote(path)),
        "QUERY_STRING": _wsgi_text(url.query),
        "REQUEST_URI": _wsgi_text(target),
        "RAW_URI": _wsgi_text(target),
        "REMOTE_ADDR": exchange.client[0],
        "REMOTE_PORT": exchange.client[1],
        "SERVER_NAME": server[0],
        "SERVER_PORT": str(server[1]),
        "SERVER_PROTOCOL": exchange.http_version,
        BODY_COMPLETE: exchange.body_complete,
    }
    for name, value in exchange.headers:
        if name.startswith(":"):
            if name == ":authority" and "HTTP_HOST" not in environ:
                environ["HTTP_HOST"] = value
            continue
        if "_" in name:  # (werkzeug's rule: X_Token could pass for X-Token)
            continue
        if name == "content-type":
            environ["CONTENT_TYPE"] = value
            continue
        if name == "content-length":
            environ["CONTENT_LENGTH"] = value
            continue
        key = "HTTP_" + name.upper().replace("-", "_")
        if key in environ:
            value = environ[key] + ("; " if name == "cookie" else ",") + value
        environ[key] = value
    if exchange.body and "CONTENT_LENGTH" not in environ:
        environ["CONTENT_LENGTH"] = str(len(exchange.body))
    return environ


class _Answer:
    """One answer's progress: posts its head with the first body bytes (or at the end)."""

    def __init__(self, post: Callable[[AnswerEvent], None], head_only: bool) -> None:
        self._post = post
        self._head_only = head_only
        self._head: Head | None = None
        self.started = False
        self.status = 0
        self.sent = 0

    def start_response(
        self, status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        if exc_info and self.started:
            raise exc_info[1].with_traceback(exc_info[2])
        code, _, reason = status.partition(" ")
        self.status = int(code)
        self._head = Head(self.status, reason, list(headers))
        return self.write

    def start(self) -> None:
        if not self.started:
            assert self._head is not None, "the application wrote before start_response"
            self.started = True
            self._post(self._head)

    def write(self, data: bytes) -> None:
        self.start()
        if data and not self._head_only:
            self.sent += len(data)
            self._post(Data(bytes(data)))


def answer(
    app: WSGIApplication,
    exchange: Exchange,
    server: tuple[str, int],
    post: Callable[[AnswerEvent], None],
    errors: ErrorSink,
) -> None:
    """Run *app* on *exchange*, posting its answer's events; errors of the application
    (never the client's) go to *errors* and the client gets a 500 or a cut connection."""
    started = time.perf_counter()
    progress = _Answer(post, exchange.method == "HEAD")
    result: Iterable[bytes] | None = None
    try:
        result = app(environ_of(exchange, server), progress.start_response)
        for data in result:
            progress.write(data)
        progress.start()
        post(End())
    except Interrupt as cut:
        if cut.how in ("tls_eof", "stall", "truncate"):
            progress.start()
        post(Cut(cut.how, cut.code))
    except Exception as exc:
        errors.report(exc, f"answering {exchange.method} {exchange.target}")
        if progress.started:
            post(Cut("drop"))
        else:
            progress.status = 500
            headers = [("Content-Type", "application/json")]
            headers.append(("Content-Length", str(len(_INTERNAL_ERROR))))
            post(Head(500, "Internal Server Error", headers))
            post(Data(_INTERNAL_ERROR))
            post(End())
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            try:
                close()
            except Exception as exc:
                errors.report(exc, "closing an answer")
        log_line(
            exchange.client[0],
            f"{exchange.method} {exchange.target} {exchange.http_version}",
            progress.status or "-",
            started,
            progress.sent,
        )
