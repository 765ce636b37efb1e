"""crates.io's crate list (``GET /api/v1/crates``): filters and sort orders.

As ``controllers/krate/search.rs``: of ``all_keywords``, ``keyword``, ``letter``,
``user_id`` and ``ids[]`` only the first one given filters (crates.io chains them with
``else if``); ``category`` (a slug or its parent) and ``include_yanked=no`` filter
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


@dataclass(frozen=True)
class Ranked:
    """One crate of a result, with whether it is the exact match and its sort key."""

    summary: CrateSummary
    exact_match: bool
    key: SortKey


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
    elif query.ids and summary.name not in query.ids:
        return False
    if query.category is not None and not any(
        slug == query.category or slug.startswith(f"{query.category}::")
        for slug in summary.categories
    ):
        return False
    return query.include_yanked or summary.any_live


def rank(
    hits: Sequence[CrateSummary],
    query: SearchQuery,
    downloads: Mapping[str, tuple[int, int]],
) -> list[Ranked]:
    """*hits* (the crates matching ``q``) filtered and sorted as *query* asks."""
    needle = canonical_name(query.q)
    order = query.order
    ranked = []
    for summary in hits:
        if not _selected(summary, query):
            continue
        key_name = canonical_name(summary.name)
        exact = bool(query.q) and key_name == needle
        total, recent = downloads.get(key_name, (0, 0))
        key: SortKey
        if order == "downloads":
            key = (-total, -summary.id)
        elif order == "recent-downloads":
            key = (-recent, -summary.id)
        elif order == "recent-updates":
            key = (_descending(summary.updated_at), -summary.id)
        elif order == "new":
            key = (_descending(summary.created_at), -summary.id)
        elif order == "relevance":
            key = (not exact, needle not in key_name, -recent, key_name)
        else:
            key = (not exact, key_name)
        ranked.append(Ranked(summary, exact, key))
    ranked.sort(key=lambda r: r.key)
    return ranked


_NOT_DIGITS = {ord(c): None for c in "-:TZ. +"}


def _descending(timestamp: str) -> int:
    """A number that sorts in the reverse order of an RFC 3339 UTC timestamp."""
    digits = timestamp.translate(_NOT_DIGITS)
    return -int(digits) if digits.isdigit() else 0
