"""Re-extract crates.io's OpenAPI documents from its insta snapshots.

``python -m tests.openapi.refresh PATH`` where *PATH* is a crates.io checkout or a bare
clone of it (``--rev`` picks the commit, ``HEAD`` by default). crates.io's test
``src/tests/openapi.rs`` keeps the answers of ``/api/openapi.json`` and
``/api/openapi.json?internal`` as
``src/tests/snapshots/integration__openapi__openapi_snapshot-2.snap`` and
``…_internal_snapshot-2.snap``: each is insta's header (between two ``---`` lines) and
then the JSON document. This writes the JSON, byte for byte as the snapshot has it, to
``crates-io.openapi.json`` and ``crates-io-internal.openapi.json`` next to this file, and
the commit it came from to ``SOURCE``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent
SNAPSHOTS = "src/tests/snapshots/integration__openapi__openapi_{}snapshot-2.snap"
#: (the snapshot's infix, the file written here)
DOCUMENTS = (("", "crates-io.openapi.json"), ("internal_", "crates-io-internal.openapi.json"))


def snapshot_body(text: str) -> str:
    """The JSON of an insta snapshot: everything after its ``---`` header block."""
    lines = text.splitlines(keepends=True)
    fences = [i for i, line in enumerate(lines) if line.rstrip("\n") == "---"]
    if len(fences) < 2 or fences[0] != 0:
        raise ValueError("not an insta snapshot: no `---` header block")
    body = "".join(lines[fences[1] + 1 :])
    json.loads(body)  # it must be the whole document
    return body if body.endswith("\n") else body + "\n"


def git(repo: Path, *args: str) -> str:
    """A git command in *repo* (a checkout or a bare clone), its output."""
    done = subprocess.run(
        ["git", f"--git-dir={git_dir(repo)}", *args],
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def git_dir(repo: Path) -> Path:
    return repo / ".git" if (repo / ".git").exists() else repo


def refresh(repo: Path, rev: str = "HEAD", into: Path = HERE) -> str:
    """Write both documents of crates.io at *rev* into *into*; the commit's hash."""
    commit = git(repo, "rev-parse", f"{rev}^{{commit}}").strip()
    for infix, name in DOCUMENTS:
        text = git(repo, "show", f"{commit}:{SNAPSHOTS.format(infix)}")
        (into / name).write_text(snapshot_body(text), encoding="utf-8")
    date = git(repo, "show", "-s", "--format=%cI", commit).strip()
    (into / "SOURCE").write_text(
        f"rust-lang/crates.io {commit} ({date})\n"
        f"{SNAPSHOTS.format('')}\n{SNAPSHOTS.format('internal_')}\n",
        encoding="utf-8",
    )
    return commit


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.openapi.refresh", description=__doc__)
    parser.add_argument("repo", type=Path, help="a crates.io checkout or bare clone")
    parser.add_argument("--rev", default="HEAD", help="the commit to read (default: HEAD)")
    args = parser.parse_args(argv)
    commit = refresh(args.repo, args.rev)
    print(f"crates.io's OpenAPI documents of {commit} written to {HERE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
