"""Trusted publishing's routes: the token exchange and revocation, GitHub configs, and the
fake GitHub OIDC provider's ID token, discovery document and key set."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request, Response

from ..domain import trustpub
from ..errors import ApiError, InvalidError, NotFoundError
from ..testing.trusted import TrustedPublishing
from .auth import Authorizer, request_token
from .http import json_response, read_json

SCOPE = "trusted-publishing"


class TrustpubApi:
    """``/api/v1/trusted_publishing/…`` and the provider's ``/_github/…``."""

    def __init__(self, publishing: TrustedPublishing, auth: Authorizer, audience: str) -> None:
        self._publishing = publishing
        self._trust = publishing.trust
        self._oidc = publishing.oidc
        self._store = publishing.store
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
            trustpub.check_token(token)
            self._trust.revoke(token)
            return Response(status=204)
        body = read_json(request)
        unverified = body.get("jwt") if isinstance(body, dict) else None
        if not isinstance(unverified, str):
            raise ApiError(400, 'expected a body like {"jwt": "<the OIDC token>"}')
        claims = self._oidc.verify(unverified, self.audience)
        # crates.io notes the jti first, in the transaction that a mismatch rolls back:
        # a used JWT says so before any config check, a refused one may be tried again.
        if self._trust.jti_used(str(claims["jti"])):
            raise InvalidError("JWT has already been used")
        configs = trustpub.matching_configs(self._trust.configs(), claims)
        info = {
            "provider": "github",
            "repository": claims["repository"],
            "run_id": str(claims.get("run_id", "")),
            "sha": str(claims.get("sha", "")),
        }
        token = self._trust.exchange(
            str(claims["jti"]), float(claims["exp"]), [c.crate for c in configs], info
        )
        return json_response({"token": token})

    # -- GitHub configs --------------------------------------------------------------

    def _owner_of(self, request: Request, crate: str) -> str:
        """The canonical crate name, after checking the token's user owns it."""
        credential = self._auth.token(request)
        self._auth.scope(credential, SCOPE, crate)
        canonical = self._store.canonical(crate)
        if canonical is None:
            raise NotFoundError(f"crate `{crate}` does not exist")
        if credential.user.login not in self._store.owners(canonical):
            raise InvalidError("You are not an owner of this crate")
        return canonical

    def github_configs(self, request: Request) -> Response:
        """``GET ?crate=`` lists a crate's configs; ``POST`` adds one."""
        if request.method == "GET":
            crate = request.args.get("crate")
            if crate is None:
                raise ApiError(400, "Must specify either `crate` or `user_id` query parameter")
            canonical = self._owner_of(request, crate)
            configs = [c.as_json() for c in self._trust.configs(canonical)]
            return json_response(
                {"github_configs": configs, "meta": {"total": len(configs), "next_page": None}}
            )
        body = read_json(request)
        new = body.get("github_config") if isinstance(body, dict) else None
        if not isinstance(new, dict) or not all(
            isinstance(new.get(key), str)
            for key in ("crate", "repository_owner", "repository_name", "workflow_filename")
        ):
            raise ApiError(
                400,
                'expected a body like {"github_config": {"crate", "repository_owner", '
                '"repository_name", "workflow_filename", "environment"}}',
            )
        environment = new.get("environment")
        if environment is not None and not isinstance(environment, str):
            raise ApiError(400, "`environment` must be a string or null")
        config = self._publishing.add_trusted_publisher(
            self._owner_of(request, new["crate"]),
            repository_owner=new["repository_owner"],
            repository_name=new["repository_name"],
            workflow_filename=new["workflow_filename"],
            environment=environment,
        )
        return json_response({"github_config": config.as_json()})

    def github_config(self, request: Request, config_id: int) -> Response:
        """``DELETE /api/v1/trusted_publishing/github_configs/{id}``."""
        config = self._trust.config(config_id)
        if config is None:
            raise ApiError(404, "Not Found")
        self._owner_of(request, config.crate)
        self._trust.remove_config(config_id)
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
