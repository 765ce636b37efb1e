"""The control API's owners: invitations (``/__fakereg/invitations``: what
``reg.invitations``, ``reg.accept_invitation``, ``reg.decline_invitation`` and
``reg.expire_invitation`` do) and teams (``/__fakereg/teams``: ``reg.add_team``), for a
harness in any language."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request, Response

from ..errors import ApiError, NotFoundError
from ..services.invitations import OwnerInvitations
from ..storage.invitations import Invitation
from ..storage.teams import Team, Teams
from .http import json_response, read_json
from .views import instant

ACTIONS = ("accept", "decline", "expire")
#: The keys of each route's JSON body, or of its query.
TEAM_KEYS = ("login", "members", "name")
INVITATION_QUERY = ("crate", "login", "expired")
INVITATION_ANSWER_KEYS = ("crate", "login", "action")


def invitation_json(found: Invitation) -> dict[str, Any]:
    """An invitation as the control API shows it (with the token crates.io would email)."""
    return {
        "crate": found.crate,
        "crate_id": found.crate_id,
        "invitee": found.invitee,
        "inviter": found.inviter,
        "created_at": instant(found.created_at),
        "expires_at": instant(found.expires_at),
        "expired": found.expired,
        "token": found.token,
    }


def team_json(team: Team) -> dict[str, Any]:
    """A team as the control API shows it."""
    return {"id": team.id, "login": team.login, "name": team.name, "members": list(team.members)}


class OwnerControl:
    """Answers ``/__fakereg/invitations`` and ``/__fakereg/teams``."""

    def __init__(self, invitations: OwnerInvitations, teams: Teams) -> None:
        self._invitations = invitations
        self._teams = teams

    def teams(self, request: Request) -> Response:
        """``POST {"login", "members", "name"}``: a team as ``reg.add_team``; ``GET`` lists
        them."""
        if request.method == "POST":
            data = read_json(request)
            if not isinstance(data, dict) or not set(data) <= set(TEAM_KEYS):
                raise ApiError(400, 'a team is {"login", "members", "name"}')
            login, members, name = data.get("login"), data.get("members", []), data.get("name")
            if not isinstance(login, str) or not isinstance(name, (str, type(None))):
                raise ApiError(400, "a team needs its `login` (github:org:team); `name` is text")
            if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
                raise ApiError(400, "`members` is a list of user logins")
            team = self._teams.add(login, members, name)
            return json_response({**team_json(team)})
        return json_response({"teams": [team_json(team) for team in self._teams.all()]})

    def invitations(self, request: Request) -> Response:
        """``GET ?crate=&login=&expired=true``: the invitations; ``POST {"crate", "login",
        "action"}`` (``accept``, ``decline``, ``expire``): answer one as its invitee."""
        if request.method == "GET":
            unknown = sorted(set(request.args) - set(INVITATION_QUERY))
            if unknown:
                raise ApiError(400, f"unknown parameters: {', '.join(unknown)}")
            crate, login = request.args.get("crate"), request.args.get("login")
            expired = request.args.get("expired", "false").lower() in ("1", "true", "yes")
            found = self._invitations.records.listed(
                crate=None if crate is None else self._invitations.canonical(crate),
                invitee=login,
            )
            shown = [invitation_json(i) for i in found if expired or not i.expired]
            return json_response({"invitations": shown})
        data = read_json(request)
        if not isinstance(data, dict) or set(data) != set(INVITATION_ANSWER_KEYS):
            raise ApiError(400, 'an invitation answer is {"crate", "login", "action"}')
        crate, login, action = data["crate"], data["login"], data["action"]
        if not all(isinstance(v, str) for v in (crate, login, action)) or action not in ACTIONS:
            raise ApiError(400, f"`crate` and `login` are names; `action` one of {ACTIONS}")
        if action == "expire":
            if not self._invitations.records.expire(self._invitations.canonical(crate), login):
                raise NotFoundError(f"no invitation of {login} to {crate}")
        else:
            self._invitations.respond(login, crate, accepted=action == "accept")
        return json_response({"crate": crate, "login": login, "action": action})
