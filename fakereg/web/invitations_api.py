"""crates.io's owner invitation routes (controllers/crate_owner_invitation.rs): the lists
(for a signed-in browser, as on crates.io), accepting or declining by crate (a browser or
an unlimited token), and accepting by the invitation's token (no sign-in: the emailed link).
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request, Response

from ..errors import ApiError
from ..services.invitations import OwnerInvitations
from ..storage.accounts import Accounts, User
from ..storage.invitations import Invitation
from . import views
from .auth import Authorizer
from .http import api_json, json_response, no_store, wrong_shape
from .paging import Pagination, encode_seek, query_with, seek_start

_SHAPE = 'expected `{"crate_owner_invite": {"crate_id": integer, "accepted": boolean}}`'


class InvitationApi:
    """Answers the invitation routes from *invitations*."""

    def __init__(self, invitations: OwnerInvitations, accounts: Accounts, auth: Authorizer) -> None:
        self._invitations = invitations
        self._accounts = accounts
        self._auth = auth

    def mine(self, request: Request) -> Response:
        """``GET /api/v1/me/crate_owner_invitations``: the signed-in user's pending
        invitations (``EncodableCrateOwnerInvitationV1``) and the users they name."""
        login = self._auth.browser(request).user.login
        shown, users, _ = self._page(request, self._invitations.pending(invitee=login))
        legacy = [
            {
                "invited_by_username": self._login(users, found.inviter),
                **views.invitation(found, users.get(found.invitee), users.get(found.inviter)),
            }
            for found in shown
        ]
        return no_store(
            json_response({"crate_owner_invitations": legacy, "users": self._public(users, shown)})
        )

    def listing(self, request: Request) -> Response:
        """``GET /api/private/crate_owner_invitations?crate_name=…`` (a crate's, for its
        owners) or ``?invitee_id=…`` (one's own), in pages of ``per_page`` with ``seek``."""
        login = self._auth.browser(request).user.login
        crate_name, invitee_id = request.args.get("crate_name"), request.args.get("invitee_id")
        if crate_name is not None:
            _, found = self._invitations.for_owner(login, crate_name)
        elif invitee_id is not None and invitee_id.lstrip("-").isdigit():
            me = self._accounts.user(login)
            if me is None or int(invitee_id) != me.id:
                raise ApiError(403, "only the invitee can query their pending invitations")
            found = self._invitations.pending(invitee=login)
        else:
            raise ApiError(400, "missing or invalid filter")
        shown, users, next_page = self._page(request, found)
        return no_store(
            json_response(
                {
                    "invitations": [
                        views.invitation(i, users.get(i.invitee), users.get(i.inviter))
                        for i in shown
                    ],
                    "users": self._public(users, shown),
                    "meta": {"next_page": next_page},
                }
            )
        )

    def respond(self, request: Request, crate_id: str) -> Response:
        """``PUT /api/v1/me/crate_owner_invitations/{crate_id}``: accept or decline the
        invitation to the crate the body names (crates.io reads the body's ``crate_id``)."""
        answer = _answer(api_json(request))
        login = self._auth.unscoped(request).user.login
        self._invitations.respond(login, answer["crate_id"], accepted=answer["accepted"])
        return json_response({"crate_owner_invitation": answer})

    def accept_token(self, request: Request, token: str) -> Response:
        """``PUT /api/v1/me/crate_owner_invitations/accept/{token}``: the emailed link."""
        crate_id = self._invitations.accept_token(token)
        return json_response({"crate_owner_invitation": {"crate_id": crate_id, "accepted": True}})

    # -- helpers -------------------------------------------------------------------

    def _page(
        self, request: Request, found: list[Invitation]
    ) -> tuple[list[Invitation], dict[str, User], str | None]:
        """One page of *found* (ordered by crate id and invitee, as crates.io seeks them),
        the users the page names, and the next page's query."""
        page = Pagination.gather(request, pages=False, seek=True)
        users = {
            login: user
            for login in {i.invitee for i in found} | {i.inviter for i in found}
            if (user := self._accounts.user(login)) is not None
        }

        def key(i: Invitation) -> tuple[int, int]:
            user = users.get(i.invitee)
            return i.crate_id, 0 if user is None else user.id

        ordered = sorted(found, key=key)
        start = 0 if page.seek is None else seek_start(ordered, page.seek, key)
        shown = ordered[start : start + page.per_page]
        more = start + page.per_page < len(ordered)
        next_page = query_with(request, seek=encode_seek(key(shown[-1]))) if more else None
        return shown, users, next_page

    @staticmethod
    def _public(users: dict[str, User], shown: list[Invitation]) -> list[Any]:
        named = {i.invitee for i in shown} | {i.inviter for i in shown}
        chosen = sorted((users[login] for login in named if login in users), key=lambda u: u.id)
        return [views.public_user(user) for user in chosen]

    @staticmethod
    def _login(users: dict[str, User], login: str) -> str:
        user = users.get(login)
        return login if user is None else user.login


def _answer(body: Any) -> dict[str, Any]:
    """``{"crate_owner_invite": {"crate_id", "accepted"}}``, or axum's 422."""
    answer = body.get("crate_owner_invite") if isinstance(body, dict) else None
    if not isinstance(answer, dict):
        raise wrong_shape(_SHAPE)
    crate_id, accepted = answer.get("crate_id"), answer.get("accepted")
    if type(crate_id) is not int or not -(2**31) <= crate_id < 2**31:
        raise wrong_shape(_SHAPE)
    if not isinstance(accepted, bool):
        raise wrong_shape(_SHAPE)
    return {"crate_id": crate_id, "accepted": accepted}
