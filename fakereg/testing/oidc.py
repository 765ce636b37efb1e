"""A fake GitHub Actions OIDC provider: the other side of trusted publishing.

A job asks ``$ACTIONS_ID_TOKEN_REQUEST_URL&audience=AUD`` with ``Authorization: Bearer
$ACTIONS_ID_TOKEN_REQUEST_TOKEN`` and gets ``{"value": "<jwt>"}``, as ``@actions/core``'s
``getIDToken`` does on a runner; the JWT is RS256-signed by a key of the provider (made on
first use: an RSA key costs tens of milliseconds) and carries GitHub's claims. The
provider's issuer URL serves the OIDC discovery document and the JWKS it names, so a
verifier can find the key as it finds GitHub's. JWTs are signed and verified with PyJWT.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import uuid
from collections.abc import Mapping
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from ..errors import InvalidError
from ..trustpub.rules import github_id

#: The claims GitHub's ID tokens carry (besides an ``environment`` when the job has one).
CLAIMS = (
    "sub",
    "aud",
    "exp",
    "iat",
    "iss",
    "jti",
    "nbf",
    "ref",
    "sha",
    "repository",
    "repository_id",
    "repository_owner",
    "repository_owner_id",
    "run_id",
    "run_number",
    "run_attempt",
    "actor",
    "actor_id",
    "workflow",
    "workflow_ref",
    "workflow_sha",
    "head_ref",
    "base_ref",
    "event_name",
    "ref_type",
    "environment",
    "job_workflow_ref",
    "job_workflow_sha",
    "repository_visibility",
    "runner_environment",
)

#: How long a GitHub ID token lasts, in seconds.
ID_TOKEN_LIFETIME = 300


class SigningKey:
    """An identity provider's RS256 key (made on first use), its id, and its key set."""

    def __init__(self) -> None:
        self.kid = uuid.uuid4().hex
        self._key: rsa.RSAPrivateKey | None = None
        self._lock = threading.Lock()

    def _private_key(self) -> rsa.RSAPrivateKey:
        with self._lock:
            if self._key is None:
                self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            return self._key

    def sign(self, claims: Mapping[str, Any]) -> str:
        """*claims* as a JWT signed with this key, its ``kid`` in the header."""
        return jwt.encode(
            dict(claims), self._private_key(), algorithm="RS256", headers={"kid": self.kid}
        )

    def jwks(self) -> dict[str, Any]:
        """The JWK set that publishes this key."""
        jwk = json.loads(RSAAlgorithm.to_jwk(self._private_key().public_key()))
        jwk.update({"kid": self.kid, "use": "sig", "alg": "RS256"})
        return {"keys": [jwk]}

    def public_keys(self) -> dict[str, rsa.RSAPublicKey]:
        """The public key by its id (what the JWK set publishes)."""
        return {self.kid: self._private_key().public_key()}


class GitHubOidc:
    """The provider of one registry: its signing key, and the jobs it knows."""

    def __init__(self, base_url: str) -> None:
        self.issuer = f"{base_url}/_github/oidc"
        self.token_url = f"{base_url}/_github/idtoken?api-version=2.0"
        self._key = SigningKey()
        self._jobs: dict[str, dict[str, Any]] = {}  # request token -> the job's claims
        self._lock = threading.Lock()

    def discovery(self) -> dict[str, Any]:
        """``{issuer}/.well-known/openid-configuration``, in GitHub's shape."""
        return {
            "issuer": self.issuer,
            "jwks_uri": f"{self.issuer}/.well-known/jwks",
            "subject_types_supported": ["public", "pairwise"],
            "response_types_supported": ["id_token"],
            "claims_supported": list(CLAIMS),
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid"],
        }

    def jwks(self) -> dict[str, Any]:
        """The key set the discovery document names."""
        return self._key.jwks()

    def new_job(
        self,
        repository: str,
        workflow: str,
        ref: str,
        environment: str | None,
        claims: Mapping[str, Any],
    ) -> tuple[str, dict[str, Any]]:
        """A job's request token and its claims (before the times and ``jti`` each token
        gets); *claims* override GitHub's own."""
        owner, _, name = repository.partition("/")
        if not owner or not name:
            raise InvalidError(f"repository must be 'owner/name', not {repository!r}")
        run_id = str(secrets.randbelow(9 * 10**9) + 10**9)
        sha = secrets.token_hex(20)
        workflow_ref = f"{repository}/.github/workflows/{workflow}@{ref}"
        subject = f"repo:{repository}:" + (
            f"environment:{environment}" if environment else f"ref:{ref}"
        )
        base: dict[str, Any] = {
            "sub": subject,
            "ref": ref,
            "sha": sha,
            "repository": repository,
            "repository_owner": owner,
            "repository_owner_id": str(github_id(owner)),
            "repository_id": str(github_id(repository)),
            "repository_visibility": "public",
            "run_id": run_id,
            "run_number": "1",
            "run_attempt": "1",
            "actor": owner,
            "actor_id": str(github_id(owner)),
            "workflow": workflow.rsplit(".", 1)[0],
            "head_ref": "",
            "base_ref": "",
            "event_name": "push",
            "ref_type": "tag" if ref.startswith("refs/tags/") else "branch",
            "workflow_ref": workflow_ref,
            "workflow_sha": sha,
            "job_workflow_ref": workflow_ref,
            "job_workflow_sha": sha,
            "runner_environment": "github-hosted",
        }
        if environment is not None:
            base["environment"] = environment
        base.update(claims)
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._jobs[token] = base
        return token, dict(base)

    def id_token(self, request_token: str, audience: str | None) -> str | None:
        """A fresh JWT for the job holding *request_token*, or None for an unknown token."""
        with self._lock:
            job = self._jobs.get(request_token)
        if job is None:
            return None
        owner = job.get("repository_owner", "")
        now = int(time.time())
        claims = {
            "jti": str(uuid.uuid4()),
            "aud": audience or f"https://github.com/{owner}",
            "iss": self.issuer,
            "nbf": now - 5,
            "iat": now,
            "exp": now + ID_TOKEN_LIFETIME,
        }
        claims.update(job)  # a job's own times (an expired token, say) win
        return self._key.sign(claims)

    def public_keys(self) -> dict[str, rsa.RSAPublicKey]:
        """The keys it signs with, by key id (what its JWKS publishes)."""
        return self._key.public_keys()
