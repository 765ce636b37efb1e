"""Test a release script (here a tiny one) against a registry it cannot harm.

The script publishes, then yanks the previous version; the test checks what the registry
ended up with and which API calls cargo made.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from fakereg import FakeRegistry


def release(crate_dir: Path, registry: str, previous: str | None, env: dict[str, str]) -> None:
    """The 'tool under test': publish the crate, then yank the version it replaces."""
    subprocess.run(
        ["cargo", "publish", "--registry", registry, "--no-verify"],
        cwd=crate_dir,
        env=env,
        check=True,
        capture_output=True,
    )
    if previous is not None:
        name = crate_dir.name
        subprocess.run(
            ["cargo", "yank", "--registry", registry, f"{name}@{previous}"],
            env=env,
            check=True,
            capture_output=True,
        )


def package(directory: Path, version: str) -> Path:
    (directory / "src").mkdir(parents=True, exist_ok=True)
    (directory / "src/lib.rs").write_text("")
    (directory / "Cargo.toml").write_text(
        f'[package]\nname = "{directory.name}"\nversion = "{version}"\nedition = "2021"\n'
        'description = "demo"\nlicense = "MIT"\n'
    )
    return directory


@pytest.mark.fake_registry(name="company", strict=True)
def test_release_yanks_the_previous_version(fake_registry: FakeRegistry, tmp_path: Path) -> None:
    crate = tmp_path / "widget"
    release(package(crate, "1.0.0"), "company", None, fake_registry.env)
    release(package(crate, "1.0.1"), "company", "1.0.0", fake_registry.env)

    entries = fake_registry.index_entries("widget")
    assert [(e["vers"], e["yanked"]) for e in entries] == [("1.0.0", True), ("1.0.1", False)]
    api_calls = [(r.method, r.path) for r in fake_registry.requests if r.kind != "index"]
    assert ("DELETE", "/api/v1/crates/widget/1.0.0/yank") in api_calls
    assert sum(r.kind == "publish" for r in fake_registry.requests) == 2
