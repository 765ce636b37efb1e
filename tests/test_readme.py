"""Every Python example in README.md runs, as the test module it is written as."""

from __future__ import annotations

import re
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
