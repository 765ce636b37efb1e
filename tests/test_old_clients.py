"""Clients nobody here wrote: Debian's cargo 1.65, cargo-outdated 0.11 and Debian's crates.

``.ci/run`` installs them (``apt-get install cargo cargo-outdated librust-*-dev``); in CI a
missing one fails these tests, elsewhere it skips them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from fakereg import FakeRegistry
from fakereg.settings import Protocol
from fakereg.storage.gitindex import GitIndex
from fakereg.tomlcompat import tomllib
from tests import helpers
from tests.helpers import write_package

#: Where Debian's cargo lands; ``cargo`` on PATH stays the new one.
DEBIAN_CARGO = "/usr/bin/cargo"
DEBIAN_CRATES = Path("/usr/share/cargo/registry")
#: The crates the Debian project of the corpus test uses, and their Debian packages.
CORPUS_CRATES = ("tokio", "clap", "regex", "serde_json")


def require(found: bool, what: str) -> None:
    """Skip without *what*, except in CI, where it is installed and its absence is a failure."""
    hint = "apt-get install cargo cargo-outdated librust-*-dev"
    helpers.require(found, f"{what} is missing ({hint})")


@pytest.fixture
def old_cargo() -> str:
    """Debian's cargo 1.65: git index only, and ``replace-with`` must name a source."""
    require(os.access(DEBIAN_CARGO, os.X_OK), DEBIAN_CARGO)
    version = subprocess.run(
        [DEBIAN_CARGO, "--version"], capture_output=True, text=True, check=True
    ).stdout
    assert version.startswith("cargo 1."), version
    return DEBIAN_CARGO


