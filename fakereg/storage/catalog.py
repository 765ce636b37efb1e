"""Search's view of every crate, in memory, kept in step with the root's change feed.

Reading every crate per query costs seconds at crates.io's size. The catalog reads them
once, at its first query, then follows ``meta/changes.log``: the store's listener appends
the name of each crate whose index file changed (under the root lock, in whichever process
made the change), and each query first re-reads the crates named since the last one. A
query then costs a pass over names held in memory, whatever another process did meanwhile.
"""

from __future__ import annotations

import bisect
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from ..domain.crateview import CrateSummary, summarize
from ..domain.names import canonical_name
from ..domain.shapes import CrateRecord, IndexLine
from .events import IndexChange

__all__ = ["Catalog", "ChangeFeed", "CrateSummary", "summarize"]


class ChangeFeed:
    """``meta/changes.log``: one line per changed crate, appended under the root lock."""

    def __init__(self, root: Path) -> None:
        self.path = root / "meta" / "changes.log"

    def on_change(self, changes: Sequence[IndexChange], message: str) -> None:
        """The store's listener: note the crates whose index files just changed."""
        text = "".join(f"{change.crate}\n" for change in changes).encode()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, text)  # one write: readers never see half a batch's last line
        finally:
            os.close(fd)

    def size(self) -> int:
        try:
            return os.stat(self.path).st_size
        except FileNotFoundError:
            return 0

    def read_from(self, offset: int) -> tuple[list[str], int]:
        """The crates named after *offset* (whole lines only) and the offset to read on from."""
        try:
            with open(self.path, "rb") as fh:
                fh.seek(offset)
                data = fh.read()
        except FileNotFoundError:
            return [], offset
        end = data.rfind(b"\n") + 1
        return data[:end].decode().splitlines(), offset + end


class CrateSource(Protocol):
    """What the catalog reads of the store (:class:`~fakereg.storage.store.CrateStore`)."""

    def crate_keys(self) -> list[str]: ...

    def crate_state(self, key: str) -> tuple[CrateRecord, list[IndexLine]] | None: ...


class _Entry:
    """A crate as search matches it: its summary and lowercase texts to look in."""

    __slots__ = ("description", "key", "keywords", "summary")

    def __init__(self, summary: CrateSummary) -> None:
        self.summary = summary
        self.key = canonical_name(summary.name)
        self.description = " ".join((summary.description or "").lower().splitlines())
        self.keywords = frozenset(summary.keywords)

    def matches(self, needle: str, words: Sequence[str]) -> bool:
        return needle in self.key or all(
            word in self.description or word in self.keywords for word in words
        )


class _Snapshot:
    """The entries at one moment, as newline-joined texts that ``str.find`` scans in C."""

    def __init__(self, entries: Sequence[_Entry]) -> None:
        self.entries = entries
        self.names, self.name_starts = _joined([entry.key for entry in entries])
        self.texts, self.text_starts = _joined([entry.description for entry in entries])
        self.keywords: dict[str, list[int]] = {}
        for i, entry in enumerate(entries):
            for keyword in entry.keywords:
                self.keywords.setdefault(keyword, []).append(i)

    def matching(self, needle: str, words: Sequence[str]) -> set[int]:
        """Positions of the entries that match (as :meth:`_Entry.matches`)."""
        found = _lines_containing(self.names, self.name_starts, needle)
        hits: set[int] | None = None
        for word in words:
            with_word = _lines_containing(self.texts, self.text_starts, word)
            with_word.update(self.keywords.get(word, ()))
            hits = with_word if hits is None else hits & with_word
            if not hits:
                break
        return found | (hits or set())


def _joined(texts: Sequence[str]) -> tuple[str, list[int]]:
    starts = []
    at = 0
    for text in texts:
        starts.append(at)
        at += len(text) + 1
    return "".join(f"{text}\n" for text in texts), starts


def _lines_containing(blob: str, starts: list[int], needle: str) -> set[int]:
    """The numbers of the lines of *blob* that contain *needle* (no newline in it)."""
    lines: set[int] = set()
    if not needle or "\n" in needle:
        return lines
    at = blob.find(needle)
    while at >= 0:
        line = bisect.bisect_right(starts, at) - 1
        lines.add(line)
        at = blob.find(needle, starts[line + 1] if line + 1 < len(starts) else len(blob))
    return lines


