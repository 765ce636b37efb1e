"""crates.io's crate list (``GET /api/v1/crates``): filters and sort orders.

As ``controllers/krate/search.rs``: of ``all_keywords``, ``keyword``, ``letter``,
``user_id``, ``team_id``, ``following`` and ``ids[]`` only the first one given filters
(crates.io chains them with ``else if``; a fake has no teams or follows, so those two
select nothing); ``category`` (a slug or its parent) and ``include_yanked=no`` filter
besides. With a query the default sort is ``relevance``, without one it is by name;
``alpha`` and unknown sorts are by name, with the exact match first when there is a
query; ``downloads``, ``recent-downloads``, ``recent-updates`` and ``new`` ignore the
exact match. crates.io ranks relevance by PostgreSQL's full-text rank, which a fake has
not: here a match in the name ranks above one in the description or keywords, then
recent downloads decide, then the name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..errors import InvalidError
from .crateview import CrateSummary
from .names import canonical_name

SORTS = ("alpha", "downloads", "recent-downloads", "recent-updates", "new", "relevance")

#: A position in a sort order: compared as a tuple, round-tripped through JSON (``seek``).
SortKey = tuple[object, ...]


@dataclass(frozen=True)
class SearchQuery:
    """The parameters of one crate list request."""

    q: str = ""
    sort: str | None = None
    all_keywords: str | None = None
    keyword: str | None = None
    letter: str | None = None
    user: str | None = None  # an owner's login (the web layer resolves ``user_id``)
    #: ``team_id`` or ``following`` given: a fake has no teams and no follows, so these
    #: select nothing (where crates.io's chain reaches them).
    nobody: bool = False
    ids: tuple[str, ...] = ()
    category: str | None = None
    include_yanked: bool = True

    def __post_init__(self) -> None:
        if self.letter is not None and len(self.letter) < 1:
            raise InvalidError("letter value must contain 1 character")

    @property
    def order(self) -> str:
        """The sort this query uses: its own, else crates.io's default for it."""
        if self.sort in ("downloads", "recent-downloads", "recent-updates", "new"):
            return self.sort
        if self.q and self.sort in (None, "relevance"):
            return "relevance"
        return "alpha"


def _selected(summary: CrateSummary, query: SearchQuery) -> bool:
    if query.all_keywords is not None:
        have = {k.lower() for k in summary.keywords}
        if not all(word.lower() in have for word in query.all_keywords.split()):
            return False
    elif query.keyword is not None:
        if query.keyword.lower() not in (k.lower() for k in summary.keywords):
            return False
    elif query.letter is not None:
        if not canonical_name(summary.name).startswith(query.letter[0].lower()):
            return False
    elif query.user is not None:
        if query.user.lower() not in (login.lower() for login in summary.owners):
            return False
    elif query.nobody or (query.ids and summary.name not in query.ids):
        return False
    if query.category is not None and not any(
        slug == query.category or slug.startswith(f"{query.category}::")
        for slug in summary.categories
    ):
        return False
    return query.include_yanked or summary.any_live


def _filters(query: SearchQuery) -> bool:
    return (
        any(
            value is not None
            for value in (query.all_keywords, query.keyword, query.letter, query.user)
        )
        or query.nobody
        or bool(query.ids)
        or query.category is not None
        or not query.include_yanked
    )


class Ranking:
    """The crates of a result in order, and the sort key of each (for ``seek``)."""

    def __init__(
        self,
        crates: list[CrateSummary],
        order: str,
        needle: str | None,
        downloads: Mapping[str, tuple[int, int]],
    ) -> None:
        self.crates = crates
        self._order = order
        self._needle = needle
        self._downloads = downloads

    def exact(self, summary: CrateSummary) -> bool:
        """Whether *summary* is the query's exact match."""
        return summary.key == self._needle

    def key(self, summary: CrateSummary) -> SortKey:
        """*summary*'s position in the order, as a tuple that sorts like the list."""
        total, recent = self._downloads.get(summary.key, (0, 0))
        order = self._order
        if order == "downloads":
            return (-total, -summary.id)
        if order == "recent-downloads":
            return (-recent, -summary.id)
        if order == "recent-updates":
            return (_descending(summary.updated_at), -summary.id)
        if order == "new":
            return (_descending(summary.created_at), -summary.id)
        needle = self._needle
        if order == "relevance" and needle is not None:
            return (summary.key != needle, needle not in summary.key, -recent, summary.key)
        return (summary.key != needle, summary.key)


def rank(
    hits: Sequence[CrateSummary],
    query: SearchQuery,
    downloads: Mapping[str, tuple[int, int]],
) -> Ranking:
    """*hits* (the crates matching ``q``) filtered and sorted as *query* asks.

    Sorted by one stable pass per part of the order, from the last part to the first, on
    values the crates already hold: no tuple per crate, so a query matching 100,000 crates
    makes no garbage for the collector to trace through the catalog.
    """
    crates = [s for s in hits if _selected(s, query)] if _filters(query) else list(hits)
    needle = canonical_name(query.q) if query.q else None
    order = query.order
    none = (0, 0)
    if order in ("downloads", "recent-downloads"):
        column = 0 if order == "downloads" else 1
        crates.sort(key=_id, reverse=True)
        crates.sort(key=lambda s: downloads.get(s.key, none)[column], reverse=True)
    elif order in ("recent-updates", "new"):
        crates.sort(key=_id, reverse=True)
        crates.sort(key=_updated if order == "recent-updates" else _created, reverse=True)
    else:
        crates.sort(key=_key)
        if order == "relevance" and needle is not None:
            crates.sort(key=lambda s: downloads.get(s.key, none)[1], reverse=True)
            crates.sort(key=lambda s: needle not in s.key)
        crates.sort(key=lambda s: s.key != needle)
    return Ranking(crates, order, needle, downloads)


def _id(summary: CrateSummary) -> int:
    return summary.id


def _key(summary: CrateSummary) -> str:
    return summary.key


def _created(summary: CrateSummary) -> str:
    return summary.created_at


def _updated(summary: CrateSummary) -> str:
    return summary.updated_at


_NOT_DIGITS = {ord(c): None for c in "-:TZ. +"}


def _descending(timestamp: str) -> int:
    """A number that sorts in the reverse order of an RFC 3339 UTC timestamp."""
    digits = timestamp.translate(_NOT_DIGITS)
    return -int(digits) if digits.isdigit() else 0
