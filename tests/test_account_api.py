"""crates.io's account routes through curl against the real server: ``/api/v1/me`` and its
updates, following, email notifications, a user's settings and the email verification,
with crates.io's statuses and messages (``controllers/user/*.rs``, ``krate/follow.rs``)."""

from __future__ import annotations

import json
import logging
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from fakereg import FakeRegistry, NotFoundError
from fakereg.web.pages.traffic import row_json
from tests.helpers import Curl, http
from tests.read_api.conftest import VERSION_FIELDS

WEBSITE_ONLY = "this action can only be performed on the crates.io website"
NO_AUTH = "this action requires authentication"
NOT_YOU = "current user does not match requested user"

Answer = tuple[int, Any, str]


@pytest.fixture
def reg(tmp_path: Path) -> Iterator[FakeRegistry]:
    with FakeRegistry(cargo_home=tmp_path / "home") as registry:
        yield registry
        registry.check_errors()


def detail(answer: Answer) -> tuple[int, str]:
    """The status and crates.io's error detail of a refused request."""
    (error,) = answer[1]["errors"]
    return answer[0], str(error["detail"])


def control(reg: FakeRegistry, path: str) -> tuple[int, Any]:
    """A GET of the control API: its status and JSON."""
    answer = http(reg, "GET", f"/__fakereg{path}", token=f"Bearer {reg.admin_token}")
    return answer.status, answer.json()


def me(curl: Curl, token: str) -> dict[str, Any]:
    """``/api/v1/me`` as a browser signed in with *token* sees it (crates.io's ``/me`` is
    for its website)."""
    browser = Curl(curl.reg, curl.jar.with_name(f"{curl.jar.name}-me-{token[-8:]}"))
    browser.sign_in(token)
    status, body, _ = browser("GET", "/api/v1/me")
    assert status == 200, body
    return dict(body)


def test_updates_list_the_followed_crates_versions_newest_first(
    reg: FakeRegistry, tmp_path: Path
) -> None:
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    for day, (name, version) in enumerate(
        [("one", "1.0.0"), ("two", "0.1.0"), ("one", "1.1.0"), ("three", "3.0.0")]
    ):
        reg.add_crate(name, version, pubtime=start + timedelta(days=day))
    curl = Curl(reg, tmp_path / "jar")
    curl.sign_in(reg.token)
    status, body, head = curl("GET", "/api/v1/me/updates")
    assert (status, body) == (200, {"versions": [], "meta": {"more": False}})
    assert "cache-control: no-store" in head.lower()
    for name in ("one", "two"):
        assert curl("PUT", f"/api/v1/crates/{name}/follow")[:2] == (200, {"ok": True})

    status, body, _ = curl("GET", "/api/v1/me/updates")
    assert status == 200
    shown = [(v["crate"], v["num"]) for v in body["versions"]]
    assert shown == [("one", "1.1.0"), ("two", "0.1.0"), ("one", "1.0.0")]
    assert list(body["versions"][0]) == VERSION_FIELDS
    assert body["versions"][0]["published_by"]["login"] == reg.login
    assert body["meta"] == {"more": False}
    first = curl("GET", "/api/v1/me/updates?per_page=2")[1]
    assert [v["num"] for v in first["versions"]] == ["1.1.0", "0.1.0"]
    assert first["meta"] == {"more": True}  # (a full page: crates.io says there may be more)
    second = curl("GET", "/api/v1/me/updates?per_page=2&page=2")[1]
    assert ([v["num"] for v in second["versions"]], second["meta"]) == (["1.0.0"], {"more": False})

    assert curl("GET", "/api/v1/crates/one/following")[:2] == (200, {"following": True})
    assert curl("GET", "/api/v1/crates/THREE/following")[:2] == (200, {"following": False})
    assert "no-store" in curl("GET", "/api/v1/crates/one/following")[2].lower()
    assert curl("DELETE", "/api/v1/crates/one/follow")[0] == 200
    assert curl("GET", "/api/v1/crates/one/following")[1] == {"following": False}
    assert [v["crate"] for v in curl("GET", "/api/v1/me/updates")[1]["versions"]] == ["two"]
    kinds = [r.kind for r in reg.requests.filter(path="/api/v1/me/updates")]
    assert set(kinds) == {"updates"}


