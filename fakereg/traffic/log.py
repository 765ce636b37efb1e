"""Logs a registry appends to while it serves and a test reads: thread-safe, numbered,
waitable."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from .matchers import RequestMatcher
from .records import PublishRecord, RawRequest, RecordedRequest

T = TypeVar("T")


class Log(Generic[T]):
    """A thread-safe, append-only list that can be waited on."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._items: list[T] = []
        self._cleared = 0  # items forgotten by clear(): sequence numbers go on from there

    def append(self, item: T) -> None:
        with self._changed:
            self._settle()
            self._items.append(item)
            self._changed.notify_all()

    def _settle(self) -> None:
        """Bring ``_items`` up to date before it is read (called under the lock)."""

    def _readable(self) -> list[T]:
        self._settle()
        return self._items

    def snapshot(self) -> list[T]:
        """The items so far, in order (a copy)."""
        with self._changed:
            return list(self._readable())

    def clear(self) -> None:
        """Forget the items (their sequence numbers are not reused)."""
        with self._changed:
            self._cleared += len(self._readable())
            self._items.clear()

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


class RequestLog(Log[RecordedRequest]):
    """The log of requests. The server appends :class:`RawRequest` tuples (cheap on the
    hot path); they are made :class:`RecordedRequest` records when first read."""

    def __init__(self) -> None:
        super().__init__()
        self._raw: list[RawRequest] = []  # appended since the last read, in order

    def append_raw(self, raw: RawRequest) -> None:
        """Append a request as the server keeps it."""
        with self._changed:
            self._raw.append(raw)
            self._changed.notify_all()

    def await_matching(
        self,
        wanted: RequestMatcher,
        *,
        count: int,
        since: int = 0,
        timeout: float,
        stop: Callable[[], bool] = lambda: False,
    ) -> tuple[bool, list[RecordedRequest]]:
        """Wait until *count* requests numbered after *since* match *wanted* (or *stop*
        says so, or *timeout* passes): whether they arrived, and those matching so far."""

        def matching(records: list[RecordedRequest]) -> list[RecordedRequest]:
            return [r for r in records if r.seq > since and wanted.matches(r)]

        self.wait(lambda records: stop() or len(matching(records)) >= count, timeout)
        with self._changed:
            found = matching(self._readable())
        return len(found) >= count, found

    def _settle(self) -> None:
        if self._raw:
            first = self._cleared + len(self._items) + 1
            self._items.extend(raw.record(first + i) for i, raw in enumerate(self._raw))
            self._raw.clear()


#: The log of publishes, accepted or refused.
PublishLog = Log[PublishRecord]
