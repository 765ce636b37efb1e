"""crates.io's JSON shapes (``crates/crates_io_api_types``), made from a registry's state.

One function per type, with crates.io's field names in crates.io's order. Fields that
have no meaning in a fake carry what crates.io sends for a crate that has none:
``badges`` is ``[]``, ``linecounts`` and a user's
``created_at`` are ``null`` (``trustpub_data`` is a trusted publish's run, else ``null``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

from ..domain.categories import categories
from ..domain.crateview import CrateSummary, VersionFacts
from ..domain.names import canonical_name
from ..domain.shapes import IndexDependency
from ..storage.accounts import TokenInfo, User
from ..storage.invitations import Invitation
from ..storage.teams import Team

JSON = dict[str, Any]


def public_user(user: User | None, login: str | None = None) -> JSON | None:
    """``EncodablePublicUser`` (a user removed since is shown by login alone)."""
    if user is None and login is None:
        return None
    shown_login = user.login if user is not None else str(login)
    return {
        "id": user.id if user is not None else 0,
        "login": shown_login,
        "name": user.name if user is not None else None,
        "avatar": None,
        "url": f"https://github.com/{shown_login}",
        "github_username_matches": True,
        "created_at": None,
    }


def owner(user: User | Team) -> JSON:
    """``EncodableOwner`` of a user (``github_username_matches`` as crates.io adds it) or
    of a team (``kind`` ``team``, its organization's URL)."""
    if isinstance(user, Team):
        return {
            "id": user.id,
            "login": user.login,
            "kind": "team",
            "url": f"https://github.com/{user.org}",
            "name": user.name,
            "avatar": None,
        }
    return {
        "id": user.id,
        "login": user.login,
        "kind": "user",
        "url": f"https://github.com/{user.login}",
        "name": user.name,
        "avatar": None,
        "github_username_matches": True,
    }


def crate(
    summary: CrateSummary,
    downloads: int,
    recent_downloads: int | None,
    *,
    exact_match: bool = False,
    top_versions: bool = True,
    version_ids: Sequence[int] | None = None,
    keywords: bool = False,
    categories: bool = False,
) -> JSON:
    """``EncodableCrate``. Without *top_versions* crates.io answers ``max_version`` and
    ``newest_version`` as ``"0.0.0"`` and ``max_stable_version`` as null (a crate route
    whose ``?include=`` leaves out ``versions``)."""
    name = summary.name
    return {
        "id": name,
        "name": name,
        "updated_at": summary.updated_at,
        "versions": list(version_ids) if version_ids is not None else None,
        "keywords": list(summary.keywords) if keywords else None,
        "categories": list(summary.categories) if categories else None,
        "badges": [],
        "created_at": summary.created_at,
        "downloads": max(downloads, recent_downloads or 0),
        "recent_downloads": recent_downloads,
        "default_version": summary.default_version,
        "num_versions": summary.num_versions,
        "yanked": summary.default_yanked,
        "max_version": summary.max_version if top_versions else "0.0.0",
        "newest_version": summary.newest_version if top_versions else "0.0.0",
        "max_stable_version": summary.max_stable_version if top_versions else None,
        "description": summary.description,
        "homepage": summary.homepage,
        "documentation": summary.documentation,
        "repository": summary.repository,
        "links": {
            "version_downloads": f"/api/v1/crates/{name}/downloads",
            "versions": None if version_ids is not None else f"/api/v1/crates/{name}/versions",
            "owners": f"/api/v1/crates/{name}/owners",
            "owner_team": f"/api/v1/crates/{name}/owner_team",
            "owner_user": f"/api/v1/crates/{name}/owner_user",
            "reverse_dependencies": f"/api/v1/crates/{name}/reverse_dependencies",
        },
        "exact_match": exact_match,
        "trustpub_only": summary.trustpub_only,
    }


def version(
    name: str, facts: VersionFacts, downloads: int, users: Mapping[str, User | None]
) -> JSON:
    """``EncodableVersion`` of crate *name*; *users* maps the logins it names."""
    details = facts.details
    num = facts.num
    line = facts.line
    features = {**line["features"], **line.get("features2", {})}
    publisher = details.get("published_by")
    return {
        "id": facts.id(name),
        "crate": name,
        "num": num,
        "dl_path": f"/api/v1/crates/{name}/{num}/download",
        "readme_path": f"/api/v1/crates/{name}/{num}/readme",
        "updated_at": facts.updated_at,
        "created_at": facts.created_at,
        "downloads": downloads,
        "features": dict(sorted(features.items())),
        "yanked": facts.yanked,
        "yank_message": details.get("yank_message") if facts.yanked else None,
        "lib_links": line.get("links"),
        "license": details.get("license"),
        "links": {
            "dependencies": f"/api/v1/crates/{name}/{num}/dependencies",
            "version_downloads": f"/api/v1/crates/{name}/{num}/downloads",
            "authors": f"/api/v1/crates/{name}/{num}/authors",
        },
        "crate_size": details.get("crate_size", 0),
        "published_by": public_user(users.get(publisher), publisher) if publisher else None,
        "audit_actions": [
            {
                "action": action["action"],
                "user": public_user(users.get(action["user"]), action["user"]),
                "time": action["time"],
            }
            for action in details.get("audit", [])
        ],
        "checksum": line["cksum"],
        "rust_version": line.get("rust_version", details.get("rust_version")),
        "has_lib": details.get("has_lib"),
        "bin_names": details.get("bin_names"),
        "edition": details.get("edition"),
        "description": details.get("description"),
        "homepage": details.get("homepage"),
        "documentation": details.get("documentation"),
        "repository": details.get("repository"),
        "trustpub_data": details.get("trustpub_data"),
        "linecounts": None,
    }


def logins_of(versions: Sequence[VersionFacts]) -> set[str]:
    """The logins :func:`version` shows for *versions* (publishers and audit entries)."""
    logins = set()
    for facts in versions:
        if facts.details.get("published_by"):
            logins.add(facts.details["published_by"])
        logins.update(action["user"] for action in facts.details.get("audit", []))
    return logins


def dependency(dep: IndexDependency, dep_id: int, version_id: int, downloads: int = 0) -> JSON:
    """``EncodableDependency`` (``crate_id`` is the depended-on crate's real name)."""
    return {
        "id": dep_id,
        "version_id": version_id,
        "crate_id": dep.get("package", dep["name"]),
        "req": dep["req"],
        "optional": dep["optional"],
        "default_features": dep["default_features"],
        "features": list(dep["features"]),
        "target": dep["target"],
        "kind": dep["kind"],
        "downloads": downloads,
    }


def dependency_id(version_id: int, position: int) -> int:
    """The id of a version's dependency at *position* of its index line (crates.io's ids
    are rows of its own; these are stable and unique per version)."""
    return version_id * 1000 + position


def dependencies(facts: VersionFacts, crate_name: str) -> list[JSON]:
    """A version's dependencies as crates.io lists them: required first, then by name."""
    version_id = facts.id(crate_name)
    deps = [(dep, dependency_id(version_id, i)) for i, dep in enumerate(facts.line["deps"])]
    deps.sort(key=lambda pair: (pair[0]["optional"], pair[0].get("package", pair[0]["name"])))
    return [dependency(dep, dep_id, version_id) for dep, dep_id in deps]


def depends_on(facts: VersionFacts, target: str) -> tuple[IndexDependency, int] | None:
    """The first dependency of *facts* on crate *target* (this registry's) and its id."""
    key = canonical_name(target)
    for i, dep in enumerate(facts.line["deps"]):
        if dep.get("registry") is None and canonical_name(dep.get("package", dep["name"])) == key:
            return dep, i
    return None


def keyword(word: str, created_at: str, crates_cnt: int) -> JSON:
    """``EncodableKeyword``."""
    return {"id": word, "keyword": word, "created_at": created_at, "crates_cnt": crates_cnt}


def category(slug: str, created_at: str, crates_cnt: int) -> JSON:
    """``EncodableCategory``, with crates.io's name and description for its slugs (a slug
    crates.io lacks is named after its last part, with no description)."""
    known = categories().get(slug)
    return {
        "id": slug,
        "category": known.name if known is not None else slug.rsplit("::", 1)[-1],
        "slug": slug,
        "description": known.description if known is not None else "",
        "created_at": created_at,
        "crates_cnt": crates_cnt,
    }


def instant(moment: datetime) -> str:
    """A time as chrono serializes a ``DateTime<Utc>`` (RFC 3339, ``Z``, the fraction of
    a second when there is one)."""
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def api_token(token: TokenInfo) -> JSON:
    """crates.io's ``ApiToken`` (``last_used_at`` is not kept: always null)."""
    return {
        "id": token.id,
        "name": token.name,
        "created_at": instant(token.created_at),
        "last_used_at": None,
        "crate_scopes": None if token.crates is None else list(token.crates),
        "endpoint_scopes": None if token.scopes is None else list(token.scopes),
        "expired_at": None if token.expires is None else instant(token.expires),
    }


def invitation(found: Invitation, invitee: User | None, inviter: User | None) -> JSON:
    """``EncodableCrateOwnerInvitation`` (ids 0 for a user removed since)."""
    return {
        "invitee_id": 0 if invitee is None else invitee.id,
        "inviter_id": 0 if inviter is None else inviter.id,
        "crate_id": found.crate_id,
        "crate_name": found.crate,
        "created_at": instant(found.created_at),
        "expires_at": instant(found.expires_at),
    }


def team(found: Team) -> JSON:
    """``EncodableTeam``."""
    return {
        "id": found.id,
        "login": found.login,
        "name": found.name,
        "avatar": None,
        "url": f"https://github.com/{found.org}",
    }
