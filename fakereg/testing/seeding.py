"""Filling a running registry without publish requests: add_crate, import_crates, batch, export.

:class:`Seeder` is the part of a started registry that does it; ``FakeRegistry.add_crate``
and its siblings hand their arguments to it.
"""

from __future__ import annotations

import os
import threading
import warnings
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from ..domain.cratebuild import CrateOptions, CrateSpec, build_crate
from ..domain.deps import HasIndexUrl
from ..domain.publish import pubtime_now
from ..errors import SeedError, UnknownDependencyWarning
from ..services.publishing import CrateArchive, Publisher, SeedPrincipal
from ..storage.export import export_registry
from ..storage.importer import Progress, find_crate_sources, load_crates
from ..storage.store import CrateStore, NewVersion

if TYPE_CHECKING:
    from typing_extensions import Unpack


@dataclass(frozen=True)
class CrateVersion:
    """A version added by :meth:`FakeRegistry.add_crate` or :meth:`FakeRegistry.import_crates`."""

    name: str
    version: str
    cksum: str  # sha256 of the .crate, as in the index line


class ImportOptions(TypedDict, total=False):
    """How crates are imported: *owner* of the new crates (default: the registry's login),
    *local_registries* (registries or index URLs whose dependencies mean this registry),
    *progress* (called as ``progress(done, total)`` while crates are read)."""

    owner: str | None
    local_registries: Iterable[str | HasIndexUrl]
    progress: Progress | None


class AddCrateOptions(CrateOptions, total=False):
    """:class:`CrateOptions`, and how the version is stored: yanked, its owner, its pubtime."""

    yanked: bool
    owner: str | None
    pubtime: datetime | str | None


