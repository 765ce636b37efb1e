"""A fake GitLab CI/CD OIDC provider: the other side of GitLab trusted publishing.

GitLab gives a job the ID tokens its ``id_tokens:`` entry asks for, each in an environment
variable the entry names, minted when the job starts (crates.io's documented job names
``CRATES_IO_ID_TOKEN`` with ``aud: crates.io``). The fake does the same: a job's
environment (``TrustedPublishing.gitlab_ci_env``) holds one RS256 JWT signed by the
provider's key, with GitLab's claims (``namespace_id``, ``project_path``,
``ci_config_ref_uri``, ``ref``, ``environment``, ``job_id``, ``sha``, …). The issuer is the
fake instance's URL, ``<registry>/_gitlab``, as GitLab's ``iss`` is its instance's URL; it
serves ``/.well-known/openid-configuration`` and the key set it names,
``/oauth/discovery/keys`` (GitLab's path).
"""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa

from ..errors import InvalidError
from ..trustpub.gitlab import gitlab_id
from .oidc import SigningKey

#: The variable crates.io's GitLab example names in its job's ``id_tokens:``.
DEFAULT_ID_TOKEN_VARIABLE = "CRATES_IO_ID_TOKEN"  # noqa: S105 - a variable name, not a secret

#: How long a job's ID token lasts, in seconds: GitLab makes it last the job's timeout
#: (a project's default is an hour).
ID_TOKEN_LIFETIME = 3600

#: The claims GitLab's ID tokens carry (the ``environment`` ones when the job has one).
CLAIMS = (
    "iss",
    "sub",
    "aud",
    "exp",
    "nbf",
    "iat",
    "jti",
    "namespace_id",
    "namespace_path",
    "project_id",
    "project_path",
    "user_id",
    "user_login",
    "user_email",
    "user_access_level",
    "job_project_id",
    "job_project_path",
    "job_namespace_id",
    "job_namespace_path",
    "pipeline_id",
    "pipeline_source",
    "job_id",
    "ref",
    "ref_type",
    "ref_path",
    "ref_protected",
    "environment",
    "environment_protected",
    "deployment_tier",
    "environment_action",
    "runner_id",
    "runner_environment",
    "sha",
    "project_visibility",
    "ci_config_ref_uri",
    "ci_config_sha",
)


def _ref(ref: str) -> tuple[str, str, str]:
    """``(ref, ref_type, ref_path)`` of a full ref or a branch name."""
    for prefix, kind in (("refs/tags/", "tag"), ("refs/heads/", "branch")):
        if ref.startswith(prefix):
            return ref[len(prefix) :], kind, ref
    return ref, "branch", f"refs/heads/{ref}"


class GitLabOidc:
    """The fake GitLab instance of one registry: its signing key and discovery documents,
    and its jobs' ID tokens."""

    def __init__(self, base_url: str, audience: str) -> None:
        #: The instance's URL (``CI_SERVER_URL``), which is also its tokens' issuer.
        self.issuer = f"{base_url}/_gitlab"
        #: The ``aud`` a job's token gets unless its claims say otherwise: what the
        #: registry's exchange wants (``crates.io`` on crates.io).
        self.audience = audience
        self._key = SigningKey()

    def discovery(self) -> dict[str, Any]:
        """``{issuer}/.well-known/openid-configuration``, in GitLab's shape."""
        return {
            "issuer": self.issuer,
            "jwks_uri": f"{self.issuer}/oauth/discovery/keys",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid"],
            "claims_supported": list(CLAIMS),
        }

    def jwks(self) -> dict[str, Any]:
        """The key set the discovery document names."""
        return self._key.jwks()

    def public_keys(self) -> dict[str, rsa.RSAPublicKey]:
        """The keys it signs with, by key id (what its JWKS publishes)."""
        return self._key.public_keys()

    def job_claims(
        self,
        project: str,
        workflow_filepath: str,
        ref: str,
        environment: str | None,
        claims: Mapping[str, Any],
    ) -> dict[str, Any]:
        """The claims of the ID token of a job of *project* (``namespace/name``, the
        namespace possibly a subgroup path) run from *workflow_filepath* at *ref* (a full
        ref, or a branch name); *claims* override GitLab's own."""
        namespace, slash, name = project.rpartition("/")
        if not slash or not namespace or not name:
            raise InvalidError(f"project must be 'namespace/name', not {project!r}")
        short, ref_type, ref_path = _ref(ref)
        login = namespace.split("/", 1)[0]
        sha = secrets.token_hex(20)
        host = self.issuer.split("://", 1)[-1]
        now = int(time.time())
        base: dict[str, Any] = {
            "iss": self.issuer,
            "sub": f"project_path:{project}:ref_type:{ref_type}:ref:{short}",
            "aud": self.audience,
            "exp": now + ID_TOKEN_LIFETIME,
            "nbf": now - 5,
            "iat": now,
            "jti": str(uuid.uuid4()),
            "namespace_id": gitlab_id(namespace),
            "namespace_path": namespace,
            "project_id": gitlab_id(project),
            "project_path": project,
            "user_id": gitlab_id(f"user:{login}"),
            "user_login": login,
            "user_email": f"{login}@example.com",
            "user_access_level": "owner",
            "job_project_id": gitlab_id(project),
            "job_project_path": project,
            "job_namespace_id": gitlab_id(namespace),
            "job_namespace_path": namespace,
            "pipeline_id": str(secrets.randbelow(9 * 10**9) + 10**9),
            "pipeline_source": "push",
            "job_id": str(secrets.randbelow(9 * 10**10) + 10**10),
            "ref": short,
            "ref_type": ref_type,
            "ref_path": ref_path,
            "ref_protected": "true",
            "runner_id": secrets.randbelow(9 * 10**7) + 10**7,
            "runner_environment": "gitlab-hosted",
            "sha": sha,
            "project_visibility": "public",
            "ci_config_ref_uri": f"{host}/{project}//{workflow_filepath}@{ref_path}",
            "ci_config_sha": sha,
        }
        if environment is not None:
            base.update(
                environment=environment,
                environment_protected="false",
                deployment_tier="other",
                environment_action="start",
            )
        base.update(claims)
        return base

    def id_token(self, claims: Mapping[str, Any]) -> str:
        """*claims* signed by the instance's key: the JWT GitLab puts in the job's
        variable."""
        return self._key.sign(claims)
