"""The JSON shapes of Cargo's data, typed: index lines, publish metadata, crate records.

They are plain dicts at run time (what ``json`` reads and writes, key order kept); these
declarations let the type checker follow them through the core.
"""

from __future__ import annotations

from typing import TypedDict


class _IndexDependencyFields(TypedDict):
    name: str
    req: str
    features: list[str]
    optional: bool
    default_features: bool
    target: str | None
    kind: str


class IndexDependency(_IndexDependencyFields, total=False):
    """A dependency in an index line; ``registry`` and ``package`` only when they apply."""

    registry: str | None
    package: str


class _IndexLineFields(TypedDict):
    name: str
    vers: str
    deps: list[IndexDependency]
    cksum: str
    features: dict[str, list[str]]
    yanked: bool
    links: str | None


class IndexLine(_IndexLineFields, total=False):
    """One line of a crate's index file (``crates/cargo-util-schemas/src/index.rs``)."""

    features2: dict[str, list[str]]
    rust_version: str
    v: int
    pubtime: str


class _PublishDependencyFields(TypedDict):
    name: str
    version_req: str
    features: list[str]
    optional: bool
    default_features: bool
    kind: str


class PublishDependency(_PublishDependencyFields, total=False):
    """A dependency as ``cargo publish`` sends it."""

    target: str | None
    registry: str | None
    explicit_name_in_toml: str | None


class _PublishMetadataFields(TypedDict):
    name: str
    vers: str
    deps: list[PublishDependency]
    features: dict[str, list[str]]


class PublishMetadata(_PublishMetadataFields, total=False):
    """The JSON part of a publish request, once checked (``crates/crates-io/lib.rs``)."""

    authors: list[str]
    keywords: list[str]
    categories: list[str]
    description: str | None
    documentation: str | None
    homepage: str | None
    readme: str | None
    readme_file: str | None
    license: str | None
    license_file: str | None
    repository: str | None
    links: str | None
    rust_version: str | None


class AuditAction(TypedDict):
    """One entry of a version's audit trail, as crates.io keeps it."""

    action: str  # "publish", "yank" or "unyank"
    user: str  # the login
    time: str  # RFC 3339, whole seconds


class VersionDetails(TypedDict, total=False):
    """What the store keeps of a version beyond its index line (``meta/crates/<key>.json``).

    The manifest's facts as crates.io records them at publish (``crates_io_api_types``'
    ``EncodableVersion``), who published, and its yank history. Older records lack some
    keys: readers take a missing key as crates.io's value for "unknown".
    """

    id: int
    description: str | None
    homepage: str | None
    documentation: str | None
    repository: str | None
    license: str | None
    keywords: list[str] | None
    categories: list[str]
    edition: str | None
    rust_version: str | None
    has_lib: bool
    lib_name: str | None
    bin_names: list[str]
    crate_size: int
    readme_file: str | None
    has_readme: bool
    published_by: str
    yank_message: str | None
    updated_at: str
    audit: list[AuditAction]
    trustpub_data: dict[str, str]


class _CrateRecordFields(TypedDict):
    name: str
    owners: list[str]
    versions: dict[str, VersionDetails]


class CrateRecord(_CrateRecordFields, total=False):
    """``meta/crates/<key>.json``: a crate's name as published, its owners, its versions,
    and whether only trusted publishing may publish it (``PATCH /api/v1/crates/{name}``)."""

    id: int
    trustpub_only: bool
