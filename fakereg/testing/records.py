"""Immutable records of the HTTP requests a registry received."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Generic, NamedTuple, TypeVar
from urllib.parse import parse_qsl

from ..storage.accounts import redact
from ..traffic.kinds import RECORDED_KINDS

SECRET_HEADERS = frozenset({"authorization", "cookie"})

T = TypeVar("T")

#: The kind names a recorded request can have (``fakereg.Kind``).
KINDS = RECORDED_KINDS


class HeaderMap(Mapping[str, str]):
    """Read-only, case-insensitive headers; repeated headers are joined with ``, ``."""

    __slots__ = ("_items", "_lookup")

    def __init__(self, items: Iterable[tuple[str, str]]) -> None:
        self._items = tuple(items)
        lookup: dict[str, str] = {}
        for key, value in self._items:
            lower = key.lower()
            lookup[lower] = f"{lookup[lower]}, {value}" if lower in lookup else value
        self._lookup = lookup

    def __getitem__(self, key: str) -> str:
        return self._lookup[key.lower()]

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(key for key, _ in self._items))

    def __len__(self) -> int:
        return len(self._lookup)

    def items_raw(self) -> tuple[tuple[str, str], ...]:
        """Every header as received, in order."""
        return self._items

    def __repr__(self) -> str:
        shown = {
            key: (redact(value) if key.lower() in SECRET_HEADERS else value)
            for key, value in self._items
        }
        return f"HeaderMap({shown!r})"


@dataclass(frozen=True)
class RecordedRequest:
    """One request and the answer it got. Secrets are redacted in ``repr`` only.

    ``status`` is 0 when a fault cut the connection instead of answering; ``at`` is the
    wall-clock time (``time.time()``) it arrived; ``fault`` names the fault that fired.
    """

    method: str
    path: str
    query: str
    headers: HeaderMap
    body: bytes = field(repr=False)
    status: int
    kind: str
    response_body: bytes = field(repr=False, default=b"")
    duration: float = 0.0
    crate: str | None = None
    version: str | None = None
    fault: str | None = None
    at: float = 0.0

    @property
    def params(self) -> dict[str, str]:
        """The query string parsed (last value wins)."""
        return dict(parse_qsl(self.query, keep_blank_values=True))

    @property
    def token(self) -> str | None:
        """The ``Authorization`` header sent, if any."""
        return self.headers.get("Authorization")

    def summary(self) -> str:
        """``GET /index/3/f/foo -> 200 (1.2 ms)``; a fault that fired is named after it."""
        target = self.path + (f"?{self.query}" if self.query else "")
        status = "no answer" if self.status == 0 else str(self.status)
        line = f"{self.method} {target} -> {status} ({self.duration * 1000:.1f} ms)"
        return f"{line} [fault: {self.fault}]" if self.fault else line


class Log(Generic[T]):
    """A thread-safe, append-only list that can be waited on."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._items: list[T] = []
        self._cleared = 0  # items forgotten by clear(): sequence numbers go on from there

    def append(self, item: T) -> None:
        with self._changed:
            self._items.append(item)
            self._changed.notify_all()

    def snapshot(self) -> list[T]:
        with self._changed:
            return list(self._items)

    def clear(self) -> None:
        with self._changed:
            self._cleared += len(self._items)
            self._items.clear()

    def _readable(self) -> list[T]:
        return self._items

    def numbered(self, since: int = 0) -> list[tuple[int, T]]:
        """The items with their sequence numbers (1, 2, … never reused, even after
        :meth:`clear`), those after *since* only: a poller sees each item once."""
        with self._changed:
            items = self._readable()
            start = max(0, since - self._cleared)
            return [(self._cleared + i + 1, item) for i, item in enumerate(items[start:], start)]

    def wake(self) -> None:
        """Make every :meth:`wait` check its predicate again (something else changed)."""
        with self._changed:
            self._changed.notify_all()

    def wait(self, predicate: Callable[[list[T]], bool], timeout: float) -> bool:
        """Block until *predicate* holds for the items (True) or *timeout* passes (False)."""
        with self._changed:
            return self._changed.wait_for(lambda: predicate(self._readable()), timeout)


class RawRequest(NamedTuple):
    """A request as the server keeps it until it is read: a RecordedRequest's fields, the
    headers as pairs. Cheap to make on the hot path; made a record when first read."""

    method: str
    path: str
    query: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    status: int
    kind: str
    response_body: bytes
    duration: float
    crate: str | None
    version: str | None
    fault: str | None
    at: float

    def record(self) -> RecordedRequest:
        return RecordedRequest(
            method=self.method,
            path=self.path,
            query=self.query,
            headers=HeaderMap(self.headers),
            body=self.body,
            status=self.status,
            kind=self.kind,
            response_body=self.response_body,
            duration=self.duration,
            crate=self.crate,
            version=self.version,
            fault=self.fault,
            at=self.at,
        )


class RequestLog(Log[RecordedRequest]):
    """The log of requests: kept raw while the server appends, made records when read."""

    def append_raw(self, raw: RawRequest) -> None:
        with self._changed:
            self._items.append(raw)  # type: ignore[arg-type]
            self._changed.notify_all()

    def _readable(self) -> list[RecordedRequest]:
        items: list[RecordedRequest | RawRequest] = self._items  # type: ignore[assignment]
        for i, item in enumerate(items):
            if isinstance(item, RawRequest):
                items[i] = item.record()
        return self._items

    def snapshot(self) -> list[RecordedRequest]:
        with self._changed:
            return list(self._readable())
