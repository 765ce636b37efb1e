"""The client libraries in other languages, built and tested as their users would.

The Rust client (``clients/rust``, crate ``fakereg``) builds offline: its dependencies
(serde, serde_json and theirs) are Debian's packaged crate sources, served by a
``FakeRegistry`` standing in for crates.io, so its build is a test of fakereg too. Its own
``cargo test`` then starts registries with ``python -m fakereg`` (this interpreter, through
``FAKEREG_PYTHON``) and drives real cargo against them. ``.ci/run`` installs cargo and the
Debian crates; in CI a missing one fails the test instead of skipping it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from fakereg import FakeRegistry
from tests import helpers

CLIENTS = Path(__file__).resolve().parent.parent / "clients"
DEBIAN_CRATES = Path("/usr/share/cargo/registry")
#: The Rust client's dependencies and theirs, as Debian packages them
#: (librust-serde-dev, librust-serde-derive-dev, librust-serde-json-dev).
RUST_CLIENT_CRATES = (
    "serde",
    "serde_derive",
    "serde_json",
    "proc-macro2",
    "quote",
    "syn",
    "unicode-ident",
    "itoa",
    "ryu",
)


def _debian_crate(name: str) -> Path | None:
    """Debian's unpacked source of crate *name* (the newest of its folders), if installed."""
    folders = sorted(DEBIAN_CRATES.glob(f"{name}-[0-9]*"))
    return folders[-1] if folders else None


def test_the_rust_client(tmp_path: Path) -> None:
    """``cargo test`` of ``clients/rust``, its dependencies served by fakereg."""
    helpers.require(shutil.which("cargo") is not None, "cargo is not on PATH")
    sources = {name: _debian_crate(name) for name in RUST_CLIENT_CRATES}
    missing = sorted(name for name, folder in sources.items() if folder is None)
    helpers.require(
        not missing,
        f"Debian's crates {', '.join(missing)} are missing from {DEBIAN_CRATES} "
        "(apt-get install librust-serde-derive-dev librust-serde-json-dev)",
    )
    # A copy: cargo writes its Cargo.lock next to the manifest, not into the checkout.
    crate = tmp_path / "fakereg-rust"
    shutil.copytree(CLIENTS / "rust", crate, ignore=shutil.ignore_patterns("target", "Cargo.lock"))
    with FakeRegistry(replace_crates_io=True) as reg:
        reg.import_crates(*(folder for folder in sources.values() if folder is not None))
        env = reg.env | {
            "FAKEREG_PYTHON": sys.executable,
            "CARGO_TARGET_DIR": str(tmp_path / "target"),
            "TMPDIR": str(tmp_path),
        }
        result = subprocess.run(
            [reg.cargo_path(), "test"],
            cwd=crate,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
        # The build came from this registry, standing in for crates.io.
        for name in ("serde", "serde_derive", "serde_json"):
            reg.assert_requested("download", crate=name, status=200)
    # The client's suite ran: the integration tests and the doctests.
    assert "test cargo_resolves_through_a_git_index_fetch_that_fails_once ... ok" in result.stdout
    assert "src/lib.rs - (line" in result.stdout, "the doctests ran"


def test_the_rust_how_to_shows_the_tested_example() -> None:
    """docs/how-to/rust.md quotes the integration test the suite runs, word for word."""
    source = (CLIENTS / "rust" / "tests" / "registry.rs").read_text()
    found = re.search(
        r"#\[test\]\nfn cargo_resolves_through_a_git_index_fetch_that_fails_once\(\) \{\n.*?\n\}\n",
        source,
        flags=re.DOTALL,
    )
    assert found is not None
    how_to = (CLIENTS.parent / "docs" / "how-to" / "rust.md").read_text()
    assert f"```rust\n{found.group(0)}```" in how_to
