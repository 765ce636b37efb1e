"""A crate list query (:class:`~fakereg.domain.search.SearchQuery`) run on the table.

The rules are crates.io's (see :mod:`fakereg.domain.search`); this module makes them cheap
at 100,000 crates. A query is a byte per crate: ``str.find`` in the joined names and
descriptions marks the crates found (``map(operator.contains, …)`` over the column, when
a needle is found nearly everywhere), the keyword index is marked in, and words are joined
by ``&`` of the masks read as integers; ``itertools.compress`` (or ``bytes.find``, for
few) turns the mask into positions in name order (crates added since the table was
loaded merged in). Filters that select few crates (a keyword, an owner, a letter, a
token's crate patterns) are sets of positions instead. Sorting moves only the crates that downloads
lift; the rest keep name order, or one C-keyed sort by id and timestamp. No summary is
decoded but those of the page shown.
"""

from __future__ import annotations

import bisect
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import reduce
from itertools import compress, repeat

from ...domain.categories import within
from ...domain.crateview import CrateSummary
from ...domain.names import canonical_name
from ...domain.search import SearchQuery, SortKey
from .table import CrateTable, decode

#: Download counts by canonical name: (total, recent).
Downloads = Mapping[str, tuple[int, int]]

_INVERT = bytes.maketrans(b"\0\1", b"\1\0")
#: Found on more than one crate in this many, a needle is matched crate by crate.
_DENSE = 64


