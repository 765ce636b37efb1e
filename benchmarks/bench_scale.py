"""How costs grow with the registry: 1,000, 10,000 and 100,000 crates.

For each size a root is filled (``CrateStore.add_versions`` with small synthetic
versions, in batches), then a fresh process opens it and measures: start-up, memory, the
first search (it loads the catalog's snapshot and log) and the next ones, an index GET, a
publish, and the first git use (which makes the git index from every index file). The
table shows each figure per size and the growth from the smallest to the largest. The
targets are absolute, at 100,000 crates: any search within 20 ms and a first git use
within 5 s (issue 15), the first search after a start within 300 ms (issue 27).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.bench_git_commit import crate_name
from benchmarks.common import PEAK_KIB, Result
from fakereg import FakeRegistry
from fakereg.domain.shapes import IndexLine, VersionDetails
from fakereg.storage.store import NewVersion

SIZES = (1_000, 10_000, 100_000)
QUICK_SIZES = (200, 1_000)
SEARCH_BUDGET_MS = 20.0
FIRST_SEARCH_BUDGET_MS = 300.0
FIRST_GIT_BUDGET_S = 5.0

FILL = """
import json, sys, time
from fakereg import FakeRegistry
from benchmarks.bench_scale import fill
started = time.perf_counter()
with FakeRegistry(root=sys.argv[1]) as reg:
    fill(reg, int(sys.argv[2]))
print(json.dumps({"fill_s": time.perf_counter() - started}))
"""
WORDS = ["async", "parser", "serde", "cli", "web", "crypto", "math", "log", "test", "fs"]


def fill(reg: FakeRegistry, count: int) -> None:
    """Add *count* small synthetic crates (``crate_name(i)`` 1.0.0, a description of
    searchable words, a keyword) to *reg*'s store in batches of 5,000, without HTTP."""
    assert reg._parts is not None
    batch: list[NewVersion] = []
    for i in range(count):
        name = crate_name(i)
        data = b"synthetic " + name.encode()
        line: IndexLine = {"name": name, "vers": "1.0.0", "deps": [], "features": {},
                           "yanked": False, "cksum": hashlib.sha256(data).hexdigest(),
                           "links": None}  # fmt: skip
        words = f"{WORDS[i % 10]} {WORDS[(i // 10) % 10]} number{i % 997}"
        details: VersionDetails = {"description": f"The {name} crate: {words}",
                                   "keywords": [WORDS[i % 10]], "license": "MIT",
                                   "repository": None}  # fmt: skip
        batch.append(NewVersion(line, data, details, owner=reg.login))
        if len(batch) == 5000 or i == count - 1:
            reg._parts.store.add_versions(batch, "Seed")
            batch = []


MEASURE = (
    PEAK_KIB
    + """
import http.client, json, statistics, sys, time
from fakereg import FakeRegistry
from benchmarks.bench_publish import publish_body
from benchmarks.bench_git_commit import crate_name
from fakereg.domain.names import index_path
count = int(sys.argv[2])
figures = {}
started = time.perf_counter()
reg = FakeRegistry(root=sys.argv[1])
reg.start()
figures["start_ms"] = (time.perf_counter() - started) * 1000
figures["rss_start_mib"] = peak_kib() / 1024

def get(path, conn=None):
    conn = conn or http.client.HTTPConnection("127.0.0.1", reg.port)
    conn.request("GET", path)
    answer = conn.getresponse()
    body = answer.read()
    assert answer.status == 200, (path, answer.status, body[:200])
    return body

def timed(call, rounds):
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        call()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000

t = time.perf_counter()
get("/api/v1/crates?q=parser")
figures["first_search_ms"] = (time.perf_counter() - t) * 1000
name = crate_name(count // 2)
for label, query in (("exact", name), ("substring", name[:3]), ("word", "number42")):
    figures[f"search_{label}_ms"] = timed(lambda: get(f"/api/v1/crates?q={query}"), 30)
figures["search_all_ms"] = timed(lambda: get("/api/v1/crates?q=crate"), 5)
path = "/index/" + index_path(name)
figures["index_get_ms"] = timed(lambda: get(path), 200)
conn = http.client.HTTPConnection("127.0.0.1", reg.port)
figures["index_get_kept_ms"] = timed(lambda: get(path, conn), 200)

def publish(i=[0]):
    i[0] += 1
    body = publish_body(f"scale-new-{i[0]}", "1.0.0")
    conn = http.client.HTTPConnection("127.0.0.1", reg.port)
    conn.request("PUT", "/api/v1/crates/new", body=body, headers={"Authorization": reg.token})
    answer = conn.getresponse()
    answer.read()
    assert answer.status == 200, answer.status

figures["publish_ms"] = timed(publish, 20)
t = time.perf_counter()
get("/git/index/info/refs?service=git-upload-pack")
figures["first_git_s"] = time.perf_counter() - t
figures["git_publish_ms"] = timed(publish, 20)
figures["rss_peak_mib"] = peak_kib() / 1024
reg.stop()
print(json.dumps(figures))
"""
)

