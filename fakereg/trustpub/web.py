"""Trusted publishing's routes: the token exchange and revocation, GitHub and GitLab
configs (each decoded, handed to :class:`TrustService`, encoded), the fake GitHub OIDC
provider's ID token, and the fake GitHub's and GitLab's discovery documents and key sets."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request, Response

from ..errors import ApiError
from ..testing.gitlab import GitLabOidc
from ..testing.oidc import GitHubOidc
from ..web.auth import Authorizer, request_token
from ..web.http import api_json, json_response, wrong_shape
from . import gitlab, rules
from .service import TrustService

SCOPE = "trusted-publishing"

_GITHUB_FIELDS = ("crate", "repository_owner", "repository_name", "workflow_filename")
_GITLAB_FIELDS = ("crate", "namespace", "project", "workflow_filepath")


def _new_config(request: Request, key: str, fields: tuple[str, ...]) -> dict[str, Any]:
    """The ``{key: {...}}`` body of a config's POST: its string *fields* and an
    ``environment`` string or null (422 otherwise, as crates.io's JSON extractor)."""
    body = api_json(request)
    if not isinstance(body, dict) or key not in body:
        raise wrong_shape(f"missing field `{key}`")
    new = body[key]
    if not isinstance(new, dict):
        raise wrong_shape(f"`{key}` must be an object")
    for field in fields:
        if field not in new:
            raise wrong_shape(f"{key}: missing field `{field}`")
        if not isinstance(new[field], str):
            raise wrong_shape(f"{key}: `{field}` must be a string")
    environment = new.get("environment")
    if environment is not None and not isinstance(environment, str):
        raise wrong_shape(f"{key}: `environment` must be a string or null")
    return {field: new[field] for field in fields} | {"environment": environment}


class TrustpubApi:
    """``/api/v1/trusted_publishing/…``, the fake GitHub's ``/_github/…`` and the fake
    GitLab's ``/_gitlab/…``."""

    def __init__(
        self,
        service: TrustService,
        oidc: GitHubOidc,
        gitlab_oidc: GitLabOidc,
        auth: Authorizer,
        audience: str,
    ) -> None:
        self._service = service
        self._oidc = oidc
        self._gitlab = gitlab_oidc
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

    # -- configs ---------------------------------------------------------------------

    def _owner(self, request: Request, crate: str) -> str:
        """The login of the request's token, once its scopes allow configs of *crate*."""
        credential = self._auth.token(request)
        self._auth.scope(credential, SCOPE, crate)
        return credential.user.login

    def _listed(self, request: Request) -> str:
        """The canonical name of the ``?crate=`` a list names, its owner's request."""
        crate = request.args.get("crate")
        if crate is None:
            raise ApiError(400, "Must specify either `crate` or `user_id` query parameter")
        return self._service.owned_crate(self._owner(request, crate), crate)

    @staticmethod
    def _list(key: str, configs: list[dict[str, Any]]) -> Response:
        answer = json_response({key: configs, "meta": {"total": len(configs), "next_page": None}})
        answer.headers["Cache-Control"] = "no-store"  # crates.io's `no_store()`
        return answer

    def github_configs(self, request: Request) -> Response:
        """``GET ?crate=`` lists a crate's GitHub configs; ``POST`` adds one (checked in
        crates.io's order: the body, the names, the token, the crate, the count, the
        owner)."""
        if request.method == "GET":
            configs = self._service.configs(self._listed(request))
            return self._list("github_configs", [c.as_json() for c in configs])
        new = _new_config(request, "github_config", _GITHUB_FIELDS)
        rules.check_config(
            new["repository_owner"],
            new["repository_name"],
            new["workflow_filename"],
            new["environment"],
        )
        config = self._service.add_config(
            new["crate"],
            owner=self._owner(request, new["crate"]),
            repository_owner=new["repository_owner"],
            repository_name=new["repository_name"],
            workflow_filename=new["workflow_filename"],
            environment=new["environment"],
        )
        return json_response({"github_config": config.as_json()})

    def github_config(self, request: Request, config_id: int) -> Response:
        """``DELETE /api/v1/trusted_publishing/github_configs/{id}``."""
        config = self._service.config_of(config_id)
        self._service.owned_crate(self._owner(request, config.crate), config.crate)
        self._service.remove_config(config_id)
        return Response(status=204)

    def gitlab_configs(self, request: Request) -> Response:
        """``GET ?crate=`` lists a crate's GitLab configs; ``POST`` adds one (crates.io's
        ``create_trustpub_gitlab_config``: the body, the fields, the token, the crate,
        the count, the owner)."""
        if request.method == "GET":
            configs = self._service.gitlab_configs(self._listed(request))
            return self._list("gitlab_configs", [c.as_json() for c in configs])
        new = _new_config(request, "gitlab_config", _GITLAB_FIELDS)
        gitlab.check_config(
            new["namespace"], new["project"], new["workflow_filepath"], new["environment"]
        )
        config = self._service.add_gitlab_config(
            new["crate"],
            owner=self._owner(request, new["crate"]),
            namespace=new["namespace"],
            project=new["project"],
            workflow_filepath=new["workflow_filepath"],
            environment=new["environment"],
        )
        return json_response({"gitlab_config": config.as_json()})

    def gitlab_config(self, request: Request, config_id: int) -> Response:
        """``DELETE /api/v1/trusted_publishing/gitlab_configs/{id}``: 404 for no such
        config, then the token's scope and the crate's ownership, as crates.io."""
        config = self._service.gitlab_config_of(config_id)
        self._service.owned_crate(self._owner(request, config.crate), config.crate)
        self._service.remove_gitlab_config(config_id)
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

    # -- the fake GitLab -------------------------------------------------------------

    def gitlab_discovery(self, request: Request) -> Response:
        """``/_gitlab/.well-known/openid-configuration``."""
        return json_response(self._gitlab.discovery())

    def gitlab_keys(self, request: Request) -> Response:
        """``/_gitlab/oauth/discovery/keys``: the key set the discovery document names."""
        return json_response(self._gitlab.jwks())
