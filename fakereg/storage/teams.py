"""GitHub teams that may own crates (``github:org:team``), kept in ``meta/teams.json``.

crates.io asks GitHub who is in a team; a fake has no GitHub, so a test says it
(``reg.add_team``). A team's members get crates.io's ``Publish`` rights on the crates the
team owns (publish, yank, unyank), never ``Full`` ones (changing owners).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TypedDict

from ..errors import InvalidError
from .fsutil import RootLock, atomic_write, read_json

_ORG_RE = re.compile(r"[A-Za-z0-9_-]+\Z")


class Rights(Enum):
    """crates.io's ``Rights`` (controllers/helpers/authorization.rs)."""

    NONE = 0
    #: A member of a team that owns the crate: publish, yank, unyank.
    PUBLISH = 1
    #: An owner: everything, changing owners too.
    FULL = 2


def is_team(login: str) -> bool:
    """True for an owner login naming a team (crates.io: it contains ``:``)."""
    return ":" in login


def team_parts(login: str) -> tuple[str, str]:
    """The organization and team of ``github:org:team``, or crates.io's refusals
    (controllers/krate/owners.rs, ``add_team_owner``)."""
    system, _, rest = login.partition(":")
    if system != "github":
        raise InvalidError("unknown organization handler, only 'github:org:team' is supported")
    org, sep, team = rest.partition(":")
    if not sep:
        raise InvalidError("missing github team argument; format is github:org:team")
    bad = next((c for c in org if not _ORG_RE.match(c)), None)
    if bad is not None:
        raise InvalidError(f"organization cannot contain special characters like {bad}")
    if not team or not _ORG_RE.match(team):
        raise InvalidError(f"invalid team name {team!r}: use letters, digits, '-' and '_'")
    return org, team


class TeamRecord(TypedDict):
    id: int
    login: str  # github:org:team, lowercase
    name: str | None
    members: list[str]  # logins, lowercase


@dataclass(frozen=True)
class Team:
    """A team that may own crates, and who is in it."""

    id: int
    login: str
    name: str | None
    members: tuple[str, ...]

    @property
    def org(self) -> str:
        return team_parts(self.login)[0]


def _team(record: TeamRecord) -> Team:
    return Team(record["id"], record["login"], record["name"], tuple(record["members"]))


class Teams:
    """The teams of one registry root."""

    def __init__(self, root: Path, lock: RootLock, *, durable: bool = False) -> None:
        self._path = root / "meta" / "teams.json"
        self._lock = lock
        self._durable = durable

    def _load(self) -> list[TeamRecord]:
        records: list[TeamRecord] = read_json(self._path, [])
        return records

    def add(self, login: str, members: Iterable[str], name: str | None = None) -> Team:
        """Make the team *login* (``github:org:team``) with *members* (user logins), or
        replace who is in it; the team."""
        team_parts(login)
        key = login.lower()
        member_list = sorted({member.lower() for member in members})
        with self._lock():
            records = self._load()
            found = next((r for r in records if r["login"] == key), None)
            if found is None:
                found = {"id": len(records) + 1, "login": key, "name": name, "members": []}
                records.append(found)
            found["members"] = member_list
            if name is not None:
                found["name"] = name
            atomic_write(self._path, json.dumps(records, indent=1).encode(), durable=self._durable)
        return _team(found)

    def get(self, login: str) -> Team | None:
        """The team called *login* exactly (crates.io's ``teams/{team}``; owners are
        matched case-insensitively by :meth:`find`)."""
        found = next((r for r in self._load() if r["login"] == login), None)
        return None if found is None else _team(found)

    def find(self, login: str) -> Team | None:
        """The team called *login*, in any case."""
        return self.get(login.lower())

    def all(self) -> list[Team]:
        return [_team(r) for r in self._load()]

    def rights(self, login: str, owners: Sequence[str]) -> Rights:
        """What the user *login* may do to a crate owned by *owners* (users and teams)."""
        if login in owners:
            return Rights.FULL
        teams = [owner for owner in owners if is_team(owner)]
        if teams:
            member = login.lower()
            for record in self._load():
                if record["login"] in teams and member in record["members"]:
                    return Rights.PUBLISH
        return Rights.NONE
