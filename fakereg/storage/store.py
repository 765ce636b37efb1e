"""Crates, versions and owners on disk: the index files are the truth of what exists.

Layout under a registry's root::

    index/<prefix>/<name>          the sparse index file, exactly as served
    crates/<name>/<version>.crate  the uploaded archives
    meta/crates/<key>.json         canonical name, owners and per-version metadata

A publish writes the archive, then the metadata, then the index file: the index file is
the commit point, so a crash in between leaves nothing visible half-done.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..domain.names import (
    canonical_name,
    check_new_version,
    check_same_crate,
    index_path,
    is_valid_crate_name,
    is_valid_version,
    without_build_metadata,
)
from ..domain.publish import version_details
from ..domain.shapes import CrateRecord, IndexLine, PublishMetadata, VersionDetails
from ..errors import ConflictError, FakeRegError, ForbiddenError, NotFoundError
from .events import IndexChange, IndexEvents
from .fsutil import RootLock, atomic_write, read_tree

_READ_CACHE_SIZE = 20_000


@dataclass(frozen=True)
class IndexFile:
    """One crate's index file: its bytes and when it last changed (whole seconds)."""

    data: bytes
    last_modified: int
    stat_key: tuple[int, int, int]


def dump_line(line: Mapping[str, Any]) -> str:
    """One index line, as it is stored and served (without the newline)."""
    return json.dumps(line, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class NewVersion:
    """A version to add without a publish request: its index line, archive and details."""

    line: IndexLine
    crate: bytes
    details: VersionDetails
    source: str = ""  # where it came from, for error messages
    owner: str = ""  # the owner of the crate if it is new


class SeedError(FakeRegError):
    """Versions that cannot be added to a registry (nothing of the batch was added)."""


class CrateStore:
    """Every crate of one registry root; safe across threads and processes."""

    def __init__(
        self,
        root: Path,
        lock: RootLock,
        events: IndexEvents,
        *,
        durable: bool = False,
    ) -> None:
        self.root = root
        self._lock = lock
        #: fsync each write (a root that outlives its process); see :func:`atomic_write`.
        self._durable = durable
        #: Told, under the root lock, of every index file that changed.
        self._events = events
        self._index_dir = root / "index"
        self._index_dir_text = str(self._index_dir)
        self._read_cache: dict[str, IndexFile] = {}  # by path, checked against os.stat
        self._crates_dir = root / "crates"
        self._meta_dir = root / "meta" / "crates"

    # -- paths -------------------------------------------------------------------------

    def _index_path(self, name: str) -> Path:
        return self._index_dir / index_path(name)

    def _crate_path(self, name: str, version: str) -> Path:
        return self._crates_dir / name.lower() / f"{version}.crate"

    def archive_path(self, name: str, version: str) -> Path:
        """Where the ``.crate`` of *name* (as published) *version* is kept."""
        return self._crate_path(name, version)

    def _meta_path(self, name: str) -> Path:
        return self._meta_dir / f"{canonical_name(name)}.json"

    # -- reading -----------------------------------------------------------------------

    def index_file(self, name: str) -> IndexFile | None:
        """The index file at *name*'s lowercase path, or None (names are not validated)."""
        if not is_valid_crate_name(name):
            return None
        path = os.path.join(self._index_dir_text, index_path(name))
        try:
            st = os.stat(path)
            key = (st.st_ino, st.st_mtime_ns, st.st_size)
            cached = self._read_cache.get(path)
            if cached is not None and cached.stat_key == key:
                return cached  # index files are replaced, never written in place
            with open(path, "rb") as fh:
                st = os.fstat(fh.fileno())
                data = fh.read()
        except (FileNotFoundError, NotADirectoryError):
            return None
        file = IndexFile(data, int(st.st_mtime), (st.st_ino, st.st_mtime_ns, st.st_size))
        if len(self._read_cache) >= _READ_CACHE_SIZE:
            self._read_cache.clear()
        self._read_cache[path] = file
        return file

    def index_stat_key(self, name: str) -> tuple[int, int, int] | None:
        """The :attr:`IndexFile.stat_key` *name*'s index file has now (one ``stat``), or None."""
        if not is_valid_crate_name(name):
            return None
        try:
            st = os.stat(os.path.join(self._index_dir_text, index_path(name)))
        except (FileNotFoundError, NotADirectoryError):
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def _lines(self, name: str) -> list[str]:
        try:
            return self._index_path(name).read_text("utf-8").splitlines()
        except (FileNotFoundError, NotADirectoryError):
            return []

    def _meta(self, name: str) -> CrateRecord | None:
        try:
            meta: CrateRecord = json.loads(self._meta_path(name).read_bytes())
        except (FileNotFoundError, NotADirectoryError):
            return None
        # The index file is the commit point: metadata without index lines is debris.
        return meta if self._lines(meta["name"]) else None

    def canonical(self, name: str) -> str | None:
        """The name *name* was published under (same crate up to case and ``-``/``_``)."""
        if not is_valid_crate_name(name):
            return None
        meta = self._meta(name)
        return None if meta is None else str(meta["name"])

    def _require(self, name: str) -> CrateRecord:
        meta = self._meta(name) if is_valid_crate_name(name) else None
        if meta is None:
            raise NotFoundError(f"crate `{name}` does not exist")
        return meta

    def entries(self, name: str) -> list[IndexLine]:
        """The parsed index lines of *name*, in publish order ([] when unknown)."""
        canonical = self.canonical(name)
        if canonical is None:
            return []
        return [json.loads(line) for line in self._lines(canonical)]

    def crate_bytes(self, name: str, version: str) -> bytes | None:
        """The stored archive, or None."""
        if not (is_valid_crate_name(name) and is_valid_version(version)):
            return None
        try:
            return self._crate_path(name, version).read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            return None

    def owners(self, name: str) -> list[str]:
        """Logins owning *name*, first owner first."""
        return list(self._require(name)["owners"])

    def crate_keys(self) -> list[str]:
        """The canonical names of every crate with metadata (some may have no index file yet)."""
        try:
            files = os.listdir(self._meta_dir)
        except FileNotFoundError:
            return []
        return sorted(name[:-5] for name in files if name.endswith(".json"))

    def crate_state(self, key: str) -> tuple[CrateRecord, list[IndexLine]] | None:
        """A crate's metadata and parsed index lines, or None when it has no index lines."""
        if not is_valid_crate_name(key):
            return None
        try:
            meta: CrateRecord = json.loads(self._meta_path(key).read_bytes())
        except (FileNotFoundError, NotADirectoryError):
            return None
        lines = self._lines(meta["name"])
        return (meta, [json.loads(line) for line in lines]) if lines else None

    def crate_names(self) -> list[str]:
        """Every published crate's name, sorted by canonical name."""
        states = (self.crate_state(key) for key in self.crate_keys())
        return [state[0]["name"] for state in states if state is not None]

    # -- writing -----------------------------------------------------------------------

    def index_files(self) -> list[tuple[str, bytes]]:
        """Every index file as (index path, content), for a full import elsewhere."""
        files: list[tuple[str, bytes]] = []
        read_tree(self._index_dir_text, "", files)
        return files

    def _write_index(
        self, name: str, lines: Iterable[str], message: str, *, published: str | None = None
    ) -> None:
        change = self._write_index_file(name, lines, message, published)
        self._events.announce([change], message)

    def _write_index_file(
        self,
        name: str,
        lines: Iterable[str],
        message: str,
        published: str | None,
        *,
        durable: bool | None = None,
    ) -> IndexChange:
        """Write *name*'s index file; *published*: the version a publish added."""
        path = self._index_path(name)
        try:
            previous = int(path.stat().st_mtime)
        except FileNotFoundError:
            previous = 0
        # Every change moves Last-Modified by at least one second, so that a client's
        # If-Modified-Since never hides a change made within the same second.
        mtime = max(int(time.time()), previous + 1)
        data = "".join(f"{line}\n" for line in lines).encode()
        durable = self._durable if durable is None else durable
        atomic_write(path, data, mtime=mtime, durable=durable)
        return IndexChange(index_path(name), data, message, name, published)

    def _write_meta(self, meta: Mapping[str, Any], *, durable: bool | None = None) -> None:
        # Compact: the C encoder (an indent would take the pure-Python one, 4x slower).
        data = json.dumps(meta, separators=(",", ":"), ensure_ascii=False).encode()
        durable = self._durable if durable is None else durable
        atomic_write(self._meta_path(meta["name"]), data, durable=durable)

    def publish(self, line: IndexLine, crate: bytes, metadata: PublishMetadata, login: str) -> None:
        """Add a version: refuses other owners' crates, renamed crates and duplicates."""
        name, version = line["name"], line["vers"]
        with self._lock():
            meta = self._meta(name)
            if meta is None:
                meta = {"name": name, "owners": [login], "versions": {}}
            check_same_crate(name, meta["name"])
            if login not in meta["owners"]:
                raise ForbiddenError(
                    "this crate exists but you don't seem to be an owner. If you believe "
                    "this is a mistake, perhaps you need to accept an invitation to be an "
                    "owner before publishing."
                )
            lines = self._lines(name)
            check_new_version(name, version, (json.loads(text)["vers"] for text in lines))
            details = version_details(metadata)
            details["published_by"] = login
            meta["versions"][version] = details
            atomic_write(self._crate_path(name, version), crate, durable=self._durable)
            self._write_meta(meta)
            self._write_index(
                name,
                [*lines, dump_line(line)],
                f"Update crate `{name}#{version}`",
                published=version,
            )

    def set_yanked(self, name: str, version: str, yanked: bool, login: str) -> None:
        """Yank or unyank; only the ``yanked`` field of the line changes."""
        with self._lock():
            meta = self._require(name)
            if login not in meta["owners"]:
                raise ForbiddenError("must already be an owner to yank or unyank")
            lines = self._lines(meta["name"])
            for i, text in enumerate(lines):
                line = json.loads(text)
                if line["vers"] == version:
                    if line.get("yanked") != yanked:
                        line["yanked"] = yanked
                        lines[i] = dump_line(line)
                        action = "Yank" if yanked else "Unyank"
                        message = f"{action} crate `{meta['name']}#{version}`"
                        self._write_index(meta["name"], lines, message)
                    return
            raise NotFoundError(f"crate `{meta['name']}` does not have a version `{version}`")

    def change_owners(self, name: str, logins: Iterable[str], *, add: bool, by: str) -> list[str]:
        """Add or remove owners (logins already resolved to users); return the new list."""
        with self._lock():
            meta = self._require(name)
            owners: list[str] = meta["owners"]
            if by not in owners:
                raise ForbiddenError("only owners have permission to modify owners")
            for login in logins:
                if add and login in owners:
                    raise ConflictError(f"`{login}` is already an owner")
                if not add and login not in owners:
                    raise ConflictError(f"could not find owner with login `{login}`")
                if add:
                    owners.append(login)
                else:
                    owners.remove(login)
            if not owners:
                raise ConflictError(
                    "cannot remove all individual owners of a crate. Team member don't have "
                    "permission to modify owners, so at least one individual owner is "
                    "required."
                )
            self._write_meta(meta)
            return list(owners)

    def remove_all(self, message: str) -> list[str]:
        """Remove every crate (index files first: the commit point); the names removed."""
        with self._lock():
            names = self.crate_names()
            changes = []
            for name in names:
                path = self._index_path(name)
                path.unlink(missing_ok=True)
                changes.append(IndexChange(index_path(name), None, message, name))
            for folder in (self._crates_dir, self._meta_dir):
                if folder.exists():
                    shutil.rmtree(folder)
            self._read_cache.clear()
            if changes:
                self._events.announce(changes, message)
            return names

    def add_versions(self, versions: Sequence[NewVersion], message: str) -> list[NewVersion]:
        """Add many versions as one index change; return those added.

        A version already present with the same checksum is skipped (importing twice is
        harmless); anything else that clashes raises :class:`SeedError` before any write.
        A new crate is owned by its first version's ``owner``; others keep their owners.
        """
        with self._lock():
            crates: dict[str, tuple[CrateRecord, list[str], dict[str, str]]] = {}
            added: list[NewVersion] = []
            for new in versions:
                name, version = new.line["name"], new.line["vers"]
                key = canonical_name(name)
                if key not in crates:
                    meta = self._meta(name) or {"name": name, "owners": [new.owner], "versions": {}}
                    lines = self._lines(meta["name"])
                    known = {}
                    for text in lines:
                        line = json.loads(text)
                        known[without_build_metadata(line["vers"])] = line["cksum"]
                    crates[key] = (meta, lines, known)
                meta, lines, known = crates[key]
                bare = without_build_metadata(version)
                if known.get(bare) == new.line["cksum"] and version in meta["versions"]:
                    continue  # the same version imported again
                try:
                    check_same_crate(name, meta["name"])
                    check_new_version(name, version, known)
                except ConflictError as exc:
                    where = f" ({new.source})" if new.source else ""
                    raise SeedError(f"`{name}@{bare}`{where}: {exc}") from None
                known[bare] = new.line["cksum"]
                meta["versions"][version] = new.details.copy()
                lines.append(dump_line(new.line))
                added.append(new)
            if not added:
                return []
            # Many files: a flush of the whole disk at each stage costs less than an fsync
            # each, and keeps the order: archives and metadata, then the index files.
            flush = self._durable and len(added) > 1 and hasattr(os, "sync")
            durable = self._durable and not flush
            for new in added:
                path = self._crate_path(new.line["name"], new.line["vers"])
                atomic_write(path, new.crate, durable=durable)
            touched = sorted({canonical_name(new.line["name"]) for new in added})
            for key in touched:
                self._write_meta(crates[key][0], durable=durable)
            if flush:
                os.sync()
            changes = []
            for key in touched:
                meta, lines, _ = crates[key]
                changes.append(
                    self._write_index_file(meta["name"], lines, message, None, durable=durable)
                )
            if flush:
                os.sync()
            self._events.announce(changes, message)
            return added
