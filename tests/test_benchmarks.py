"""The benchmarks run (a smoke run of each that needs no nginx): figures, not timings, checked."""

from __future__ import annotations

import importlib

import pytest


@pytest.mark.parametrize(
    "name", ["fixture", "throughput", "publish", "import", "git_commit", "scale", "pages"]
)
def test_benchmark_smoke_run(name: str) -> None:
    module = importlib.import_module(f"benchmarks.bench_{name}")
    results = module.run(quick=True)
    assert results
    for result in results:
        assert result.value > 0
        assert result.reference > 0
        assert result.line().startswith(result.benchmark)
