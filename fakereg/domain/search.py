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
recent downloads decide, then the name. :mod:`fakereg.storage.catalog.query` runs these
rules on the catalog's columns.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InvalidError

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
    #: ``team_id`` given: a fake has no teams, so it selects nothing (where crates.io's
    #: chain reaches it).
    nobody: bool = False
    #: ``following`` given: the canonical names of the crates the token's user follows.
    following: tuple[str, ...] | None = None
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
