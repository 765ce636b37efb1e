"""The catalog: every crate's summary in memory, kept in step with ``meta/catalog/``."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from ...domain.crateview import CrateSummary
from ...domain.names import canonical_name
from ...domain.search import SearchQuery
from .files import CatalogFiles, Cursor
from .overview import Overview, overview
from .query import Downloads, Hits, run
from .table import CrateTable


class Catalog:
    """What search, the summary and the crate pages read across crates, from memory.

    Each call first reads what the root's catalog log gained since the last one (one
    ``stat`` when nothing did), so changes made by any process are seen at once.
    """

    def __init__(self, files: CatalogFiles) -> None:
        self._files = files
        self._table: CrateTable | None = None
        self._cursor = Cursor(None)
        self._lock = threading.Lock()

    def _current(self) -> CrateTable:
        """The table, up to date (catalog lock held)."""
        table = self._table
        if table is None or not self._files.follow(table, self._cursor):
            table, self._cursor = self._files.load()
            self._table = table
        return table

    def get(self, name: str) -> CrateSummary | None:
        """The summary of crate *name* (any spelling), or None."""
        with self._lock:
            table = self._current()
            at = table.find(name)
            return None if at is None else table.summary(at)

    def overview(self, downloads: Downloads, patterns: Sequence[str] | None = None) -> Overview:
        """crates.io's summary of the registry (*patterns*: of the crates a token limited
        to them covers)."""
        with self._lock:
            return overview(self._current(), downloads, patterns)

    def carriers(self, kind: str, tag: str) -> tuple[int, str | None]:
        """How many crates carry keyword or category *tag* (*kind*) in their last publish,
        as crates.io counts ``crates_cnt``, and the ``created_at`` of the oldest of them."""
        with self._lock:
            table = self._current()
            found = table.tagged(kind, tag.lower())
            return (len(found), table.first_created(found)) if found else (0, None)

    def counts(self, kind: str) -> dict[str, int]:
        """How many crates carry each keyword or category (*kind*), by lowercase value."""
        with self._lock:
            return {value: len(found) for value, found in self._current().index[kind].items()}

    def dependents(self, name: str) -> list[CrateSummary]:
        """The crates whose default version (not yanked) depends on *name*."""
        return self._listed("depends", canonical_name(name))

    def owned_by(self, login: str) -> list[CrateSummary]:
        """The crates *login* owns."""
        return self._listed("owners", login.lower())

    def _listed(self, kind: str, value: str) -> list[CrateSummary]:
        with self._lock:
            table = self._current()
            found = sorted(table.tagged(kind, value), key=table.keys.__getitem__)
            return [table.summary(at) for at in found]

    def query(
        self, query: SearchQuery, downloads: Downloads, patterns: Sequence[str] | None = None
    ) -> Hits:
        """The crates *query* selects, in its order; *patterns*: the crate patterns of a
        token limited to some crates (on a private registry it sees only those)."""
        with self._lock:
            return run(self._current(), query, downloads, patterns)
