"""The control API, ``/__fakereg/…``: a running registry steered over HTTP, in JSON.

Every capability a Python test has through :class:`~fakereg.FakeRegistry` (seeding,
users and tokens, faults, index delays, the recorded traffic) for a harness in any
language, with the same names and validated by the same code: a bad fault spec gets the
message ``reg.fail`` would raise, as a 400. Every route needs ``Authorization: Bearer
<admin token>``; registry tokens are refused here, and the admin token everywhere else.
Control requests are not recorded: the journal shows only what the tool under test did.
"""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Any

from werkzeug.wrappers import Request, Response

from ..domain.cratebuild import CrateSpec
from ..errors import ApiError
from ..services.invitations import OwnerInvitations
from ..storage.delay import IndexDelay
from ..storage.teams import Teams
from ..testing.inspection import Observer
from ..testing.seeding import CrateVersion, Seeder
from ..testing.state import StateView
from ..testing.trusted import TrustedPublishing
from .context import context_of
from .control_owners import OwnerControl
from .control_traffic import TrafficControl
from .http import json_response, read_json, refusal

PREFIX = "/__fakereg"
MAX_CRATE_UPLOAD = 64 * 1024 * 1024

_ADD_CRATE_EXTRAS = ("yanked", "owner", "pubtime")
# The keys each route's JSON body may have (the control API's description,
# control_api.json, is checked against them in tests/test_control_api_description.py).
RESET_KEYS = ("crates",)
USER_KEYS = ("login", "name", "read")
TOKEN_KEYS = ("login", "scopes", "crates", "expires", "name")
REVOKE_KEYS = ("token",)
PUBLIC_KEY_KEYS = ("login", "key")
GITHUB_PUBLISHER_KEYS = ("crate", "repository_owner", "repository_name", "workflow_filename")
GITLAB_PUBLISHER_KEYS = ("crate", "namespace", "project", "workflow_filepath")
PUBLISHER_EXTRAS = ("environment", "provider")
GITHUB_JOB_KEYS = ("repository", "workflow", "ref", "environment")
GITLAB_JOB_KEYS = ("project", "workflow_filepath", "ref", "environment", "id_token_variable")
JOB_EXTRAS = ("claims",)


def crate_version_json(version: CrateVersion) -> dict[str, str]:
    return {"name": version.name, "version": version.version, "cksum": version.cksum}


