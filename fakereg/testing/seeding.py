"""The part of FakeRegistry that fills it: add_crate, import_crates, batch and export."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from ..domain.cratebuild import CrateSpec, FileContent, build_crate
from ..domain.deps import DependencySpec, HasIndexUrl, as_dependencies
from ..storage.accounts import Accounts
from ..storage.export import export_registry
from ..storage.importer import Progress, find_crate_sources, load_crates, version_from_crate
from ..storage.store import CrateStore, NewVersion, SeedError


@dataclass(frozen=True)
class CrateVersion:
    """A version added by :meth:`FakeRegistry.add_crate` or :meth:`FakeRegistry.import_crates`."""

    name: str
    version: str
    cksum: str  # sha256 of the .crate, as in the index line


def _pubtime(value: datetime | str | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if value.tzinfo is None:
        raise ValueError("pubtime must be an aware datetime (e.g. with tzinfo=timezone.utc)")
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Seeding:
    """Fill a registry without publish requests, in bulk, and copy it out."""

    login: str

    def __init__(self) -> None:
        self._batches: dict[int, list[NewVersion]] = {}

    def _stores(self) -> tuple[CrateStore, Accounts]:
        raise NotImplementedError

    def _has_git_index(self) -> bool:
        raise NotImplementedError

    def _own_index_urls(self) -> set[str]:
        raise NotImplementedError

    def add_crate(
        self,
        name: str,
        version: str,
        *,
        deps: Sequence[DependencySpec] | DependencySpec = (),
        features: Mapping[str, Sequence[str]] | None = None,
        yanked: bool = False,
        links: str | None = None,
        rust_version: str | None = None,
        edition: str = "2021",
        files: Mapping[str, FileContent] | None = None,
        proc_macro: bool = False,
        build_rs: bool | str | None = None,
        description: str | None = None,
        license: str | None = None,
        keywords: Sequence[str] = (),
        categories: Sequence[str] = (),
        repository: str | None = None,
        homepage: str | None = None,
        documentation: str | None = None,
        authors: Sequence[str] = (),
        readme: str | None = None,
        owner: str | None = None,
        pubtime: datetime | str | None = None,
    ) -> CrateVersion:
        """Build a real ``.crate`` and store it exactly as a publish would, without HTTP.

        *deps* are ``"name@req"`` strings or :class:`~fakereg.Dependency` objects;
        *features* maps feature names to what they enable (``dep:x`` and ``x?/f`` too).
        The crate gets a ``src/lib.rs`` (``pub fn version()``; with ``proc_macro=True`` a
        ``version!()`` macro), a ``build.rs`` with ``build_rs=True`` (or its text), and
        *files* on top (``None`` removes a file; a ``Cargo.toml`` replaces the generated
        one and its contents decide the index line). *owner* defaults to :attr:`login`.
        """
        spec = CrateSpec(
            name=name,
            version=version,
            deps=tuple(as_dependencies(deps)),
            features=dict(features or {}),
            links=links,
            rust_version=rust_version,
            edition=edition,
            files=dict(files or {}),
            proc_macro=proc_macro,
            build_rs=build_rs,
            description=description,
            license=license,
            keywords=tuple(keywords),
            categories=tuple(categories),
            repository=repository,
            homepage=homepage,
            documentation=documentation,
            authors=tuple(authors),
            readme=readme,
        )
        spec.check()
        new = version_from_crate(
            build_crate(spec),
            f"{name}@{version}",
            local=self._own_index_urls(),
            yanked=yanked,
            pubtime=_pubtime(pubtime),
        )
        self._add([new], owner, f"Add crate `{new.line['name']}#{new.line['vers']}`")
        return CrateVersion(new.line["name"], new.line["vers"], new.line["cksum"])

    def import_crates(
        self,
        *paths: str | os.PathLike[str],
        owner: str | None = None,
        local_registries: Iterable[str | HasIndexUrl] = (),
        progress: Progress | None = None,
    ) -> list[CrateVersion]:
        """Import ``.crate`` files, folders of them, or unpacked crate folders, in one commit.

        Each index line is derived from the crate's normalized ``Cargo.toml``, as a publish
        of it would have been. A dependency without ``registry-index`` (crates.io, in
        ``Cargo.toml`` terms) comes from this registry, and so does one whose
        ``registry-index`` is one of *local_registries* (registries or index URLs: say,
        where a vendored folder came from). Versions already present with the same checksum
        are skipped; any other problem raises :class:`~fakereg.SeedError` and imports
        nothing. *progress* is called as ``progress(done, total)`` while crates are read.
        """
        local = self._own_index_urls() | {
            r if isinstance(r, str) else r.index_url for r in local_registries
        }
        versions = load_crates(find_crate_sources(paths), local, progress)
        added = self._add(versions, owner, f"Import {len(versions)} crate versions")
        return [CrateVersion(v.line["name"], v.line["vers"], v.line["cksum"]) for v in added]

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Make the ``add_crate`` and ``import_crates`` calls of the block one index change.

        Much faster for many crates (one git commit); the crates appear when the block ends,
        and none of them if it raises.
        """
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
        versions = [replace(v, owner=owner or self.login) for v in versions]
        pending = self._batches.get(threading.get_ident())
        if pending is not None:
            pending += versions
            return versions
        return self._store_versions(versions, message)

    def _store_versions(self, versions: list[NewVersion], message: str) -> list[NewVersion]:
        store, accounts = self._stores()
        for owner in {v.owner for v in versions}:
            accounts.ensure_user(owner)
        return store.add_versions(versions, message)

    def export(self, path: str | os.PathLike[str], *, url: str | None = None) -> Path:
        """Write a static copy into the new or empty folder *path*, to be served at *url*.

        The copy holds the sparse index (``index/``), the ``.crate`` files at the paths
        its ``config.json`` points to, and the git index (``git/index``, ready for git's
        dumb HTTP protocol) when this registry has one. It has no Web API. Without *url*
        the copy points at itself with ``file://`` URLs: cargo reads it where it lies,
        through ``registry = "file:///…/git/index"`` (``reg.export(p).joinpath("git",
        "index").as_uri()``).
        """
        store = self._stores()[0]
        return export_registry(store, Path(path), url, git=self._has_git_index())


__all__ = ["CrateVersion", "SeedError", "Seeding"]
