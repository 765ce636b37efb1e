"""The control API's owner invitations (``/__fakereg/invitations``): what
``reg.invitations``, ``reg.accept_invitation``, ``reg.decline_invitation`` and
``reg.expire_invitation`` do, for a harness in any language."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request, Response

from ..errors import ApiError, NotFoundError
from ..services.invitations import OwnerInvitations
from ..storage.invitations import Invitation
from .http import json_response, read_json
from .views import instant

ACTIONS = ("accept", "decline", "expire")


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


class InvitationControl:
    """Answers ``/__fakereg/invitations`` from *invitations*."""

    def __init__(self, invitations: OwnerInvitations) -> None:
        self._invitations = invitations

    def invitations(self, request: Request) -> Response:
        """``GET ?crate=&login=&expired=true``: the invitations; ``POST {"crate", "login",
        "action"}`` (``accept``, ``decline``, ``expire``): answer one as its invitee."""
        if request.method == "GET":
            unknown = sorted(set(request.args) - {"crate", "login", "expired"})
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
        if not isinstance(data, dict) or set(data) != {"crate", "login", "action"}:
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
