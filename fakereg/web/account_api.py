"""crates.io's account routes (``controllers/user/*.rs``, ``controllers/krate/follow.rs``):
``/api/v1/me``, its updates and email notifications, a user's settings, the email
verification, and whether the signed-in user follows a crate.

What has no meaning in a fake answers as crates.io answers an account without it: no mail
is sent, but what the API shows back (the address, whether it is verified, the
notification settings) is kept per user in :class:`~fakereg.storage.profiles.Profiles`, and
the token crates.io would have mailed is what ``reg.email_token(login)`` gives a test.
"""

from __future__ import annotations

from typing import Any, TypeGuard

from werkzeug.wrappers import Request, Response

from ..domain.crateview import VersionFacts, crate_versions
from ..domain.emails import check_email
from ..errors import ApiError
from ..storage.profiles import Profiles
from .http import api_json, checked_crate, json_response, no_store, path_i32, wrong_shape
from .paging import Pagination
from .read_api import ReadSources

_NOTIFICATIONS_SHAPE = 'expected `[{"id": integer, "email_notifications": boolean}, …]`'
_USER_SHAPE = (
    'expected `{"user": {"email": string | null, "publish_notifications": boolean | null}}`'
)
_NOT_YOU = "current user does not match requested user"


class AccountApi:
    """Handlers for ``/api/v1/me`` (and ``/me/updates``, ``/me/email_notifications``),
    ``PUT /api/v1/users/{id}`` (and ``/resend``), ``PUT /api/v1/confirm/{token}`` and
    ``GET /api/v1/crates/{name}/following``."""

    def __init__(self, sources: ReadSources, profiles: Profiles) -> None:
        self._data = sources
        self._profiles = profiles

    def me(self, request: Request) -> Response:
        """``GET /api/v1/me``: the user (``EncodablePrivateUser``, with what its account
        settings say) and the crates it owns by name, each with its email notifications.
        As on crates.io (controllers/user/me.rs, ``only_cookie``) a signed-in browser's:
        an API token gets 403."""
        user = self._data.auth.browser(request).user
        profile = self._profiles.profile(user.login)
        notifications = self._profiles.email_notifications(user.login)
        owned = sorted(self._data.catalog.owned_by(user.login), key=lambda s: s.name)
        private = {
            "id": user.id,
            "login": user.login,
            "email_verified": profile.email_verified,
            "email_verification_sent": profile.email_verification_sent,
            "name": user.name,
            "email": profile.email,
            "avatar": None,
            "url": f"https://github.com/{user.login}",
            "is_admin": False,
            "publish_notifications": profile.publish_notifications,
            "created_at": None,
        }
        crates = [
            {"id": s.id, "name": s.name, "email_notifications": notifications.get(s.key, True)}
            for s in owned
        ]
        return json_response({"user": private, "owned_crates": crates})

    def following(self, request: Request, name: str) -> Response:
        """``GET /api/v1/crates/{name}/following``: ``{"following": bool}`` for the browser
        signed in (``AuthCheck::only_cookie``), then crates.io's 404 for a missing crate."""
        checked_crate(name)
        login = self._data.auth.browser(request).user.login
        found = self._data.catalog.get(name)
        if found is None:
            raise ApiError(404, f"crate `{name}` does not exist")
        following = found.key in self._data.accounts.followed(login)
        return no_store(json_response({"following": following}))

    def updates(self, request: Request) -> Response:
        """``GET /api/v1/me/updates``: the versions of the crates the signed-in browser's
        user follows, newest first, in pages (``page``, ``per_page``); ``meta.more`` when a
        full page was shown, as crates.io decides it."""
        login = self._data.auth.browser(request).user.login
        paging = Pagination.gather(request)
        found: list[tuple[str, VersionFacts]] = []
        for key in self._data.accounts.followed(login):
            state = self._data.store.crate_state(key)
            if state is not None:
                found += [(state[0]["name"], v) for v in crate_versions(*state)]
        found.sort(key=lambda pair: (pair[1].created_at, pair[1].id(pair[0])), reverse=True)
        page = found[paging.offset : paging.offset + paging.per_page]
        versions: list[Any] = []
        for crate, facts in page:  # (one at a time: each with its crate's counts)
            versions += self._data.versions_json(crate, [facts])
        body = {"versions": versions, "meta": {"more": len(page) >= paging.per_page}}
        return no_store(json_response(body))

    def email_notifications(self, request: Request) -> Response:
        """``PUT /api/v1/me/email_notifications``: ``[{"id", "email_notifications"}]`` sets
        them for the crates the user owns; ids of other crates are let be, as on crates.io."""
        wanted = _notifications(api_json(request))  # the body first, then the token
        login = self._data.auth.unscoped(request).user.login
        owned = {s.id: s.key for s in self._data.catalog.owned_by(login)}
        settings = {owned[i]: on for i, on in wanted.items() if i in owned}
        if settings:
            self._profiles.set_email_notifications(login, settings)
        return json_response({"ok": True})

    def update_user(self, request: Request, user_id: str) -> Response:
        """``PUT /api/v1/users/{id}``: ``{"user": {"email", "publish_notifications"}}`` for
        oneself only (``controllers/user/update.rs``: publish notifications first, then the
        address, trimmed, which must be one; a new address is unverified)."""
        number = path_i32(user_id)
        update = _user_update(api_json(request))
        user = self._data.auth.unscoped(request).user
        if user.id != number:
            raise ApiError(400, _NOT_YOU)
        publish = update.get("publish_notifications")
        if publish is not None:
            self._profiles.set_publish_notifications(user.login, publish)
        if update.get("email") is not None:
            self._profiles.set_email(user.login, check_email(update["email"]))
        return json_response({"ok": True})

    def resend(self, request: Request, user_id: str) -> Response:
        """``PUT /api/v1/users/{id}/resend``: a new verification token for one's address
        (``controllers/user/email_verification.rs``); 400 without an address."""
        number = path_i32(user_id)
        user = self._data.auth.unscoped(request).user
        if user.id != number:
            raise ApiError(400, _NOT_YOU)
        if self._profiles.renew_token(user.login) is None:
            raise ApiError(400, "Email could not be found")
        return json_response({"ok": True})

    def confirm(self, request: Request, email_token: str) -> Response:
        """``PUT /api/v1/confirm/{email_token}``: the address the token was made for is
        verified (no sign-in needed: the token is the proof); 400 for a token no address
        has."""
        if not self._profiles.confirm(email_token):
            raise ApiError(400, "Email belonging to token not found.")
        return json_response({"ok": True})


