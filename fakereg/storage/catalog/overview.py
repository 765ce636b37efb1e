"""crates.io's ``/api/v1/summary`` from the catalog's columns: counts and top tens.

As crates.io's summary: the ten newest crates, the ten most downloaded (all time and
recent), the ten just updated (a version published after the first), and the ten keywords
and top-level categories most crates carry; a tie puts the higher crate id first. Only
the crates of the top tens are decoded.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from ...domain.crateview import CrateSummary
from .query import Downloads, counted, covered
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

    def top(candidates: Iterable[int], value: Callable[[int], int]) -> list[int]:
        return heapq.nlargest(SIZE, candidates, key=lambda at: (value(at), ids[at]))

    def summaries(positions: Iterable[int]) -> list[CrateSummary]:
        return [table.summary(at) for at in positions]

    total = {at: n for at, n in counted(table, downloads, 0).items() if at in shown}
    recent = {at: n for at, n in counted(table, downloads, 1).items() if at in shown}
    most = top(total, total.__getitem__)
    if len(most) < SIZE:  # crates without downloads follow, newest id first
        rest = heapq.nlargest(SIZE, shown - set(most), key=ids.__getitem__)
        most += rest[: SIZE - len(most)]
    updated = [at for at in shown if table.updated[at] != table.created[at]]
    return Overview(
        num_crates=len(shown),
        num_downloads=sum(total.values()),
        new_crates=summaries(top(shown, table.created.__getitem__)),
        most_downloaded=summaries(most),
        most_recently_downloaded=summaries(top(recent, recent.__getitem__)),
        just_updated=summaries(top(updated, table.updated.__getitem__)),
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
    carried = {tag: both for tag, found in carriers.items() if (both := found & shown)}
    best = sorted(carried, key=lambda t: (-len(carried[t]), t))
    popular = []
    for tag in best[:SIZE]:
        popular.append((tag, table.first_created(carried[tag]), len(carried[tag])))
    return popular
