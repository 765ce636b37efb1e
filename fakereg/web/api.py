"""The Cargo Web API: publish, yank, unyank and owners."""

from __future__ import annotations

import hashlib
from typing import Any

from werkzeug.wrappers import Request, Response

from ..domain.cratefile import CrateContents, inspect_crate
from ..domain.crateinfo import readme_text, version_details
from ..domain.publish import PublishBody, check_metadata, index_line, pubtime_now
from ..errors import ApiError, RefusedError
from ..settings import Settings
from ..storage.accounts import Accounts
from ..storage.store import CrateStore
from ..traffic.log import PublishLog
from ..traffic.records import PublishRecord
from ..trustpub.rules import TOKEN_PREFIX
from ..trustpub.store import TrustStore
from . import views
from .auth import Authorizer, request_token
from .context import context_of
from .http import json_response, read_json, status_of

JSON_ALLOWANCE = 1024 * 1024  # room for the metadata in a publish body


class WebApi:
    """Handlers for publish, yank, unyank and owners under ``/api/v1/crates``."""

    def __init__(
        self,
        store: CrateStore,
        accounts: Accounts,
        auth: Authorizer,
        settings: Settings,
        publish_log: PublishLog,
        trust: TrustStore,
    ) -> None:
        self._trust = trust
        self._store = store
        self._accounts = accounts
        self._auth = auth
        self.settings = settings
        self._publish_log = publish_log

    def _canonical(self, name: str) -> str:
        canonical = self._store.canonical(name)
        if canonical is None:
            raise ApiError(404, f"crate `{name}` does not exist")
        return canonical

    def publish(self, request: Request) -> Response:
        seen: dict[str, Any] = {
            "login": None,
            "metadata": None,
            "crate": b"",
            "contents": None,
            "trusted": None,
        }
        try:
            response = self._publish(request, seen)
        except (ApiError, RefusedError) as exc:
            self._remember(status_of(exc), exc.detail, seen)
            raise
        self._remember(200, None, seen)
        return response

    def _remember(self, status: int, error: str | None, seen: dict[str, Any]) -> None:
        contents: CrateContents | None = seen["contents"]
        record = PublishRecord(
            status=status,
            error=error,
            login=seen["login"],
            metadata=seen["metadata"],
            crate=seen["crate"],
            files=contents.files if contents else (),
            manifest=contents.manifest if contents else None,
            trusted_publishing=seen["trusted"],
        )
        self._publish_log.append(record)

    def publish_body(self, request: Request) -> PublishBody:
        """The request's publish body, read and parsed once (the app may ask first, to match
        faults on its crate); refused beyond the upload limit and the metadata's room."""
        limit = self.settings.max_upload_size + JSON_ALLOWANCE
        return context_of(request).publish_body(request, limit)

    def _publish(self, request: Request, seen: dict[str, Any]) -> Response:
        token = request_token(request)
        trusted = token is not None and token.startswith(TOKEN_PREFIX)
        credential = None if trusted else self._auth.token(request)
        if credential is not None:
            seen["login"] = credential.user.login
        limit = self.settings.max_upload_size
        body = self.publish_body(request)
        metadata = seen["metadata"] = body.metadata
        seen["crate"] = body.crate
        if len(body.crate) > limit:
            raise ApiError(413, f"max upload size is: {limit}")
        checked = check_metadata(metadata, strict=self.settings.strict)
        existing = self._store.canonical(checked["name"])
        grant = None
        if credential is None:  # a trusted publishing token, checked as crates.io does
            grant = self._trust.for_publish(token or "", existing)
            seen["trusted"] = grant.data
        else:
            scope = "publish-update" if existing is not None else "publish-new"
            self._auth.scope(credential, scope, checked["name"])
        contents = seen["contents"] = inspect_crate(
            body.crate,
            checked["name"],
            checked["vers"],
            max_unpacked=self.settings.max_unpacked_size,
        )
        line = index_line(
            checked, cksum=hashlib.sha256(body.crate).hexdigest(), pubtime=pubtime_now()
        )
        details = version_details(checked, contents, crate_size=len(body.crate))
        if grant is not None:
            details["trustpub_data"] = grant.data
        readme = readme_text(checked, contents)
        login = None if credential is None else credential.user.login
        self._store.publish(line, body.crate, details, login, readme=readme)
        return json_response(
            {"warnings": {"invalid_categories": [], "invalid_badges": [], "other": []}}
        )

    def yank(self, request: Request, name: str, version: str) -> Response:
        return self._set_yanked(request, name, version, yanked=True)

    def unyank(self, request: Request, name: str, version: str) -> Response:
        return self._set_yanked(request, name, version, yanked=False)

    def _set_yanked(self, request: Request, name: str, version: str, *, yanked: bool) -> Response:
        credential = self._auth.token(request)
        canonical = self._canonical(name)
        self._auth.scope(credential, "yank", canonical)
        self._store.set_yanked(canonical, version, yanked, credential.user.login)
        return json_response({"ok": True})

    def owners(self, request: Request, name: str) -> Response:
        if request.method == "GET":
            users = [self._accounts.user(login) for login in self._store.owners(name)]
            return json_response({"users": [views.owner(u) for u in users if u is not None]})
        credential = self._auth.token(request)
        user = credential.user
        canonical = self._canonical(name)
        self._auth.scope(credential, "change-owners", canonical)
        payload = read_json(request)
        logins = payload.get("users", payload.get("owners")) if isinstance(payload, dict) else None
        if (
            not isinstance(logins, list)
            or not logins
            or not all(isinstance(login, str) for login in logins)
        ):
            raise ApiError(400, 'expected a body like {"users": ["login", …]}')
        resolved = []
        for login in logins:
            found = self._accounts.user(login)
            if found is None:
                raise ApiError(400, f"could not find user with login `{login}`")
            resolved.append(found.login)
        adding = request.method == "PUT"
        self._store.change_owners(canonical, resolved, add=adding, by=user.login)
        if adding:
            who = " and ".join(resolved)
            message = f"user {who} has been added as an owner of crate {canonical}"
        else:
            message = "owners successfully removed"
        return json_response({"ok": True, "msg": message})