def _index_keys(summary: CrateSummary) -> list[tuple[str, str]]:
    """The catalog's index entries of a crate: what it depends on, its keywords and
    categories (lowercase)."""
    keys = [("depends", target) for target in summary.depends_on]
    keys += [("keywords", word.lower()) for word in summary.keywords]
    keys += [("categories", slug.lower()) for slug in summary.categories]
    return keys


class Catalog:
    """Every crate's summary, by canonical name; :meth:`search` answers from memory.

    Queries scan a snapshot of the texts; crates changed since it was taken are matched
    one by one, until there are enough of them to make a new snapshot worth its cost.
    """

    #: Crates changed since the snapshot beyond which the next query makes a new one.
    resnapshot_after = 256

    def __init__(self, store: CrateSource, feed: ChangeFeed) -> None:
        self._store = store
        self._feed = feed
        self._entries: dict[str, _Entry] = {}
        self._snapshot = _Snapshot([])
        self._changed: set[str] = set()  # keys whose entry differs from the snapshot's
        self._offset: int | None = None  # where the feed was read up to; None: not built
        self._dependents: dict[str, set[str]] = {}  # key -> keys whose default depends on it
        self._tagged: dict[tuple[str, str], set[str]] = {}  # (kind, tag) -> keys
        self._lock = threading.Lock()

    def _refresh(self) -> None:
        if self._offset is None:
            self._offset = self._feed.size()  # changes from here on are read again
            for key in self._store.crate_keys():
                self._reload(key)
            self._changed = set(self._entries)
        elif self._feed.size() > self._offset:
            names, self._offset = self._feed.read_from(self._offset)
            for key in dict.fromkeys(canonical_name(name) for name in names):
                self._reload(key)
                self._changed.add(key)
        if len(self._changed) > self.resnapshot_after or (
            self._changed and not self._snapshot.entries
        ):
            self._snapshot = _Snapshot([self._entries[key] for key in sorted(self._entries)])
            self._changed = set()

    def _reload(self, key: str) -> None:
        state = self._store.crate_state(key)
        old = self._entries.pop(key, None)
        if old is not None:
            for index_key in _index_keys(old.summary):
                self._index(index_key).discard(key)
        if state is not None:
            entry = self._entries[key] = _Entry(summarize(*state))
            for index_key in _index_keys(entry.summary):
                self._index(index_key).add(key)

    def _index(self, index_key: tuple[str, str]) -> set[str]:
        kind, value = index_key
        if kind == "depends":
            return self._dependents.setdefault(value, set())
        return self._tagged.setdefault(index_key, set())

    def get(self, name: str) -> CrateSummary | None:
        """The summary of crate *name* (any spelling), or None."""
        with self._lock:
            self._refresh()
            entry = self._entries.get(canonical_name(name))
        return None if entry is None else entry.summary

    def every(self) -> list[CrateSummary]:
        """Every crate's summary, by canonical name."""
        with self._lock:
            self._refresh()
            return [self._entries[key].summary for key in sorted(self._entries)]

    def tagged(self, kind: str, tag: str) -> list[CrateSummary]:
        """The crates whose last publish names *tag* among its ``keywords`` or
        ``categories`` (*kind*), as crates.io counts ``crates_cnt``."""
        with self._lock:
            self._refresh()
            keys = sorted(self._tagged.get((kind, tag.lower()), ()))
            return [self._entries[key].summary for key in keys if key in self._entries]

    def dependents(self, name: str) -> list[CrateSummary]:
        """The crates whose default version (not yanked) depends on *name*."""
        with self._lock:
            self._refresh()
            keys = sorted(self._dependents.get(canonical_name(name), ()))
            return [self._entries[key].summary for key in keys if key in self._entries]

    def search(self, query: str) -> list[CrateSummary]:
        """Crates whose name contains *query* (as a crate name) or whose description or
        keywords have every word of it; the exact name first, then by name."""
        needle = canonical_name(query)
        words = query.lower().split()
        with self._lock:
            self._refresh()
            snapshot, changed = self._snapshot, self._changed.copy()
            fresh = [self._entries[key] for key in changed if key in self._entries]
            exact = self._entries.get(needle)
        if query:
            positions = sorted(snapshot.matching(needle, words))
            fresh = [entry for entry in fresh if entry.matches(needle, words)]
        else:
            positions = list(range(len(snapshot.entries)))
        hits = [
            entry for entry in (snapshot.entries[i] for i in positions) if entry.key not in changed
        ]
        if fresh:
            hits = sorted([*hits, *fresh], key=lambda entry: entry.key)
        if exact is not None and query:
            hits = [exact, *(entry for entry in hits if entry is not exact)]
        return [entry.summary for entry in hits]
