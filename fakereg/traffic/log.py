"""Logs a registry appends to while it serves and a test reads: thread-safe, numbered,
waitable."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import partial
from typing import Any, Generic, TypeVar

from .matchers import RequestMatcher
from .records import PublishRecord, RawRequest, RecordedRequest

T = TypeVar("T")


class Log(Generic[T]):
    """A thread-safe, append-only list that can be waited on; with :attr:`max_items`, the
    newest that many only (older ones dropped and counted in :attr:`dropped`)."""

    def __init__(self, max_items: int | None = None) -> None:
        self._changed = threading.Condition()
        self._items: list[Any] = []  # T, or what _make() turns into one
        self._start = 0  # where the kept items begin in _items (dropped ones precede it)
        self._first = 1  # the sequence number of _items[_start]
        self.max_items = max_items
        self.dropped = 0  # dropped by max_items (clear() forgets, it does not drop)

    def _make(self, seq: int, item: Any) -> T:
        """The item a reader sees for what was appended (RequestLog makes records)."""
        return item  # type: ignore[no-any-return]

    def append(self, item: Any) -> None:
        with self._changed:
            items = self._items
            items.append(item)
            bound = self.max_items
            if bound is not None and len(items) - self._start > bound:
                over = len(items) - self._start - bound
                self._start += over
                self._first += over
                self.dropped += over
                if self._start > max(1024, bound // 4):  # amortised: compact now and then
                    del items[: self._start]
                    self._start = 0
            self._changed.notify_all()

    def _window(self, since: int) -> tuple[int, list[Any]]:
        """(the first sequence number, the items after *since*), under the lock."""
        skip = max(0, since - self._first + 1)
        return self._first + skip, self._items[self._start + skip :]

    def _records(self, first: int, items: list[Any]) -> list[tuple[int, T]]:
        """Numbered items, made outside the lock (appends never wait for a reader), and
        kept made for the next reader."""
        made = [(first + i, self._make(first + i, item)) for i, item in enumerate(items)]
        with self._changed:
            for (seq, record), item in zip(made, items, strict=True):
                at = self._start + seq - self._first
                if 0 <= at < len(self._items) and self._items[at] is item:
                    self._items[at] = record
        return made

    def snapshot(self) -> list[T]:
        """The items kept, in order (a copy)."""
        return [item for _, item in self.numbered()]

    def clear(self) -> None:
        """Forget the items (their sequence numbers are not reused)."""
        with self._changed:
            self._first += len(self._items) - self._start
            self._items = []
            self._start = 0

    def numbered(self, since: int = 0) -> list[tuple[int, T]]:
        """The items with their sequence numbers (1, 2, … never reused, even after
        :meth:`clear` or a drop), those after *since* only: a poller sees each item once.
        Its cost is what it returns, not what the log holds."""
        with self._changed:
            first, items = self._window(since)
        return self._records(first, items)

    def newest(self, count: int) -> list[tuple[int, T]]:
        """The last *count* items with their sequence numbers, oldest first."""
        with self._changed:
            last = self._first + len(self._items) - self._start - 1
            first, items = self._window(max(0, last - count))
        return self._records(first, items)

    @property
    def last_seq(self) -> int:
        """The sequence number of the newest item (0: none yet)."""
        with self._changed:
            return self._first + len(self._items) - self._start - 1

    def _moved(self, count: int) -> bool:
        return self._count() != count

    def _beyond(self, seq: int, stop: Callable[[], bool]) -> bool:
        """Whether an item numbered after *seq* came, or *stop* says so (under the lock)."""
        return self._count() - 1 > seq or stop()

    def _count(self) -> int:
        """The sequence number the next item gets (under the lock)."""
        return self._first + len(self._items) - self._start

    def wake(self) -> None:
        """Make every :meth:`wait` check its predicate again (something else changed)."""
        with self._changed:
            self._changed.notify_all()

    def wait(self, predicate: Callable[[list[T]], bool], timeout: float) -> bool:
        """Block until *predicate* holds for the items (True) or *timeout* passes (False)."""
        deadline = time.monotonic() + timeout
        while True:
            if predicate(self.snapshot()):
                return True
            with self._changed:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                count = self._first + len(self._items) - self._start
                self._changed.wait_for(partial(self._moved, count), left)


class RequestLog(Log[RecordedRequest]):
    """The log of requests. The server appends :class:`RawRequest` tuples (cheap on the
    hot path); they are made :class:`RecordedRequest` records when first read."""

    def __init__(self, max_items: int | None = None) -> None:
        super().__init__(max_items)

    def _make(self, seq: int, item: Any) -> RecordedRequest:
        return item.record(seq) if isinstance(item, RawRequest) else item

    def append_raw(self, raw: RawRequest) -> None:
        """Append a request as the server keeps it."""
        self.append(raw)

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
        found: list[RecordedRequest] = []
        seen = since
        deadline = time.monotonic() + timeout
        while True:
            for seq, record in self.numbered(seen):
                seen = seq
                if wanted.matches(record):
                    found.append(record)
            if len(found) >= count or stop():
                return len(found) >= count, found
            with self._changed:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False, found
                self._changed.wait_for(partial(self._beyond, seen, stop), min(left, 0.5))


#: The log of publishes, accepted or refused.
PublishLog = Log[PublishRecord]
