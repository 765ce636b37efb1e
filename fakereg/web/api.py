"""The Cargo Web API: publish, yank, unyank and owners. Each handler decodes the request,
calls its use case (:mod:`fakereg.services`) and encodes the answer."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request, Response

from ..domain.publish import PublishBody
from ..errors import ApiError, RefusedError
from ..services.crates import CrateChanges
from ..services.publishing import (
    Principal,
    PublishAttempt,
    Publisher,
    PublishOutcome,
    TrustedPrincipal,
    UserPrincipal,
)
from ..storage.downloads import crate_total
from ..traffic.log import PublishLog
from ..traffic.records import PublishRecord
from ..trustpub.rules import TOKEN_PREFIX
from . import views
from .auth import Authorizer, request_token
from .context import context_of
from .http import api_json, checked_version, json_response, status_of, wrong_shape
from .read_api import ReadSources

JSON_ALLOWANCE = 1024 * 1024  # room for the metadata in a publish body


class WebApi:
    """Handlers for publish, yank, unyank and owners under ``/api/v1/crates``."""

    def __init__(
        self,
        publisher: Publisher,
        changes: CrateChanges,
        auth: Authorizer,
        max_upload_size: int,
        publish_log: PublishLog,
        sources: ReadSources,
    ) -> None:
        self._sources = sources
        self._publisher = publisher
        self._changes = changes
        self._auth = auth
        self._max_upload_size = max_upload_size
        self._publish_log = publish_log

    def publish_body(self, request: Request) -> PublishBody:
        """The request's publish body, read and parsed once (the pipeline may ask first, to
        match faults on its crate); refused beyond the upload limit and the metadata's room."""
        limit = self._max_upload_size + JSON_ALLOWANCE
        return context_of(request).publish_body(request, limit, named=self._max_upload_size)

    def _principal(self, request: Request) -> Principal:
        token = request_token(request)
        if token is not None and token.startswith(TOKEN_PREFIX):
            return TrustedPrincipal(token)
        return UserPrincipal(self._auth.token(request))

    def publish(self, request: Request) -> Response:
        seen = PublishAttempt()
        try:
            principal = self._principal(request)
            if isinstance(principal, UserPrincipal):
                seen.login = principal.credential.user.login
            outcome = self._publisher.publish(self.publish_body(request), principal, seen)
        except (ApiError, RefusedError) as exc:
            self._remember(status_of(exc), exc.detail, seen)
            raise
        self._remember(200, None, seen)
        return json_response({"crate": self._published(outcome), "warnings": outcome.warnings})

    def _published(self, outcome: PublishOutcome) -> dict[str, Any] | None:
        """crates.io's ``GoodCrate.crate``: the crate after the publish, as
        ``EncodableCrate::from_minimal`` makes it (``yanked`` false, no recent downloads)."""
        summary = self._sources.catalog.get(outcome.version.line["name"])
        if summary is None:  # (removed again already, by another thread)
            return None
        total = crate_total(self._sources.downloads.of_crate(summary.key))
        found = views.crate(summary, total, None)
        found["yanked"] = False
        return found

    def _remember(self, status: int, error: str | None, seen: PublishAttempt) -> None:
        contents = seen.contents
        self._publish_log.append(
            PublishRecord(
                status=status,
                error=error,
                login=seen.login,
                metadata=seen.metadata,
                crate=seen.crate,
                files=contents.files if contents else (),
                manifest=contents.manifest if contents else None,
                trusted_publishing=seen.trusted,
            )
        )

    def yank(self, request: Request, name: str, version: str) -> Response:
        checked_version(version)
        self._changes.set_yanked(self._auth.token(request), name, version, yanked=True)
        return json_response({"ok": True})

    def unyank(self, request: Request, name: str, version: str) -> Response:
        checked_version(version)
        self._changes.set_yanked(self._auth.token(request), name, version, yanked=False)
        return json_response({"ok": True})

    def owners(self, request: Request, name: str) -> Response:
        if request.method == "GET":
            users = self._changes.owners(name)
            return json_response({"users": [views.owner(user) for user in users]})
        payload = api_json(request)  # the body first, as crates.io's extractor
        logins = payload.get("owners", payload.get("users")) if isinstance(payload, dict) else None
        if not isinstance(logins, list) or not all(isinstance(login, str) for login in logins):
            raise wrong_shape('expected a body like {"owners": ["login", …]} ("users" too)')
        if not logins:
            raise ApiError(400, "give at least one owner to add or remove")
        if len(logins) > 10:  # crates.io bounds the work of one request (krate/owners.rs)
            raise ApiError(400, "too many invites for this request - maximum 10")
        credential = self._auth.token(request)
        canonical = self._changes.may_change_owners(credential, name)  # then 404, 403
        adding = request.method == "PUT"
        message = self._changes.change_owners(credential, canonical, logins, add=adding)
        return json_response({"ok": True, "msg": message})