def _containing(table: CrateTable, column: str, needle: str) -> bytes:
    """1 for each crate whose *column* (``keys``, ``texts``) contains *needle*.

    The needle is looked for with ``str.find`` in the joined column, a step per line found;
    past one line in :data:`_DENSE` found, with one ``in`` per line, in C.
    """
    size = len(table.keys)
    if not needle or "\n" in needle:
        return bytes(size)
    blob, starts = table.joined(column)
    if blob.count(needle, 0, len(blob) // 16) * 16 * _DENSE > size:  # a sample: everywhere
        return bytes(map(operator.contains, getattr(table, column), repeat(needle)))
    mask = bytearray(size)
    steps = size // _DENSE
    at = blob.find(needle)
    while at >= 0:
        line = bisect.bisect_right(starts, at) - 1
        mask[line] = 1
        steps -= 1
        if steps < 0:
            return bytes(map(operator.contains, getattr(table, column), repeat(needle)))
        at = blob.find(needle, starts[line + 1])
    return bytes(mask)


def _both(a: bytes, b: bytes) -> bytes:
    return (int.from_bytes(a, "little") & int.from_bytes(b, "little")).to_bytes(len(a), "little")


def _either(a: bytes, b: bytes) -> bytes:
    return (int.from_bytes(a, "little") | int.from_bytes(b, "little")).to_bytes(len(a), "little")


def _marked(size: int, positions: Iterable[int]) -> bytes:
    mask = bytearray(size)
    for at in positions:
        mask[at] = 1
    return bytes(mask)


class Match:
    """Which crates match ``q``: its canonical name in theirs, or each of its words in
    their description or keywords."""

    def __init__(self, table: CrateTable, q: str) -> None:
        self.needle = canonical_name(q)
        #: 1 for the crates whose name holds the needle.
        self.names = _containing(table, "keys", self.needle)
        words: bytes | None = None
        for word in q.lower().split():
            found = _containing(table, "texts", word)
            keyword = table.tagged("keywords", word)
            if keyword:
                found = _either(found, _marked(len(found), keyword))
            words = found if words is None else _both(words, found)
        #: 1 for every crate that matches.
        self.mask = self.names if words is None else _either(self.names, words)


def _prefixed(table: CrateTable, prefix: str) -> set[int]:
    """The positions of the crates whose canonical name starts with *prefix*."""
    order, keys = table.order, table.keys
    found = set()
    at = bisect.bisect_left(order, prefix, key=keys.__getitem__)
    while at < len(order) and keys[order[at]].startswith(prefix):
        found.add(order[at])
        at += 1
    return found


def covered(table: CrateTable, patterns: Sequence[str]) -> set[int]:
    """The crates a token's crate patterns (``foo``, ``foo*``) cover (as ``Credential.covers``)."""
    found: set[int] = set()
    for pattern in patterns:
        wanted = canonical_name(pattern.rstrip("*"))
        if pattern.endswith("*"):
            found |= _prefixed(table, wanted)
        elif (at := table.position.get(wanted)) is not None:
            found.add(at)
    return found


def _chained(table: CrateTable, query: SearchQuery) -> set[int] | None:
    """crates.io's ``else if`` chain of filters: the first one given, as positions."""
    if query.all_keywords is not None:
        words = query.all_keywords.split()
        if not words:
            return None
        return set.intersection(*(set(table.tagged("keywords", w.lower())) for w in words))
    if query.keyword is not None:
        return set(table.tagged("keywords", query.keyword.lower()))
    if query.letter is not None:
        return _prefixed(table, query.letter[0].lower())
    if query.user is not None:
        return set(table.tagged("owners", query.user.lower()))
    if query.nobody:
        return set()
    if query.following is not None:
        return {at for key in query.following if (at := table.position.get(key)) is not None}
    if query.ids:
        found = (table.position.get(canonical_name(name)) for name in query.ids)
        return {at for at in found if at is not None and table.summary(at).name in query.ids}
    return None


def _in_category(table: CrateTable, category: str) -> set[int]:
    """The crates in *category* or one of its subcategories."""
    slug = category.lower()
    found: set[int] = set()
    for value, carriers in table.index["categories"].items():
        if within(value, slug):
            found |= carriers
    return found


class _Selection:
    """The crates a query selects: a mask, or (when a filter chose them) their positions
    in name order."""

    def __init__(self, table: CrateTable, mask: bytes | None, listed: list[int] | None) -> None:
        self._table = table
        self._mask = mask
        self._listed = listed
        self._set: set[int] | None = None

    def __contains__(self, at: int) -> bool:
        if self._mask is not None:
            return bool(self._mask[at])
        if self._set is None:
            self._set = set(self._listed or ())
        return at in self._set

    def listed(self, within: bytes | None = None) -> list[int]:
        """The positions selected (and 1 in *within*, if given), in name order."""
        if self._listed is not None:
            if within is None:
                return list(self._listed)
            return list(compress(self._listed, map(within.__getitem__, self._listed)))
        assert self._mask is not None
        mask = self._mask if within is None else _both(self._mask, within)
        table = self._table
        if mask.count(1) * _DENSE < len(mask):  # few: step from one to the next
            found = []
            at = mask.find(1)
            while at >= 0:
                found.append(table.numbers[at])
                at = mask.find(1, at + 1)
            return found if table.in_order else sorted(found, key=table.keys.__getitem__)
        upto, numbers = table.sorted_upto, table.numbers
        head = list(compress(numbers, mask[:upto]))
        if upto == len(mask):
            return head
        tail = sorted(compress(numbers[upto:], mask[upto:]), key=table.keys.__getitem__)
        return _merged(head, tail, table.keys)


def _merged(head: list[int], tail: list[int], keys: list[str]) -> list[int]:
    """*head* and *tail* (each in name order) as one list in name order."""
    merged: list[int] = []
    start = 0
    for at in tail:
        cut = bisect.bisect_left(head, keys[at], lo=start, key=keys.__getitem__)
        merged += head[start:cut]
        merged.append(at)
        start = cut
    merged += head[start:]
    return merged


def _selected(
    table: CrateTable, query: SearchQuery, match: Match | None, patterns: Sequence[str] | None
) -> _Selection:
    """The crates the query selects."""
    sets = [_chained(table, query)]
    if query.category is not None:
        sets.append(_in_category(table, query.category))
    if patterns is not None:
        sets.append(covered(table, patterns))
    masks = [] if match is None else [match.mask]
    if not query.include_yanked:
        masks.append(bytes(table.live))
    chosen = [found for found in sets if found is not None]
    if chosen:
        few = set.intersection(*chosen)
        kept = [at for at in few if all(mask[at] for mask in masks)]
        return _Selection(table, None, sorted(kept, key=table.keys.__getitem__))
    if not masks:
        return _Selection(table, None, table.order)
    return _Selection(table, reduce(_both, masks), None)


def counted(table: CrateTable, downloads: Downloads, column: int) -> dict[int, int]:
    """The positions of the crates with downloads in *column*, with the count."""
    found = {}
    for key, pair in downloads.items():
        at = table.position.get(key)
        if at is not None and pair[column] > 0:
            found[at] = pair[column]
    return found


def _lifted(
    positions: list[int],
    counts: dict[int, int],
    chosen: _Selection,
    key: Callable[[int], SortKey],
) -> tuple[list[int], list[int]]:
    """The crates of *positions* that *counts* lift, sorted by *key*, and the others."""
    top = sorted((at for at in counts if at in chosen), key=key)
    if not top:
        return [], positions
    skip = set(top)
    return top, [at for at in positions if at not in skip]


class Hits:
    """The crates of one query in order: their positions, the sort key of each (for
    ``seek``), and their summaries for the page shown."""

    def __init__(
        self,
        table: CrateTable,
        positions: list[int],
        order: str,
        needle: str | None,
        downloads: Downloads,
    ) -> None:
        self._table = table
        #: The positions of the crates in the table, in the query's order.
        self.positions = positions
        self._order = order
        self._needle = needle
        self._downloads = downloads

    def summaries(self, positions: Sequence[int]) -> list[CrateSummary]:
        """The summaries of the crates at *positions* (a slice of :attr:`positions`; a
        crate removed since the query is left out)."""
        blobs = self._table.blobs
        return [decode(blob) for blob in map(blobs.__getitem__, positions) if blob is not None]

    def exact(self, summary: CrateSummary) -> bool:
        """Whether *summary* is the query's exact match."""
        return summary.key == self._needle

    def key(self, at: int) -> SortKey:
        """The sort key of the crate at position *at*: tuples that sort as the list."""
        table, order, needle = self._table, self._order, self._needle
        total, recent = self._downloads.get(table.keys[at], (0, 0))
        if order == "downloads":
            return (-total, -table.ids[at])
        if order == "recent-downloads":
            return (-recent, -table.ids[at])
        if order in ("recent-updates", "new"):
            stamps = table.updated if order == "recent-updates" else table.created
            return (-stamps[at], -table.ids[at])
        key = table.keys[at]
        if order == "relevance" and needle is not None:
            return (key != needle, needle not in key, -recent, key)
        return (key != needle, key)


def run(
    table: CrateTable,
    query: SearchQuery,
    downloads: Downloads,
    patterns: Sequence[str] | None = None,
) -> Hits:
    """The crates *query* selects, in its order (*patterns*: the crate patterns of a token
    limited to some crates on a private registry, which sees only those)."""
    q = query.q.strip()
    match = Match(table, q) if q else None
    needle = match.needle if match is not None else None
    chosen = _selected(table, query, match, patterns)
    order = query.order
    hits = Hits(table, [], order, needle, downloads)
    if order in ("downloads", "recent-downloads"):
        counts = counted(table, downloads, 0 if order == "downloads" else 1)
        top, rest = _lifted(chosen.listed(), counts, chosen, hits.key)
        rest.sort(key=table.ids.__getitem__, reverse=True)
        hits.positions = top + rest
    elif order in ("recent-updates", "new"):
        positions = chosen.listed()
        positions.sort(key=table.ids.__getitem__, reverse=True)
        stamps = table.updated if order == "recent-updates" else table.created
        positions.sort(key=stamps.__getitem__, reverse=True)
        hits.positions = positions
    elif order == "relevance" and match is not None:
        counts = counted(table, downloads, 1)
        ranked = []
        for inside in (match.names, match.names.translate(_INVERT)):
            lifted = {at: n for at, n in counts.items() if inside[at]}
            top, rest = _lifted(chosen.listed(inside), lifted, chosen, hits.key)
            ranked += top + rest
        hits.positions = _exact_first(table, ranked, needle)
    else:
        hits.positions = _exact_first(table, chosen.listed(), needle)
    return hits


def _exact_first(table: CrateTable, positions: list[int], needle: str | None) -> list[int]:
    at = None if needle is None else table.position.get(needle)
    if at is None:
        return positions
    try:
        positions.remove(at)
    except ValueError:
        return positions
    positions.insert(0, at)
    return positions
