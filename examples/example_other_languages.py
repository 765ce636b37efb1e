"""The control-API examples in other languages, run as the suite's tests.

Each starts its own ``python -m fakereg --ready-file …`` (this interpreter's, through
``FAKEREG_PYTHON``), steers it over ``/__fakereg/…`` and runs real cargo. With ``CI`` set,
a missing bash, curl, node or cargo fails the test instead of skipping it.

The Rust example became a library: ``clients/rust`` (the ``fakereg`` crate), whose own
integration tests are its examples, run by ``tests/test_clients.py`` (they need serde,
which only a registry can serve offline: fakereg itself, standing in for crates.io).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def _run(command: list[str], tools: tuple[str, ...], tmp_path: Path) -> None:
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
        command, cwd=HERE, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"


def test_the_shell_example(tmp_path: Path) -> None:
    _run(["bash", "shell/run.sh"], ("bash", "curl", "cargo"), tmp_path)


def test_the_node_example(tmp_path: Path) -> None:
    _run(["node", "--test", "node/registry.test.mjs"], ("node", "cargo"), tmp_path)


def test_the_trusted_publishing_example(tmp_path: Path) -> None:
    """GitHub's @actions/core (from the npm registry, pinned by the lock file) asks the
    fake GitHub for its ID token, as a release workflow does."""
    folder = HERE / "node-actions"
    if not (folder / "node_modules" / "@actions" / "core").is_dir():
        _run(["npm", "ci", "--no-audit", "--no-fund", "--prefix", str(folder)], ("npm",), tmp_path)
    _run(["node", "--test", "node-actions/trusted.test.mjs"], ("node", "cargo"), tmp_path)