def _object(data: Any, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ApiError(400, f"{what} must be a JSON object")
    return data


def _only(data: dict[str, Any], allowed: tuple[str, ...], what: str) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ApiError(400, f"unknown keys for {what}: {', '.join(unknown)}")


def _typed(data: dict[str, Any], key: str, kind: type | tuple[type, ...], what: str) -> Any:
    value = data.get(key)
    if value is not None and not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise ApiError(400, f"{what}: `{key}` must be {names}, not {type(value).__name__}")
    return value


class ControlApi:
    """Answers ``/__fakereg/…`` for one registry (its parts handed in at assembly)."""

    def __init__(
        self,
        admin_token: str,
        observed: Observer,
        seeder: Seeder,
        state: StateView,
        delay: IndexDelay,
        info: dict[str, Any],
        publishing: TrustedPublishing,
        invitations: OwnerInvitations,
        teams: Teams,
    ) -> None:
        self._publishing = publishing
        self._admin_token = admin_token
        self._observed = observed
        self._seeder = seeder
        self._state = state
        self._info = info
        #: The traffic routes (faults, delays, the journal), answered by their own part.
        self.traffic = TrafficControl(observed, delay)
        #: The owners' routes: invitations and teams.
        self.owners = OwnerControl(invitations, teams)

    def close(self) -> None:
        """The registry is stopping: requests waiting on the journal answer now."""
        self.traffic.close()

    def check_admin(self, authorization: str | None, crate: str | None = None) -> None:
        """The ``ADMIN`` access rule: 401 without a token, 403 for another token."""
        header = authorization or ""
        scheme, _, token = header.partition(" ")
        if not header:
            raise ApiError(
                401,
                "the control API needs `Authorization: Bearer <admin token>` (the CLI prints "
                "it; reg.admin_token in Python)",
                headers=[("WWW-Authenticate", 'Bearer realm="fakereg control"')],
            )
        given = token.strip() if scheme.lower() == "bearer" else header.strip()
        if not hmac.compare_digest(given.encode(), self._admin_token.encode()):
            raise ApiError(403, "that is not this registry's admin token")

    def no_route(self, request: Request, allowed: tuple[str, ...] = (), **_: Any) -> Response:
        """A path under ``/__fakereg`` that is no route (404), or a method it does not take."""
        if allowed:
            response = refusal(ApiError(405, f"method {request.method} is not allowed here"))
            response.headers["Allow"] = ", ".join(allowed)
            return response
        raise ApiError(404, f"no control route {request.path}")

    # -- routes ----------------------------------------------------------------------------

    def health(self, request: Request) -> Response:
        return json_response({"status": "ok", **self._info})

    def reset(self, request: Request) -> Response:
        data = _object(read_json(request, empty={}), "reset")
        _only(data, RESET_KEYS, "reset")
        crates = _typed(data, "crates", bool, "reset")
        self.traffic.reset()
        removed = self._seeder.remove_all() if crates else []
        return json_response({"reset": True, "crates_removed": removed})

    def crates(self, request: Request) -> Response:
        if request.method == "GET":
            return json_response({"crates": self._state.catalogue()})
        if request.method == "PUT":
            data = context_of(request).read_body(request, MAX_CRATE_UPLOAD)
            imported = self._seeder.import_bytes(data)
            if imported is None:  # that very version is already here
                return json_response({"added": False})
            return json_response({**crate_version_json(imported), "added": True})
        body = read_json(request)
        batch = body if isinstance(body, list) else [body]
        specs = [self._crate_spec(_object(item, "a crate")) for item in batch]
        with self._seeder.batch(warn=False):  # all or nothing (strict refuses unknown deps)
            added = [crate_version_json(self._seeder.add_spec(s, **e)) for s, e in specs]
        return json_response(added if isinstance(body, list) else added[0])

    @staticmethod
    def _crate_spec(data: dict[str, Any]) -> tuple[CrateSpec, dict[str, Any]]:
        extras = {key: data.pop(key) for key in _ADD_CRATE_EXTRAS if key in data}
        _typed(extras, "yanked", bool, "a crate")
        _typed(extras, "owner", str, "a crate")
        _typed(extras, "pubtime", str, "a crate")
        return CrateSpec.from_json(data), extras

    def users(self, request: Request) -> Response:
        data = _object(read_json(request), "a user")
        _only(data, USER_KEYS, "a user")
        login = _typed(data, "login", str, "a user")
        if login is None:
            raise ApiError(400, "a user needs a `login`")
        name = _typed(data, "name", str, "a user")
        read = _typed(data, "read", bool, "a user")
        token = self._state.add_user(login, name, read=True if read is None else read)
        return json_response({"login": login, "token": token})

    def email_token(self, request: Request, login: str) -> Response:
        """``reg.email_token(login)``: the email verification token crates.io would have
        mailed the user last (404 for an unknown user or one without an address)."""
        return json_response({"login": login, "token": self._state.email_token(login)})

    def trusted_publishers(self, request: Request) -> Response:
        """``GET ?crate=`` lists configs (``github_configs`` and ``gitlab_configs``);
        ``POST`` takes ``reg.add_trusted_publisher``'s arguments (``crate``,
        ``repository_owner``, …), or with ``"provider": "gitlab"``
        ``reg.add_gitlab_publisher``'s (``crate``, ``namespace``, ``project``,
        ``workflow_filepath``, ``environment``), and answers the config."""
        service = self._publishing.service
        if request.method == "GET":
            crate = request.args.get("crate")
            return json_response(
                {
                    "github_configs": [c.as_json() for c in service.configs(crate)],
                    "gitlab_configs": [c.as_json() for c in service.gitlab_configs(crate)],
                }
            )
        what = "a trusted publisher"
        data = _object(read_json(request), what)
        provider = _typed(data, "provider", str, what) or "github"
        if provider not in ("github", "gitlab"):
            raise ApiError(400, f"{what}: `provider` must be github or gitlab, not {provider}")
        keys = {"github": GITHUB_PUBLISHER_KEYS, "gitlab": GITLAB_PUBLISHER_KEYS}[provider]
        _only(data, (*keys, *PUBLISHER_EXTRAS), f"a {provider} trusted publisher")
        values = {key: _typed(data, key, str, what) for key in keys}
        missing = [key for key, value in values.items() if value is None]
        if missing:
            raise ApiError(400, f"a {provider} trusted publisher needs {', '.join(missing)}")
        environment = _typed(data, "environment", str, what)
        crate = values.pop("crate")
        if provider == "gitlab":
            added = service.add_gitlab_config(crate, **values, environment=environment).as_json()
        else:
            added = service.add_config(crate, **values, environment=environment).as_json()
        return json_response(added)

    def github_actions_env(self, request: Request) -> Response:
        """``reg.github_actions_env``'s keywords (``claims`` for the overrides) → the
        environment of a GitHub Actions job, as a JSON object."""
        options, claims = self._job(request, GITHUB_JOB_KEYS)
        return json_response(self._publishing.github_actions_env(**options, **claims))

    def gitlab_ci_env(self, request: Request) -> Response:
        """``reg.gitlab_ci_env``'s keywords (``claims`` for the overrides) → the
        environment of a GitLab CI/CD job, its ID token included, as a JSON object."""
        options, claims = self._job(request, GITLAB_JOB_KEYS)
        return json_response(self._publishing.gitlab_ci_env(**options, **claims))

    @staticmethod
    def _job(request: Request, keys: tuple[str, ...]) -> tuple[dict[str, str], dict[str, Any]]:
        """A job's string options among *keys*, and its ``claims`` object."""
        data = _object(read_json(request, empty={}), "a job")
        _only(data, (*keys, *JOB_EXTRAS), "a job")
        options = {
            key: value for key in keys if (value := _typed(data, key, str, "a job")) is not None
        }
        claims = _typed(data, "claims", dict, "a job") or {}
        return options, claims

    def public_keys(self, request: Request) -> Response:
        """``{"login", "key"}`` → the key's id: *login* may sign asymmetric tokens."""
        data = _object(read_json(request), "a public key")
        _only(data, PUBLIC_KEY_KEYS, "a public key")
        login = _typed(data, "login", str, "a public key")
        key = _typed(data, "key", str, "a public key")
        if login is None or key is None:
            raise ApiError(400, "a public key needs the `login` of its user and the `key`")
        return json_response({"login": login, "kid": self._state.add_public_key(login, key)})

    def tokens(self, request: Request) -> Response:
        data = _object(read_json(request), "a token")
        if request.method == "DELETE":
            _only(data, REVOKE_KEYS, "a token to revoke")
            token = _typed(data, "token", str, "a token to revoke")
            if token is None:
                raise ApiError(400, "give the `token` to revoke")
            self._state.revoke(token)
            return json_response({"revoked": True})
        _only(data, TOKEN_KEYS, "a token")
        login = _typed(data, "login", str, "a token")
        if login is None:
            raise ApiError(400, "a token needs the `login` of its user")
        scopes = _typed(data, "scopes", list, "a token")
        crates = _typed(data, "crates", list, "a token")
        expires_text = _typed(data, "expires", str, "a token")
        expires = None
        if expires_text is not None:
            try:
                expires = datetime.fromisoformat(expires_text.replace("Z", "+00:00"))
            except ValueError:
                raise ApiError(400, f"`expires` is not an ISO-8601 time: {expires_text}") from None
        name = _typed(data, "name", str, "a token")
        token = self._state.add_token(
            login, scopes=scopes, crates=crates, expires=expires, name=name
        )
        return json_response({"login": login, "token": token})
