"""Cost of one git-index commit with 10 and with 10,000 crates already in the index.

Run: python -m benchmarks git_commit (or python -m benchmarks.bench_git_commit [--rounds N])

Both figures come from the same run on the same machine; the ratio is what matters:
a commit touches only the changed path, so its cost must not grow with the index.
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
from pathlib import Path

from benchmarks.common import Result, interleaved_medians
from fakereg.domain.names import index_path
from fakereg.storage.gitindex import GitIndex


def _line(name: str, version: str) -> bytes:
    return (
        f'{{"name":"{name}","vers":"{version}","deps":[],"cksum":"{"0" * 64}",'
        '"features":{},"yanked":false,"links":null}\n'
    ).encode()


def crate_name(i: int) -> str:
    """Spread names over the index's prefix directories, as real crate names are."""
    letters = "".join(chr(97 + b % 26) for b in hashlib.sha256(str(i).encode()).digest()[:6])
    return f"{letters}-{i}"


class SeededIndex:
    """A git index seeded with *existing* crates; :meth:`commit` adds one version."""

    def __init__(self, folder: Path, existing: int) -> None:
        self.git = GitIndex(folder / "index.git")
        self.names = [crate_name(i) for i in range(existing)]
        self.git.commit([(index_path(n), _line(n, "0.1.0")) for n in self.names], "Import index")
        self.rounds = 0

    def commit(self) -> None:
        r, self.rounds = self.rounds, self.rounds + 1
        name = self.names[(r * 7919) % len(self.names)]
        data = _line(name, "0.1.0") + _line(name, f"0.2.{r}")
        self.git.commit([(index_path(name), data)], f"Update crate `{name}#0.2.{r}`")


def commit_times(sizes: tuple[int, ...], rounds: int) -> list[float]:
    """Median seconds per commit in an index of each size, the indexes taking turns.

    Taking turns matters here: writing the large index's first commit leaves this disk
    slow to create files for a while, which would otherwise count against the large one.
    """
    with tempfile.TemporaryDirectory() as tmp:
        indexes = [SeededIndex(Path(tmp) / str(size), size) for size in sizes]
        return interleaved_medians([index.commit for index in indexes], rounds)


def run(quick: bool = False) -> list[Result]:
    """Median of 200 commits each (40 with *quick*)."""
    rounds, crates = (40, 1_000) if quick else (200, 10_000)
    small, large = (seconds * 1000 for seconds in commit_times((10, crates), rounds))
    return [
        Result(
            "git",
            f"one commit, {crates:,} crates in the index",
            large,
            "one commit, 10 crates in the index",
            small,
            "ms",
            1.2,
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    small, large = commit_times((10, 10_000), args.rounds)
    print(f"git commit, 10 crates in the index:     {small * 1000:7.2f} ms (median)")
    print(f"git commit, 10,000 crates in the index: {large * 1000:7.2f} ms (median)")
    print(f"ratio 10,000 / 10: {large / small:.2f}x")


if __name__ == "__main__":
    main()
