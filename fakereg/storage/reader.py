"""Reading a registry root: index files, archives, READMEs and crate records.

Layout under a registry's root::

    index/<prefix>/<name>          the sparse index file, exactly as served
    crates/<name>/<version>.crate  the uploaded archives
    readmes/<name>/<version>       the README a version was published with
    meta/crates/<key>.json         canonical name, owners and per-version details

The index file is the commit point of every change: a record without index lines is
debris of a change that did not finish, and reads as nothing.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..domain.crateview import crate_versions
from ..domain.names import canonical_name, index_path, is_valid_crate_name, is_valid_version
from ..domain.shapes import CrateRecord, IndexLine
from ..errors import NotFoundError
from .fsutil import read_tree

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


class CrateReader:
    """What is stored under one registry root, read (the store adds the writing)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._index_dir = root / "index"
        self._index_dir_text = str(self._index_dir)
        self._read_cache: dict[str, IndexFile] = {}  # by path, checked against os.stat
        self._crates_dir = root / "crates"
        self._readmes_dir = root / "readmes"
        self._meta_dir = root / "meta" / "crates"

    # -- paths -------------------------------------------------------------------------

    def _index_path(self, name: str) -> Path:
        return self._index_dir / index_path(name)

    def _crate_path(self, name: str, version: str) -> Path:
        return self._crates_dir / name.lower() / f"{version}.crate"

    def _readme_path(self, name: str, version: str) -> Path:
        return self._readmes_dir / canonical_name(name) / version

    def archive_path(self, name: str, version: str) -> Path:
        """Where the ``.crate`` of *name* (as published) *version* is kept."""
        return self._crate_path(name, version)

    def _meta_path(self, name: str) -> Path:
        return self._meta_dir / f"{canonical_name(name)}.json"

    # -- index files -------------------------------------------------------------------

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

    def index_files(self) -> list[tuple[str, bytes]]:
        """Every index file as (index path, content), for a full import elsewhere."""
        files: list[tuple[str, bytes]] = []
        read_tree(self._index_dir_text, "", files)
        return files

    def _lines(self, name: str) -> list[str]:
        try:
            return self._index_path(name).read_text("utf-8").splitlines()
        except (FileNotFoundError, NotADirectoryError):
            return []

    # -- crates ------------------------------------------------------------------------

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

    def crate_id(self, name: str) -> int | None:
        """The id crates.io's API shows for *name* (None when there is no such crate)."""
        meta = self._meta(name) if is_valid_crate_name(name) else None
        return None if meta is None else meta.get("id")

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

    def crate_stat_key(self, name: str, version: str) -> tuple[int, int, int] | None:
        """The stored archive's ``stat`` key (inode, mtime, size) now, or None."""
        if not (is_valid_crate_name(name) and is_valid_version(version)):
            return None
        try:
            st = os.stat(self._crate_path(name, version))
        except (FileNotFoundError, NotADirectoryError):
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def readme(self, name: str, version: str) -> str | None:
        """The README *name* *version* was published with, or None."""
        if not (is_valid_crate_name(name) and is_valid_version(version)):
            return None
        try:
            return self._readme_path(name, version).read_text("utf-8")
        except (FileNotFoundError, NotADirectoryError):
            return None

    def trustpub_only(self, name: str) -> bool:
        """Whether only trusted publishing may publish *name* (False for no such crate)."""
        meta = self._meta(name) if is_valid_crate_name(name) else None
        return meta is not None and bool(meta.get("trustpub_only"))

    def first_dependent(self, name: str) -> tuple[str, str] | None:
        """A version of another crate that depends on *name* (with no ``registry`` of its
        own), yanked or not: the one numbered last, as crates.io names one (``(crate,
        version)``); None when none does. Reads every index file (a deletion is rare)."""
        key = canonical_name(name)
        needle = f'"{key}"'.encode()
        found: tuple[int, str, str] | None = None
        for folder, _, files in os.walk(self._index_dir_text):
            for file in files:
                if canonical_name(file) == key or file.startswith("."):
                    continue
                with open(os.path.join(folder, file), "rb") as fh:
                    if needle not in fh.read().lower().replace(b"-", b"_"):
                        continue  # (most files: no mention of the name at all)
                state = self.crate_state(canonical_name(file))
                if state is None:
                    continue
                crate = state[0]["name"]
                for facts in crate_versions(*state):
                    deps = (d for d in facts.line["deps"] if d.get("registry") is None)
                    if any(canonical_name(d.get("package", d["name"])) == key for d in deps):
                        candidate = (facts.id(crate), crate, facts.num)
                        found = candidate if found is None else max(found, candidate)
        return None if found is None else found[1:]

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
        """A crate's record and parsed index lines, or None when it has no index lines."""
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
