"""The hot routes answered without WSGI: index files, ``config.json`` and downloads.

cargo's requests are nearly all GETs of these. When nothing needs the full path (no
token to check, no fault or index delay in force, no query string), :class:`FastPath`
answers them from the store's caches with the same bytes, headers and record as
:class:`~fakereg.web.app.RegistryApp` would; anything else (a 404, an odd request) it
leaves to the full path by answering None.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import NamedTuple

from werkzeug.http import http_date

from ..errors import ApiError
from ..settings import Settings
from ..storage.downloads import DownloadCounter
from ..storage.store import CrateStore
from ..storage.visibility import IndexVisibility
from ..testing.faults import FaultSet
from ..traffic.errorsink import ErrorSink
from ..traffic.log import RequestLog
from ..traffic.records import RawRequest
from .sparse import INDEX_CONTENT_TYPE, SparseIndex

#: kind, status, the header fields after Date (ending the head), body, crate, version.
_Found = tuple[str, int, bytes, bytes, "str | None", "str | None"]
_MAX_CACHED = 20_000

_REASONS = {200: b"OK", 304: b"NOT MODIFIED"}  # as werkzeug says them
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


class FastAnswer(NamedTuple):
    """A whole answer (status line to body), its status and the size of its body."""

    data: bytes
    status: int
    body_size: int


def framed(answer: bytes, *, close: bool, version: str) -> bytes:
    """*answer* with the ``Connection`` header a request of HTTP *version* needs."""
    if close:
        value = b"close"
    elif version != "HTTP/1.1":
        value = b"keep-alive"
    else:
        return answer
    return answer.replace(b"\r\n\r\n", b"\r\nConnection: %s\r\n\r\n" % value, 1)


class FastPath:
    """Answers the hot routes in full (status line to body), recording each request."""

    def __init__(
        self,
        sparse: SparseIndex,
        store: CrateStore,
        visibility: IndexVisibility,
        config: bytes,
        settings: Settings,
        faults: FaultSet,
        log: RequestLog,
        errors: ErrorSink,
        downloads: DownloadCounter,
    ) -> None:
        self._downloads = downloads
        self._sparse = sparse
        self._store = store
        self._visibility = visibility
        self._config = config
        self._settings = settings
        self._faults = faults
        self._log = log
        self._errors = errors
        # Index answers by target, kept while the file's stat says it is the same file.
        self._answers: dict[str, tuple[tuple[int, int, int], _Found]] = {}

    def __call__(
        self, method: str, target: str, headers: Mapping[str, str], server: str
    ) -> FastAnswer | None:
        """The whole answer to a GET or HEAD, or None for the full path."""
        if self._faults or self._settings.auth_required or self._visibility.hiding():
            return None  # each of these may change the answer, or count the request
        if not target.startswith(("/index/", "/api/v1/crates/")) or "?" in target:
            return None
        if "%" in target or "//" in target:
            return None
        started, at = time.perf_counter(), time.time()
        try:
            found = self._find(target, headers)
        except Exception as exc:  # a bug of ours: kept for check_errors; the full path answers
            self._errors.report(exc, "fast path")
            return None
        if found is None:
            return None
        kind, status, fields, body, crate, version = found
        if kind == "download" and method == "GET" and crate and version:
            self._downloads.count(crate, version)
        answer = _status_lines(status, server) + (fields if method == "HEAD" else fields + body)
        self._log.append_raw(
            RawRequest(
                method=method,
                path=target,
                query="",
                headers=tuple((name.title(), value) for name, value in headers.items()),
                body=b"",
                status=status,
                kind=kind,
                response_body=body,
                duration=time.perf_counter() - started,
                crate=crate,
                version=version,
                fault=None,
                at=at,
            )
        )
        return FastAnswer(answer, status, 0 if method == "HEAD" else len(body))

    def _find(self, target: str, headers: Mapping[str, str]) -> _Found | None:
        if target == "/index/config.json":
            fields = [("Content-Type", "application/json"), ("Cache-Control", "no-cache")]
            return "config", 200, _fields(fields, self._config), self._config, None, None
        if target.startswith("/index/"):
            return self._index(target, headers)
        parts = target.split("/")  # ['', 'api', 'v1', 'crates', name, version, 'download']
        if len(parts) != 7 or parts[6] != "download":
            return None
        name, version = parts[4], parts[5]
        data = self._store.crate_bytes(name, version)
        if data is None:
            return None
        fields = [
            ("Content-Type", "application/gzip"),
            ("Content-Disposition", f'attachment; filename="{name}-{version}.crate"'),
        ]
        return "download", 200, _fields(fields, data), data, name, version

    def _index(self, target: str, headers: Mapping[str, str]) -> _Found | None:
        path = target[len("/index/") :]
        if_none_match = headers.get("if-none-match")
        if_modified_since = headers.get("if-modified-since")
        plain = if_none_match is None and if_modified_since is None
        key = self._store.index_stat_key(path.rsplit("/", 1)[-1]) if plain else None
        if key is not None:
            cached = self._answers.get(target)
            if cached is not None and cached[0] == key:
                return cached[1]
        try:
            found = self._sparse.index_answer(path, if_none_match, if_modified_since)
        except ApiError:
            return None
        if found.data is None:  # werkzeug drops Last-Modified from a 304
            fields = [(k, v) for k, v in found.headers if k != "Last-Modified"]
            return "index", 304, _fields(fields, b""), b"", found.crate, None
        fields = [*found.headers, ("Content-Type", INDEX_CONTENT_TYPE)]
        answer: _Found = ("index", 200, _fields(fields, found.data), found.data, found.crate, None)
        if key is not None and not found.future_dated:
            if len(self._answers) >= _MAX_CACHED:
                self._answers.clear()
            self._answers[target] = (key, answer)
        return answer


_date_cache: tuple[int, bytes] = (0, b"")


def _date() -> bytes:
    global _date_cache
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache = (now, http_date(now).encode())
    return _date_cache[1]


def _status_lines(status: int, server: str) -> bytes:
    return b"HTTP/1.1 %d %s\r\nServer: %s\r\nDate: %s\r\n" % (
        status,
        _REASONS[status],
        server.encode(),
        _date(),
    )


def _fields(fields: list[tuple[str, str]], body: bytes) -> bytes:
    """The header fields after ``Date``, ``Content-Length`` after ``Content-Type``."""
    lines = []
    for name, value in fields:
        lines.append(f"{name}: {value}\r\n".encode("latin-1"))
        if name == "Content-Type":
            lines.append(b"Content-Length: %d\r\n" % len(body))
    lines.append(b"\r\n")
    return b"".join(lines)
