"""Several registries in one cargo home; crates.io replacement in the config cargo reads."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from fakereg import FakeRegistry, RegistryFactory
from fakereg.domain.cratefile import parse_manifest


def config(home: Path) -> dict[str, object]:
    return parse_manifest((home / "config.toml").read_bytes())


def test_factory_registries_share_one_cargo_home(fake_registry_factory: RegistryFactory) -> None:
    first = fake_registry_factory()
    second = fake_registry_factory(protocol="git")
    assert (first.name, second.name) == ("fakereg", "fakereg-2")
    assert first.cargo_home == second.cargo_home == fake_registry_factory.cargo_home
    assert first.env["CARGO_HOME"] == second.env["CARGO_HOME"]
    home = first.cargo_home
    assert config(home)["registries"] == {
        "fakereg": {"index": first.index_url},
        "fakereg-2": {"index": second.index_url},
    }
    credentials = parse_manifest((home / "credentials.toml").read_bytes())
    assert credentials["registries"] == {
        "fakereg": {"token": first.token},
        "fakereg-2": {"token": second.token},
    }
    assert stat.S_IMODE((home / "credentials.toml").stat().st_mode) == 0o600
    with pytest.raises(ValueError, match="already running in this factory"):
        fake_registry_factory(name="fakereg")
    second.stop()
    assert config(home)["registries"] == {"fakereg": {"index": first.index_url}}
    third = fake_registry_factory()
    assert third.name == "fakereg-2"


def test_replace_crates_io_writes_source_replacement_and_default(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with FakeRegistry(name="mirror", cargo_home=home, replace_crates_io=True) as reg:
        written = config(home)
        # A source of the registry's name and index: older cargo (1.65) can only replace
        # crates-io with a [source.NAME] table, not with a registry.
        assert written["source"] == {
            "crates-io": {"replace-with": "mirror"},
            "mirror": {"registry": reg.index_url},
        }
        registry = written["registry"]
        assert isinstance(registry, dict)
        assert registry["default"] == "mirror"
        with pytest.raises(ValueError, match="'mirror' already replaces crates-io"):
            FakeRegistry(name="other", cargo_home=home, replace_crates_io=True).start()
        assert reg.running
    assert "source" not in config(home)
    assert "registries" not in config(home)


def test_a_registry_without_credentials_leaves_none(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with FakeRegistry(cargo_home=home, write_credentials=False):
        assert not (home / "credentials.toml").exists()
        with FakeRegistry(name="withtoken", cargo_home=home) as other:
            text = (home / "credentials.toml").read_text()
            assert other.token in text
            assert "[registries.fakereg]" not in text
        assert not (home / "credentials.toml").exists()
