"""Test how a tool copes when the registry misbehaves, and watch a tool in the background.

The 'tool' here is cargo itself, started as a background process the way a bot would run.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from fakereg import FakeRegistry


def crate(directory: Path, name: str, version: str = "1.0.0") -> Path:
    (directory / "src").mkdir(parents=True, exist_ok=True)
    (directory / "src/lib.rs").write_text("")
    (directory / "Cargo.toml").write_text(
        f'[package]\nname = "{name}"\nversion = "{version}"\nedition = "2021"\n'
    )
    return directory


def test_refused_publish_is_reported_with_the_registry_words(
    fake_registry: FakeRegistry, tmp_path: Path
) -> None:
    fake_registry.fail("publish", status=403, errors=["tokens of this team cannot publish"])
    result = fake_registry.cargo(
        "publish", "--registry", fake_registry.name, "--no-verify", cwd=crate(tmp_path, "widget")
    )
    assert result.returncode != 0
    assert "tokens of this team cannot publish" in result.stderr
    (refused,) = fake_registry.requests.filter("publish")
    assert (refused.status, refused.crate, refused.version) == (403, "widget", "1.0.0")


def test_background_publish_is_seen_when_it_happens(
    fake_registry: FakeRegistry, tmp_path: Path
) -> None:
    fake_registry.fail("publish", delay=0.5)  # a slow registry
    command = ["cargo", "publish", "--registry", fake_registry.name, "--no-verify"]
    with subprocess.Popen(
        command, cwd=crate(tmp_path, "gadget"), env=fake_registry.env, stderr=subprocess.PIPE
    ) as tool:
        upload = fake_registry.wait_for("publish", crate="gadget", timeout=30)
        assert upload.status == 200
        assert tool.wait(timeout=60) == 0
    (record,) = fake_registry.publishes
    assert record.accepted
    assert record.manifest is not None
    assert record.manifest["package"]["name"] == "gadget"