def run(cargo: str, reg: FakeRegistry, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """*cargo* (a path) with the registry's environment; a failure shows cargo's output."""
    result = subprocess.run(
        [cargo, *args], cwd=cwd, env=reg.env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, f"{cargo} {' '.join(args)}:\n{result.stderr}"
    return result


def app(directory: Path, dependencies: str, version: str = "0.1.0") -> Path:
    """A package whose dependencies name no registry: crates.io, in Cargo.toml terms."""
    return write_package(directory, "app", version, dependencies=dependencies)


@pytest.mark.parametrize(
    ("cargo", "protocol"),
    [("old", "git"), ("new", "git"), ("new", "sparse")],
)
def test_replace_crates_io_resolves_and_publishes_without_registry_flag(
    cargo: str, protocol: Protocol, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    binary = request.getfixturevalue("old_cargo") if cargo == "old" else "cargo"
    with FakeRegistry(protocol=protocol, replace_crates_io=True) as reg:
        reg.add_crate("leftpad", "1.0.0")
        reg.add_crate("leftpad", "1.1.0")
        package = app(tmp_path / "app", 'leftpad = "1.0"')
        run(binary, reg, "generate-lockfile", cwd=package)
        assert 'name = "leftpad"\nversion = "1.1.0"' in (package / "Cargo.lock").read_text()
        run(binary, reg, "fetch", cwd=package)
        reg.assert_requested("download", crate="leftpad", version="1.1.0")
        # No --registry: registry.default sends it to the replacement.
        run(binary, reg, "publish", "--no-verify", "--allow-dirty", cwd=package)
        assert reg.versions("app") == ["0.1.0"]
        reg.assert_requested("publish", crate="app", count=1)


def test_old_cargo_reads_the_replacement_as_a_source(old_cargo: str, tmp_path: Path) -> None:
    """The message 1.65 gave before: a replace-with naming a registry, not a source."""
    with FakeRegistry(protocol="git", replace_crates_io=True) as reg:
        config = (reg.cargo_home / "config.toml").read_text()
        assert f'[source.fakereg]\nregistry = "{reg.git_index_url}"' in config
        assert '[source.crates-io]\nreplace-with = "fakereg"' in config
        reg.add_crate("leftpad", "1.0.0")
        package = app(tmp_path / "app", 'leftpad = "1"')
        result = run(old_cargo, reg, "generate-lockfile", cwd=package)
        assert "could not find a configured source" not in result.stderr


def test_cargo_outdated_reports_an_outdated_dependency(old_cargo: str, tmp_path: Path) -> None:
    require(shutil.which("cargo-outdated") is not None, "cargo-outdated")
    with FakeRegistry(protocol="git", replace_crates_io=True) as reg:
        for version in ("1.0.0", "1.1.0", "2.0.0"):
            reg.add_crate("leftpad", version)
        package = app(tmp_path / "app", 'leftpad = "1.0"')
        # cargo-outdated 0.11 reads lock files of cargo 1.65's format, not 1.95's v4.
        run(old_cargo, reg, "update", "--precise", "1.0.0", "--package", "leftpad", cwd=package)
        result = run("cargo", reg, "outdated", "--root-deps-only", cwd=package)
        rows = [line.split() for line in result.stdout.splitlines()]
        assert ["leftpad", "1.0.0", "1.1.0", "2.0.0", "Normal", "---"] in rows, result.stdout
        reg.assert_requested("git")


@pytest.fixture
def debian_crates() -> Path:
    """Debian's packaged crate sources, as apt installs them."""
    require(
        all(any(DEBIAN_CRATES.glob(f"{name}-[0-9]*")) for name in CORPUS_CRATES),
        f"the Debian crates of {', '.join(CORPUS_CRATES)} in {DEBIAN_CRATES}",
    )
    return DEBIAN_CRATES


CORPUS_MAIN = """\
use clap::Parser;

#[derive(Parser)]
struct Args {
    #[arg(long)]
    text: String,
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args = Args::parse();
    let matched = regex::Regex::new("a+").unwrap().is_match(&args.text);
    println!("{}", serde_json::json!({ "text": args.text, "matched": matched }));
}
"""


@pytest.mark.parametrize(("cargo", "protocol"), [("old", "git"), ("new", "sparse")])
def test_debian_corpus_imports_whole_and_builds_a_project(
    cargo: str,
    protocol: Protocol,
    debian_crates: Path,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    binary = request.getfixturevalue("old_cargo") if cargo == "old" else "cargo"
    sources = sorted(p for p in debian_crates.iterdir() if (p / "Cargo.toml").is_file())
    with FakeRegistry(protocol=protocol, replace_crates_io=True) as reg:
        added = reg.import_crates(debian_crates)
        # Whole, compiler_builtins too (a name crates.io reserves for new crates only).
        assert len(added) == len(sources)
        # (named by their manifests: Debian's folder md-0.10.1 holds crate md-5)
        names = {tomllib.loads((p / "Cargo.toml").read_text())["package"]["name"] for p in sources}
        assert {v.name for v in added} == names
        package = write_package(
            tmp_path / "corpus-app",
            "corpus-app",
            dependencies=(
                'tokio = { version = "1", features = ["rt", "macros"] }\n'
                'clap = { version = "4", features = ["derive"] }\n'
                'regex = "1"\nserde_json = "1"\n'
            ),
            main_rs=CORPUS_MAIN,
        )
        run(binary, reg, "check", cwd=package)
        for name in CORPUS_CRATES:
            reg.assert_requested("download", crate=name)


def test_old_cargo_resolves_fetches_and_publishes_over_https(
    old_cargo: str, tmp_path: Path
) -> None:
    """cargo 1.65 (git index over HTTPS through libgit2, downloads through curl) trusts the
    registry's CA from the cargo home's ``http.cainfo``."""
    with FakeRegistry(protocol="git", replace_crates_io=True, tls=True) as reg:
        reg.add_crate("leftpad", "1.0.0")
        package = app(tmp_path / "app", 'leftpad = "1"')
        run(old_cargo, reg, "generate-lockfile", cwd=package)
        run(old_cargo, reg, "fetch", cwd=package)
        reg.assert_requested("download", crate="leftpad", version="1.0.0")
        run(old_cargo, reg, "publish", "--no-verify", "--allow-dirty", cwd=package)
        assert reg.versions("app") == ["0.1.0"]
        reg.check_errors()


def test_old_cargo_downloads_through_the_static_path_and_the_old_redirect(
    old_cargo: str, tmp_path: Path
) -> None:
    """cargo 1.65 fetches ``{dl}/{name}/{version}/download`` from the static path; and with
    a git index still naming the old ``dl`` (``<url>/api/v1/crates``, as a clone from an
    older fakereg does) it follows the API route's 302 to the file."""
    with FakeRegistry(protocol="git", replace_crates_io=True) as reg:
        reg.add_crate("leftpad", "1.0.0")
        reg.add_crate("rightpad", "1.0.0")
        package = app(tmp_path / "app", 'leftpad = "1"')
        run(old_cargo, reg, "fetch", cwd=package)
        (download,) = reg.requests.filter("download")
        assert (download.path, download.status) == ("/dl/leftpad/1.0.0/download", 200)
        old = json.dumps({"dl": f"{reg.url}/api/v1/crates", "api": reg.url}).encode()
        GitIndex(reg.git_path).commit([("config.json", old)], "config.json of an older fakereg")
        reg.clear()
        other = app(tmp_path / "other", 'rightpad = "1"')
        run(old_cargo, reg, "fetch", cwd=other)
        redirect, download = [r for r in reg.requests if r.kind.startswith("download")]
        assert (redirect.kind, redirect.status) == ("download_redirect", 302)
        assert redirect.path == "/api/v1/crates/rightpad/1.0.0/download"
        assert (download.path, download.status) == ("/dl/rightpad/rightpad-1.0.0.crate", 200)
        assert reg.downloads("leftpad") == reg.downloads("rightpad") == 1
        reg.check_errors()
