"""HTTP/1.1 on the wire, for the transport: a simple request read off a socket, and a
replayed answer (:class:`~fakereg.web.pipeline.Replay`) framed for it.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, NamedTuple

from werkzeug.http import http_date

if TYPE_CHECKING:
    from .pipeline import Replay

_HEADER_LIMIT = 65536  # as http.server: longer ones get its 431 on the full path


class SimpleRequest(NamedTuple):
    """A request without a body, as read straight off the wire."""

    method: str
    target: str
    version: str
    headers: dict[str, str]  # lowercase names
    size: int  # bytes of the request line and headers


def parse_simple(data: bytes) -> SimpleRequest | None:
    """A complete GET or HEAD without a body at the start of *data*, or None."""
    end = data.find(b"\r\n\r\n")
    if end < 0 or end > _HEADER_LIMIT:
        return None
    try:
        text = data[:end].decode("ascii")
    except UnicodeDecodeError:
        return None
    line, *fields = text.split("\r\n")
    parts = line.split(" ")
    if len(parts) != 3 or parts[0] not in ("GET", "HEAD"):
        return None
    method, target, version = parts
    if version not in ("HTTP/1.1", "HTTP/1.0") or len(fields) > 100:
        return None
    headers: dict[str, str] = {}
    for field in fields:
        name, colon, value = field.partition(":")
        if not colon or not name or name != name.strip() or name.lower() in headers:
            return None
        headers[name.lower()] = value.strip(" \t")
    if "content-length" in headers or "transfer-encoding" in headers or "expect" in headers:
        return None
    return SimpleRequest(method, target, version, headers, end + 4)


def keeps_alive(request: SimpleRequest) -> bool:
    """Whether the connection stays open after answering *request* (RFC 9112 9.3)."""
    connection = request.headers.get("connection", "").lower()
    if request.version == "HTTP/1.1":
        return "close" not in connection
    return "keep-alive" in connection


def framed(answer: bytes, *, close: bool, version: str) -> bytes:
    """*answer* with the ``Connection`` header a request of HTTP *version* needs."""
    if close:
        value = b"close"
    elif version != "HTTP/1.1":
        value = b"keep-alive"
    else:
        return answer
    return answer.replace(b"\r\n\r\n", b"\r\nConnection: %s\r\n\r\n" % value, 1)


_date_cache: tuple[int, bytes] = (0, b"")


def _date() -> bytes:
    global _date_cache
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache = (now, http_date(now).encode())
    return _date_cache[1]


def replayed(replay: Replay, server: str) -> bytes:
    """A replayed answer as HTTP/1.1 sends it: status line, ``Server``, ``Date``, the kept
    header fields and body (werkzeug's handler sends the same fields in the same order)."""
    status = b"HTTP/1.1 %s\r\nServer: %s\r\nDate: %s\r\n" % (
        replay.status.encode("latin-1"),
        server.encode(),
        _date(),
    )
    return status + replay.head + replay.body
