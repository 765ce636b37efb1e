"""HTTP as index.crates.io and crates.io answer it: dates, lowercase paths, private /me,
and settings that cannot drift from what the running registry does."""

from __future__ import annotations

import json
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from fakereg import FakeRegistry, SettingError
from tests.helpers import assert_cargo_error, http, write_package


def test_last_modified_is_never_later_than_date(fake_registry: FakeRegistry) -> None:
    # Several changes within one second: each moves the file's time on by a second.
    for minor in range(5):
        fake_registry.add_crate("often", f"1.{minor}.0")
    answer = http(fake_registry, "GET", "/index/of/te/often")
    assert answer.status == 200
    modified = parsedate_to_datetime(answer.headers["Last-Modified"])
    assert modified <= parsedate_to_datetime(answer.headers["Date"])
    # The change is not hidden from a client that revalidates with that date.
    fake_registry.add_crate("often", "1.9.0")
    since = http(
        fake_registry,
        "GET",
        "/index/of/te/often",
        headers={"If-Modified-Since": answer.headers["Last-Modified"]},
    )
    assert since.status == 200
    assert b'"1.9.0"' in since.body


def app_using(reg: FakeRegistry, tmp_path: Path, crate: str) -> Path:
    """A package depending on *crate* (any 1.x) from *reg*."""
    dependency = f'{crate} = {{ version = "1", registry = "{reg.name}" }}'
    return write_package(tmp_path / "app", "app", dependencies=dependency)


def test_cargo_sees_changes_made_within_one_second(
    fake_registry: FakeRegistry, tmp_path: Path
) -> None:
    fake_registry.add_crate("quick", "1.0.0")
    fake_registry.add_crate("quick", "1.1.0")
    app = app_using(fake_registry, tmp_path, "quick")
    fake_registry.cargo("generate-lockfile", cwd=app, check=True)
    fake_registry.add_crate("quick", "1.2.0")
    fake_registry.cargo("update", cwd=app, check=True)
    assert 'name = "quick"\nversion = "1.2.0"' in (app / "Cargo.lock").read_text()


@pytest.mark.parametrize(
    "path", ["/index/le/ft/Left-Pad", "/index/Le/fT/left-pad", "/index/LE/FT/LEFT-PAD"]
)
def test_index_paths_are_lowercase_only(fake_registry: FakeRegistry, path: str) -> None:
    fake_registry.add_crate("Left-Pad", "1.0.0")
    assert http(fake_registry, "GET", "/index/le/ft/left-pad").status == 200
    fake_registry.clear()
    assert_cargo_error(http(fake_registry, "GET", path), 404)
    (record,) = fake_registry.requests
    assert (record.kind, record.status, record.crate) == ("index", 404, "Left-Pad")


def test_cargo_finds_a_mixed_case_crate_by_its_lowercase_path(
    fake_registry: FakeRegistry, tmp_path: Path
) -> None:
    fake_registry.add_crate("Left-Pad", "1.0.0")
    app = app_using(fake_registry, tmp_path, "Left-Pad")
    fake_registry.cargo("generate-lockfile", cwd=app, check=True)
    found = fake_registry.assert_requested("index", crate="left-pad", status=200)
    assert {r.path for r in found} == {"/index/le/ft/left-pad"}
    assert {r.crate for r in found} == {"Left-Pad"}


def test_me_on_a_private_registry_discloses_no_token() -> None:
    with FakeRegistry(auth_required=True, token="the-secret-token") as reg:
        anonymous = http(reg, "GET", "/me")
        detail = assert_cargo_error(anonymous, 401)
        assert "the-secret-token" not in anonymous.body.decode()
        assert "requires a token" in detail
        assert anonymous.headers["WWW-Authenticate"] == f'Cargo login_url="{reg.url}/me"'
        wrong = http(reg, "GET", "/me", token="not-a-token")
        assert_cargo_error(wrong, 401)
        # A scoped token of another user must not lead to the default user's token.
        reg.add_user("reader")
        scoped = reg.add_token("reader", scopes=["yank"])
        signed_in = http(reg, "GET", "/me", token=scoped)
        assert signed_in.status == 200
        assert "signed in as reader" in signed_in.body.decode()
        assert "the-secret-token" not in signed_in.body.decode()


def test_me_on_a_public_registry_shows_the_token(fake_registry: FakeRegistry) -> None:
    page = http(fake_registry, "GET", "/me")
    assert page.status == 200
    assert fake_registry.token in page.body.decode()


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("auth_required", True),
        ("replace_crates_io", True),
        ("name", "other"),
        ("protocol", "git"),
        ("host", "::1"),
        ("login", "someone"),
        ("idle_timeout", 1.0),
    ],
)
def test_fixed_settings_are_refused_after_start(
    fake_registry: FakeRegistry, setting: str, value: object
) -> None:
    before = getattr(fake_registry, setting)
    with pytest.raises(SettingError, match=f"FakeRegistry.{setting} cannot change while"):
        setattr(fake_registry, setting, value)
    assert getattr(fake_registry, setting) == before
    assert getattr(fake_registry.settings, setting) == before


def test_auth_required_set_after_start_changes_nothing(fake_registry: FakeRegistry) -> None:
    with pytest.raises(SettingError):
        fake_registry.auth_required = True
    config = http(fake_registry, "GET", "/index/config.json")
    assert config.status == 200
    assert "auth-required" not in json.loads(config.body)


def test_settings_set_before_start_take_effect_everywhere(tmp_path: Path) -> None:
    reg = FakeRegistry()
    reg.auth_required = True
    with pytest.raises(ValueError, match="idle_timeout must be positive"):
        reg.idle_timeout = 0
    with reg:
        assert reg.settings.auth_required
        config = http(reg, "GET", "/index/config.json", token=reg.token)
        assert json.loads(config.body)["auth-required"] is True
        assert_cargo_error(http(reg, "GET", "/index/config.json"), 401)
        found = reg.cargo("search", "--registry", reg.name, "x", check=True)
        assert found.returncode == 0


def test_env_settings_may_change_while_running(fake_registry: FakeRegistry) -> None:
    fake_registry.retry_sleep_ms = 25
    fake_registry.publish_timeout = 3
    assert fake_registry.env["__CARGO_TEST_FIXED_RETRY_SLEEP_MS"] == "25"
    assert fake_registry.env["CARGO_PUBLISH_TIMEOUT"] == "3"
    with pytest.raises(ValueError, match="retry_sleep_ms cannot be negative"):
        fake_registry.retry_sleep_ms = -1
