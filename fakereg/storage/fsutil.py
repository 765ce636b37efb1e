"""Atomic file writes, reading the root's JSON files, and the lock that guards a
registry's root."""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from filelock import FileLock

from ..errors import RootError


def read_json(path: Path, missing: Any) -> Any:
    """The JSON document kept at *path*, or *missing* when the file is not there (yet)."""
    try:
        return json.loads(path.read_bytes())
    except FileNotFoundError:
        return missing


def atomic_write(
    path: Path,
    data: bytes,
    *,
    mtime: float | None = None,
    mode: int | None = None,
    durable: bool = False,
    temp_dir: Path | None = None,
) -> None:
    """Write *data* to *path* so that readers see either the old or the new file, whole.

    The data goes to a temporary file in the same folder, renamed over *path*: a crash at
    any point leaves the old file or the new one, never a part. *mode* sets the permissions
    before the file appears (e.g. 0o600 for secrets). ``durable=True`` also flushes the
    file and then its folder to disk (fsync), so that a power cut after the call cannot
    undo the write; a temporary root, gone with its process anyway, does without.
    *temp_dir* (on the same file system) holds the temporary file instead of *path*'s
    folder, for folders whose every name means something (git's ``refs/``).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        dir=temp_dir or path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(fd, "wb") as tmp:
            tmp.write(data)
            if durable:
                tmp.flush()
                os.fsync(tmp.fileno())
        if mode is not None:
            os.chmod(tmp_name, mode)
        if mtime is not None:
            os.utime(tmp_name, (mtime, mtime))
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    if durable:
        sync_folder(path.parent)


def sync_folder(folder: Path) -> None:
    """fsync a folder, so that the names created or replaced in it survive a power cut."""
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class RootLock:
    """A lock held by one thread of one process at a time, across every process using *root*.

    ``interprocess=False`` (a temporary root no other process knows) keeps only the
    thread lock, sparing a lock file and a ``flock`` per change.
    """

    def __init__(self, root: Path, *, interprocess: bool = True) -> None:
        self._thread_lock = threading.RLock()
        self._file_lock = None
        if interprocess:
            path = root / ".fakereg.lock"
            try:  # filelock retries an unwritable lock file forever: find out now
                os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o644))
            except OSError as exc:
                reason = exc.strerror or type(exc).__name__
                raise RootError(f"cannot use {root} as a registry root: {path}: {reason}") from None
            self._file_lock = FileLock(str(path))

    @property
    def shared(self) -> bool:
        """True when other processes may use the root too (the lock spans processes)."""
        return self._file_lock is not None

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self._thread_lock:
            if self._file_lock is None:
                yield
            else:
                with self._file_lock:
                    yield


def read_tree(folder: str, prefix: str, into: list[tuple[str, bytes]]) -> None:
    """Append every file under *folder* (but temporary ones, named ``.…``), sorted."""
    try:
        with os.scandir(folder) as found:
            entries = sorted(found, key=lambda entry: entry.name)
    except FileNotFoundError:
        return
    for entry in entries:
        if entry.name.startswith("."):  # (temporary files of writes in progress)
            continue
        if entry.is_dir(follow_symlinks=False):
            read_tree(entry.path, f"{prefix}{entry.name}/", into)
        else:
            with open(entry.path, "rb") as fh:
                into.append((prefix + entry.name, fh.read()))
