"""The sparse index (``/index/…``) and crate downloads."""

from __future__ import annotations

import functools
import hashlib
import threading
from collections.abc import Callable

from werkzeug.datastructures import ETags
from werkzeug.http import http_date, parse_date
from werkzeug.wrappers import Request, Response

from .auth import Authorizer
from .errors import ApiError
from .names import index_path
from .store import CrateStore, IndexFile

INDEX_CONTENT_TYPE = "text/plain; charset=utf-8"


class SparseIndex:
    """Serves ``config.json``, the index files with ETag/Last-Modified, and downloads."""

    def __init__(
        self,
        store: CrateStore,
        config: Callable[[], bytes],
        auth: Authorizer,
        view: Callable[[str, bytes], bytes] = lambda name, data: data,
    ) -> None:
        self._auth = auth
        self._store = store
        self._config = config
        self._view = view
        self._etags: dict[tuple[int, int, int], str] = {}
        self._etags_lock = threading.Lock()

    def config_json(self, request: Request) -> Response:
        self._auth.read(request)
        response = Response(self._config(), content_type="application/json")
        response.headers["Cache-Control"] = "no-cache"
        return response

    def _etag(self, file: IndexFile) -> str:
        with self._etags_lock:
            tag = self._etags.get(file.stat_key)
        if tag is None:
            tag = hashlib.sha256(file.data).hexdigest()[:32]
            with self._etags_lock:
                if len(self._etags) > 100_000:
                    self._etags.clear()
                self._etags[file.stat_key] = tag
        return tag

    @staticmethod
    def _headers(tag: str, last_modified: int) -> list[tuple[str, str]]:
        return [
            ("ETag", f'"{tag}"'),
            ("Last-Modified", _http_date(last_modified)),
            ("Cache-Control", "no-cache"),
        ]

    def index_file(self, request: Request, path: str) -> Response:
        name = path.rsplit("/", 1)[-1]
        self._auth.read(request, name)
        file = self._store.index_file(name) if index_path(name) == path.lower() else None
        if file is None:
            raise ApiError(404, f"no index file at `{path}`")
        data = self._view(name, file.data)
        if not data:  # every version is still hidden by an index delay
            raise ApiError(404, f"no index file at `{path}`")
        # A view of the file (delayed versions, injected checksums) gets its own tag.
        tag = self._etag(file) if data is file.data else hashlib.sha256(data).hexdigest()[:32]
        headers = self._headers(tag, file.last_modified)
        if _not_modified(request, tag, file.last_modified):
            return Response(status=304, headers=headers)
        return Response(data, content_type=INDEX_CONTENT_TYPE, headers=headers)

    def download(self, request: Request, name: str, version: str) -> Response:
        self._auth.read(request, name)
        data = self._store.crate_bytes(name, version)
        if data is None:
            if self._store.canonical(name) is None:
                raise ApiError(404, f"crate `{name}` does not exist")
            raise ApiError(404, f"crate `{name}` does not have a version `{version}`")
        response = Response(data, content_type="application/gzip")
        response.headers["Content-Disposition"] = f'attachment; filename="{name}-{version}.crate"'
        return response


@functools.lru_cache(maxsize=4096)
def _http_date(timestamp: int) -> str:
    return http_date(timestamp)


def _not_modified(request: Request, tag: str, last_modified: int) -> bool:
    """RFC 9110: If-None-Match decides when present, else If-Modified-Since."""
    if "If-None-Match" in request.headers:
        tags: ETags = request.if_none_match
        return tags.contains_weak(tag) or tags.star_tag
    since = request.headers.get("If-Modified-Since")
    if since:
        parsed = parse_date(since)
        return parsed is not None and last_modified <= parsed.timestamp()
    return False
