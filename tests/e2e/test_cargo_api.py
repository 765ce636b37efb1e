"""cargo owner, search and login against the registry, end to end with real cargo."""

from __future__ import annotations

import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from fakereg import FakeRegistry, RegistryFactory
from tests.crates import crate, metadata, publish_body
from tests.helpers import MakePackage, http, publish, try_publish
from tests.reliability.storm import TOKEN, start_server


def test_owner_list_add_remove(fake_registry: FakeRegistry, package: MakePackage) -> None:
    reg = fake_registry
    publish(reg, package("foo"))
    listed = reg.cargo("owner", "--list", "--registry", reg.name, "foo", check=True)
    assert listed.stdout.splitlines() == [reg.login]
    reg.add_user("bob", "Bob Builder")
    added = reg.cargo("owner", "--add", "bob", "--registry", reg.name, "foo", check=True)
    assert "user bob has been added as an owner of crate foo" in added.stderr
    listed = reg.cargo("owner", "--list", "--registry", reg.name, "foo", check=True)
    assert listed.stdout.splitlines() == [reg.login, "bob (Bob Builder)"]
    assert reg.owners("foo") == [reg.login, "bob"]
    reg.cargo("owner", "--remove", "bob", "--registry", reg.name, "foo", check=True)
    assert reg.owners("foo") == [reg.login]


def test_owner_add_unknown_user_and_remove_last_owner_refused(
    fake_registry: FakeRegistry, package: MakePackage
) -> None:
    reg = fake_registry
    publish(reg, package("foo"))
    unknown = reg.cargo("owner", "--add", "nobody", "--registry", reg.name, "foo")
    assert unknown.returncode != 0
    assert "could not find user with login `nobody`" in unknown.stderr
    last = reg.cargo("owner", "--remove", reg.login, "--registry", reg.name, "foo")
    assert last.returncode != 0
    assert "cannot remove all individual owners of a crate" in last.stderr
    assert reg.owners("foo") == [reg.login]


def test_non_owner_cannot_publish_yank_or_change_owners(
    fake_registry: FakeRegistry, package: MakePackage
) -> None:
    reg = fake_registry
    publish(reg, package("foo"))
    mallory = {"CARGO_REGISTRIES_FAKEREG_TOKEN": reg.add_user("mallory")}
    refused = [
        try_publish(reg, package("foo", "0.2.0"), env=mallory),
        reg.cargo("yank", "--registry", reg.name, "foo@0.1.0", env=mallory),
        reg.cargo("owner", "--add", "mallory", "--registry", reg.name, "foo", env=mallory),
    ]
    assert all(result.returncode != 0 for result in refused)
    assert "you don't seem to be an owner" in refused[0].stderr
    assert "must already be an owner to yank or unyank" in refused[1].stderr
    assert "only owners have permission to modify owners" in refused[2].stderr
    assert reg.versions("foo") == ["0.1.0"]
    assert reg.index_entries("foo")[0]["yanked"] is False
    assert reg.owners("foo") == [reg.login]


def test_search_lists_matches_with_total(fake_registry: FakeRegistry, package: MakePackage) -> None:
    reg = fake_registry
    for name in ("serde-lite", "serde-extra", "other"):
        publish(reg, package(name))
    publish(reg, package("serde-lite", "0.2.0"))
    result = reg.cargo("search", "--registry", reg.name, "serde", "--limit", "1", check=True)
    lines = result.stdout.splitlines()
    assert lines[0].startswith('serde-extra = "0.1.0"')
    assert "# The serde-extra test crate" in lines[0]
    assert "... and 1 crates more" in result.stdout
    everything = reg.cargo("search", "--registry", reg.name, "serde", check=True)
    assert 'serde-lite = "0.2.0"' in everything.stdout
    assert "other" not in everything.stdout
    (search,) = [r for r in reg.requests if r.kind == "search"][-1:]
    assert search.params == {"q": "serde", "per_page": "10"}


