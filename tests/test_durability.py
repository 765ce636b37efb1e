"""Writes that survive crashes: atomic always, fsynced for roots that outlive the process."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fakereg import FakeRegistry, RegistryFactory
from fakereg.storage.fsutil import atomic_write
from fakereg.storage.gitindex import GitIndex


@pytest.fixture
def fsyncs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every fsync call's file descriptor, counted (the calls still happen)."""
    calls: list[int] = []
    real = os.fsync

    def counting(fd: int) -> None:
        calls.append(fd)
        real(fd)

    monkeypatch.setattr(os, "fsync", counting)
    return calls


def test_durable_write_flushes_the_file_then_its_folder(tmp_path: Path, fsyncs: list[int]) -> None:
    atomic_write(tmp_path / "a" / "file", b"data", durable=True)
    assert (tmp_path / "a" / "file").read_bytes() == b"data"
    assert len(fsyncs) == 2
    atomic_write(tmp_path / "a" / "file", b"more")
    assert len(fsyncs) == 2


def test_temporary_file_can_live_elsewhere(tmp_path: Path) -> None:
    (tmp_path / "refs").mkdir()
    (tmp_path / "scratch").mkdir()
    atomic_write(tmp_path / "refs" / "master", b"x", temp_dir=tmp_path / "scratch")
    assert os.listdir(tmp_path / "refs") == ["master"]
    assert os.listdir(tmp_path / "scratch") == []


def test_a_failed_write_leaves_the_old_file_and_no_debris(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_bytes(b"old")
    with pytest.raises(TypeError):
        atomic_write(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["file"]


def test_given_roots_are_fsynced_temporary_ones_not(tmp_path: Path, fsyncs: list[int]) -> None:
    with FakeRegistry() as temporary:
        temporary.add_crate("quick", "1.0.0")
        temporary.git_path  # noqa: B018 - a git commit too
    assert fsyncs == []
    with FakeRegistry(tmp_path / "root") as lasting:
        lasting.add_crate("durable", "1.0.0")
        lasting.git_path  # noqa: B018
    assert len(fsyncs) >= 6  # archive, metadata, index file, git objects and branch


def test_index_changes_git_missed_are_committed_at_its_next_first_use(tmp_path: Path) -> None:
    """As after a process died between writing an index file and committing it."""
    root = tmp_path / "root"
    with FakeRegistry(root, protocol="git") as reg:
        reg.add_crate("seen", "1.0.0")
    with FakeRegistry(root, git_index=False) as without_git:  # writes the index, no commit
        without_git.add_crate("missed", "1.0.0")
        without_git.add_crate("seen", "1.1.0")
    with FakeRegistry(root, protocol="git") as reg:
        files = GitIndex(reg.git_path).files()
        assert [line["vers"] for line in reg.index_entries("seen")] == ["1.0.0", "1.1.0"]
        assert files["mi/ss/missed"] == (root / "index" / "mi" / "ss" / "missed").read_bytes()
        assert files["se/en/seen"] == (root / "index" / "se" / "en" / "seen").read_bytes()


def test_durable_is_a_setting_and_the_fixture_roots_are_not(
    tmp_path: Path, fsyncs: list[int]
) -> None:
    with FakeRegistry(tmp_path / "quick", durable=False) as reg:
        reg.add_crate("quick", "1.0.0")
        reg.git_path  # noqa: B018
        assert reg.settings.durable is False
    assert fsyncs == []
    with RegistryFactory(tmp_path / "factory") as factory:
        scratch = factory()  # a root the factory made: a test's scratch, not fsynced
        scratch.add_crate("scratch", "1.0.0")
        assert fsyncs == []
        kept = factory(root=tmp_path / "kept")  # a root the caller gave: durable
        kept.add_crate("kept", "1.0.0")
        assert len(fsyncs) >= 3
    fsyncs.clear()
    with FakeRegistry(durable=True) as temporary:  # asked for, even on a temporary root
        temporary.add_crate("asked", "1.0.0")
    assert len(fsyncs) >= 3


def test_the_fixture_registry_writes_without_fsync(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import os

        def test_quick(fake_registry, monkeypatch):
            calls = []
            monkeypatch.setattr(os, "fsync", lambda fd: calls.append(fd))
            fake_registry.add_crate("x", "1.0.0")
            assert calls == []
            assert fake_registry.settings.durable is False
        """
    )
    pytester.runpytest_subprocess("-p", "no:randomly").assert_outcomes(passed=1)
