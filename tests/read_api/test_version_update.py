"""``PATCH /api/v1/crates/{name}/{version}``: crates.io's yank with a message, and its rules,
beside cargo's own ``yank``/``--undo``."""

from __future__ import annotations

from typing import Any

from fakereg import FakeRegistry
from tests.helpers import JSON, HttpAnswer, MakePackage, assert_cargo_error, http, publish
from tests.read_api.conftest import get, patch_version


def test_patch_yanks_with_a_message_and_cargo_sees_the_yank(
    fake_registry: FakeRegistry, package: MakePackage
) -> None:
    reg = fake_registry
    publish(reg, package("lib1", "1.0.0"))
    answer = patch_version(reg, "lib1", "1.0.0", {"yanked": True, "yank_message": "CVE"}, reg.token)
    assert answer.status == 200
    version = answer.json()["version"]
    assert (version["yanked"], version["yank_message"]) == (True, "CVE")
    assert reg.index_entries("lib1")[0]["yanked"] is True
    # a message may change while the version stays yanked
    answer = patch_version(reg, "lib1", "1.0.0", {"yank_message": "CVE-2026-1"}, reg.token)
    assert answer.json()["version"]["yank_message"] == "CVE-2026-1"
    # cargo's unyank clears the message, as crates.io does
    reg.cargo("yank", "--undo", "--registry", reg.name, "lib1@1.0.0", check=True)
    version = get(reg, "/api/v1/crates/lib1/1.0.0")["version"]
    assert (version["yanked"], version["yank_message"]) == (False, None)
    actions = [a["action"] for a in version["audit_actions"]]
    assert actions == ["publish", "yank", "yank", "unyank"]
    # and cargo's yank sets no message
    reg.cargo("yank", "--registry", reg.name, "lib1@1.0.0", check=True)
    version = get(reg, "/api/v1/crates/lib1/1.0.0")["version"]
    assert (version["yanked"], version["yank_message"]) == (True, None)


def test_patch_refusals_keep_the_version_as_it_was(fake_registry: FakeRegistry) -> None:
    reg = fake_registry
    reg.add_crate("lib1", "1.0.0")
    reg.add_crate("lib1", "2.0.0", yanked=True)
    mallory = reg.add_user("mallory")
    reader = reg.add_token(reg.login, scopes=["publish-update"])
    cases: list[tuple[dict[str, Any], str | None, int, str]] = [
        ({"yanked": False, "yank_message": "x"}, reg.token, 400, "when unyanking"),
        ({"yank_message": "x"}, reg.token, 400, "a version that is not yanked"),
        ({"yanked": True}, None, 403, "this action requires authentication"),
        ({"yanked": True}, "not-a-token", 403, "authentication failed"),
        ({"yanked": True}, mallory, 403, "must already be an owner to yank or unyank"),
        ({"yanked": True}, reader, 403, "does not have the required permissions"),
        ({"yanked": "yes"}, reg.token, 422, "must be true, false or null"),
    ]
    before = reg.index_entries("lib1")
    for update, token, status, words in cases:
        detail = assert_cargo_error(patch_version(reg, "lib1", "1.0.0", update, token), status)
        assert words in detail, (update, detail)
    answer = patch_version(reg, "lib1", "9.0.0", {"yanked": True}, reg.token)
    assert assert_cargo_error(answer, 404) == "crate `lib1` does not have a version `9.0.0`"
    # without a valid token, a well-formed body learns nothing of the crate: 403 first
    for token in (None, "not-a-token"):
        for version, update in (("9.0.0", {"yanked": True}), ("1.0.0", {"yank_message": "x"})):
            answer = patch_version(reg, "lib1", version, update, token)
            assert assert_cargo_error(answer, 403).startswith(("this action", "authentication"))
    for body, status in ((b"[]", 422), (b"{", 400), (b'{"version": 3}', 422)):
        answer = _patch_raw(reg, body)
        assert answer.status == status, (body, answer.body)
    untyped = http(reg, "PATCH", "/api/v1/crates/lib1/1.0.0", body=b"{}", token=reg.token)
    assert assert_cargo_error(untyped, 415) == (
        "Expected request with `Content-Type: application/json`"
    )
    assert reg.index_entries("lib1") == before
    # on the yanked version a message alone is fine (yanked stays true)
    answer = patch_version(reg, "lib1", "2.0.0", {"yank_message": "late note"}, reg.token)
    assert answer.json()["version"]["yank_message"] == "late note"
    reg.check_errors()


def _patch_raw(reg: FakeRegistry, body: bytes) -> HttpAnswer:
    return http(reg, "PATCH", "/api/v1/crates/lib1/1.0.0", body=body, headers=JSON, token=reg.token)
