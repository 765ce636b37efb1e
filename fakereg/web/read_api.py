"""crates.io's read API of one crate: the crate, its versions, dependencies and README.

Each answer costs what the crate has (its record, its index file, its downloads), not what
the registry has. The shapes are in :mod:`fakereg.web.views`; the rules of crates.io's
controllers (``controllers/krate/metadata.rs``, ``versions.rs``, ``version/*.rs``) are
followed where they are visible to a client: ``?include=``, the version list's seek
pagination and sorts, the yank message rules of ``PATCH``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from werkzeug.wrappers import Request, Response

from ..domain.crateview import CrateSummary, VersionFacts, crate_versions, summarize
from ..domain.names import SemVer, canonical_name
from ..domain.readme import render_readme
from ..domain.shapes import CrateRecord, IndexLine
from ..errors import ApiError
from ..storage.accounts import Accounts, Credential, User
from ..storage.catalog import Catalog
from ..storage.downloads import DownloadCounter, crate_total, recent_total, version_total
from ..storage.store import CrateStore
from ..storage.teams import Teams, is_team
from . import views
from .auth import Authorizer
from .http import api_json, checked_version, json_response, where_answer, wrong_shape
from .paging import Pagination, encode_seek, query_with, seek_start

_CRATE_INCLUDES = ("versions", "keywords", "categories", "badges", "downloads", "default_version")
_INVALID_INCLUDE = (
    "invalid component for ?include= (expected 'versions', 'keywords', 'categories', "
    "'badges', 'downloads', 'default_version', or 'full')"
)


def crate_includes(raw: str | None) -> set[str]:
    """The parts ``?include=`` asks of the crate route (everything when absent)."""
    if raw is None:
        return set(_CRATE_INCLUDES)
    parts: set[str] = set()
    for part in raw.split(","):
        if part == "full":
            parts.update(_CRATE_INCLUDES)
        elif part in _CRATE_INCLUDES:
            parts.add(part)
        elif part:
            raise ApiError(400, _INVALID_INCLUDE)
    return parts


class CrateState:
    """One crate as read for one request: its record, lines and versions."""

    def __init__(self, meta: CrateRecord, lines: list[IndexLine]) -> None:
        self.meta = meta
        self.lines = lines
        self.name = meta["name"]
        self.versions = crate_versions(meta, lines)

    def find(self, num: str) -> VersionFacts:
        for facts in self.versions:
            if facts.num == num:
                return facts
        raise ApiError(404, f"crate `{self.name}` does not have a version `{num}`")


@dataclass(frozen=True)
class ReadSources:
    """What the read API reads: the store, the catalog, the users, the download counts,
    and who may read."""

    store: CrateStore
    catalog: Catalog
    accounts: Accounts
    downloads: DownloadCounter
    auth: Authorizer
    teams: Teams

    def crate(self, name: str) -> CrateState:
        """The crate called *name* (any spelling), or a 404 in crates.io's words."""
        found = self.store.crate_state(canonical_name(name)) if name else None
        if found is None:
            raise ApiError(404, f"crate `{name}` does not exist")
        return CrateState(*found)

    @staticmethod
    def visible(reader: Credential | None) -> tuple[str, ...] | None:
        """The crate patterns of what *reader* may see: None (every crate), but for a
        token limited to some crates on a private registry (only those)."""
        return None if reader is None else reader.crates

    def versions_json(self, crate: str, versions: Sequence[VersionFacts]) -> list[Any]:
        """``EncodableVersion`` of *versions* of *crate*, with their downloads and users."""
        counts = self.downloads.of_crate(crate)
        logins = views.logins_of(versions)
        users = {login: self.accounts.user(login) for login in logins}
        return [views.version(crate, v, version_total(counts.get(v.num)), users) for v in versions]