ROWS = [
    ("start_ms", "start-up", "ms"),
    ("rss_start_mib", "memory after start", "MiB"),
    ("first_search_ms", "first search (loads the catalog)", "ms"),
    ("search_exact_ms", "search, exact name", "ms"),
    ("search_substring_ms", "search, name substring", "ms"),
    ("search_word_ms", "search, a description word", "ms"),
    ("search_all_ms", "search matching every crate", "ms"),
    ("index_get_ms", "index GET, new connection", "ms"),
    ("index_get_kept_ms", "index GET, kept-alive", "ms"),
    ("publish_ms", "publish (sparse only)", "ms"),
    ("first_git_s", "first git use", "s"),
    ("git_publish_ms", "publish (with git)", "ms"),
    ("rss_peak_mib", "peak memory", "MiB"),
]


def _child(code: str, *args: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    ).stdout
    figures: dict[str, float] = json.loads(out.splitlines()[-1])
    return figures


def measure(sizes: tuple[int, ...]) -> dict[int, dict[str, float]]:
    found: dict[int, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="fakereg-scale-") as tmp:
        for size in sizes:
            root = Path(tmp) / str(size)
            fill = _child(FILL, str(root), str(size))
            found[size] = {**fill, **_child(MEASURE, str(root), str(size))}
    return found


def table(found: dict[int, dict[str, float]]) -> str:
    sizes = sorted(found)
    head = "| figure | " + " | ".join(f"{s:,} crates" for s in sizes) + " | growth |"
    lines = [head, "| --- |" + " --- |" * (len(sizes) + 1)]
    for key, label, unit in [("fill_s", "filling the root (not timed by fakereg)", "s"), *ROWS]:
        values = [found[s][key] for s in sizes]
        growth = values[-1] / values[0] if values[0] else float("nan")
        cells = " | ".join(f"{v:.3g} {unit}" for v in values)
        lines.append(f"| {label} | {cells} | {growth:.2f}x |")
    return "\n".join(lines)


def run(quick: bool = False) -> list[Result]:
    sizes = QUICK_SIZES if quick else SIZES
    found = measure(sizes)
    print(table(found), flush=True)
    largest = max(sizes)
    figures = found[largest]
    search = max(figures[f"search_{k}_ms"] for k in ("exact", "substring", "word", "all"))
    return [
        Result(
            "scale",
            f"slowest search, {largest:,} crates",
            search,
            "budget of issue 15",
            SEARCH_BUDGET_MS,
            "ms",
            1.0,
        ),
        Result(
            "scale",
            f"first search after a start, {largest:,} crates",
            figures["first_search_ms"],
            "budget of issue 27",
            FIRST_SEARCH_BUDGET_MS,
            "ms",
            1.0,
        ),
        Result(
            "scale",
            f"first git use, {largest:,} crates",
            figures["first_git_s"],
            "budget of issue 15",
            FIRST_GIT_BUDGET_S,
            "s",
            1.0,
        ),
        Result(
            "scale",
            f"index GET, {largest:,} crates",
            figures["index_get_ms"],
            f"index GET, {min(sizes):,} crates",
            found[min(sizes)]["index_get_ms"],
            "ms",
            1.2,
        ),
        Result(
            "scale",
            f"publish, {largest:,} crates",
            figures["publish_ms"],
            f"publish, {min(sizes):,} crates",
            found[min(sizes)]["publish_ms"],
            "ms",
            1.2,
        ),
    ]
