"""Publishing a version: one use case for the Web API, the control API's seeding and the
``Seeder``. Each caller says who publishes (a :data:`Principal`); the rules that apply
follow from it, and every caller gets the same checks, index line and stored details."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ..domain.asymmetric import Operation
from ..domain.categories import check_categories
from ..domain.cratefile import CrateContents, inspect_crate
from ..domain.crateinfo import readme_text, version_details
from ..domain.deletion import reserved_message
from ..domain.manifest import metadata_from_manifest
from ..domain.publish import PublishBody, check_metadata, index_line, pubtime_now
from ..domain.shapes import PublishMetadata
from ..errors import ForbiddenError, InvalidError, ManifestError, PayloadTooLargeError, SeedError
from ..settings import Settings
from ..storage.accounts import Accounts, Credential
from ..storage.store import CrateStore, NewVersion
from ..trustpub.store import TrustStore
from .access import TokenChecks

#: The most an accepted crate (imported or added) may unpack to, as a publish's default.
SEED_MAX_UNPACKED = Settings().max_unpacked_size
#: crates.io's refusal of an API token's publish of a ``trustpub_only`` crate.
TRUSTPUB_ONLY = (
    "New versions of this crate can only be published using Trusted Publishing "
    "(see https://crates.io/docs/trusted-publishing)."
)


@dataclass(frozen=True)
class UserPrincipal:
    """A user's token: crates.io's rules of a new publish, the token's scopes."""

    credential: Credential


@dataclass(frozen=True)
class TrustedPrincipal:
    """A trusted publishing token (``cio_tp_…``): only the crates its run may publish."""

    token: str


@dataclass(frozen=True)
class SeedPrincipal:
    """The test or harness filling the registry (``add_crate``, an import, the control
    API) for *owner*: the crate is one a registry already accepted, so only what cargo
    needs is checked, and an identical version already present is kept as it is.
    *local*: index URLs that mean this registry in a dependency's ``registry``."""

    owner: str
    yanked: bool = False
    pubtime: str | None = None
    local: Collection[str] = frozenset()


Principal = UserPrincipal | TrustedPrincipal | SeedPrincipal


@dataclass(frozen=True)
class CrateArchive:
    """A ``.crate`` to add as it is (its own manifest says what a publish would have sent);
    *source* names it in errors."""

    data: bytes
    source: str


@dataclass
class PublishAttempt:
    """What a publish showed before it was accepted or refused: the record's source."""

    login: str | None = None
    metadata: dict[str, Any] | None = None
    crate: bytes = b""
    contents: CrateContents | None = None
    trusted: dict[str, Any] | None = None


@dataclass(frozen=True)
class PublishOutcome:
    """A version published: as stored, and whether it was new (False: that very version
    was already there, which only seeding accepts)."""

    version: NewVersion
    stored: bool = True
    warnings: dict[str, list[str]] = field(
        default_factory=lambda: {"invalid_categories": [], "invalid_badges": [], "other": []}
    )


