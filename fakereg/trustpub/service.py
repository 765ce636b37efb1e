"""Trusted publishing's use cases: configs (crates.io's rules), the token exchange and its
revocation. No HTTP here: the routes (``web.py``) decode, call and encode."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

from ..errors import InvalidError, NotFoundError
from ..storage.store import CrateStore
from . import rules
from .rules import GitHubConfig
from .store import TrustStore
from .verify import JwtVerifier

if TYPE_CHECKING:
    from typing_extensions import Unpack


class _Repository(TypedDict):
    repository_owner: str
    repository_name: str
    workflow_filename: str


class GitHubConfigOptions(_Repository, total=False):
    """Which GitHub Actions runs a config lets publish: the repository's owner and name,
    the workflow's file name, and (optionally) the deployment environment."""

    environment: str | None


class TrustService:
    """One registry's trusted publishing: its configs, and JWTs exchanged for tokens."""

    def __init__(self, trust: TrustStore, store: CrateStore, verifier: JwtVerifier) -> None:
        self.trust = trust
        self._store = store
        self._verifier = verifier

    # -- configs -------------------------------------------------------------------------

    def add_config(self, crate: str, **config: Unpack[GitHubConfigOptions]) -> GitHubConfig:
        """A GitHub config for an existing *crate*, its names checked as crates.io checks
        them; at most five a crate."""
        owner = config["repository_owner"]
        environment = config.get("environment")
        rules.check_owner(owner)
        rules.check_repository(config["repository_name"])
        rules.check_workflow(config["workflow_filename"])
        if environment is not None:
            rules.check_environment(environment)
        canonical = self.crate(crate)
        return self.trust.add_config(
            canonical,
            repository_owner=owner,
            repository_owner_id=rules.github_id(owner),
            repository_name=config["repository_name"],
            workflow_filename=config["workflow_filename"],
            environment=environment,
        )

    def configs(self, crate: str | None = None) -> list[GitHubConfig]:
        """The configs of *crate* (every crate's when None), oldest first."""
        return self.trust.configs(crate)

    def crate(self, name: str) -> str:
        """The canonical name of an existing crate; NotFoundError otherwise."""
        canonical = self._store.canonical(name)
        if canonical is None:
            raise NotFoundError(f"crate `{name}` does not exist")
        return canonical

    def owned_crate(self, login: str, name: str) -> str:
        """The canonical name of *name*, which *login* must own (crates.io's words)."""
        canonical = self.crate(name)
        if login not in self._store.owners(canonical):
            raise InvalidError("You are not an owner of this crate")
        return canonical

    def config_of(self, config_id: int) -> GitHubConfig:
        """The config numbered *config_id*; NotFoundError otherwise."""
        config = self.trust.config(config_id)
        if config is None:
            raise NotFoundError("Not Found")
        return config

    def remove_config(self, config_id: int) -> None:
        self.trust.remove_config(config_id)

    # -- the exchange --------------------------------------------------------------------

    def exchange(self, jwt: str, audience: str) -> str:
        """A publish token for the crates whose configs match the verified *jwt*."""
        claims = self._verifier.verify(jwt, audience)
        # crates.io notes the jti first, in the transaction that a mismatch rolls back:
        # a used JWT says so before any config check, a refused one may be tried again.
        if self.trust.jti_used(str(claims["jti"])):
            raise InvalidError("JWT has already been used")
        configs = rules.matching_configs(self.trust.configs(), claims)
        run = {
            "provider": "github",
            "repository": claims["repository"],
            "run_id": str(claims.get("run_id", "")),
            "sha": str(claims.get("sha", "")),
        }
        return self.trust.exchange(
            str(claims["jti"]), float(claims["exp"]), [c.crate for c in configs], run
        )

    def revoke(self, token: str) -> None:
        """End an exchanged token (its format checked first)."""
        rules.check_token(token)
        self.trust.revoke(token)