def _notifications(body: object) -> dict[int, bool]:
    """The settings of ``PUT /api/v1/me/email_notifications``'s body by crate id (the last
    of an id repeated), or axum's 422 for another shape."""
    if not isinstance(body, list):
        raise wrong_shape(_NOTIFICATIONS_SHAPE)
    settings: dict[int, bool] = {}
    for item in body:
        crate_id = item.get("id") if isinstance(item, dict) else None
        wanted = item.get("email_notifications") if isinstance(item, dict) else None
        if not (_is_i32(crate_id) and isinstance(wanted, bool)):
            raise wrong_shape(_NOTIFICATIONS_SHAPE)
        settings[crate_id] = wanted
    return settings


def _user_update(body: object) -> dict[str, Any]:
    """``PUT /api/v1/users/{id}``'s ``user`` object, or axum's 422 for another shape."""
    update = body.get("user") if isinstance(body, dict) else None
    if not isinstance(update, dict):
        raise wrong_shape(_USER_SHAPE)
    email, publish = update.get("email"), update.get("publish_notifications")
    if (email is not None and not isinstance(email, str)) or (
        publish is not None and not isinstance(publish, bool)
    ):
        raise wrong_shape(_USER_SHAPE)
    return update


def _is_i32(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and -(2**31) <= value < 2**31
