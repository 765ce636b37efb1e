"""The client libraries in other languages, run as the suite's tests.

``clients/node`` (the npm package ``fakereg``) has its own ``node --test`` suite, which
starts this interpreter's fakereg (through ``FAKEREG_PYTHON``) and drives real cargo
against it. With ``CI`` set, a missing node or cargo fails the test instead of skipping it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CLIENTS = Path(__file__).resolve().parent.parent / "clients"


def _run(command: list[str], tools: tuple[str, ...], cwd: Path, tmp_path: Path) -> None:
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {', '.join(missing)} is not on PATH")
        pytest.skip(f"needs {', '.join(missing)}")
    env = {
        **os.environ,
        "FAKEREG_PYTHON": sys.executable,
        "CARGO_TARGET_DIR": str(tmp_path / "target"),
        "TMPDIR": str(tmp_path),
    }
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"


def test_the_node_client(tmp_path: Path) -> None:
    """Publish, resolve through the git protocol with a 503 on the second index fetch, a
    wait, an assertion's message: real cargo against the registry the client starts."""
    _run(["node", "--test", "test/"], ("node", "cargo"), CLIENTS / "node", tmp_path)