class ReadApi:
    """Handlers for ``/api/v1/crates/{name}[/{version}[/…]]`` reads and the version PATCH."""

    def __init__(self, sources: ReadSources, base_url: str) -> None:
        self._data = sources
        self._base_url = base_url

    def _state(self, request: Request, name: str) -> CrateState:
        return self._data.crate(name)  # (the route's READ rule let the request in)

    def _encode_versions(self, state: CrateState, versions: Sequence[VersionFacts]) -> list[Any]:
        return self._data.versions_json(state.name, versions)

    def crate(self, request: Request, name: str) -> Response:
        """``GET /api/v1/crates/{name}``."""
        include = crate_includes(request.args.get("include"))
        state = self._state(request, name)
        summary = summarize(state.meta, state.lines)
        counts = self._data.downloads.of_crate(state.name)
        total = crate_total(counts)
        newest_first = sorted(state.versions, key=lambda v: v.order, reverse=True)
        shown: list[VersionFacts] | None = None
        if "versions" in include:
            shown = newest_first
        elif "default_version" in include and summary.default_version is not None:
            shown = [state.find(summary.default_version)]
        body: dict[str, Any] = {
            "crate": views.crate(
                summary,
                total,
                recent_total(counts) if "downloads" in include else None,
                top_versions="versions" in include,
                version_ids=[v.id(state.name) for v in shown]
                if shown is not None and "versions" in include
                else None,
                keywords="keywords" in include,
                categories="categories" in include,
            ),
            "versions": None if shown is None else self._encode_versions(state, shown),
            "keywords": None,
            "categories": None,
        }
        if "keywords" in include:
            body["keywords"] = [self._tag("keywords", k, summary) for k in summary.keywords]
        if "categories" in include:
            body["categories"] = [self._tag("categories", c, summary) for c in summary.categories]
        return json_response(body)

    def _tag(self, kind: str, tag: str, of: CrateSummary) -> dict[str, Any]:
        """A keyword or category with how many crates carry it and when it first appeared."""
        count, created = self._data.catalog.carriers(kind, tag)
        make = views.keyword if kind == "keywords" else views.category
        return make(tag, created or of.created_at, max(count, 1))

    def authors(self, request: Request, name: str, version: str) -> Response:
        """``GET …/{version}/authors``: deprecated by RFC 3052, and as on crates.io
        (``controllers/version/authors.rs``) always empty, whatever the path names."""
        return json_response({"users": [], "meta": {"names": []}})

    def site_metadata(self, request: Request) -> Response:
        """``GET /api/v1/site_metadata`` (``controllers/site_metadata.rs``): no deployed
        commit to name, never read-only, crate files served from the registry itself."""
        answer = json_response(
            {
                "deployed_sha": "unknown",
                "commit": "unknown",
                "cdn_base": self._base_url,
                "read_only": False,
                "banner_message": None,
            }
        )
        answer.headers["Cache-Control"] = "public, max-age=15"
        return answer

    def versions(self, request: Request, name: str) -> Response:
        """``GET /api/v1/crates/{name}/versions``: every version, or seek pages when
        ``per_page`` is given; by semver (``sort=semver``, the default) or ``sort=date``."""
        include = request.args.get("include")
        for part in (include or "").split(","):
            if part not in ("", "release_tracks"):
                raise ApiError(400, "invalid component for ?include= (expected 'release_tracks')")
        paging = (
            Pagination.gather(request, pages=False, seek=True)
            if "per_page" in request.args
            else None
        )
        state = self._state(request, name)
        by_date = (request.args.get("sort") or "").lower() == "date"
        nums = set(request.args.getlist("nums[]"))

        def key(v: VersionFacts) -> tuple[object, ...]:
            id_ = v.id(state.name)
            return (v.created_at, id_) if by_date else (_semver_key(v.semver), id_)

        chosen = [v for v in state.versions if not nums or v.num in nums]
        chosen.sort(key=key, reverse=True)
        page, next_page = chosen, None
        if paging is not None:
            if paging.seek is not None:
                page = chosen[seek_start(chosen, _seek_key(paging.seek), key, descending=True) :]
            page = page[: paging.per_page]
            if len(page) == paging.per_page and page:
                next_page = query_with(request, seek=encode_seek(key(page[-1])))
        meta: dict[str, Any] = {"total": len(chosen) if page else 0, "next_page": next_page}
        if include and "release_tracks" in include.split(","):
            meta["release_tracks"] = release_tracks(state.versions)
        return json_response({"versions": self._encode_versions(state, page), "meta": meta})

    def version(self, request: Request, name: str, version: str) -> Response:
        """``GET /api/v1/crates/{name}/{version}``."""
        state = self._state(request, name)
        facts = state.find(checked_version(version))
        return json_response({"version": self._encode_versions(state, [facts])[0]})

    def update_version(self, request: Request, name: str, version: str) -> Response:
        """``PATCH /api/v1/crates/{name}/{version}``: yank or unyank, with a message."""
        update = _version_update(api_json(request))  # the body's shape first, then
        credential = self._data.auth.token(request)  # the token, as crates.io does
        state = self._state(request, name)
        facts = state.find(checked_version(version))
        yanked, message = update.get("yanked"), update.get("yank_message")
        if message is not None:
            if yanked is False:
                raise ApiError(400, "Cannot set yank message when unyanking")
            if yanked is None and not facts.yanked:
                raise ApiError(400, "Cannot update yank message for a version that is not yanked")
        self._data.auth.scope(credential, "yank", state.name)
        yanked = facts.yanked if yanked is None else yanked
        self._data.store.set_yanked(state.name, facts.num, yanked, credential.user.login, message)
        state = self._state(request, name)
        updated = state.find(facts.num)
        return json_response({"version": self._encode_versions(state, [updated])[0]})

    def dependencies(self, request: Request, name: str, version: str) -> Response:
        """``GET /api/v1/crates/{name}/{version}/dependencies``."""
        state = self._state(request, name)
        facts = state.find(checked_version(version))
        return json_response({"dependencies": views.dependencies(facts, state.name)})

    def readme(self, request: Request, name: str, version: str) -> Response:
        """``GET …/{version}/readme``: a redirect to the rendered README, or its URL as JSON
        when the client accepts JSON (``Vary: Accept``), as crates.io answers."""
        state = self._state(request, name)
        facts = state.find(checked_version(version))
        url = f"{self._base_url}/readmes/{state.name}/{state.name}-{facts.num}.html"
        return where_answer(request, url)

    def readme_page(self, request: Request, name: str, file: str) -> Response:
        """``GET /readmes/{name}/{name}-{version}.html``: the README rendered to HTML (as
        crates.io's static storage holds it), 404 when the version has none."""
        state = self._state(request, name)
        prefix = f"{state.name}-"
        if not (file.startswith(prefix) and file.endswith(".html")):
            raise ApiError(404, f"no README at /readmes/{name}/{file}")
        facts = state.find(file[len(prefix) : -len(".html")])
        text = self._data.store.readme(state.name, facts.num)
        if text is None:
            raise ApiError(404, f"crate `{state.name}` version `{facts.num}` has no README")
        rendered = render_readme(text, facts.details.get("readme_file") or "README.md")
        return Response(rendered, content_type="text/html; charset=utf-8")

    def owner_user(self, request: Request, name: str) -> Response:
        """``GET /api/v1/crates/{name}/owner_user``."""
        users = self._owners(request, name)
        return json_response({"users": [views.owner(user) for user in users]})

    def owner_team(self, request: Request, name: str) -> Response:
        """``GET /api/v1/crates/{name}/owner_team``: the teams that own it."""
        state = self._state(request, name)
        found = (self._data.teams.find(login) for login in state.meta["owners"] if is_team(login))
        teams = sorted((team for team in found if team is not None), key=lambda t: t.id)
        return json_response({"teams": [views.owner(team) for team in teams]})

    def _owners(self, request: Request, name: str) -> list[User]:
        state = self._state(request, name)
        logins = (login for login in state.meta["owners"] if not is_team(login))
        found = (self._data.accounts.user(login) for login in logins)
        return sorted((user for user in found if user is not None), key=lambda u: u.id)