def test_updates_and_following_are_for_a_signed_in_browser_only(
    reg: FakeRegistry, tmp_path: Path
) -> None:
    reg.add_crate("one", "1.0.0")
    curl = Curl(reg, tmp_path / "jar")
    for path in ("/api/v1/me/updates", "/api/v1/crates/one/following"):
        assert detail(curl("GET", path, token=reg.token, cookie=False)) == (403, WEBSITE_ONLY)
        assert detail(curl("GET", path, cookie=False)) == (403, NO_AUTH)
    # the browser first, then the crate (crates.io's order)
    assert detail(curl("GET", "/api/v1/crates/nope/following", cookie=False)) == (403, NO_AUTH)
    assert curl("GET", "/api/v1/crates/-x/following", cookie=False)[0] == 404  # not a name
    curl.sign_in(reg.token)
    missing = curl("GET", "/api/v1/crates/nope/following")
    assert detail(missing) == (404, "crate `nope` does not exist")
    assert curl("GET", "/api/v1/me/updates?page=0")[0] == 400
    unsupported = curl("GET", "/api/v1/me/updates?seek=WzFd")
    assert detail(unsupported) == (400, "?seek= is not supported for this request")
    too_many = curl("GET", "/api/v1/me/updates?per_page=101")
    assert detail(too_many) == (400, "cannot request more than 100 items")
    assert reg.requests.filter(path="/api/v1/crates/one/following")[0].kind == "follow"


def test_an_address_is_set_verified_with_the_mailed_token_and_resent(
    reg: FakeRegistry, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="fakereg.access")
    curl = Curl(reg, tmp_path / "jar")
    user = me(curl, reg.token)["user"]
    assert list(user) == [
        "id", "login", "email_verified", "email_verification_sent", "name", "email",
        "avatar", "url", "is_admin", "publish_notifications", "created_at",
    ]  # fmt: skip
    fields = ("email", "email_verified", "email_verification_sent", "publish_notifications")
    assert [user[f] for f in fields] == [None, False, False, True]
    with pytest.raises(NotFoundError, match="has set no email address"):
        reg.email_token(reg.login)
    path = f"/api/v1/users/{user['id']}"
    change = {"user": {"email": "  mango@mangos.mango "}}
    assert curl("PUT", path, body=change, token=reg.token, cookie=False)[:2] == (200, {"ok": True})
    shown = me(curl, reg.token)["user"]
    assert [shown[f] for f in fields] == ["mango@mangos.mango", False, True, True]

    token = reg.email_token(reg.login)
    assert control(reg, f"/users/{reg.login}/email-token") == (
        200,
        {"login": reg.login, "token": token},
    )
    assert control(reg, "/users/nobody/email-token")[0] == 404
    assert len(token) == 26
    assert token.isalnum()
    assert curl("PUT", f"/api/v1/confirm/{token}", cookie=False)[:2] == (200, {"ok": True})
    assert me(curl, reg.token)["user"]["email_verified"] is True
    unknown = curl("PUT", "/api/v1/confirm/nonsense", cookie=False)
    assert detail(unknown) == (400, "Email belonging to token not found.")
    record = reg.requests.filter(path=f"/api/v1/confirm/{token}")[0]
    assert record.kind == "account"
    assert token not in record.summary()  # the email token is a secret: redacted when shown
    assert token not in json.dumps(control(reg, "/requests")[1])
    assert token not in row_json(1, record)["path"]  # (the page's traffic view)
    assert "/api/v1/confirm/<redacted>" in caplog.text  # the access log
    assert token not in caplog.text

    curl.sign_in(reg.token)  # a signed-in browser asks for the mail again
    assert curl("PUT", f"{path}/resend")[:2] == (200, {"ok": True})
    renewed = reg.email_token(reg.login)
    assert renewed != token
    assert me(curl, reg.token)["user"]["email_verified"] is True  # (a resend keeps it)
    assert curl("PUT", f"/api/v1/confirm/{token}", cookie=False)[0] == 400  # replaced
    # the same address again: unverified, same token (crates.io's upsert and triggers)
    assert curl("PUT", path, body={"user": {"email": "mango@mangos.mango"}})[0] == 200
    assert me(curl, reg.token)["user"]["email_verified"] is False
    assert reg.email_token(reg.login) == renewed
    assert curl("PUT", path, body={"user": {"email": "kiwi@example.com"}})[0] == 200
    assert reg.email_token(reg.login) != renewed  # another address, another token