def _pubtime(value: datetime | str | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if value.tzinfo is None:
        raise ValueError("pubtime must be an aware datetime (e.g. with tzinfo=timezone.utc)")
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _version(new: NewVersion) -> CrateVersion:
    return CrateVersion(new.line["name"], new.line["vers"], new.line["cksum"])


class Seeder:
    """Adds versions to one registry's store as publishes would, one index change per call.

    *own_index_urls* are the registry's index URLs (a dependency naming one of them comes
    from the registry itself); new crates are owned by *default_owner* unless told.
    """

    def __init__(
        self,
        publisher: Publisher,
        store: CrateStore,
        *,
        default_owner: str,
        own_index_urls: frozenset[str],
        git: bool,
    ) -> None:
        self._publisher = publisher
        self._store = store
        self._default_owner = default_owner
        self._own_index_urls = own_index_urls
        self._git = git
        self._batches: dict[int, list[NewVersion]] = {}
        self._specs: dict[int, list[NewVersion]] = {}  # a batch's add_crate versions

    def add_crate(
        self, name: str, version: str, **options: Unpack[AddCrateOptions]
    ) -> CrateVersion:
        """What `FakeRegistry.add_crate` does (documented there)."""
        yanked = options.pop("yanked", False)
        owner = options.pop("owner", None)
        pubtime = options.pop("pubtime", None)
        spec = CrateSpec.of(name, version, options)
        return self.add_spec(spec, yanked=yanked, owner=owner, pubtime=pubtime)

    def add_spec(
        self,
        spec: CrateSpec,
        *,
        yanked: bool = False,
        owner: str | None = None,
        pubtime: datetime | str | None = None,
    ) -> CrateVersion:
        """:meth:`add_crate` of a :class:`~fakereg.CrateSpec` (``CrateSpec.from_json``)."""
        archive = CrateArchive(build_crate(spec), f"{spec.name}@{spec.version}")
        principal = self._principal(owner, yanked=yanked, pubtime=_pubtime(pubtime))
        key = threading.get_ident()
        new = self._publisher.prepare(archive, principal)
        pending = self._batches.get(key)
        if pending is not None:  # checked when the batch ends: its crates may come later
            pending.append(new)
            self._specs[key].append(new)
            return _version(new)
        self._check_dependencies([new], known=())
        self._publisher.store_seeded([new], f"Add crate `{new.line['name']}#{new.line['vers']}`")
        return _version(new)

    def _check_dependencies(
        self,
        versions: Sequence[NewVersion],
        known: Iterable[str],
        *,
        caller: int = 5,
        warn: bool = True,
    ) -> None:
        """Refuse (``strict``) or warn about dependencies on crates this registry does not
        have, *known* names aside (those added in the same batch); the warning names the
        line *caller* frames up (the test's own, through the facade)."""
        missing = self._publisher.unknown_dependencies(versions, known=frozenset(known))
        if not missing:
            return
        if self._publisher.strict:  # crates.io's words for such a publish
            raise SeedError(
                "; ".join(
                    f"{new.line['name']}@{new.line['vers']}: no known crate named `{name}`"
                    for new, name in missing
                )
            )
        for new, name in missing if warn else ():
            warnings.warn(
                f"{new.line['name']}@{new.line['vers']} depends on `{name}`, which this "
                f"registry does not have: cargo cannot resolve it until `{name}` is added "
                "(strict=True refuses it, as crates.io does)",
                UnknownDependencyWarning,
                stacklevel=caller,
            )

    def import_bytes(self, data: bytes, *, owner: str | None = None) -> CrateVersion | None:
        """Import one ``.crate`` given as bytes; None when that version is already here."""
        new, stored = self._seed(CrateArchive(data, "the uploaded .crate"), self._principal(owner))
        return _version(new) if stored else None

    def import_crates(
        self, *paths: str | os.PathLike[str], **options: Unpack[ImportOptions]
    ) -> list[CrateVersion]:
        """What `FakeRegistry.import_crates` does (documented there)."""
        local = self._own_index_urls | {
            r if isinstance(r, str) else r.index_url for r in options.get("local_registries", ())
        }
        principal = self._principal(options.get("owner"), pubtime=pubtime_now(), local=local)
        progress = options.get("progress")

        def prepare(data: bytes, source: str) -> NewVersion:
            return self._publisher.prepare(CrateArchive(data, source), principal)

        versions = load_crates(find_crate_sources(paths), prepare, progress)
        pending = self._batches.get(threading.get_ident())
        if pending is not None:
            pending += versions
            return [_version(new) for new in versions]
        added = self._publisher.store_seeded(versions, f"Import {len(versions)} crate versions")
        return [_version(new) for new in added]

    def _principal(
        self,
        owner: str | None,
        *,
        yanked: bool = False,
        pubtime: str | None = None,
        local: frozenset[str] | None = None,
    ) -> SeedPrincipal:
        return SeedPrincipal(
            owner or self._default_owner,
            yanked=yanked,
            pubtime=pubtime,
            local=self._own_index_urls if local is None else local,
        )

    def _seed(self, archive: CrateArchive, principal: SeedPrincipal) -> tuple[NewVersion, bool]:
        """Publish one version as seeding does, or keep it for the batch in progress."""
        pending = self._batches.get(threading.get_ident())
        if pending is None:
            outcome = self._publisher.publish(archive, principal)
            return outcome.version, outcome.stored
        new = self._publisher.prepare(archive, principal)
        pending.append(new)
        return new, True

    def remove_all(self) -> list[str]:
        """Remove every crate (the control API's reset); the names of those removed."""
        return self._store.remove_all("Remove every crate")

    @contextmanager
    def batch(self, *, warn: bool = True) -> Iterator[None]:
        """What `FakeRegistry.batch` does (documented there). *warn* False: a dependency on
        a crate the registry lacks is not warned about (the control API's seeding, which
        has no Python caller to warn; ``strict`` still refuses it)."""
        key = threading.get_ident()
        if key in self._batches:
            raise RuntimeError("batch() blocks do not nest")
        self._batches[key] = []
        self._specs[key] = []
        try:
            yield
        finally:
            pending = self._batches.pop(key)
            specs = self._specs.pop(key)
        known = {new.line["name"] for new in pending}
        self._check_dependencies(specs, known=known, caller=6, warn=warn)
        self._publisher.store_seeded(pending, f"Add {len(pending)} crate versions")

    def export(self, path: str | os.PathLike[str], *, url: str | None = None) -> Path:
        """What `FakeRegistry.export` does (documented there)."""
        return export_registry(self._store, Path(path), url, git=self._git)


__all__ = ["AddCrateOptions", "CrateVersion", "ImportOptions", "SeedError", "Seeder"]
