"""crates.io's token management (``/api/v1/me/tokens``, ``tokens/current``) through curl
and cargo: a browser session signed in on the page makes, lists and revokes tokens; API
tokens are refused where crates.io refuses them; the tokens made work with cargo."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from fakereg import FakeRegistry
from tests.helpers import Curl, try_publish, write_package


@pytest.fixture
def reg(tmp_path: Path) -> Iterator[FakeRegistry]:
    with FakeRegistry(cargo_home=tmp_path / "home") as registry:
        yield registry


def _detail(answer: tuple[int, Any, str]) -> str:
    detail: str = answer[1]["errors"][0]["detail"]
    return detail


def test_a_signed_in_browser_makes_a_scoped_token_that_cargo_publishes_with(
    reg: FakeRegistry, tmp_path: Path
) -> None:
    curl = Curl(reg, tmp_path / "jar")
    curl.sign_in(reg.token)
    new = {"name": "ci", "endpoint_scopes": ["publish-new"], "crate_scopes": ["tok-*"]}
    status, made, head = curl("PUT", "/api/v1/me/tokens", body={"api_token": new})
    assert status == 200, made
    token = made["api_token"].pop("token")
    assert made["api_token"]["name"] == "ci"
    assert made["api_token"]["endpoint_scopes"] == ["publish-new"]
    assert made["api_token"]["crate_scopes"] == ["tok-*"]
    assert made["api_token"]["expired_at"] is None
    env = {f"CARGO_REGISTRIES_{reg.name.upper()}_TOKEN": token}
    done = try_publish(reg, write_package(tmp_path / "a", "tok-a"), env=env)
    assert done.returncode == 0, done.stderr
    refused = try_publish(reg, write_package(tmp_path / "b", "other"), env=env)
    assert "does not have the required permissions" in refused.stderr

    status, listed, head = curl("GET", "/api/v1/me/tokens")
    assert status == 200
    assert "no-store" in head.lower()
    assert [t["name"] for t in listed["api_tokens"]] == ["ci", "start token"]
    assert all("token" not in t for t in listed["api_tokens"])  # shown once only
    token_id = made["api_token"]["id"]
    assert curl("GET", f"/api/v1/me/tokens/{token_id}")[1] == {"api_token": made["api_token"]}
    # the token itself may look at itself and revoke itself, but not list
    assert curl("GET", f"/api/v1/me/tokens/{token_id}", token=token, cookie=False)[0] == 200
    listing = curl("GET", "/api/v1/me/tokens", token=token, cookie=False)
    assert listing[0] == 403
    assert _detail(listing) == "this action can only be performed on the crates.io website"
    assert curl("DELETE", "/api/v1/tokens/current", token=token, cookie=False)[0] == 204
    again = try_publish(reg, write_package(tmp_path / "c", "tok-c"), env=env)
    assert "authentication failed" in again.stderr
    assert [t["name"] for t in curl("GET", "/api/v1/me/tokens")[1]["api_tokens"]] == ["start token"]


def test_api_tokens_cannot_make_tokens_and_bodies_are_checked_first(
    reg: FakeRegistry, tmp_path: Path
) -> None:
    curl = Curl(reg, tmp_path / "jar")
    body = {"api_token": {"name": "x"}}
    made = curl("PUT", "/api/v1/me/tokens", body=body, token=reg.token, cookie=False)
    assert made[0] == 400
    assert _detail(made) == "cannot use an API token to create a new API token"
    nobody = curl("PUT", "/api/v1/me/tokens", body=body, cookie=False)
    assert (nobody[0], _detail(nobody)) == (403, "this action requires authentication")
    unnamed = {"api_token": {"name": ""}}
    empty = curl("PUT", "/api/v1/me/tokens", body=unnamed, cookie=False)
    assert (empty[0], _detail(empty)) == (400, "name must have a value")  # before the token
    assert curl("PUT", "/api/v1/me/tokens", body={"name": "x"}, cookie=False)[0] == 422
    curl.sign_in(reg.token)
    for field, value, detail in (
        ("endpoint_scopes", ["publish"], "invalid endpoint scope"),
        ("crate_scopes", ["no spaces"], "invalid crate scope"),
    ):
        bad = curl("PUT", "/api/v1/me/tokens", body={"api_token": {"name": "x", field: value}})
        assert (bad[0], _detail(bad)) == (400, detail)
    not_a_time = {"api_token": {"name": "x", "expired_at": "tomorrow"}}
    assert curl("PUT", "/api/v1/me/tokens", body=not_a_time)[0] == 422
    current = curl("DELETE", "/api/v1/tokens/current")  # a browser has no token to revoke
    assert (current[0], _detail(current)) == (400, "token not provided")
    other_site = curl("GET", "/api/v1/me/tokens", extra=("-H", "Origin: https://evil.example"))
    assert (other_site[0], _detail(other_site)) == (403, "invalid origin header")
    assert curl("GET", "/api/v1/me/tokens/999")[0] == 404
    assert "Cannot parse `abc`" in _detail(curl("GET", "/api/v1/me/tokens/abc"))


def test_expired_tokens_are_listed_only_when_asked_and_revoking_signs_the_browser_out(
    reg: FakeRegistry, tmp_path: Path
) -> None:
    curl = Curl(reg, tmp_path / "jar")
    yesterday = datetime.now(timezone.utc) - timedelta(days=1)
    reg.add_token(reg.login, expires=yesterday, name="old")
    curl.sign_in(reg.token)
    assert [t["name"] for t in curl("GET", "/api/v1/me/tokens")[1]["api_tokens"]] == ["start token"]
    listed = curl("GET", "/api/v1/me/tokens?expired_days=2")[1]["api_tokens"]
    assert [t["name"] for t in listed] == ["old", "start token"]
    assert listed[0]["expired_at"].startswith(yesterday.strftime("%Y-%m-%d"))
    start = listed[1]["id"]
    assert curl("DELETE", f"/api/v1/me/tokens/{start}")[:2] == (200, {})
    signed_out = curl("GET", "/api/v1/me/tokens")  # the session's token is gone
    assert (signed_out[0], _detail(signed_out)) == (403, "authentication failed")
