"""The sparse index (``/index/…``) and its ``config.json``."""

from __future__ import annotations

import functools
import hashlib
import json
import threading
import time
from typing import NamedTuple

from werkzeug.datastructures import ETags
from werkzeug.http import http_date, parse_date, parse_etags
from werkzeug.wrappers import Request, Response

from ..domain.names import index_path
from ..errors import ApiError
from ..storage.store import CrateStore, IndexFile
from ..storage.visibility import IndexVisibility
from ..testing.fault_set import FaultSet
from .answer_cache import CacheHint
from .context import RequestContext, context_of
from .crate_files import download_url
from .fault_effects import with_malicious_checksums

INDEX_CONTENT_TYPE = "text/plain; charset=utf-8"


def config_document(url: str, *, auth_required: bool) -> bytes:
    """The index's ``config.json`` for a registry served at *url* (sparse and git alike):
    ``dl`` its static path (:mod:`fakereg.web.crate_files`), as crates.io's names
    ``https://static.crates.io/crates``."""
    config: dict[str, object] = {"dl": download_url(url), "api": url}
    if auth_required:
        config["auth-required"] = True
    return (json.dumps(config, indent=2) + "\n").encode()


class IndexAnswer(NamedTuple):
    """An index file as served: its crate, its bytes (None: not modified), its headers."""

    crate: str
    data: bytes | None
    headers: list[tuple[str, str]]
    #: Last-Modified shown as now, the file being dated later (changed twice in a second).
    future_dated: bool = False
    #: The file's ``stat`` key when the answer is the file as stored (no view of it).
    stat_key: tuple[int, int, int] | None = None


class SparseIndex:
    """Serves ``config.json`` and the index files with ETag/Last-Modified."""

    def __init__(
        self,
        store: CrateStore,
        config: bytes,
        visibility: IndexVisibility,
        faults: FaultSet,
    ) -> None:
        self._store = store
        self._config = config
        self._visibility = visibility
        self._faults = faults
        self._facts: dict[tuple[int, int, int], tuple[str, str]] = {}
        self._facts_lock = threading.Lock()

    def config_json(self, request: Request) -> Response:
        context_of(request).cache = CacheHint()  # the same for the registry's life
        response = Response(self._config, content_type="application/json")
        response.headers["Cache-Control"] = "no-cache"
        return response

    def _file_facts(self, file: IndexFile) -> tuple[str, str]:
        """The file's ETag and the crate's name (from its first line), cached by stat."""
        with self._facts_lock:
            facts = self._facts.get(file.stat_key)
        if facts is None:
            first = file.data.split(b"\n", 1)[0]
            facts = (hashlib.sha256(file.data).hexdigest()[:32], str(json.loads(first)["name"]))
            with self._facts_lock:
                if len(self._facts) > 100_000:
                    self._facts.clear()
                self._facts[file.stat_key] = facts
        return facts

    @staticmethod
    def _headers(tag: str, last_modified: int) -> list[tuple[str, str]]:
        # A change made within the second of the one before it is dated a second later (so
        # that If-Modified-Since sees it), which may be ahead of the clock: never announce
        # a time later than the answer's own Date (RFC 9110 8.8.2.1).
        shown = min(last_modified, int(time.time()))
        return [
            ("ETag", f'"{tag}"'),
            ("Last-Modified", _http_date(shown)),
            ("Cache-Control", "no-cache"),
        ]

    def index_file(self, request: Request, path: str) -> Response:
        name = path.rsplit("/", 1)[-1]
        context = context_of(request)
        found = self.index_answer(
            path,
            request.headers.get("If-None-Match"),
            request.headers.get("If-Modified-Since"),
            context,
        )
        if found.stat_key is not None and not found.future_dated:
            # The file as it is (no view of it): kept while the file stays the same.
            current = functools.partial(self._store.index_stat_key, name)
            context.cache = CacheHint(found.stat_key, current)
        if found.data is None:
            return Response(status=304, headers=found.headers)
        return Response(found.data, content_type=INDEX_CONTENT_TYPE, headers=found.headers)

    def index_answer(
        self,
        path: str,
        if_none_match: str | None,
        if_modified_since: str | None,
        context: RequestContext | None = None,
    ) -> IndexAnswer:
        """The index file at *path* as served now (data None: not modified); 404 ApiError.

        *context* learns the crate's name as soon as it is known."""
        name = path.rsplit("/", 1)[-1]
        file = self._store.index_file(name)
        if file is None:
            raise ApiError(404, f"no index file at `{path}`")
        tag, crate = self._file_facts(file)
        if context is not None:
            context.crate = crate
        if index_path(name) != path:
            # Static hosting, as index.crates.io is: only the lowercase path exists.
            raise ApiError(404, f"no index file at `{path}` (index paths are lowercase)")
        data = self._view(name, file.data)
        if not data:  # every version is still hidden by an index delay
            raise ApiError(404, f"no index file at `{path}`")
        if data is not file.data:
            # A view of the file (delayed versions, injected checksums) gets its own tag.
            tag = hashlib.sha256(data).hexdigest()[:32]
        headers = self._headers(tag, file.last_modified)
        future = file.last_modified > time.time()
        key = file.stat_key if data is file.data else None
        if _not_modified(if_none_match, if_modified_since, tag, file.last_modified):
            return IndexAnswer(crate, None, headers, future, key)
        return IndexAnswer(crate, data, headers, future, key)

    def _view(self, crate: str, data: bytes) -> bytes:
        """The index file as served now: delayed versions hidden, malicious faults applied."""
        data = self._visibility.view(crate, data)
        malicious = self._faults.malicious_versions(crate)
        return with_malicious_checksums(data, malicious) if malicious and data else data


@functools.lru_cache(maxsize=4096)
def _http_date(timestamp: int) -> str:
    return http_date(timestamp)


def _not_modified(
    if_none_match: str | None, if_modified_since: str | None, tag: str, last_modified: int
) -> bool:
    """RFC 9110: If-None-Match decides when present, else If-Modified-Since."""
    if if_none_match is not None:
        tags: ETags = parse_etags(if_none_match)
        return tags.contains_weak(tag) or tags.star_tag
    if if_modified_since:
        parsed = parse_date(if_modified_since)
        return parsed is not None and last_modified <= parsed.timestamp()
    return False