def _version_update(payload: object) -> dict[str, Any]:
    update = payload.get("version") if isinstance(payload, dict) else None
    if not isinstance(update, dict):
        raise wrong_shape('expected a body like {"version": {"yanked": true, "yank_message": …}}')
    if update.get("yanked") is not None and not isinstance(update["yanked"], bool):
        raise wrong_shape("`version.yanked` must be true, false or null")
    if update.get("yank_message") is not None and not isinstance(update["yank_message"], str):
        raise wrong_shape("`version.yank_message` must be a string or null")
    return update


def _semver_key(semver: SemVer) -> list[object]:
    """A JSON-safe key in semver order (a release after its pre-releases)."""
    pre = [
        [kind, str(part).rjust(20, "0") if kind == 0 else str(part)] for kind, part in semver.pre
    ]
    return [list(semver.core), 0 if semver.pre else 1, pre]


def _seek_key(raw: tuple[object, ...]) -> tuple[object, ...]:
    if len(raw) != 2:
        raise ApiError(400, "invalid seek parameter")
    return raw


def release_tracks(versions: Sequence[VersionFacts]) -> dict[str, dict[str, str]]:
    """crates.io's ``release_tracks``: the highest release of each ``0.x`` or major line."""
    tracks: dict[str, dict[str, str]] = {}
    live = sorted((v.semver for v in versions if not v.yanked), reverse=True)
    for semver in live:
        if semver.is_prerelease:
            continue
        major, minor, _ = semver.core
        track = f"0.{minor}" if major == 0 else str(major)
        tracks.setdefault(track, {"highest": semver.text})
    return tracks
