"""Trusted publishing's routes: the token exchange and revocation, GitHub configs (each
decoded, handed to :class:`TrustService`, encoded), and the fake GitHub OIDC provider's ID
token, discovery document and key set."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request, Response

from ..errors import ApiError
from ..testing.oidc import GitHubOidc
from ..web.auth import Authorizer, request_token
from ..web.http import api_json, json_response, wrong_shape
from .service import TrustService

SCOPE = "trusted-publishing"


class TrustpubApi:
    """``/api/v1/trusted_publishing/…`` and the fake GitHub's ``/_github/…``."""

    def __init__(
        self, service: TrustService, oidc: GitHubOidc, auth: Authorizer, audience: str
    ) -> None:
        self._service = service
        self._oidc = oidc
        self._auth = auth
        #: What the exchange wants in ``aud``: the registry's host and port, as the official
        #: action asks for it (``crates.io`` there).
        self.audience = audience

    # -- the exchange ----------------------------------------------------------------

    def tokens(self, request: Request) -> Response:
        """``POST`` exchanges a JWT for a token; ``DELETE`` revokes the bearer token."""
        if request.method == "DELETE":
            token = request_token(request)
            if token is None:
                raise ApiError(401, "Missing `Authorization` header")
            self._service.revoke(token)
            return Response(status=204)
        body = api_json(request)
        unverified = body.get("jwt") if isinstance(body, dict) else None
        if not isinstance(unverified, str):
            raise wrong_shape('expected a body like {"jwt": "<the OIDC token>"}')
        return json_response({"token": self._service.exchange(unverified, self.audience)})

    # -- GitHub configs --------------------------------------------------------------

    def _owner_of(self, request: Request, crate: str) -> str:
        """The canonical crate name, after checking the token's user owns it."""
        credential = self._auth.token(request)
        self._auth.scope(credential, SCOPE, crate)
        return self._service.owned_crate(credential.user.login, crate)

    def github_configs(self, request: Request) -> Response:
        """``GET ?crate=`` lists a crate's configs; ``POST`` adds one."""
        if request.method == "GET":
            crate = request.args.get("crate")
            if crate is None:
                raise ApiError(400, "Must specify either `crate` or `user_id` query parameter")
            canonical = self._owner_of(request, crate)
            configs = [c.as_json() for c in self._service.configs(canonical)]
            return json_response(
                {"github_configs": configs, "meta": {"total": len(configs), "next_page": None}}
            )
        body = api_json(request)
        new = body.get("github_config") if isinstance(body, dict) else None
        if not isinstance(new, dict) or not all(
            isinstance(new.get(key), str)
            for key in ("crate", "repository_owner", "repository_name", "workflow_filename")
        ):
            raise wrong_shape(
                'expected a body like {"github_config": {"crate", "repository_owner", '
                '"repository_name", "workflow_filename", "environment"}}'
            )
        environment = new.get("environment")
        if environment is not None and not isinstance(environment, str):
            raise wrong_shape("`environment` must be a string or null")
        config = self._service.add_config(
            self._owner_of(request, new["crate"]),
            repository_owner=new["repository_owner"],
            repository_name=new["repository_name"],
            workflow_filename=new["workflow_filename"],
            environment=environment,
        )
        return json_response({"github_config": config.as_json()})

    def github_config(self, request: Request, config_id: int) -> Response:
        """``DELETE /api/v1/trusted_publishing/github_configs/{id}``."""
        config = self._service.config_of(config_id)
        self._owner_of(request, config.crate)
        self._service.remove_config(config_id)
        return Response(status=204)

    # -- the fake GitHub -------------------------------------------------------------

    def id_token(self, request: Request) -> Response:
        """``GET /_github/idtoken?audience=`` with the job's bearer token: ``{"value"}``."""
        token = request_token(request)
        value = None if token is None else self._oidc.id_token(token, request.args.get("audience"))
        if value is None:
            raise ApiError(401, "Bad credentials: not a token of a job of this fake GitHub")
        return json_response({"count": 1, "value": value})

    def well_known(self, request: Request, document: str) -> Response:
        """The issuer's discovery document and key set."""
        answers: dict[str, Any] = {
            "openid-configuration": self._oidc.discovery,
            "jwks": self._oidc.jwks,
        }
        if document not in answers:
            raise ApiError(404, f"no such document: {document}")
        return json_response(answers[document]())
