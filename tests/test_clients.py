"""The client libraries in other languages, built and tested as their users would.

``clients/node`` (the npm package ``fakereg``) has its own ``node --test`` suite, which
starts this interpreter's fakereg (through ``FAKEREG_PYTHON``) and drives real cargo
against it. The Rust client (``clients/rust``, crate ``fakereg``) builds offline: its
dependencies (serde, serde_json and theirs) are Debian's packaged crate sources, served by
a ``FakeRegistry`` standing in for crates.io, so its build is a test of fakereg too; its own
``cargo test`` then starts registries the same way. ``.ci/run`` installs node, cargo and the
Debian crates; in CI a missing one fails the test instead of skipping it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from fakereg import FakeRegistry
from tests import helpers

CLIENTS = Path(__file__).resolve().parent.parent / "clients"
DEBIAN_CRATES = Path("/usr/share/cargo/registry")
#: The Rust client's dependencies and theirs, as Debian packages them
#: (librust-serde-dev, librust-serde-derive-dev, librust-serde-json-dev).
RUST_CLIENT_CRATES = (
    # serde and serde_json
    "serde",
    "serde_derive",
    "serde_json",
    "proc-macro2",
    "quote",
    "syn",
    "unicode-ident",
    "itoa",
    "ryu",
    # the `tls` feature: rustls and rustls-pemfile, and what their manifests name for
    # every target (cargo's lockfile covers wasm and Windows too)
    "rustls",
    "rustls-pemfile",
    "base64",
    "ring",
    "cc",
    "libc",
    "once_cell",
    "spin",
    "untrusted",
    "sct",
    "webpki",
    "log",
    "cfg-if",
    "web-sys",
    "js-sys",
    "wasm-bindgen",
    "wasm-bindgen-backend",
    "wasm-bindgen-macro",
    "wasm-bindgen-macro-support",
    "wasm-bindgen-shared",
    "bumpalo",
    "winapi",
    "winapi-i686-pc-windows-gnu",
    "winapi-x86_64-pc-windows-gnu",
)


def _debian_crate(name: str) -> Path | None:
    """Debian's unpacked source of crate *name* (the newest of its folders), if installed."""
    folders = sorted(DEBIAN_CRATES.glob(f"{name}-[0-9]*"))
    return folders[-1] if folders else None


def _client_env(base: Mapping[str, str], tmp_path: Path) -> dict[str, str]:
    """*base* for a client's own suite: this interpreter (which has fakereg) for the servers
    it starts, and its build and temporary files under *tmp_path*."""
    return {
        **base,
        "FAKEREG_PYTHON": sys.executable,
        "CARGO_TARGET_DIR": str(tmp_path / "target"),
        "TMPDIR": str(tmp_path),
    }


def _passes(
    command: list[str], cwd: Path, env: dict[str, str], *, timeout: float
) -> subprocess.CompletedProcess[str]:
    """Run *command*, which must pass within *timeout* seconds; its output."""
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    return result


def test_the_rust_client(tmp_path: Path) -> None:
    """``cargo test`` of ``clients/rust``, its dependencies served by fakereg."""
    helpers.require(shutil.which("cargo") is not None, "cargo is not on PATH")
    sources = {name: _debian_crate(name) for name in RUST_CLIENT_CRATES}
    missing = sorted(name for name, folder in sources.items() if folder is None)
    helpers.require(
        not missing,
        f"Debian's crates {', '.join(missing)} are missing from {DEBIAN_CRATES} "
        "(apt-get install librust-serde-derive-dev librust-serde-json-dev librust-rustls-dev "
        "librust-rustls-pemfile-dev)",
    )
    # A copy: cargo writes its Cargo.lock next to the manifest, not into the checkout.
    crate = tmp_path / "fakereg-rust"
    shutil.copytree(CLIENTS / "rust", crate, ignore=shutil.ignore_patterns("target", "Cargo.lock"))
    with FakeRegistry(replace_crates_io=True) as reg:
        reg.import_crates(*(folder for folder in sources.values() if folder is not None))
        env = _client_env(reg.env, tmp_path)
        result = _passes([reg.cargo_path(), "test"], crate, env, timeout=900)
        # Without its default `tls` feature the crate builds from serde alone, and its
        # tests and doctests (those of HTTP registries) pass.
        plain = _passes(
            [reg.cargo_path(), "test", "--no-default-features"], crate, env, timeout=900
        )
        # The build came from this registry, standing in for crates.io.
        for name in ("serde", "serde_derive", "serde_json", "rustls", "ring"):
            reg.assert_requested("download", crate=name, status=200)
    # The client's suite ran: the integration tests and the doctests.
    assert "test cargo_resolves_through_a_git_index_fetch_that_fails_once ... ok" in result.stdout
    assert "test owners_teams_and_trusted_publishing ... ok" in result.stdout
    assert "test a_tls_registry_serves_cargo_and_git_over_https ... ok" in result.stdout
    assert "test tls::" not in plain.stdout
    assert "a_tls_registry" not in plain.stdout
    assert "test cargo_publishes_and_the_test_waits_for_it ... ok" in plain.stdout
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


def test_the_node_client(tmp_path: Path) -> None:
    """Publish, resolve through the git protocol with a 503 on the second index fetch, a
    wait, an assertion's message: real cargo against the registry the client starts."""
    for tool in ("node", "cargo"):
        helpers.require(shutil.which(tool) is not None, f"{tool} is not on PATH")
    env = _client_env(os.environ, tmp_path)
    _passes(["node", "--test", "test/"], CLIENTS / "node", env, timeout=600)


#: Flags the clients set themselves (each start gets a ready file, no banner, no log).
CLIENT_OWNED_FLAGS = {"--help", "--version", "--quiet", "--ready-file", "--json"}


@pytest.mark.parametrize("source", ["node/process.js", "rust/src/builder.rs"], ids=["node", "rust"])
def test_each_client_starts_the_server_with_any_of_its_settings(source: str) -> None:
    """Every flag of ``python -m fakereg`` has an option in the client's start (the Node
    options, the Rust builder), and the client names no flag the server lacks."""
    from fakereg.cli import build_parser

    server = {
        flag
        for action in build_parser()._actions
        for flag in action.option_strings
        if flag.startswith("--")
    }
    named = set(re.findall(r'"(--[a-z0-9-]+)"', (CLIENTS / source).read_text()))
    if source.startswith("rust"):  # (the process module adds these two to every start)
        named |= set(re.findall(r'"(--[a-z0-9-]+)"', (CLIENTS / "rust/src/process.rs").read_text()))
    assert sorted(server - CLIENT_OWNED_FLAGS - named) == [], "flags the client cannot pass"
    assert sorted(named - server) == [], "flags the server does not have"
