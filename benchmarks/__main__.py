"""``python -m benchmarks [--quick] [--markdown] [NAME ...]``: run fakereg's benchmarks.

Each prints its figure, the reference measured in the same run, their ratio and the target.
Names: fixture, latency, throughput, publish, import, cargo, git_commit, scale, pages,
transport
(default: all).
"""

from __future__ import annotations

import argparse
import importlib
import platform
import sys
import time

from benchmarks.common import Result

NAMES = (
    "fixture",
    "latency",
    "throughput",
    "publish",
    "import",
    "cargo",
    "git_commit",
    "scale",
    "pages",
    "transport",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="NAME")
    parser.add_argument("--quick", action="store_true", help="few rounds: a smoke run")
    parser.add_argument("--markdown", action="store_true", help="also print a Markdown table")
    args = parser.parse_args(argv)
    unknown = set(args.names) - set(NAMES)
    if unknown:
        parser.error(
            f"unknown benchmark {', '.join(sorted(unknown))}: choose from {', '.join(NAMES)}"
        )
    results: list[Result] = []
    print(f"# {platform.python_implementation()} {platform.python_version()}, {time.ctime()}")
    for name in args.names or NAMES:
        module = importlib.import_module(f"benchmarks.bench_{name}")
        started = time.monotonic()
        found: list[Result] = module.run(quick=args.quick)
        for result in found:
            print(result.line(), flush=True)
        print(f"# {name}: {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
        results += found
    if args.markdown:
        print("\n| benchmark | subject | figure | reference (same run) | ratio | target | |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for result in results:
            print(result.markdown())
    return 0


if __name__ == "__main__":
    sys.exit(main())
