"""Every endpoint against every kind of bad token: refused, and nothing changes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from fakereg import FakeRegistry
from tests.crates import crate, metadata, publish_body
from tests.helpers import JSON, http, root_state

BadToken = Callable[[FakeRegistry], str | None]


def _revoked(reg: FakeRegistry) -> str:
    token = reg.add_token(reg.login)
    reg.revoke(token)
    return token


def _expired(reg: FakeRegistry) -> str:
    return reg.add_token(reg.login, expires=datetime.now(timezone.utc) - timedelta(seconds=1))


BAD_TOKENS: dict[str, BadToken] = {
    "none": lambda reg: None,
    "malformed": lambda reg: "Basic %%%not-base64%%%",
    "revoked": _revoked,
    "expired": _expired,
}

MUTATIONS = {
    "publish-update": ("PUT", "/api/v1/crates/new", publish_body(metadata("foo", "0.2.0"),
                                                                   crate("foo", "0.2.0"))),
    "publish-new": ("PUT", "/api/v1/crates/new", publish_body(metadata("bar", "0.1.0"),
                                                                crate("bar", "0.1.0"))),
    "yank": ("DELETE", "/api/v1/crates/foo/0.1.0/yank", None),
    "unyank": ("PUT", "/api/v1/crates/foo/0.1.0/unyank", None),
    "add-owner": ("PUT", "/api/v1/crates/foo/owners", b'{"users": ["mallory"]}'),
    "remove-owner": ("DELETE", "/api/v1/crates/foo/owners", b'{"users": ["fakereg-user"]}'),
}  # fmt: skip

# The scope a mutation needs; an out-of-scope token has every scope but that one.
NEEDED_SCOPE = {
    "publish-update": "publish-update",
    "publish-new": "publish-new",
    "yank": "yank",
    "unyank": "yank",
    "add-owner": "change-owners",
    "remove-owner": "change-owners",
}
SCOPES = ("publish-new", "publish-update", "yank", "change-owners")


@pytest.fixture
def reg(fake_registry: FakeRegistry) -> FakeRegistry:
    """A registry holding foo 0.1.0 (owned by the default user) and a user mallory."""
    body = publish_body(metadata("foo", "0.1.0"), crate("foo", "0.1.0"))
    assert http(fake_registry, "PUT", "/api/v1/crates/new", body=body,
                token=fake_registry.token).status == 200  # fmt: skip
    fake_registry.add_user("mallory")
    return fake_registry


def _tokens(reg: FakeRegistry, mutation: str) -> dict[str, str | None]:
    tokens = {name: make(reg) for name, make in BAD_TOKENS.items()}
    # Another user's token: mallory owns nothing here (publish-new of a free name is
    # hers to do, so that case is covered by the out-of-scope token alone).
    if mutation != "publish-new":
        tokens["other-user"] = reg.add_token("mallory")
    others = [s for s in SCOPES if s != NEEDED_SCOPE[mutation]]
    tokens["out-of-scope"] = reg.add_token(reg.login, scopes=others)
    tokens["other-crates"] = reg.add_token(reg.login, crates=["zzz*"])
    return tokens


@pytest.mark.parametrize("mutation", MUTATIONS)
def test_mutations_refuse_bad_tokens_and_change_nothing(reg: FakeRegistry, mutation: str) -> None:
    method, path, body = MUTATIONS[mutation]
    tokens = _tokens(reg, mutation)
    before = root_state(reg)
    for label, token in tokens.items():
        answer = http(reg, method, path, body=body, headers=JSON, token=token)
        assert answer.status == 403, (label, answer.body)
        (error,) = answer.json()["errors"]
        assert error["detail"], label
    assert root_state(reg) == before
    assert reg.owners("foo") == [reg.login]


def test_scope_messages_follow_crates_io(reg: FakeRegistry) -> None:
    yank_only = reg.add_token(reg.login, scopes=["yank"])
    answer = http(reg, *MUTATIONS["publish-update"][:2], body=MUTATIONS["publish-update"][2],
                  token=yank_only)  # fmt: skip
    assert answer.json()["errors"][0]["detail"] == (
        "this token does not have the required permissions to perform this action"
    )
    expired = _expired(reg)
    answer = http(reg, "DELETE", "/api/v1/crates/foo/0.1.0/yank", token=expired)
    assert answer.json()["errors"][0]["detail"].startswith(
        "authentication failed: the token expired"
    )
    foo_only = reg.add_token(reg.login, scopes=["yank"], crates=["fo*"])
    assert http(reg, "DELETE", "/api/v1/crates/foo/0.1.0/yank", token=foo_only).status == 200


READS = {
    "config": "/index/config.json",
    "index": "/index/3/f/foo",
    "download": "/api/v1/crates/foo/0.1.0/download",
    "search": "/api/v1/crates?q=foo",
    "owners": "/api/v1/crates/foo/owners",
    "git": "/git/index/info/refs?service=git-upload-pack",
}
CRATE_READS = {"index", "download", "owners"}


@pytest.mark.fake_registry(auth_required=True)
@pytest.mark.parametrize("read", READS)
def test_private_reads_refuse_bad_tokens(reg: FakeRegistry, read: str) -> None:
    tokens = {name: make(reg) for name, make in BAD_TOKENS.items()}
    for label, token in tokens.items():
        answer = http(reg, "GET", READS[read], token=token)
        assert answer.status == 401, (label, answer.body)
        assert answer.headers["WWW-Authenticate"] == f'Cargo login_url="{reg.url}/me"'
    outsider = reg.add_user("outsider", read=False)
    assert http(reg, "GET", READS[read], token=outsider).status == 403
    if read in CRATE_READS:  # a token limited to other crates may not read this one
        other_crates = reg.add_token(reg.login, crates=["zzz*"])
        assert http(reg, "GET", READS[read], token=other_crates).status == 403
    assert http(reg, "GET", READS[read], token=reg.token).status == 200


def test_tokens_never_appear_in_logs_reprs_or_reports(
    reg: FakeRegistry, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    caplog.set_level("DEBUG")
    http(reg, "GET", "/api/v1/crates/foo/0.1.0/download", token=reg.token)
    text = caplog.text + repr(reg) + repr(reg.requests) + reg.requests.summary()
    assert reg.token not in text
    assert reg.token not in repr(reg.requests.last.headers)
    assert "users.json" in {p.name for p in reg.root.rglob("*.json")}
    assert reg.token not in (reg.root / "meta" / "users.json").read_text()


def test_token_api_validates_its_arguments(fake_registry: FakeRegistry) -> None:
    with pytest.raises(ValueError, match="unknown scope 'read'"):
        fake_registry.add_token(fake_registry.login, scopes=["read"])
    with pytest.raises(ValueError, match="invalid crate pattern"):
        fake_registry.add_token(fake_registry.login, crates=["../x"])
    with pytest.raises(ValueError, match="aware datetime"):
        fake_registry.add_token(fake_registry.login, expires=datetime(2030, 1, 1))
    with pytest.raises(KeyError, match="no user 'ghost'"):
        fake_registry.add_token("ghost")
    with pytest.raises(KeyError, match="no user holds that token"):
        fake_registry.revoke("fakereg_unknown")
    with pytest.raises(ValueError, match="invalid login"):
        fake_registry.add_user("bad login")
