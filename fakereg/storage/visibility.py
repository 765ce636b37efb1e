"""Delayed index updates: new versions show in the sparse index only after a while."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..domain.names import canonical_name
from ..errors import InvalidError
from .events import IndexChange


@dataclass
class _Pending:
    published_at: float
    polls_left: int
    seconds: float | None


class IndexVisibility:
    """Hides versions published while a delay is set, until its conditions are met.

    A hidden version shows once *seconds* have passed since its publish and its crate's
    index file has been read *polls* times (each condition only when given).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seconds: float | None = None
        self._polls: int | None = None
        self._pending: dict[tuple[str, str], _Pending] = {}

    @staticmethod
    def check(seconds: float | None, polls: int | None) -> None:
        """ValueError unless (*seconds*, *polls*) is a delay :meth:`configure` takes."""
        if seconds is not None and seconds < 0:
            raise InvalidError("seconds cannot be negative")
        if polls is not None and polls < 0:
            raise InvalidError("polls cannot be negative")

    def configure(self, seconds: float | None, polls: int | None) -> None:
        self.check(seconds, polls)
        with self._lock:
            self._seconds, self._polls = seconds, polls

    def delay(self) -> tuple[float | None, int | None] | None:
        """The (seconds, polls) delay in force, or None."""
        with self._lock:
            if self._seconds is None and self._polls is None:
                return None
            return self._seconds, self._polls

    def reveal_all(self) -> None:
        """Stop delaying, and show every version hidden so far."""
        with self._lock:
            self._seconds = self._polls = None
            self._pending.clear()

    def hiding(self) -> bool:
        """True while some version is hidden (or a delay is set for the next ones)."""
        return bool(self._pending) or self._seconds is not None or self._polls is not None

    def on_change(self, changes: Sequence[IndexChange], message: str) -> None:
        """The store's listener: a version published while a delay is set is hidden."""
        for change in changes:
            if change.published is not None:
                self.published(change.crate, change.published)

    def published(self, crate: str, version: str) -> None:
        """Hide *version* of *crate* for the delay in force (if any)."""
        with self._lock:
            if self._seconds is None and self._polls is None:
                return
            self._pending[(canonical_name(crate), version)] = _Pending(
                time.monotonic(), self._polls or 0, self._seconds
            )

    def view(self, crate: str, data: bytes) -> bytes:
        """The index file as a client should see it now; each call counts as one poll."""
        key = canonical_name(crate)
        with self._lock:
            if not any(name == key for name, _ in self._pending):
                return data
            now = time.monotonic()
            hidden = set()
            for (name, version), pending in list(self._pending.items()):
                if name != key:
                    continue
                waited = pending.seconds is None or now - pending.published_at >= pending.seconds
                if waited and pending.polls_left <= 0:
                    del self._pending[(name, version)]
                else:
                    pending.polls_left -= 1
                    hidden.add(version)
        if not hidden:
            return data
        kept = [
            line
            for line in data.splitlines(keepends=True)
            if json.loads(line)["vers"] not in hidden
        ]
        return b"".join(kept)


@dataclass
class _Deferred:
    path: str
    message: str
    due: float
    polls_left: int


class DeferredCommits:
    """Git-index commits held back while an index delay is in force.

    A held commit is made (with the file's content at that moment) once its *seconds*
    have passed and the git index has been fetched *polls* times; ``poll`` is called for
    every fetch, a timer makes time-only delays land without one.
    """

    def __init__(self, commit: Callable[[str, str], None]) -> None:
        self._commit = commit
        self._lock = threading.Lock()
        self._held: list[_Deferred] = []
        self._timers: list[threading.Timer] = []

    def hold(self, path: str, message: str, seconds: float | None, polls: int | None) -> None:
        with self._lock:
            due = time.monotonic() + (seconds or 0)
            self._held.append(_Deferred(path, message, due, polls or 0))
            if seconds:
                timer = threading.Timer(seconds, self._release_due)
                timer.daemon = True
                self._timers.append(timer)
                timer.start()

    def poll(self) -> None:
        """A client is fetching the git index: commit what is due, count the fetch."""
        self._release_due()
        with self._lock:
            for held in self._held:
                held.polls_left -= 1

    def _release_due(self) -> None:
        now = time.monotonic()
        with self._lock:
            due = [h for h in self._held if h.due <= now and h.polls_left <= 0]
            self._held = [h for h in self._held if h not in due]
        for held in due:
            self._commit(held.path, held.message)

    def release_all(self) -> None:
        """Make every held commit now (the delays were ended)."""
        with self._lock:
            held, self._held = self._held, []
        for deferred in held:
            self._commit(deferred.path, deferred.message)

    def cancel(self) -> None:
        """Stop the timers (the registry is stopping); held commits stay unmade."""
        with self._lock:
            for timer in self._timers:
                timer.cancel()
            self._timers.clear()
