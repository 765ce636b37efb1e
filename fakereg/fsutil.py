"""Atomic file writes and the lock that guards a registry's root."""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock


def atomic_write(
    path: Path, data: bytes, *, mtime: float | None = None, mode: int | None = None
) -> None:
    """Write *data* to *path* so that readers see either the old or the new file, whole.

    *mode* sets the permissions before the file appears (e.g. 0o600 for secrets).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as tmp:
            tmp.write(data)
        if mode is not None:
            os.chmod(tmp_name, mode)
        if mtime is not None:
            os.utime(tmp_name, (mtime, mtime))
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


class RootLock:
    """A lock held by one thread of one process at a time, across every process using *root*.

    ``interprocess=False`` (a temporary root no other process knows) keeps only the
    thread lock, sparing a lock file and a ``flock`` per change.
    """

    def __init__(self, root: Path, *, interprocess: bool = True) -> None:
        self._thread_lock = threading.RLock()
        self._file_lock = FileLock(str(root / ".fakereg.lock")) if interprocess else None

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self._thread_lock:
            if self._file_lock is None:
                yield
            else:
                with self._file_lock:
                    yield
