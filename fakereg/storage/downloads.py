"""Download counts per version, kept in ``meta/downloads.log`` for every process on a root.

Each download that served a file appends one line ``<crate> <version> <day>`` (days since
the epoch, UTC) with a single ``O_APPEND`` write, so processes sharing a root never
interleave half lines. A crate removed from the registry gets a line ``- <crate>``: its
counts start again from zero. Readers follow the log from where they stopped, as the
search catalog follows its log.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from ..domain.names import canonical_name
from .events import IndexChange

#: crates.io's "recent" downloads: the last 90 days.
RECENT_DAYS = 90


def today() -> int:
    """Days since the epoch, UTC."""
    return int(time.time() // 86400)


class DownloadCounter:
    """Counts downloads per (crate, version) and per day."""

    def __init__(self, root: Path) -> None:
        self.path = root / "meta" / "downloads.log"
        self._fd: int | None = None
        self._lock = threading.Lock()
        # canonical crate name -> version -> day -> downloads
        self._counts: dict[str, dict[str, dict[int, int]]] = {}
        self._offset = 0

    def _write(self, text: str) -> None:
        with self._lock:
            if self._fd is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            os.write(self._fd, text.encode())

    def count(self, crate: str, version: str) -> None:
        """Note one download of *crate* *version* (names as validated by the route)."""
        self._write(f"{crate} {version} {today()}\n")

    def on_change(self, changes: Sequence[IndexChange], message: str) -> None:
        """The store's listener: a crate removed starts its counts again."""
        removed = "".join(f"- {change.crate}\n" for change in changes if change.data is None)
        if removed:
            self._write(removed)

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None

    def _refresh(self) -> None:
        try:
            with open(self.path, "rb") as fh:
                if os.fstat(fh.fileno()).st_size < self._offset:  # replaced: read it all again
                    self._counts, self._offset = {}, 0
                fh.seek(self._offset)
                data = fh.read()
        except FileNotFoundError:
            self._counts, self._offset = {}, 0
            return
        end = data.rfind(b"\n") + 1
        self._offset += end
        for line in data[:end].decode("utf-8", errors="replace").splitlines():
            parts = line.split(" ")
            if len(parts) == 2 and parts[0] == "-":
                self._counts.pop(canonical_name(parts[1]), None)
            elif len(parts) == 3 and parts[2].isdigit():
                days = self._counts.setdefault(canonical_name(parts[0]), {}).setdefault(
                    parts[1], {}
                )
                day = int(parts[2])
                days[day] = days.get(day, 0) + 1

    def of_crate(self, crate: str) -> dict[str, dict[int, int]]:
        """*crate*'s downloads: version -> day -> count (a copy)."""
        with self._lock:
            self._refresh()
            found = self._counts.get(canonical_name(crate), {})
            return {version: dict(days) for version, days in found.items()}

    def totals(self) -> dict[str, tuple[int, int]]:
        """Every crate's (downloads, recent downloads), by canonical name."""
        with self._lock:
            self._refresh()
            return {
                key: (crate_total(versions), recent_total(versions))
                for key, versions in self._counts.items()
            }


def version_total(days: dict[int, int] | None) -> int:
    """The downloads of one version, from :meth:`DownloadCounter.of_crate`'s days."""
    return sum(days.values()) if days else 0


def crate_total(versions: dict[str, dict[int, int]]) -> int:
    """A crate's downloads, every version and day, from :meth:`DownloadCounter.of_crate`."""
    return sum(version_total(days) for days in versions.values())


def recent_total(versions: dict[str, dict[int, int]]) -> int:
    """A crate's downloads in the last :data:`RECENT_DAYS` days."""
    since = today() - RECENT_DAYS
    return sum(n for days in versions.values() for day, n in days.items() if day > since)
