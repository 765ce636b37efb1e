"""A crate as crates.io's read API derives it from its versions: top and default versions.

The rules are crates.io's (``crates_io_database``'s ``TopVersions`` and
``default_versions``): the highest, highest stable and newest versions count only versions
that are not yanked; the default version prefers, in order, not yanked, not a
pre-release, the highest version, the latest published. Crate-level texts (description,
links, keywords, categories) are those of the version published last, as each publish
updates them on crates.io.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from .names import SemVer, canonical_name
from .shapes import CrateRecord, IndexLine, VersionDetails

#: What a version published before fakereg kept times shows (crates.io's oldest is 2014).
EPOCH = "1970-01-01T00:00:00Z"


def _fallback_id(text: str) -> int:
    """A stable id for records written before fakereg numbered them."""
    return zlib.crc32(text.encode()) & 0x7FFFFFFF


@dataclass(frozen=True)
class VersionFacts:
    """One version: its index line, its stored details, and what follows from them."""

    line: IndexLine
    details: VersionDetails
    semver: SemVer
    order: int  # position in publish order

    @property
    def num(self) -> str:
        return self.line["vers"]

    @property
    def yanked(self) -> bool:
        return bool(self.line.get("yanked"))

    @property
    def created_at(self) -> str:
        return self.line.get("pubtime") or self.details.get("updated_at") or EPOCH

    @property
    def updated_at(self) -> str:
        return self.details.get("updated_at") or self.created_at

    def id(self, crate: str) -> int:
        return self.details.get("id") or _fallback_id(f"{canonical_name(crate)}@{self.num}")


def crate_versions(meta: CrateRecord, lines: Sequence[IndexLine]) -> list[VersionFacts]:
    """Every version of a crate in publish order."""
    stored = meta["versions"]
    return [
        VersionFacts(line, stored.get(line["vers"], {}), SemVer(line["vers"]), i)
        for i, line in enumerate(lines)
    ]


def default_version(versions: Sequence[VersionFacts]) -> VersionFacts | None:
    """crates.io's default version: not yanked, then not a pre-release, then highest."""
    if not versions:
        return None
    return max(
        versions, key=lambda v: (not v.yanked, not v.semver.is_prerelease, v.semver, v.order)
    )


@dataclass(frozen=True)
class CrateSummary:
    """What search, the summary and the crate route show of a crate."""

    name: str
    key: str  # the canonical name
    id: int
    max_version: str
    max_stable_version: str | None
    newest_version: str
    default_version: str | None
    default_yanked: bool
    num_versions: int
    description: str | None
    homepage: str | None
    documentation: str | None
    repository: str | None
    keywords: tuple[str, ...]
    categories: tuple[str, ...]
    created_at: str
    updated_at: str
    owners: tuple[str, ...]
    any_live: bool  # some version is not yanked
    depends_on: frozenset[str]  # canonical names the default version depends on (not yanked)
    #: Only trusted publishing may publish new versions (last: older blobs lack it).
    trustpub_only: bool = False


def summarize(meta: CrateRecord, lines: Sequence[IndexLine]) -> CrateSummary:
    """A crate's summary from its record and its index lines (at least one)."""
    versions = crate_versions(meta, lines)
    live = [v for v in versions if not v.yanked]
    stable = [v.semver for v in live if not v.semver.is_prerelease]
    newest = max(live, key=lambda v: (v.created_at, v.semver), default=None)
    default = default_version(versions)
    last = versions[-1].details
    depends_on: frozenset[str] = frozenset()
    if default is not None and not default.yanked:
        depends_on = frozenset(
            canonical_name(dep.get("package", dep["name"]))
            for dep in default.line["deps"]
            if dep.get("registry") is None
        )
    return CrateSummary(
        name=meta["name"],
        key=canonical_name(meta["name"]),
        id=meta.get("id") or _fallback_id(canonical_name(meta["name"])),
        max_version=max(v.semver for v in live).text if live else "0.0.0",
        max_stable_version=max(stable).text if stable else None,
        newest_version=newest.num if newest is not None else "0.0.0",
        default_version=default.num if default is not None else None,
        default_yanked=default.yanked if default is not None else False,
        num_versions=len(versions),
        description=last.get("description"),
        homepage=last.get("homepage"),
        documentation=last.get("documentation"),
        repository=last.get("repository"),
        keywords=tuple(last.get("keywords") or ()),
        categories=tuple(last.get("categories") or ()),
        created_at=min(v.created_at for v in versions),
        updated_at=max(v.created_at for v in versions),
        owners=tuple(meta["owners"]),
        any_live=bool(live),
        depends_on=depends_on,
        trustpub_only=bool(meta.get("trustpub_only")),
    )
