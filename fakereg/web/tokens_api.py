"""crates.io's token management: ``/api/v1/me/tokens`` (list, create, one, revoke),
``DELETE /api/v1/tokens/current`` (controllers/token.rs) and signing out
(``DELETE /api/private/session``), on the tokens
:class:`~fakereg.storage.accounts.Accounts` keeps (the same ones ``reg.add_token`` makes).

As on crates.io, listing and creating are for a browser signed in on the page (its session
plays crates.io's cookie session): an API token is refused there, and a token can only
revoke itself through ``tokens/current``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from werkzeug.wrappers import Request, Response

from ..errors import ApiError, ForbiddenError
from ..storage.accounts import Accounts
from ..storage.tokens import SCOPES, check_limits, valid_pattern
from . import views
from .auth import Authorizer, request_token
from .http import api_json, json_response, no_store, path_i32, wrong_shape

_SHAPE = (
    'expected `{"api_token": {"name": string, "crate_scopes": [string] | null, '
    '"endpoint_scopes": [string] | null, "expired_at": date-time | null}}`'
)


class TokenApi:
    """Answers the token routes from *accounts*, authenticating with *auth*."""

    def __init__(self, accounts: Accounts, auth: Authorizer) -> None:
        self._accounts = accounts
        self._auth = auth

    def tokens(self, request: Request) -> Response:
        """``GET`` lists the signed-in user's tokens (``?expired_days=`` adds those expired
        that many days back); ``PUT`` makes one and shows it, the only time it is shown."""
        if request.method == "PUT":
            return self._create(request)
        days = _expired_days(request.args.get("expired_days"))
        login = self._auth.browser(request).user.login
        shown = self._accounts.tokens(login, expired_days=days)
        return no_store(json_response({"api_tokens": [views.api_token(t) for t in shown]}))

    def _create(self, request: Request) -> Response:
        name, crates, scopes, expires = _new_token(api_json(request))
        if not name:
            raise ApiError(400, "name must have a value")
        credential = self._auth.token(request)
        if not credential.session:
            raise ApiError(400, "cannot use an API token to create a new API token")
        if credential.scopes is not None or credential.crates is not None:
            raise ForbiddenError(
                "this browser signed in with a token limited to some scopes or crates: "
                "sign in with an unlimited token to make tokens"
            )
        if crates is not None and not all(valid_pattern(c) for c in crates):
            raise ApiError(400, "invalid crate scope")
        if scopes is not None and not all(s in SCOPES for s in scopes):
            raise ApiError(400, "invalid endpoint scope")
        limits = check_limits(scopes, crates, expires)
        token, info = self._accounts.create_token(credential.user.login, name, limits)
        return json_response({"api_token": {**views.api_token(info), "token": token}})

    def token(self, request: Request, token_id: str) -> Response:
        """``GET`` one of the user's tokens by id; ``DELETE`` revokes it (``{}`` whether or
        not the user had it, as crates.io answers)."""
        number = path_i32(token_id)
        login = self._auth.unscoped(request).user.login
        if request.method == "DELETE":
            self._accounts.revoke_id(login, number)
            return json_response({})
        found = self._accounts.token_info(login, number)
        if found is None:
            raise ApiError(404, "Not Found")
        return no_store(json_response({"api_token": views.api_token(found)}))

    def end_session(self, request: Request) -> Response:
        """``DELETE /api/private/session``: the browser signs out (crates.io's
        ``end_session``: ``{"ok": true}``, signed in or not)."""
        sessions = self._auth.sessions
        session = sessions.of(request)
        if session is not None:
            sessions.end(session)
        response = json_response({"ok": True})
        sessions.set_cookie(response, None)
        return response

    def current(self, request: Request) -> Response:
        """``DELETE /api/v1/tokens/current``: the request's own API token revoked (204)."""
        credential = self._auth.unscoped(request)
        token = request_token(request)
        if credential.session or credential.token_id is None or token is None:
            raise ApiError(400, "token not provided")
        self._accounts.revoke(token)
        return Response(status=204)


def _new_token(body: Any) -> tuple[str, list[str] | None, list[str] | None, datetime | None]:
    """The fields of ``PUT /api/v1/me/tokens``'s body, or axum's 422 for another shape."""
    new = body.get("api_token") if isinstance(body, dict) else None
    if not isinstance(new, dict) or not isinstance(new.get("name"), str):
        raise wrong_shape(_SHAPE)
    crates, scopes, expired = new.get("crate_scopes"), new.get("endpoint_scopes"), None
    for listed in (crates, scopes):
        if listed is not None and not (
            isinstance(listed, list) and all(isinstance(item, str) for item in listed)
        ):
            raise wrong_shape(_SHAPE)
    raw = new.get("expired_at")
    if raw is not None:
        expired = _instant(raw)
    return new["name"], crates, scopes, expired


def _instant(raw: object) -> datetime:
    """An RFC 3339 date-time with its offset (chrono's ``DateTime<Utc>``), or a 422."""
    if isinstance(raw, str):
        try:
            moment = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            moment = None
        if moment is not None and moment.tzinfo is not None:
            return moment
    raise wrong_shape(_SHAPE)


def _expired_days(raw: str | None) -> int:
    if raw is None:
        return 0
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not -(2**31) <= value < 2**31:
        raise ApiError(
            400, "Failed to deserialize query string: expired_days: invalid digit found in string"
        )
    return value
