"""Team owners (``github:org:team``) as crates.io has them: a member adds the team with real
``cargo owner``, its members publish and yank but cannot change owners; ``owner_team``,
``teams/{team}``, the control API, and crates.io's refusals."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from fakereg import FakeRegistry, InvalidError
from tests.helpers import Curl, assert_cargo_error, http, write_package
from tests.test_control import control

TEAM = "github:acme:devs"


@pytest.fixture
def reg(tmp_path: Path) -> Iterator[FakeRegistry]:
    with FakeRegistry(cargo_home=tmp_path / "home") as registry:
        registry.cargo("publish", "--registry", registry.name, "--no-verify",
                       cwd=write_package(tmp_path / "tool", "tool"), check=True)  # fmt: skip
        yield registry
        registry.check_errors()


def _as(reg: FakeRegistry, token: str) -> dict[str, str]:
    return {f"CARGO_REGISTRIES_{reg.name.upper()}_TOKEN": token}


def test_a_team_owner_lets_its_members_publish_and_yank(reg: FakeRegistry, tmp_path: Path) -> None:
    alice = reg.add_user("alice")
    team = reg.add_team(TEAM, ["alice"], name="Developers")
    outsider = reg.cargo("owner", "--registry", reg.name, "--add", TEAM, "tool")
    assert "only members of a team or organization owners can add it as an owner" in (
        outsider.stderr
    )
    reg.add_team(TEAM, ["alice", reg.login])
    added = reg.cargo("owner", "--registry", reg.name, "--add", TEAM, "tool", check=True)
    assert f"team {TEAM} has been added as an owner of crate tool" in added.stderr
    listed = reg.cargo("owner", "--registry", reg.name, "--list", "tool", check=True)
    assert listed.stdout.split("\n")[:2] == [reg.login, f"{TEAM} (Developers)"]

    update = write_package(tmp_path / "v2", "tool", "0.2.0")
    published = reg.cargo("publish", "--registry", reg.name, "--no-verify", cwd=update,
                          env=_as(reg, alice))  # fmt: skip
    assert published.returncode == 0, published.stderr
    yanked = reg.cargo("yank", "--registry", reg.name, "tool@0.1.0", env=_as(reg, alice))
    assert yanked.returncode == 0, yanked.stderr
    refused = reg.cargo("owner", "--registry", reg.name, "--add", "alice", "tool",
                        env=_as(reg, alice))  # fmt: skip
    assert "team members don't have permission to modify owners" in refused.stderr

    owners = http(reg, "GET", "/api/v1/crates/tool/owners").json()["users"]
    assert [(o["login"], o["kind"]) for o in owners] == [(reg.login, "user"), (TEAM, "team")]
    teams = http(reg, "GET", "/api/v1/crates/tool/owner_team").json()["teams"]
    assert teams == [
        {"id": team.id, "login": TEAM, "kind": "team", "url": "https://github.com/acme",
         "name": "Developers", "avatar": None},
    ]  # fmt: skip
    users = http(reg, "GET", "/api/v1/crates/tool/owner_user").json()["users"]
    assert [u["login"] for u in users] == [reg.login]
    shown = http(reg, "GET", f"/api/v1/teams/{TEAM}").json()
    assert shown == {"team": {"id": team.id, "login": TEAM, "name": "Developers",
                              "avatar": None, "url": "https://github.com/acme"}}  # fmt: skip
    assert_cargo_error(http(reg, "GET", "/api/v1/teams/github:acme:nobody"), 404)

    # on crates.io's website: a member may ask for a docs rebuild, not delete the crate
    browser = Curl(reg, tmp_path / "alice-jar")
    browser.sign_in(alice)
    assert browser("POST", "/api/v1/crates/tool/0.2.0/rebuild_docs")[0] == 201
    refused_delete = browser("DELETE", "/api/v1/crates/tool")
    assert refused_delete[0] == 403
    assert refused_delete[1]["errors"][0]["detail"] == (
        "team members don't have permission to delete crates"
    )

    last = reg.cargo("owner", "--registry", reg.name, "--remove", reg.login, "tool")
    assert "cannot remove all individual owners of a crate" in last.stderr
    removed = reg.cargo("owner", "--registry", reg.name, "--remove", TEAM, "tool")
    assert removed.returncode == 0, removed.stderr
    assert reg.owners("tool") == [reg.login]


@pytest.mark.parametrize(
    ("login", "detail"),
    [
        ("gitlab:acme:devs", "unknown organization handler, only 'github:org:team' is supported"),
        ("github:acme", "missing github team argument; format is github:org:team"),
        ("github:ac.me:devs", "organization cannot contain special characters like ."),
        ("github:acme:nope", "could not find the github team acme/nope."),
    ],
)
def test_team_logins_are_refused_with_crates_io_words(
    reg: FakeRegistry, login: str, detail: str
) -> None:
    body = json.dumps({"owners": [login]}).encode()
    answer = http(reg, "PUT", "/api/v1/crates/tool/owners", body=body, token=reg.token,
                  headers={"Content-Type": "application/json"})  # fmt: skip
    assert detail in assert_cargo_error(answer, 400)


def test_teams_from_python_and_the_control_api(reg: FakeRegistry) -> None:
    with pytest.raises(InvalidError, match="format is github:org:team"):
        reg.add_team("github:acme", [])

    _, made = control(reg, "POST", "/teams", {"login": "github:Acme:Ops", "members": ["Someone"]})
    assert made == {"id": 1, "login": "github:acme:ops", "name": None, "members": ["someone"]}
    assert control(reg, "GET", "/teams") == (200, {"teams": [made]})
