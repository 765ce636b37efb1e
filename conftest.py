"""Suite-wide checks: at the end of a session, nothing the tests started may still be open.

Every worker (``pytest -n 2``) checks its own process: threads still alive, sockets still
open, and anything left in the session's private temporary folder (``TMPDIR`` points there
for the tests and the programs they run) fail the session's last teardown.
"""

from __future__ import annotations

import gc
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

#: How long finished clients' server threads may take to wind down at the end.
SETTLE_SECONDS = 5.0


def _open_sockets() -> set[str]:
    """The sockets this process holds open (``socket:[inode]``), from /proc."""
    found: set[str] = set()
    fd_dir = Path("/proc/self/fd")
    if not fd_dir.is_dir():
        return found
    for entry in fd_dir.iterdir():
        try:
            target = os.readlink(entry)
        except OSError:
            continue
        if target.startswith("socket:"):
            found.add(target)
    return found


def _leaks(
    threads_before: set[threading.Thread], sockets_before: set[str], temp: Path
) -> list[str]:
    gc.collect()  # an unreachable socket object would be closed here: not a leak of ours
    threads = [t for t in threading.enumerate() if t not in threads_before and t.is_alive()]
    sockets = _open_sockets() - sockets_before
    leftovers = sorted(p.name for p in temp.iterdir())
    problems = []
    if threads:
        problems.append(f"threads still running: {sorted(t.name for t in threads)}")
    if sockets:
        problems.append(f"{len(sockets)} sockets still open: {sorted(sockets)}")
    if leftovers:
        problems.append(f"temporary files or folders left behind: {leftovers}")
    return problems


@pytest.fixture(scope="session", autouse=True)
def _no_leaks_at_session_end(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Fail the session if threads, sockets or temporary folders outlive the tests."""
    tmp_path_factory.getbasetemp()  # pytest's own folders stay where they belong
    temp = Path(tempfile.mkdtemp(prefix="fakereg-tests-"))
    saved_tempdir, saved_env = tempfile.tempdir, os.environ.get("TMPDIR")
    tempfile.tempdir = str(temp)
    os.environ["TMPDIR"] = str(temp)
    threads_before = set(threading.enumerate())
    sockets_before = _open_sockets()
    try:
        yield
        deadline = time.monotonic() + SETTLE_SECONDS
        while (problems := _leaks(threads_before, sockets_before, temp)) and (
            time.monotonic() < deadline
        ):
            time.sleep(0.1)
        assert not problems, "the test session leaked: " + "; ".join(problems)
    finally:
        tempfile.tempdir = saved_tempdir
        if saved_env is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = saved_env
        shutil.rmtree(temp, ignore_errors=True)
