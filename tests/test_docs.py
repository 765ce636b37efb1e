"""Every example in the documentation runs: the Python blocks of README.md,
CONTRIBUTING.md and the MkDocs site (``docs/``) as the test modules they are written as,
their bash blocks as scripts."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: The pages whose examples run (the site's, and the two a repository shows first).
PAGES = [
    ROOT / "README.md",
    ROOT / "CONTRIBUTING.md",
    *sorted((ROOT / "docs").rglob("*.md")),
]


def _blocks(language: str) -> list[tuple[str, str]]:
    """(an id naming the page and the block's number there, the block) for every fenced
    block of *language*."""
    found = []
    for page in PAGES:
        blocks = re.findall(rf"```{language}\n(.*?)```", page.read_text(), flags=re.DOTALL)
        name = page.relative_to(ROOT).as_posix()
        found += [(f"{name}#{i + 1}", block) for i, block in enumerate(blocks)]
    return found


BLOCKS = _blocks("python")
SHELL_BLOCKS = _blocks("bash")


def test_the_documentation_has_examples() -> None:
    assert len(BLOCKS) >= 14
    assert any(name.startswith("README.md#") for name, _ in BLOCKS)


@pytest.mark.parametrize(("name", "block"), BLOCKS, ids=[name for name, _ in BLOCKS])
def test_documentation_example_runs(pytester: pytest.Pytester, name: str, block: str) -> None:
    tests = len(re.findall(r"^def test_", block, flags=re.MULTILINE))
    assert tests, f"the example {name} defines no test function"
    module = "test_" + re.sub(r"\W", "_", name)
    pytester.makepyfile(**{module: block})
    outcomes = pytester.runpytest("-q").parseoutcomes()
    assert outcomes.get("passed", 0) >= tests, outcomes
    assert not {"failed", "errors", "skipped", "xfailed"} & outcomes.keys(), outcomes


@pytest.mark.parametrize(("name", "block"), SHELL_BLOCKS, ids=[name for name, _ in SHELL_BLOCKS])
def test_documentation_shell_example_runs(tmp_path: Path, name: str, block: str) -> None:
    """The bash blocks run as written, with this interpreter as ``python3``."""
    missing = [tool for tool in ("bash", "curl") if shutil.which(tool) is None]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {', '.join(missing)} is not on PATH")
        pytest.skip(f"needs {', '.join(missing)}")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "python3"  # (a symlink would lose the virtual environment)
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    wrapper.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    script = "set -euo pipefail\n" + block
    result = subprocess.run(
        ["bash", "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
