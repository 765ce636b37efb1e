"""Answers the pipeline made and the server may replay: index files, ``config.json``, downloads.

cargo's requests are nearly all GETs of these. When the pipeline answers a route declared
``cached`` and its handler said the answer may be kept (a :class:`CacheHint` on the
request's context), the answer is stored here under its target and conditional headers.
The server replays a stored answer without WSGI, after the pipeline's own checks
(:meth:`~fakereg.web.pipeline.Pipeline.replay`): the bytes, headers, record and download
count are the ones the pipeline made, because the pipeline made them. An answer is dropped
when what it was made from changes (the file it read, by its ``stat``), and when the store
announces a removed crate.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..storage.events import IndexChange
from .routing import Route

#: At most this many answers, and this many bytes of bodies, are kept (oldest dropped first).
MAX_ANSWERS = 20_000
MAX_BYTES = 64 * 1024 * 1024

#: An answer's key: its target, ``If-None-Match`` and ``If-Modified-Since``.
CacheKey = tuple[str, "str | None", "str | None"]


@dataclass(frozen=True, slots=True)
class CacheHint:
    """A handler's word that its answer may be replayed while ``current()`` still returns
    ``key`` (what the answer was made from is unchanged); ``on_replay`` runs at each
    replay of a GET (a download counts)."""

    key: object = None
    current: Callable[[], object] | None = None
    on_replay: Callable[[], None] | None = None

    def valid(self) -> bool:
        return self.current is None or self.current() == self.key


@dataclass(frozen=True, slots=True)
class CachedAnswer:
    """One stored answer: its route, status, header fields (after ``Date``, each line
    ending in CRLF, then a blank line), body, and what its record names."""

    route: Route
    status: str
    head: bytes
    body: bytes
    crate: str | None
    version: str | None
    hint: CacheHint

    @property
    def code(self) -> int:
        return int(self.status.split(" ", 1)[0])


class AnswerCache:
    """Stored answers by :data:`CacheKey`; thread-safe, bounded."""

    def __init__(self, max_answers: int = MAX_ANSWERS, max_bytes: int = MAX_BYTES) -> None:
        self._answers: dict[CacheKey, CachedAnswer] = {}
        self._bytes = 0
        self._max_answers = max_answers
        self._max_bytes = max_bytes
        self._lock = threading.Lock()

    def get(self, key: CacheKey) -> CachedAnswer | None:
        """The answer stored under *key* if what it was made from is unchanged."""
        found = self._answers.get(key)
        if found is None or found.hint.valid():
            return found
        self._drop(key, found)
        return None

    def put(self, key: CacheKey, answer: CachedAnswer) -> None:
        if len(answer.body) > self._max_bytes // 4:
            return
        with self._lock:
            old = self._answers.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body)
            while self._answers and (
                len(self._answers) >= self._max_answers
                or self._bytes + len(answer.body) > self._max_bytes
            ):
                oldest = next(iter(self._answers))
                self._bytes -= len(self._answers.pop(oldest).body)
            self._answers[key] = answer
            self._bytes += len(answer.body)

    def _drop(self, key: CacheKey, answer: CachedAnswer) -> None:
        with self._lock:
            if self._answers.get(key) is answer:
                del self._answers[key]
                self._bytes -= len(answer.body)

    def clear(self) -> None:
        with self._lock:
            self._answers.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._answers)

    def on_change(self, changes: Sequence[IndexChange], message: str) -> None:
        """The store's listener: a removed crate takes every answer with it (a changed
        index file is seen by its ``stat``)."""
        if any(change.data is None for change in changes):
            self.clear()


def header_block(headers: Sequence[tuple[str, str]]) -> bytes:
    """Header fields as HTTP/1.1 sends them, ending with the blank line."""
    return b"".join(f"{name}: {value}\r\n".encode("latin-1") for name, value in headers) + b"\r\n"