class Publisher:
    """Checks, derives and stores versions for one registry."""

    def __init__(
        self,
        store: CrateStore,
        accounts: Accounts,
        checks: TokenChecks,
        trust: TrustStore,
        settings: Settings,
    ) -> None:
        self._store = store
        self._accounts = accounts
        self._checks = checks
        self._trust = trust
        self._settings = settings

    @property
    def strict(self) -> bool:
        """Whether crates.io's stricter rules apply (``Settings.strict``)."""
        return self._settings.strict

    def unknown_dependencies(
        self, versions: Sequence[NewVersion], *, known: Collection[str] = ()
    ) -> list[tuple[NewVersion, str]]:
        """The dependencies of *versions* on this registry's crates (no ``registry`` of
        their own) that name no crate here by its exact name (as crates.io matches them),
        nor one of *known* (names added with them): ``(version, crate)`` pairs."""
        missing = []
        for new in versions:
            for dep in new.line["deps"]:
                if dep.get("registry") is not None:
                    continue
                name = dep.get("package", dep["name"])
                if name not in known and self._store.canonical(name) != name:
                    missing.append((new, name))
        return missing

    def publish(
        self,
        body: PublishBody | CrateArchive,
        principal: Principal,
        attempt: PublishAttempt | None = None,
    ) -> PublishOutcome:
        """Check and store one version; domain errors say which rule refused it.

        A user or a trusted publishing token publishes a :class:`PublishBody` (cargo's
        metadata and archive); seeding adds a :class:`CrateArchive`. *attempt* learns what
        the publish showed, refused or not.
        """
        new = self.prepare(body, principal, attempt or PublishAttempt())
        if isinstance(principal, SeedPrincipal):
            added = self.store_seeded([new], f"Add crate `{new.line['name']}#{new.line['vers']}`")
            return PublishOutcome(new, stored=bool(added))
        login = principal.credential.user.login if isinstance(principal, UserPrincipal) else None
        self._store.publish(new.line, new.crate, new.details, login, readme=new.readme)
        return PublishOutcome(new)

    def prepare(
        self,
        body: PublishBody | CrateArchive,
        principal: Principal,
        attempt: PublishAttempt | None = None,
    ) -> NewVersion:
        """Every check of :meth:`publish`, and the version it would store."""
        if isinstance(principal, SeedPrincipal):
            if not isinstance(body, CrateArchive):
                raise TypeError("seeding adds a CrateArchive")
            return self._seeded(body, principal)
        if not isinstance(body, PublishBody):
            raise TypeError("a publish sends a PublishBody")
        return self._published(body, principal, attempt or PublishAttempt())

    def store_seeded(self, versions: Sequence[NewVersion], message: str) -> list[NewVersion]:
        """Store prepared seeded versions as one index change (a batch, an import); the
        versions added (an identical one already present is skipped)."""
        for owner in {v.owner for v in versions}:
            self._accounts.ensure_user(owner)
        return self._store.add_versions(versions, message)

    # -- the two sets of rules -----------------------------------------------------------

    def _published(
        self, body: PublishBody, principal: UserPrincipal | TrustedPrincipal, seen: PublishAttempt
    ) -> NewVersion:
        limit = self._settings.max_upload_size
        seen.metadata, seen.crate = body.metadata, body.crate
        if len(body.crate) > limit:
            raise PayloadTooLargeError(f"max upload size is: {limit}")
        checked = check_metadata(body.metadata, strict=self._settings.strict)
        # crates.io's order (controllers/krate/publish.rs): a name deleted lately, then
        # who publishes, then whether the crate takes only trusted publishing
        reserved = self._store.reserved(checked["name"], pubtime_now())
        if reserved is not None:
            raise InvalidError(reserved_message(*reserved))
        existing = self._store.canonical(checked["name"])
        trusted = None
        if isinstance(principal, TrustedPrincipal):  # checked as crates.io does
            trusted = seen.trusted = self._trust.for_publish(principal.token, existing).data
        else:
            scope = "publish-update" if existing is not None else "publish-new"
            self._checks.allow(principal.credential, scope, checked["name"])
            cksum = hashlib.sha256(body.crate).hexdigest()
            signed_for = Operation("publish", checked["name"], checked["vers"], cksum)
            self._checks.bind(principal.credential, signed_for)
            if existing is not None and self._store.trustpub_only(existing):
                raise ForbiddenError(TRUSTPUB_ONLY)
        contents = seen.contents = inspect_crate(
            body.crate,
            checked["name"],
            checked["vers"],
            max_unpacked=self._settings.max_unpacked_size,
        )
        new = _version(checked, body.crate, contents, pubtime_now())
        # crates.io's rule (controllers/krate/publish.rs), checked after the archive
        missing = self.unknown_dependencies([new]) if self._settings.strict else []
        if missing:
            raise InvalidError(f"no known crate named `{missing[0][1]}`")
        if self._settings.strict:
            check_categories(list(checked.get("categories") or []))
        if trusted is not None:
            new.details["trustpub_data"] = trusted
        return new

    @staticmethod
    def _seeded(archive: CrateArchive, principal: SeedPrincipal) -> NewVersion:
        try:
            contents = inspect_crate(archive.data, None, None, max_unpacked=SEED_MAX_UNPACKED)
            metadata = metadata_from_manifest(contents.manifest)
            for dep in metadata["deps"]:
                if dep["registry"] in principal.local:
                    dep["registry"] = None
            checked = check_metadata(metadata, new_publish=False)
        except InvalidError as exc:
            raise SeedError(f"{archive.source}: {exc}") from None
        except ManifestError as exc:
            raise SeedError(f"{archive.source}: Cargo.toml: {exc}") from None
        new = _version(checked, archive.data, contents, principal.pubtime or pubtime_now())
        if principal.yanked:
            new.line["yanked"] = True
        return replace(new, source=archive.source, owner=principal.owner)


def _version(
    checked: PublishMetadata, crate: bytes, contents: CrateContents, pubtime: str
) -> NewVersion:
    """The index line, details and README of a checked version (the same for every caller)."""
    return NewVersion(
        line=index_line(checked, cksum=hashlib.sha256(crate).hexdigest(), pubtime=pubtime),
        crate=crate,
        details=version_details(checked, contents, crate_size=len(crate)),
        readme=readme_text(checked, contents),
    )