def test_user_settings_refuse_what_crates_io_refuses(reg: FakeRegistry, tmp_path: Path) -> None:
    bob = reg.add_user("bob")
    curl = Curl(reg, tmp_path / "jar")
    mine, theirs = me(curl, reg.token)["user"]["id"], me(curl, bob)["user"]["id"]
    path = f"/api/v1/users/{mine}"

    def put(body: Any, token: str | None = reg.token, at: str = path) -> Answer:
        return curl("PUT", at, body=body, token=token, cookie=False)

    assert put({"user": {}})[:2] == (200, {"ok": True})
    assert put({"user": {"email": None}})[:2] == (200, {"ok": True})
    assert detail(put({"user": {"email": ""}})) == (400, "empty email rejected")
    assert detail(put({"user": {"email": "   "}})) == (400, "empty email rejected")
    assert detail(put({"user": {"email": "foo"}})) == (400, "invalid email address")
    assert detail(put({"user": {"email": "a@b"}}, at=f"/api/v1/users/{theirs}")) == (400, NOT_YOU)
    assert detail(put({"user": {"email": "a@b"}}, token=None)) == (403, NO_AUTH)
    assert put({"user": {"email": 5}})[0] == 422  # the body first, before the token
    assert put({"email": "a@b"}, token=None)[0] == 422
    assert put({"user": {}}, at="/api/v1/users/abc")[0] == 400
    not_json = curl("PUT", path, token=reg.token, cookie=False, extra=("--data", "{}"))
    assert not_json[0] == 415
    broken = ("-H", "Content-Type: application/json", "--data", '{ "user": foo }')
    assert curl("PUT", path, token=reg.token, cookie=False, extra=broken)[0] == 400
    scoped = reg.add_token(reg.login, scopes=["publish-update"])
    refused = put({"user": {}}, token=scoped)
    assert detail(refused) == (
        403,
        "this token does not have the required permissions to perform this action",
    )
    # publish notifications change first; the address is then refused (crates.io's order)
    assert put({"user": {"publish_notifications": False, "email": ""}})[0] == 400
    assert me(curl, reg.token)["user"]["publish_notifications"] is False
    assert put({"user": {"publish_notifications": True}})[0] == 200
    assert me(curl, reg.token)["user"]["publish_notifications"] is True

    resend = f"/api/v1/users/{mine}/resend"
    nothing = curl("PUT", resend, token=reg.token, cookie=False)
    assert detail(nothing) == (400, "Email could not be found")
    other = curl("PUT", f"/api/v1/users/{theirs}/resend", token=reg.token, cookie=False)
    assert detail(other) == (400, NOT_YOU)
    assert detail(curl("PUT", resend, cookie=False)) == (403, NO_AUTH)


def test_email_notifications_are_kept_per_crate_owned(reg: FakeRegistry, tmp_path: Path) -> None:
    bob = reg.add_user("bob")
    reg.add_crate("mine-b", "1.0.0")
    reg.add_crate("mine-a", "1.0.0")
    reg.add_crate("theirs", "1.0.0", owner="bob")
    curl = Curl(reg, tmp_path / "jar")
    owned = me(curl, reg.token)["owned_crates"]
    assert [(c["name"], c["email_notifications"]) for c in owned] == [
        ("mine-a", True),
        ("mine-b", True),
    ]
    ids = {c["name"]: c["id"] for c in owned}
    theirs = me(curl, bob)["owned_crates"][0]["id"]
    path = "/api/v1/me/email_notifications"
    off = [
        {"id": ids["mine-b"], "email_notifications": False},
        {"id": theirs, "email_notifications": False},  # not the user's: let be
    ]
    answer = curl("PUT", path, body=off, token=reg.token, cookie=False)
    assert answer[:2] == (200, {"ok": True})
    settings = {c["name"]: c["email_notifications"] for c in me(curl, reg.token)["owned_crates"]}
    assert settings == {"mine-a": True, "mine-b": False}
    assert me(curl, bob)["owned_crates"][0]["email_notifications"] is True
    curl.sign_in(reg.token)  # a browser too, as on crates.io
    on = [{"id": ids["mine-b"], "email_notifications": True}]
    assert curl("PUT", path, body=on)[:2] == (200, {"ok": True})
    assert all(c["email_notifications"] for c in me(curl, reg.token)["owned_crates"])

    assert detail(curl("PUT", path, body=on, cookie=False)) == (403, NO_AUTH)
    assert curl("PUT", path, body={"id": 1}, cookie=False)[0] == 422  # the body first
    assert curl("PUT", path, body=[{"id": "1", "email_notifications": True}])[0] == 422
    assert reg.requests.filter(path=path)[0].kind == "account"


def test_a_removed_crate_takes_its_follows_and_settings(reg: FakeRegistry, tmp_path: Path) -> None:
    """A reset of the crates (the control API's) leaves no follow or setting behind for a
    crate published again under the same name, as a new crate on crates.io has none."""
    reg.add_crate("again", "1.0.0")
    curl = Curl(reg, tmp_path / "jar")
    curl.sign_in(reg.token)
    assert curl("PUT", "/api/v1/crates/again/follow")[0] == 200
    crate_id = me(curl, reg.token)["owned_crates"][0]["id"]
    off = [{"id": crate_id, "email_notifications": False}]
    assert curl("PUT", "/api/v1/me/email_notifications", body=off)[0] == 200
    reset = urllib.request.Request(
        f"{reg.url}/__fakereg/reset",
        data=json.dumps({"crates": True}).encode(),
        headers={"Authorization": f"Bearer {reg.admin_token}"},
    )
    urllib.request.urlopen(reset).read()
    reg.add_crate("again", "1.0.0")
    assert curl("GET", "/api/v1/crates/again/following")[1] == {"following": False}
    assert me(curl, reg.token)["owned_crates"][0]["email_notifications"] is True
