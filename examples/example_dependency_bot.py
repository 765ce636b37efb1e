"""Test a dependency bot (here a tiny one) against a registry standing in for crates.io.

The bot runs ``cargo update --dry-run`` and reports which locked crates have newer
compatible versions. The registry is seeded with realistic version histories (a yanked
release, a pre-release, a new major version) and replaces crates.io, so the project under
test keeps its plain ``serde = "1"`` dependencies.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from fakereg import FakeRegistry


def outdated(project: Path, env: dict[str, str]) -> dict[str, tuple[str, str]]:
    """The 'tool under test': {crate: (locked, available)} from ``cargo update --dry-run``."""
    result = subprocess.run(
        ["cargo", "update", "--dry-run"],
        cwd=project,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    found = re.findall(r"Updating (\S+) v(\S+) -> v(\S+)", result.stderr)
    return {name: (old, new) for name, old, new in found}


@pytest.mark.fake_registry(replace_crates_io=True)
def test_bot_reports_newest_compatible_unyanked_versions(
    fake_registry: FakeRegistry, tmp_path: Path
) -> None:
    reg = fake_registry
    with reg.batch():
        for version in ("1.0.190", "1.0.197"):
            reg.add_crate("serde", version, features={"derive": [], "std": []})
        reg.add_crate("itoa", "1.0.9")
        reg.add_crate("anyhow", "1.0.80", deps=["itoa@1"])
    (tmp_path / "src").mkdir()
    (tmp_path / "src/lib.rs").write_text("")
    (tmp_path / "Cargo.toml").write_text(
        '[package]\nname = "service"\nversion = "0.1.0"\nedition = "2021"\n'
        '[dependencies]\nserde = { version = "1", features = ["derive"] }\nanyhow = "1"\n'
    )
    reg.cargo("generate-lockfile", cwd=tmp_path, check=True)

    # Upstream moves on: a good release, a yanked one, a pre-release and a new major.
    with reg.batch():
        reg.add_crate("serde", "1.0.200", features={"derive": [], "std": []})
        reg.add_crate("serde", "1.0.201", features={"derive": [], "std": []}, yanked=True)
        reg.add_crate("serde", "1.1.0-rc.1", features={"derive": [], "std": []})
        reg.add_crate("anyhow", "2.0.0")
        reg.add_crate("itoa", "1.0.11")

    assert outdated(tmp_path, reg.env) == {
        "serde": ("1.0.197", "1.0.200"),
        "itoa": ("1.0.9", "1.0.11"),
    }
