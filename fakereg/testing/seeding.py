"""Filling a running registry without publish requests: add_crate, import_crates, batch, export.

:class:`Seeder` is the part of a started registry that does it; ``FakeRegistry.add_crate``
and its siblings hand their arguments to it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from ..domain.cratebuild import CrateOptions, CrateSpec, build_crate
from ..domain.deps import HasIndexUrl
from ..errors import SeedError
from ..storage.accounts import Accounts
from ..storage.export import export_registry
from ..storage.importer import Progress, find_crate_sources, load_crates, version_from_crate
from ..storage.store import CrateStore, NewVersion

if TYPE_CHECKING:
    from typing_extensions import Unpack


@dataclass(frozen=True)
class CrateVersion:
    """A version added by :meth:`FakeRegistry.add_crate` or :meth:`FakeRegistry.import_crates`."""

    name: str
    version: str
    cksum: str  # sha256 of the .crate, as in the index line


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
        store: CrateStore,
        accounts: Accounts,
        *,
        default_owner: str,
        own_index_urls: frozenset[str],
        git: bool,
    ) -> None:
        self._store = store
        self._accounts = accounts
        self._default_owner = default_owner
        self._own_index_urls = own_index_urls
        self._git = git
        self._batches: dict[int, list[NewVersion]] = {}

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
        new = version_from_crate(
            build_crate(spec),
            f"{spec.name}@{spec.version}",
            local=self._own_index_urls,
            yanked=yanked,
            pubtime=_pubtime(pubtime),
        )
        self._add([new], owner, f"Add crate `{new.line['name']}#{new.line['vers']}`")
        return _version(new)

    def import_bytes(self, data: bytes, *, owner: str | None = None) -> CrateVersion | None:
        """Import one ``.crate`` given as bytes; None when that version is already here."""
        new = version_from_crate(data, "the uploaded .crate", local=self._own_index_urls)
        added = self._add([new], owner, f"Import crate `{new.line['name']}#{new.line['vers']}`")
        return _version(added[0]) if added else None

    def import_crates(
        self,
        *paths: str | os.PathLike[str],
        owner: str | None = None,
        local_registries: Iterable[str | HasIndexUrl] = (),
        progress: Progress | None = None,
    ) -> list[CrateVersion]:
        """What `FakeRegistry.import_crates` does (documented there)."""
        local = self._own_index_urls | {
            r if isinstance(r, str) else r.index_url for r in local_registries
        }
        versions = load_crates(find_crate_sources(paths), local, progress)
        added = self._add(versions, owner, f"Import {len(versions)} crate versions")
        return [_version(new) for new in added]

    def remove_all(self) -> list[str]:
        """Remove every crate (the control API's reset); the names of those removed."""
        return self._store.remove_all("Remove every crate")

    @contextmanager
    def batch(self) -> Iterator[None]:
        """What `FakeRegistry.batch` does (documented there)."""
        key = threading.get_ident()
        if key in self._batches:
            raise RuntimeError("batch() blocks do not nest")
        self._batches[key] = []
        try:
            yield
        finally:
            pending = self._batches.pop(key)
        self._store_versions(pending, f"Add {len(pending)} crate versions")

    def _add(self, versions: list[NewVersion], owner: str | None, message: str) -> list[NewVersion]:
        versions = [replace(v, owner=owner or self._default_owner) for v in versions]
        pending = self._batches.get(threading.get_ident())
        if pending is not None:
            pending += versions
            return versions
        return self._store_versions(versions, message)

    def _store_versions(self, versions: list[NewVersion], message: str) -> list[NewVersion]:
        for owner in {v.owner for v in versions}:
            self._accounts.ensure_user(owner)
        return self._store.add_versions(versions, message)

    def export(self, path: str | os.PathLike[str], *, url: str | None = None) -> Path:
        """What `FakeRegistry.export` does (documented there)."""
        return export_registry(self._store, Path(path), url, git=self._git)


__all__ = ["AddCrateOptions", "CrateVersion", "SeedError", "Seeder"]
