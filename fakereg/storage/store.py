"""Writing a registry root: publishes, yanks, owners, imports and removals.

A publish writes the archive, the README, then the crate record, then the index file:
the index file is the commit point, so a crash in between leaves nothing visible
half-done (see :mod:`fakereg.storage.reader` for the layout). A removal deletes the index
file first, and keeps the name in ``meta/deleted-crates.json`` for crates.io's delay.
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
    without_build_metadata,
)
from ..domain.publish import pubtime_now
from ..domain.shapes import AuditAction, CrateRecord, IndexLine, VersionDetails
from ..errors import ConflictError, ForbiddenError, NotFoundError, SeedError
from .events import IndexChange, IndexEvents
from .fsutil import RootLock, atomic_write, read_json
from .reader import CrateReader, IndexFile, dump_line
from .teams import Rights, Teams, is_team

__all__ = ["CrateStore", "IndexFile", "NewVersion", "SeedError", "dump_line"]


@dataclass(frozen=True)
class NewVersion:
    """A version to add without a publish request: its index line, archive and details."""

    line: IndexLine
    crate: bytes
    details: VersionDetails
    source: str = ""  # where it came from, for error messages
    owner: str = ""  # the owner of the crate if it is new
    readme: str | None = None


class CrateStore(CrateReader):
    """Every crate of one registry root; safe across threads and processes."""

    def __init__(
        self,
        root: Path,
        lock: RootLock,
        events: IndexEvents,
        *,
        durable: bool = False,
        teams: Teams | None = None,
    ) -> None:
        super().__init__(root)
        #: Who is in the teams that own crates (their members may publish and yank).
        self._teams = teams
        self._lock = lock
        #: fsync each write (a root that outlives its process); see :func:`atomic_write`.
        self._durable = durable
        #: Told, under the root lock, of every index file that changed.
        self._events = events
        self._ids_path = root / "meta" / "ids.json"
        #: The names of crates deleted lately, refused to new crates for a while.
        self._reserved_path = root / "meta" / "deleted-crates.json"

    # -- writing -----------------------------------------------------------------------

    def _next_ids(self, crates: int, versions: int) -> tuple[int, int]:
        """The first of *crates* new crate ids and *versions* new version ids (root lock held)."""
        ids = read_json(self._ids_path, {"crate": 1, "version": 1})
        first = (ids["crate"], ids["version"])
        ids = {"crate": first[0] + crates, "version": first[1] + versions}
        atomic_write(self._ids_path, json.dumps(ids).encode(), durable=self._durable)
        return first

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

    def publish(
        self,
        line: IndexLine,
        crate: bytes,
        details: VersionDetails,
        login: str | None,
        *,
        readme: str | None = None,
    ) -> None:
        """Add a version: refuses other owners' crates, renamed crates and duplicates.

        *login* None: a trusted publish, whose token already named the crate (it must
        exist); the version then has no publisher, as on crates.io.
        """
        name, version = line["name"], line["vers"]
        with self._lock():
            meta = self._meta(name)
            new_crate = meta is None
            if meta is None:
                if login is None:
                    raise ForbiddenError("a trusted publish cannot create a crate")
                meta = {"name": name, "owners": [login], "versions": {}}
            check_same_crate(name, meta["name"])
            if login is not None and not self._may_publish(login, meta["owners"]):
                raise ForbiddenError(
                    "this crate exists but you don't seem to be an owner. If you believe "
                    "this is a mistake, perhaps you need to accept an invitation to be an "
                    "owner before publishing."
                )
            lines = self._lines(name)
            check_new_version(name, version, (json.loads(text)["vers"] for text in lines))
            crate_id, version_id = self._next_ids(1 if new_crate else 0, 1)
            if new_crate:
                meta["id"] = crate_id
            meta["versions"][version] = _published(details, version_id, login, line)
            atomic_write(self._crate_path(name, version), crate, durable=self._durable)
            if readme:
                atomic_write(
                    self._readme_path(name, version), readme.encode(), durable=self._durable
                )
            self._write_meta(meta)
            self._write_index(
                name,
                [*lines, dump_line(line)],
                f"Update crate `{name}#{version}`",
                published=version,
            )

    def _may_publish(self, login: str, owners: list[str]) -> bool:
        """crates.io's ``Publish`` rights: an owner, or a member of a team that owns."""
        if login in owners:
            return True
        return self._teams is not None and self._teams.rights(login, owners) is not Rights.NONE

    def set_yanked(
        self, name: str, version: str, yanked: bool, login: str, message: str | None = None
    ) -> None:
        """Yank (with *message*, shown as ``yank_message``) or unyank; as crates.io, a yank
        without a message clears the message, and only the line's ``yanked`` changes."""
        with self._lock():
            meta = self._require(name)
            if not self._may_publish(login, meta["owners"]):
                raise ForbiddenError("must already be an owner to yank or unyank")
            lines = self._lines(meta["name"])
            for i, text in enumerate(lines):
                line = json.loads(text)
                if line["vers"] != version:
                    continue
                details = meta["versions"].setdefault(version, {})
                message = message if yanked else None
                if line.get("yanked") == yanked and details.get("yank_message") == message:
                    return
                now = pubtime_now()
                details["yank_message"] = message
                details["updated_at"] = now
                action: AuditAction = {
                    "action": "yank" if yanked else "unyank",
                    "user": login,
                    "time": now,
                }
                details.setdefault("audit", []).append(action)
                self._write_meta(meta)
                if line.get("yanked") != yanked:
                    line["yanked"] = yanked
                    lines[i] = dump_line(line)
                    verb = "Yank" if yanked else "Unyank"
                    self._write_index(
                        meta["name"], lines, f"{verb} crate `{meta['name']}#{version}`"
                    )
                return
            raise NotFoundError(f"crate `{meta['name']}` does not have a version `{version}`")

    def change_owners(
        self, name: str, logins: Iterable[str], *, add: bool, by: str | None
    ) -> list[str]:
        """Add or remove owners (logins already resolved to users), as the owner *by*
        (None: an accepted invitation, which needs no owner); return the new list."""
        with self._lock():
            meta = self._require(name)
            owners: list[str] = meta["owners"]
            if by is not None and by not in owners:
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
            if all(is_team(owner) for owner in owners):
                raise ConflictError(
                    "cannot remove all individual owners of a crate. Team member don't have "
                    "permission to modify owners, so at least one individual owner is "
                    "required."
                )
            self._write_meta(meta)
            self._events.announce_records([meta["name"]])
            return list(owners)

    def set_trustpub_only(self, name: str, value: bool, *, by: str) -> None:
        """Let only trusted publishing publish *name* (or not again), as its owner *by*."""
        with self._lock():
            meta = self._require(name)
            if by not in meta["owners"]:
                raise ForbiddenError("only owners have permission to modify crate settings")
            if bool(meta.get("trustpub_only")) != value:
                meta["trustpub_only"] = value
                self._write_meta(meta)
                self._events.announce_records([meta["name"]])

    def remove(self, name: str, message: str, *, reserved_until: str) -> str:
        """Remove crate *name*: its index file first (the commit point), then its archives,
        READMEs and record; its name is refused to new crates until *reserved_until*
        (RFC 3339). The name it had."""
        with self._lock():
            crate = self._require(name)["name"]
            path = self._index_path(crate)
            path.unlink(missing_ok=True)
            self._read_cache.pop(str(path), None)
            shutil.rmtree(self._crates_dir / crate.lower(), ignore_errors=True)
            shutil.rmtree(self._readmes_dir / canonical_name(crate), ignore_errors=True)
            self._meta_path(crate).unlink(missing_ok=True)
            now = pubtime_now()  # (names available again are forgotten)
            reserved = {k: v for k, v in self._reservations().items() if v["available_at"] > now}
            reserved[canonical_name(crate)] = {"name": crate, "available_at": reserved_until}
            atomic_write(self._reserved_path, json.dumps(reserved).encode(), durable=self._durable)
            self._events.announce([IndexChange(index_path(crate), None, message, crate)], message)
            return crate

    def reserved(self, name: str, now: str) -> tuple[str, str] | None:
        """The name a crate deleted under *name* (any spelling) had and when it becomes
        available, while that is after *now* (RFC 3339, UTC); else None."""
        found = self._reservations().get(canonical_name(name))
        if found is None or found["available_at"] <= now:
            return None
        return found["name"], found["available_at"]

    def _reservations(self) -> dict[str, dict[str, str]]:
        data: dict[str, dict[str, str]] = read_json(self._reserved_path, {})
        return data

    def remove_all(self, message: str) -> list[str]:
        """Remove every crate (index files first: the commit point); the names removed."""
        with self._lock():
            names = self.crate_names()
            changes = []
            for name in names:
                path = self._index_path(name)
                path.unlink(missing_ok=True)
                changes.append(IndexChange(index_path(name), None, message, name))
            for folder in (self._crates_dir, self._readmes_dir, self._meta_dir):
                if folder.exists():
                    shutil.rmtree(folder)
            self._reserved_path.unlink(missing_ok=True)  # (a reset forgets deleted names)
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
                    # (a source that only repeats the name and version says nothing more)
                    shown = new.source and new.source != f"{name}@{bare}"
                    where = f" ({new.source})" if shown else ""
                    raise SeedError(f"`{name}@{bare}`{where}: {exc}") from None
                known[bare] = new.line["cksum"]
                meta["versions"][version] = new.details  # numbered below
                lines.append(dump_line(new.line))
                added.append(new)
            if not added:
                return []
            unnumbered = [crates[key][0] for key in crates if "id" not in crates[key][0]]
            crate_id, version_id = self._next_ids(len(unnumbered), len(added))
            for number, meta in enumerate(unnumbered, crate_id):
                meta["id"] = number
            for number, new in enumerate(added, version_id):
                meta = crates[canonical_name(new.line["name"])][0]
                publisher = new.owner or meta["owners"][0]
                meta["versions"][new.line["vers"]] = _published(
                    new.details, number, publisher, new.line
                )
            # Many files: a flush of the whole disk at each stage costs less than an fsync
            # each, and keeps the order: archives and metadata, then the index files.
            flush = self._durable and len(added) > 1 and hasattr(os, "sync")
            durable = self._durable and not flush
            for new in added:
                path = self._crate_path(new.line["name"], new.line["vers"])
                atomic_write(path, new.crate, durable=durable)
                if new.readme:
                    path = self._readme_path(new.line["name"], new.line["vers"])
                    atomic_write(path, new.readme.encode(), durable=durable)
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


def _published(
    details: VersionDetails, number: int, login: str | None, line: IndexLine
) -> VersionDetails:
    """*details* of a version just added, with its id, publisher and first audit entry
    (none for a trusted publish: crates.io records no user for it)."""
    stored = details.copy()
    time_ = line.get("pubtime") or pubtime_now()
    stored["id"] = number
    stored["updated_at"] = time_
    stored["audit"] = []
    if login is not None:
        stored["published_by"] = login
        stored["audit"] = [{"action": "publish", "user": login, "time": time_}]
    return stored
