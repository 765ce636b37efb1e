"""Every Python example in README.md runs, as the test module it is written as."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)


def test_readme_has_examples() -> None:
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_example_runs(pytester: pytest.Pytester, index: int) -> None:
    block = BLOCKS[index]
    tests = len(re.findall(r"^def test_", block, flags=re.MULTILINE))
    assert tests, f"README example #{index + 1} defines no test function"
    pytester.makepyfile(**{f"test_readme_{index}": block})
    outcomes = pytester.runpytest("-q").parseoutcomes()
    assert outcomes.get("passed", 0) >= tests, outcomes
    assert not {"failed", "errors", "skipped", "xfailed"} & outcomes.keys(), outcomes


SHELL_BLOCKS = re.findall(r"```bash\n(.*?)```", README.read_text(), flags=re.DOTALL)


@pytest.mark.parametrize("index", range(len(SHELL_BLOCKS)))
def test_readme_shell_example_runs(tmp_path: Path, index: int) -> None:
    """The README's bash blocks run as written, with this interpreter as ``python3``."""
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
    script = "set -euo pipefail\n" + SHELL_BLOCKS[index]
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