def test_login_with_token_on_stdin_then_publish(
    fake_registry_factory: RegistryFactory,
    fake_registry_options: dict[str, Any],
    package: MakePackage,
) -> None:
    reg = fake_registry_factory(**fake_registry_options, write_credentials=False)
    assert not (reg.cargo_home / "credentials.toml").exists()
    login = reg.cargo("login", "--registry", reg.name, input=reg.token + "\n", check=True)
    assert "Login token for `fakereg` saved" in login.stderr
    assert reg.token in (reg.cargo_home / "credentials.toml").read_text()
    publish(reg, package("foo"))
    assert reg.versions("foo") == ["0.1.0"]
    me = http(reg, "GET", "/me")
    assert me.status == 200
    assert reg.token in me.body.decode()


@pytest.mark.fake_registry(write_credentials=False)
def test_publish_without_any_token_fails_before_upload(
    fake_registry: FakeRegistry, package: MakePackage
) -> None:
    result = try_publish(fake_registry, package("foo"))
    assert result.returncode != 0
    assert "no token found" in result.stderr
    assert not [r for r in fake_registry.requests if r.kind == "publish"]


def test_scoped_expired_and_revoked_tokens_with_cargo(
    fake_registry: FakeRegistry, package: MakePackage
) -> None:
    reg = fake_registry
    publish(reg, package("foo"))

    def as_token(token: str) -> dict[str, str]:
        return {"CARGO_REGISTRIES_FAKEREG_TOKEN": token}

    yank_only = as_token(reg.add_token(reg.login, scopes=["yank"], crates=["foo"]))
    refused = try_publish(reg, package("foo", "0.2.0"), env=yank_only)
    assert "this token does not have the required permissions to perform this action" in (
        refused.stderr
    )
    reg.cargo("yank", "--registry", reg.name, "foo@0.1.0", env=yank_only, check=True)
    past = datetime.now(timezone.utc) - timedelta(minutes=1)
    expired = as_token(reg.add_token(reg.login, expires=past))
    unyank = reg.cargo("yank", "--undo", "--registry", reg.name, "foo@0.1.0", env=expired)
    assert "authentication failed: the token expired" in unyank.stderr
    revoked_token = reg.add_token(reg.login)
    reg.revoke(revoked_token)
    owner = reg.cargo(
        "owner", "--add", "x", "--registry", reg.name, "foo", env=as_token(revoked_token)
    )
    assert "(status 403 Forbidden): authentication failed" in owner.stderr
    assert reg.versions("foo") == ["0.1.0"]
    assert reg.index_entries("foo")[0]["yanked"] is True


def test_search_follows_another_process_on_the_same_root(tmp_path: Path) -> None:
    """Search answers from memory, yet sees what another process on the root published."""
    root = tmp_path / "root"
    with FakeRegistry(root, cargo_home=tmp_path / "home") as reg:
        seen = reg.cargo("search", "--registry", reg.name, "beta", check=True)
        assert seen.stdout == ""  # the catalog is built now, before the other process writes
        other = start_server(root, "--name", "other")
        try:
            for version in ("1.0.0", "1.1.0"):
                body = publish_body(metadata("beta-crate", version), crate("beta-crate", version))
                answer = urllib.request.Request(
                    f"{other.url}/api/v1/crates/new",
                    data=body,
                    method="PUT",
                    headers={"Authorization": TOKEN},
                )
                with urllib.request.urlopen(answer, timeout=10) as response:
                    assert response.status == 200
            yank = urllib.request.Request(
                f"{other.url}/api/v1/crates/beta-crate/1.1.0/yank",
                method="DELETE",
                headers={"Authorization": TOKEN},
            )
            with urllib.request.urlopen(yank, timeout=10) as response:
                assert response.status == 200
        finally:
            other.stop()
        seen = reg.cargo("search", "--registry", reg.name, "beta", check=True)
        assert seen.stdout.startswith('beta-crate = "1.0.0"')  # 1.1.0 is yanked
