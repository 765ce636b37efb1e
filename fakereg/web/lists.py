"""crates.io's read API across crates: search, the summary, reverse dependencies, users.

These answer from the in-memory :class:`~fakereg.storage.catalog.Catalog` (and the
download counts), never by reading every crate per request.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from werkzeug.wrappers import Request, Response

from ..domain.crateview import CrateSummary, crate_versions
from ..domain.search import SearchQuery
from ..errors import ApiError
from . import views
from .context import context_of
from .http import json_response, path_i32
from .paging import Pagination, encode_seek, query_with, seek_start
from .read_api import ReadSources


class ListApi:
    """Handlers for ``/api/v1/crates`` (search), ``/summary``, ``reverse_dependencies``,
    ``/users/{login}``, ``/users/{id}/stats``, ``/teams/{team}`` and the follows."""

    def __init__(self, sources: ReadSources) -> None:
        self._data = sources

    def _minimal(
        self, summary: CrateSummary, totals: dict[str, tuple[int, int]], exact: bool = False
    ) -> dict[str, Any]:
        total, recent = totals.get(summary.key, (0, 0))
        return views.crate(summary, total, recent, exact_match=exact)

    def search(self, request: Request) -> Response:
        """``GET /api/v1/crates``: crates.io's filters, sorts and both pagination styles."""
        query = self._query(request)
        paging = Pagination.gather(request, seek=True, limit_pages=True)
        totals = self._data.downloads.totals()
        patterns = self._data.visible(context_of(request).reader)
        hits = self._data.catalog.query(query, totals, patterns)
        ranked = hits.positions
        next_page = prev_page = None
        if paging.page is not None:
            shown = ranked[paging.offset : paging.offset + paging.per_page]
            if len(shown) >= paging.per_page:
                next_page = query_with(request, page=str(paging.page + 1))
            if paging.page > 1:
                prev_page = query_with(request, page=str(paging.page - 1))
        else:
            start = 0 if paging.seek is None else seek_start(ranked, paging.seek, hits.key)
            shown = ranked[start : start + paging.per_page]
            if shown and len(shown) >= paging.per_page:
                next_page = query_with(request, seek=encode_seek(hits.key(shown[-1])))
        crates = [self._minimal(s, totals, hits.exact(s)) for s in hits.summaries(shown)]
        meta = {"total": len(ranked), "next_page": next_page, "prev_page": prev_page}
        return json_response({"crates": crates, "meta": meta})

    def _query(self, request: Request) -> SearchQuery:
        """The search parameters of *request* (``user_id`` resolved to a login)."""
        args = request.args
        user = None
        if args.get("user_id") is not None:
            raw = args["user_id"]
            if not raw.isdigit():
                raise ApiError(400, f"invalid `user_id`: expected a whole number, got `{raw}`")
            found = self._data.accounts.user_by_id(int(raw))
            user = found.login if found is not None else "\0"  # nobody: no crates
        following = None
        if args.get("following") is not None:  # crates.io: the signed-in user's follows
            login = self._data.auth.token(request).user.login
            following = tuple(self._data.accounts.followed(login))
        letter = args.get("letter")
        if letter is not None and not letter:
            raise ApiError(400, "letter value must contain 1 character")
        return SearchQuery(
            q=args.get("q", ""),
            sort=args.get("sort"),
            all_keywords=args.get("all_keywords"),
            keyword=args.get("keyword"),
            letter=letter,
            user=user,
            nobody=args.get("team_id") is not None,
            following=following,
            ids=tuple(args.getlist("ids[]")),
            category=args.get("category"),
            include_yanked=args.get("include_yanked", "yes") == "yes",
        )

    def summary(self, request: Request) -> Response:
        """``GET /api/v1/summary``: counts, and the new, updated and downloaded lists."""
        totals = self._data.downloads.totals()
        patterns = self._data.visible(context_of(request).reader)
        found = self._data.catalog.overview(totals, patterns)

        def top(items: Sequence[CrateSummary]) -> list[dict[str, Any]]:
            return [self._minimal(s, totals) for s in items]

        return json_response(
            {
                "num_downloads": found.num_downloads,
                "num_crates": found.num_crates,
                "new_crates": top(found.new_crates),
                "most_downloaded": top(found.most_downloaded),
                "most_recently_downloaded": top(found.most_recently_downloaded),
                "just_updated": top(found.just_updated),
                "popular_keywords": [views.keyword(*t) for t in found.popular_keywords],
                "popular_categories": [views.category(*t) for t in found.popular_categories],
            }
        )

    def reverse_dependencies(self, request: Request, name: str) -> Response:
        """``GET /api/v1/crates/{name}/reverse_dependencies``: the crates whose default
        version (not yanked) depends on *name*, most downloaded first, paged."""
        paging = Pagination.gather(request, limit_pages=True)
        target = self._data.catalog.get(name)
        if target is None:
            raise ApiError(404, f"crate `{name}` does not exist")
        totals = self._data.downloads.totals()
        dependents = sorted(
            self._data.catalog.dependents(name),
            key=lambda s: (totals.get(s.key, (0, 0))[0], s.id),
            reverse=True,
        )
        shown = dependents[paging.offset : paging.offset + paging.per_page]
        dependencies, versions = [], []
        for summary in shown:
            state = self._data.store.crate_state(summary.key)
            if state is None or summary.default_version is None:
                continue
            facts = next(v for v in crate_versions(*state) if v.num == summary.default_version)
            found = views.depends_on(facts, target.name)
            if found is None:
                continue
            dep, position = found
            version_id = facts.id(summary.name)
            downloads = totals.get(summary.key, (0, 0))[0]
            dependencies.append(
                views.dependency(
                    dep, views.dependency_id(version_id, position), version_id, downloads
                )
            )
            dependencies[-1]["crate_id"] = target.name
            versions += self._data.versions_json(summary.name, [facts])
        versions.sort(key=lambda v: int(v["id"]))
        return json_response(
            {"dependencies": dependencies, "versions": versions, "meta": {"total": len(dependents)}}
        )

    def user(self, request: Request, login: str) -> Response:
        """``GET /api/v1/users/{login}``."""
        found = self._data.accounts.user(login)
        if found is None:
            raise ApiError(404, "Not Found")
        return json_response({"user": views.public_user(found)})

    def follow(self, request: Request, name: str) -> Response:
        """``PUT`` / ``DELETE /api/v1/crates/{name}/follow``: the token's user follows the
        crate, or stops (``controllers/krate/follow.rs``: the token, then the crate; as
        its ``AuthCheck::default()``, a token limited to some scopes or crates is refused)."""
        login = self._data.auth.unscoped(request).user.login
        found = self._data.catalog.get(name)
        if found is None:
            raise ApiError(404, f"crate `{name}` does not exist")
        self._data.accounts.follow(login, found.key, following=request.method == "PUT")
        return json_response({"ok": True})

    def user_stats(self, request: Request, user_id: str) -> Response:
        """``GET /api/v1/users/{id}/stats``: the downloads of the crates the user owns (0
        for an id no user has, as crates.io's sum over no crates)."""
        found = self._data.accounts.user_by_id(path_i32(user_id))
        owned = [] if found is None else self._data.catalog.owned_by(found.login)
        totals = self._data.downloads.totals()
        total = sum(totals.get(s.key, (0, 0))[0] for s in owned)
        return json_response({"total_downloads": total})

    def team(self, request: Request, team: str) -> Response:
        """``GET /api/v1/teams/{team}``: the team called exactly *team* (its lowercase
        ``github:org:team``), as ``reg.add_team`` made it; crates.io's 404 otherwise."""
        found = self._data.teams.get(team)
        if found is None:
            raise ApiError(404, "Not Found")
        return json_response({"team": views.team(found)})
