"""Owner invitations as crates.io does them (``owner_invitations=True``): real cargo
invites, the invitee lists (a signed-in browser), accepts by crate or by the emailed
token, declines; expiry; the control API and the Python API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fakereg import ExpiredError, FakeRegistry, NotFoundError
from tests.helpers import Curl, write_package
from tests.test_control import control

ACCEPT = "/api/v1/me/crate_owner_invitations"


@pytest.fixture
def reg(tmp_path: Path) -> Iterator[FakeRegistry]:
    with FakeRegistry(owner_invitations=True, cargo_home=tmp_path / "home") as registry:
        registry.cargo("publish", "--registry", registry.name, "--no-verify",
                       cwd=write_package(tmp_path / "shared", "shared"), check=True)  # fmt: skip
        yield registry
        registry.check_errors()


def _owner(reg: FakeRegistry, *args: str, token: str | None = None) -> Any:
    env = None if token is None else {f"CARGO_REGISTRIES_{reg.name.upper()}_TOKEN": token}
    return reg.cargo("owner", "--registry", reg.name, *args, "shared", env=env)


def _detail(answer: tuple[int, Any, str]) -> str:
    detail: str = answer[1]["errors"][0]["detail"]
    return detail


def _answer(crate_id: int, accepted: bool) -> dict[str, Any]:
    return {"crate_owner_invite": {"crate_id": crate_id, "accepted": accepted}}


def test_cargo_owner_add_invites_and_the_invitee_accepts_by_crate(
    reg: FakeRegistry, tmp_path: Path
) -> None:
    bob = reg.add_user("bob")
    added = _owner(reg, "--add", "bob")
    assert added.returncode == 0, added.stderr
    assert "user bob has been invited to be an owner of crate shared" in added.stderr
    again = _owner(reg, "--add", "bob")
    assert "user bob already has a pending invitation to be an owner of crate shared" in (
        again.stderr
    )
    assert reg.owners("shared") == [reg.login]
    unknown = _owner(reg, "--add", "nobody")
    assert "could not find user with login `nobody`" in unknown.stderr
    yank = reg.cargo("yank", "--registry", reg.name, "shared@0.1.0",
                     env={f"CARGO_REGISTRIES_{reg.name.upper()}_TOKEN": bob})  # fmt: skip
    assert "must already be an owner" in yank.stderr  # not an owner yet

    curl = Curl(reg, tmp_path / "bob-jar")
    mine = curl("GET", ACCEPT, token=bob, cookie=False)  # crates.io: the website's route
    assert _detail(mine) == "this action can only be performed on the crates.io website"
    curl.sign_in(bob)
    status, listed, _ = curl("GET", ACCEPT)
    assert status == 200
    (invitation,) = listed["crate_owner_invitations"]
    assert invitation["crate_name"] == "shared"
    assert invitation["invited_by_username"] == reg.login
    assert [u["login"] for u in listed["users"]] == [reg.login, "bob"]
    bob_id = listed["users"][1]["id"]
    private = curl("GET", f"/api/private/crate_owner_invitations?invitee_id={bob_id}")[1]
    assert [i["crate_name"] for i in private["invitations"]] == ["shared"]
    assert private["meta"] == {"next_page": None}
    other = curl("GET", f"/api/private/crate_owner_invitations?invitee_id={bob_id + 1}")
    assert (other[0], _detail(other)) == (
        403,
        "only the invitee can query their pending invitations",
    )
    by_crate = curl("GET", "/api/private/crate_owner_invitations?crate_name=shared")
    assert _detail(by_crate) == "only crate owners can query pending invitations for their crate"
    assert _detail(curl("GET", "/api/private/crate_owner_invitations")) == (
        "missing or invalid filter"
    )

    crate_id = invitation["crate_id"]
    wrong = curl("PUT", f"{ACCEPT}/{crate_id}", body={"crate_owner_invite": {}}, token=bob)
    assert wrong[0] == 422
    accepted = curl("PUT", f"{ACCEPT}/{crate_id}", body=_answer(crate_id, True), token=bob,
                    cookie=False)  # fmt: skip
    assert accepted[:2] == (200, {"crate_owner_invitation": {"crate_id": crate_id,
                                                              "accepted": True}})  # fmt: skip
    assert reg.owners("shared") == [reg.login, "bob"]
    listed_by_cargo = _owner(reg, "--list")
    assert listed_by_cargo.stdout.split() == [reg.login, "bob"]
    yanked = reg.cargo("yank", "--registry", reg.name, "shared@0.1.0",
                       env={f"CARGO_REGISTRIES_{reg.name.upper()}_TOKEN": bob})  # fmt: skip
    assert yanked.returncode == 0, yanked.stderr
    assert curl("GET", ACCEPT)[1]["crate_owner_invitations"] == []
    gone = curl("PUT", f"{ACCEPT}/{crate_id}", body=_answer(crate_id, True), token=bob)
    assert (gone[0], _detail(gone)) == (404, "Not Found")


def test_accepting_by_the_emailed_token_needs_no_sign_in_and_expiry_is_410(
    reg: FakeRegistry, tmp_path: Path
) -> None:
    reg.add_user("carol")
    reg.add_user("dave")
    for login in ("carol", "dave"):
        assert _owner(reg, "--add", login).returncode == 0
    (carol,) = reg.invitations("shared", "carol")
    assert "token=" in repr(carol)
    assert carol.token not in repr(carol)
    curl = Curl(reg, tmp_path / "jar")
    status, body, _ = curl("PUT", f"{ACCEPT}/accept/{carol.token}")
    assert (status, body) == (200, {"crate_owner_invitation": {"crate_id": carol.crate_id,
                                                               "accepted": True}})  # fmt: skip
    assert "carol" in reg.owners("shared")
    assert curl("PUT", f"{ACCEPT}/accept/not-a-token")[0] == 404

    reg.expire_invitation("shared", "dave")
    assert reg.invitations("shared") == []
    (dave,) = reg.invitations("shared", expired=True)
    late = curl("PUT", f"{ACCEPT}/accept/{dave.token}")
    assert late[0] == 410
    assert _detail(late) == (
        "The invitation to become an owner of the shared crate expired. Please reach out to "
        "an owner of the crate to request a new invitation."
    )
    with pytest.raises(ExpiredError):
        reg.accept_invitation("shared", "dave")
    assert "dave" not in reg.owners("shared")
    renewed = _owner(reg, "--add", "dave")  # an expired invitation is replaced
    assert "user dave has been invited" in renewed.stderr
    reg.decline_invitation("shared", "dave")
    assert reg.invitations("shared") == []
    with pytest.raises(NotFoundError):
        reg.accept_invitation("shared", "dave")


def test_the_control_api_lists_and_answers_invitations(reg: FakeRegistry) -> None:
    reg.add_user("erin")
    assert _owner(reg, "--add", "erin").returncode == 0

    (listed,) = control(reg, "GET", "/invitations?crate=shared")[1]["invitations"]
    assert (listed["invitee"], listed["inviter"], listed["expired"]) == ("erin", reg.login, False)
    answer = {"crate": "shared", "login": "erin", "action": "accept"}
    assert control(reg, "POST", "/invitations", answer) == (200, answer)
    assert "erin" in reg.owners("shared")
    assert control(reg, "GET", "/invitations")[1]["invitations"] == []


def test_too_many_owners_at_once_and_without_invitations_owners_are_added(
    tmp_path: Path,
) -> None:
    with FakeRegistry(cargo_home=tmp_path / "home") as plain:
        plain.cargo("publish", "--registry", plain.name, "--no-verify",
                    cwd=write_package(tmp_path / "shared", "shared"), check=True)  # fmt: skip
        plain.add_user("frank")
        added = _owner(plain, "--add", "frank")
        assert "has been added as an owner of crate shared" in added.stderr
        assert plain.owners("shared") == [plain.login, "frank"]
        curl = Curl(plain, tmp_path / "jar")
        many = {"owners": [f"user{i}" for i in range(11)]}
        refused = curl("PUT", "/api/v1/crates/shared/owners", body=many, token=plain.token)
        assert (refused[0], _detail(refused)) == (
            400,
            "too many invites for this request - maximum 10",
        )


def test_invitations_to_a_removed_crate_go_with_it(reg: FakeRegistry) -> None:
    reg.add_user("bob")
    assert _owner(reg, "--add", "bob").returncode == 0
    assert [i.crate for i in reg.invitations()] == ["shared"]
    assert control(reg, "POST", "/reset", {"crates": True}) == (
        200,
        {"reset": True, "crates_removed": ["shared"]},
    )
    assert reg.invitations() == []
