"""crates.io's ``/api/v1/summary`` from the catalog's columns: counts and top tens.

As crates.io's summary: the ten newest crates, the ten most downloaded (all time and
recent), the ten just updated (a version published after the first), and the ten keywords
and top-level categories most crates carry; a tie puts the higher crate id first. Only
the crates of the top tens are decoded.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ...domain.crateview import CrateSummary
from .query import Downloads, covered
from .table import CrateTable

SIZE = 10


@dataclass(frozen=True)
class Overview:
    """What the summary shows of the crates a reader may see."""

    num_crates: int
    num_downloads: int
    new_crates: list[CrateSummary]
    most_downloaded: list[CrateSummary]
    most_recently_downloaded: list[CrateSummary]
    just_updated: list[CrateSummary]
    #: (keyword, created_at of its first crate, how many crates carry it)
    popular_keywords: list[tuple[str, str, int]]
    popular_categories: list[tuple[str, str, int]]


def overview(
    table: CrateTable, downloads: Downloads, patterns: Sequence[str] | None = None
) -> Overview:
    """The summary of the crates of *table* (only those *patterns* cover, if given)."""
    shown = set(table.order) if patterns is None else covered(table, patterns)
    ids = table.ids
    counts = {}
    for key, pair in downloads.items():
        at = table.position.get(key)
        if at is not None and at in shown:
            counts[at] = pair

    def top(candidates: Sequence[int] | set[int], stamps: list[int]) -> list[CrateSummary]:
        found = heapq.nlargest(SIZE, candidates, key=lambda at: (stamps[at], ids[at]))
        return [table.summary(at) for at in found]

    total = {at: pair[0] for at, pair in counts.items() if pair[0]}
    most = heapq.nlargest(SIZE, total, key=lambda at: (total[at], ids[at]))
    if len(most) < SIZE:  # crates without downloads follow, newest id first
        rest = heapq.nlargest(SIZE, shown - set(most), key=ids.__getitem__)
        most += rest[: SIZE - len(most)]
    recent = {at: pair[1] for at, pair in counts.items() if pair[1]}
    updated = [at for at in shown if table.updated[at] != table.created[at]]
    return Overview(
        num_crates=len(shown),
        num_downloads=sum(pair[0] for pair in counts.values()),
        new_crates=top(shown, table.created),
        most_downloaded=[table.summary(at) for at in most],
        most_recently_downloaded=[
            table.summary(at)
            for at in heapq.nlargest(SIZE, recent, key=lambda at: (recent[at], ids[at]))
        ],
        just_updated=top(updated, table.updated),
        popular_keywords=_popular(table, shown, "keywords", lambda tag: tag),
        popular_categories=_popular(table, shown, "categories", lambda tag: tag.split("::")[0]),
    )


def _popular(
    table: CrateTable, shown: set[int], kind: str, grouped: Callable[[str], str]
) -> list[tuple[str, str, int]]:
    """The ten tags (grouped by *grouped*: a category by its top level) most crates carry."""
    carriers: dict[str, set[int]] = {}
    for value, found in table.index[kind].items():
        carriers.setdefault(grouped(value), set()).update(found)
    counted = {tag: found & shown for tag, found in carriers.items()}
    best = sorted((tag for tag in counted if counted[tag]), key=lambda t: (-len(counted[t]), t))
    popular = []
    for tag in best[:SIZE]:
        first = min(counted[tag], key=table.created.__getitem__)
        popular.append((tag, table.summary(first).created_at, len(counted[tag])))
    return popular
