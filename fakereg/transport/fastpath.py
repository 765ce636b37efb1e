"""Kept answers on the poller's fast path: a strict reading of the simplest requests, and a
replayed answer framed for HTTP/1.1 or as HTTP/2 header fields.

:func:`simple_request` accepts only a canonical subset of HTTP/1.1, a ``GET`` or ``HEAD``
with CRLF line ends, token field names, visible-ASCII values, one ``Host`` (HTTP/1.1),
and no field that could give it a body, an upgrade or an expectation, on which h11 (the
full path, :mod:`.http1`) reads the same request and the same end. Anything else, however
valid, goes to h11: the fast path may only ever decline, never disagree.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable, Mapping
from typing import NamedTuple

from werkzeug.http import http_date

SERVER = "fakereg"

_TCHAR = rb"[!#$%&'*+.^_`|~0-9A-Za-z-]"
_HEAD = re.compile(
    rb"(GET|HEAD) (/[!-~]*) HTTP/1\.([01])\r\n"
    rb"((?:" + _TCHAR + rb"+:[ \t]*(?:[!-~]+(?:[ \t]+[!-~]+)*)?[ \t]*\r\n){0,100})\r\n"
)
_FIELD = re.compile(rb"(" + _TCHAR + rb"+):[ \t]*((?:[!-~]+(?:[ \t]+[!-~]+)*)?)[ \t]*\r\n")
#: Fields that take a request off the fast path (body framing, upgrades, expectations).
_NOT_SIMPLE = frozenset(
    {"content-length", "transfer-encoding", "expect", "upgrade", "http2-settings", "te"}
)


class SimpleRequest(NamedTuple):
    """A bodiless GET or HEAD read off the wire."""

    method: str
    target: str
    version: str  # "HTTP/1.1" or "HTTP/1.0"
    headers: dict[str, str]  # lowercase names
    size: int  # bytes of the request line and header fields
    keep_alive: bool


def simple_request(data: bytes) -> SimpleRequest | None:
    """The simple request at the start of *data*, or None (not simple, or not all here)."""
    found = _HEAD.match(data)
    if found is None:
        return None
    method, target, minor, block = found.groups()
    fields = _FIELD.findall(block)
    headers = {name.decode("ascii").lower(): value.decode("ascii") for name, value in fields}
    if len(headers) != len(fields) or not _NOT_SIMPLE.isdisjoint(headers):
        return None  # a repeated field, or one the full path must see
    if minor == b"1":
        if "host" not in headers:
            return None
        keep_alive = "close" not in headers.get("connection", "").lower()
    else:
        keep_alive = False  # as h11: HTTP/1.0 connections close after their answer
    return SimpleRequest(
        method.decode("ascii"),
        target.decode("ascii"),
        "HTTP/1.1" if minor == b"1" else "HTTP/1.0",
        headers,
        found.end(),
        keep_alive,
    )


class Replayed(NamedTuple):
    """A kept answer for the transport to send: status (``"200 OK"``), header fields as
    HTTP/1.1 writes them (each line ending in CRLF, then the blank line), and the body
    (empty for HEAD)."""

    status: str
    head: bytes
    body: bytes

    @property
    def code(self) -> int:
        return int(self.status.split(" ", 1)[0])


#: What the poller calls to replay a kept answer: (method, target, headers with lowercase
#: names, HTTP version) → the answer, or None for the full path to answer.
Replayer = Callable[[str, str, Mapping[str, str], str], "Replayed | None"]

_date_cache: tuple[int, bytes] = (0, b"")


def date() -> bytes:
    """The ``Date`` field's value now (made once a second)."""
    global _date_cache
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache = (now, http_date(now).encode())
    return _date_cache[1]


def http1_answer(replay: Replayed, *, close: bool) -> bytes:
    """*replay* as HTTP/1.1 sends it: status line, ``Server``, ``Date``, the kept fields,
    ``Connection: close`` when the connection ends after it, and the body."""
    head = replay.head
    if close:
        head = head[:-2] + b"Connection: close\r\n\r\n"
    return (
        b"HTTP/1.1 %s\r\nServer: %s\r\nDate: %s\r\n"
        % (replay.status.encode("latin-1"), SERVER.encode(), date())
        + head
        + replay.body
    )


@functools.lru_cache(maxsize=4096)
def http2_fields(status: str, head: bytes) -> tuple[tuple[bytes, bytes], ...]:
    """A kept answer's status and fields as HTTP/2 sends them (lowercase names, no
    connection-specific fields), without ``Date``."""
    fields: list[tuple[bytes, bytes]] = [(b":status", status.split(" ", 1)[0].encode())]
    fields.append((b"server", SERVER.encode()))
    for line in head.split(b"\r\n"):
        name, colon, value = line.partition(b":")
        if colon and name.lower() not in _HOP_BY_HOP:
            fields.append((name.lower(), value.strip(b" \t")))
    return tuple(fields)


_HOP_BY_HOP = frozenset(
    {b"connection", b"keep-alive", b"proxy-connection", b"transfer-encoding", b"upgrade"}
)
