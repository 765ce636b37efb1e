"""Private registries (auth_required) and cargo's credential handling, with real cargo."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from fakereg import FakeRegistry
from tests.helpers import MakePackage, greeting_app, http, publish, try_publish

pytestmark = pytest.mark.fake_registry(auth_required=True)


def test_config_json_needs_a_token_and_names_the_login_url(fake_registry: FakeRegistry) -> None:
    answer = http(fake_registry, "GET", "/index/config.json")
    assert answer.status == 401
    assert answer.headers["WWW-Authenticate"] == f'Cargo login_url="{fake_registry.url}/me"'
    config = http(fake_registry, "GET", "/index/config.json", token=fake_registry.token).json()
    assert config["auth-required"] is True


def test_build_against_a_private_registry_sends_the_token_everywhere(
    fake_registry: FakeRegistry, package: MakePackage
) -> None:
    reg = fake_registry
    publish(reg, package("greeting"))
    run = reg.cargo("run", "--quiet", cwd=greeting_app(package, reg.name), check=True)
    assert run.stdout.strip() == "answer=42"
    reads = reg.requests.filter("index") + reg.requests.filter("download")
    assert reg.requests.filter("download")
    assert all(r.token == reg.token for r in reads)
    # cargo first asks without a token, learns from the 401 that it needs one.
    assert [r.status for r in reg.requests.filter("config")][:2] == [401, 200]


def test_without_a_token_cargo_points_at_login(
    fake_registry: FakeRegistry, package: MakePackage
) -> None:
    reg = fake_registry
    publish(reg, package("greeting"))
    (reg.cargo_home / "credentials.toml").unlink()
    shutil.rmtree(reg.cargo_home / "registry", ignore_errors=True)
    result = reg.cargo("generate-lockfile", cwd=greeting_app(package, reg.name))
    assert result.returncode != 0
    assert "no token found for `fakereg`, please run `cargo login --registry fakereg`" in (
        result.stderr
    )
    login = reg.cargo("login", "--registry", reg.name, input="")
    assert f"please paste the token found on {reg.url}/me below" in login.stderr


def test_a_wrong_token_is_rejected(fake_registry: FakeRegistry, package: MakePackage) -> None:
    reg = fake_registry
    publish(reg, package("greeting"))
    shutil.rmtree(reg.cargo_home / "registry", ignore_errors=True)
    wrong = {"CARGO_REGISTRIES_FAKEREG_TOKEN": "fakereg_not_a_token"}
    result = reg.cargo("generate-lockfile", cwd=greeting_app(package, reg.name), env=wrong)
    assert result.returncode != 0
    assert "token rejected for `fakereg`" in result.stderr
    assert "got 401" in result.stderr


def test_a_user_who_may_not_read_gets_403(
    fake_registry: FakeRegistry, package: MakePackage
) -> None:
    reg = fake_registry
    publish(reg, package("greeting"))
    shutil.rmtree(reg.cargo_home / "registry", ignore_errors=True)
    outsider = {"CARGO_REGISTRIES_FAKEREG_TOKEN": reg.add_user("outsider", read=False)}
    result = reg.cargo("generate-lockfile", cwd=greeting_app(package, reg.name), env=outsider)
    assert result.returncode != 0
    assert "got 403" in result.stderr
    assert "user `outsider` may not read this registry" in result.stderr


def test_publish_to_a_private_registry(fake_registry: FakeRegistry, package: MakePackage) -> None:
    result = publish(fake_registry, package("secret"))
    assert "Published secret v0.1.0" in result.stderr
    assert fake_registry.versions("secret") == ["0.1.0"]


@pytest.mark.fake_registry(auth_required=False, write_credentials=False)
def test_login_logout_and_environment_token(
    fake_registry: FakeRegistry, package: MakePackage
) -> None:
    reg = fake_registry
    reg.cargo("login", "--registry", reg.name, input=reg.token + "\n", check=True)
    publish(reg, package("first"))
    logout = reg.cargo("logout", "--registry", reg.name, check=True)
    assert "token for `fakereg` has been removed" in logout.stderr
    refused = try_publish(reg, package("second"))
    assert refused.returncode != 0
    assert "no token found" in refused.stderr
    from_env = try_publish(
        reg, package("second"), env={"CARGO_REGISTRIES_FAKEREG_TOKEN": reg.token}
    )
    assert from_env.returncode == 0, from_env.stderr
    credentials = reg.cargo_home / "credentials.toml"
    assert not credentials.exists() or reg.token not in credentials.read_text()
    assert reg.versions("second") == ["0.1.0"]


def test_a_token_limited_to_some_crates_lists_only_those() -> None:
    """Search, the summary and the page show a crate-limited reader its crates only."""
    with FakeRegistry(auth_required=True) as reg:
        reg.add_crate("alpha-one", "1.0.0", description="seen")
        reg.add_crate("beta-two", "1.0.0", description="hidden from alpha readers")
        limited = reg.add_token(reg.login, crates=["alpha*"])

        def curl(path: str, token: str) -> str:
            return subprocess.run(
                ["curl", "-sS", "-H", f"Authorization: {token}", f"{reg.url}{path}"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout

        for token, names in ((limited, ["alpha-one"]), (reg.token, ["alpha-one", "beta-two"])):
            found = json.loads(curl("/api/v1/crates?q=", token))
            assert [c["name"] for c in found["crates"]] == names
            assert found["meta"]["total"] == len(names)
            summary = json.loads(curl("/api/v1/summary", token))
            assert summary["num_crates"] == len(names)
            assert sorted(c["name"] for c in summary["new_crates"]) == names
        page = curl("/", limited)
        assert "alpha-one" in page
        assert "beta-two" not in page
        assert "hidden from alpha readers" not in page
        found = reg.cargo("search", "--registry", reg.name, "--limit", "10", "e", env={
            "CARGO_REGISTRIES_" + reg.name.upper().replace("-", "_") + "_TOKEN": limited,
        })  # fmt: skip
        assert "alpha-one" in found.stdout, found.stderr
        assert "beta-two" not in found.stdout
