"""Import: 10,000 versions (1,000 crates x 10) from a folder of ``.crate`` files.

Against the floor of reading and hashing (sha256) the same files in the same run. Each side
runs in a fresh Python process (so that peak memory is its own), the two taking turns three
times; the figure is the median. Target: import at most 10x the floor. Peak memory is the
child's maximum resident set size.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.common import PEAK_KIB, Result
from fakereg.domain.cratebuild import CrateSpec, build_crate
from fakereg.domain.deps import Dependency

TARGET = 10.0  # issue 15: within 10x of the floor

FLOOR = (
    PEAK_KIB
    + """
import hashlib, json, os, sys, time
started = time.perf_counter()
for directory, _, names in os.walk(sys.argv[1]):
    for name in names:
        with open(os.path.join(directory, name), "rb") as fh:
            hashlib.sha256(fh.read()).hexdigest()
print(json.dumps([time.perf_counter() - started, peak_kib()]))
"""
)

IMPORT = (
    PEAK_KIB
    + """
import json, sys, time
from fakereg import FakeRegistry
with FakeRegistry(root=sys.argv[2]) as reg:
    started = time.perf_counter()
    added = reg.import_crates(sys.argv[1])
    elapsed = time.perf_counter() - started
assert len(added) == int(sys.argv[3]), len(added)
print(json.dumps([elapsed, peak_kib()]))
"""
)


def make_corpus(folder: Path, crates: int, versions: int) -> int:
    """*crates* x *versions* .crate files, each depending on two other crates."""
    count = 0
    for i in range(crates):
        for v in range(versions):
            deps = (Dependency(f"corpus-{(i * 7 + 1) % crates}", "1"),) if i % 3 else ()
            spec = CrateSpec(f"corpus-{i}", f"1.{v}.0", deps=deps)
            target = folder / f"corpus-{i}-1.{v}.0.crate"
            target.write_bytes(build_crate(spec))
            count += 1
    return count


def child(code: str, *args: str) -> tuple[float, int]:
    out = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    ).stdout
    seconds, max_rss_kib = json.loads(out)
    return float(seconds), int(max_rss_kib)


def run(quick: bool = False) -> list[Result]:
    crates, versions = (100, 10) if quick else (1_000, 10)
    with tempfile.TemporaryDirectory(prefix="fakereg-bench-") as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        count = make_corpus(corpus, crates, versions)
        size = sum(p.stat().st_size for p in corpus.iterdir())
        floors, imports, peaks = [], [], []
        for turn in range(3):
            floors.append(child(FLOOR, str(corpus))[0])
            seconds, peak = child(IMPORT, str(corpus), str(Path(tmp) / f"root-{turn}"), str(count))
            imports.append(seconds)
            peaks.append(peak)
    peak_mib = max(peaks) / 1024
    return [
        Result(
            "import",
            f"import_crates of {count:,} .crate files",
            statistics.median(imports),
            "read + sha256 of the same files",
            statistics.median(floors),
            "s",
            TARGET,
            note=f"{size / 1e6:.1f} MB of .crate files; peak RSS of the import {peak_mib:.0f} MiB",
        )
    ]
