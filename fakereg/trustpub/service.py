"""Trusted publishing's use cases: configs (crates.io's rules), the token exchange and its
revocation. No HTTP here: the routes (``web.py``) decode, call and encode."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypedDict

from ..errors import InvalidError, NotFoundError
from ..storage.store import CrateStore
from . import gitlab, rules
from .gitlab import GitLabConfig
from .rules import GitHubConfig
from .store import Provider, TrustStore
from .verify import JwtVerifier, unverified_issuer

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


class _Project(TypedDict):
    namespace: str
    project: str
    workflow_filepath: str


class GitLabConfigOptions(_Project, total=False):
    """Which GitLab CI/CD jobs a config lets publish: the project's namespace (a group or
    a user, ``group/subgroup`` for a subgroup) and name, the CI file's path in the project
    (``.gitlab-ci.yml``), and (optionally) the job's environment."""

    environment: str | None


class TrustService:
    """One registry's trusted publishing: its configs, and JWTs exchanged for tokens."""

    def __init__(
        self, trust: TrustStore, store: CrateStore, verifiers: Sequence[JwtVerifier]
    ) -> None:
        self.trust = trust
        self._store = store
        self._verifiers = {v.issuer: v for v in verifiers}

    # -- configs -------------------------------------------------------------------------

    def add_config(
        self, crate: str, *, owner: str | None = None, **config: Unpack[GitHubConfigOptions]
    ) -> GitHubConfig:
        """A GitHub config for an existing *crate*, checked in crates.io's order: the
        names, the crate, the count (at most five), then (for a user's request) that
        *owner* owns the crate."""
        repository_owner = config["repository_owner"]
        environment = config.get("environment")
        rules.check_config(
            repository_owner, config["repository_name"], config["workflow_filename"], environment
        )
        canonical = self._room(crate, "github", owner)
        return self.trust.add_config(
            canonical,
            repository_owner=repository_owner,
            repository_owner_id=rules.github_id(repository_owner),
            repository_name=config["repository_name"],
            workflow_filename=config["workflow_filename"],
            environment=environment,
        )

    def add_gitlab_config(
        self, crate: str, *, owner: str | None = None, **config: Unpack[GitLabConfigOptions]
    ) -> GitLabConfig:
        """A GitLab config for an existing *crate*, checked in crates.io's order: the
        fields, the crate, the count (at most five), then (for a user's request) that
        *owner* owns the crate."""
        environment = config.get("environment")
        gitlab.check_config(
            config["namespace"], config["project"], config["workflow_filepath"], environment
        )
        canonical = self._room(crate, "gitlab", owner)
        return self.trust.add_gitlab_config(
            canonical,
            namespace=config["namespace"],
            project=config["project"],
            workflow_filepath=config["workflow_filepath"],
            environment=environment,
        )

    def _room(self, crate: str, provider: Provider, owner: str | None) -> str:
        """The canonical name of *crate*, once it is known to exist, to have room for
        another config of *provider*, and (for a user's request) to be *owner*'s."""
        canonical = self.crate(crate)
        self.trust.check_room(canonical, provider)
        if owner is not None:
            self.owned_crate(owner, canonical)
        return canonical

    def configs(self, crate: str | None = None) -> list[GitHubConfig]:
        """The GitHub configs of *crate* (every crate's when None), oldest first."""
        return self.trust.configs(crate)

    def gitlab_configs(self, crate: str | None = None) -> list[GitLabConfig]:
        """The GitLab configs of *crate* (every crate's when None), oldest first."""
        return self.trust.gitlab_configs(crate)

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
        """The GitHub config numbered *config_id*; NotFoundError otherwise."""
        config = self.trust.config(config_id)
        if config is None:
            raise NotFoundError("Not Found")
        return config

    def gitlab_config_of(self, config_id: int) -> GitLabConfig:
        """The GitLab config numbered *config_id*; NotFoundError otherwise."""
        config = self.trust.gitlab_config(config_id)
        if config is None:
            raise NotFoundError("Not Found")
        return config

    def remove_config(self, config_id: int) -> None:
        self.trust.remove_config(config_id)

    def remove_gitlab_config(self, config_id: int) -> None:
        self.trust.remove_gitlab_config(config_id)

    # -- the exchange --------------------------------------------------------------------

    def exchange(self, jwt: str, audience: str) -> str:
        """A publish token for the crates whose configs match the verified *jwt* (an ID
        token of the fake GitHub or the fake GitLab)."""
        issuer = unverified_issuer(jwt)
        verifier = self._verifiers.get(issuer)
        if verifier is None:
            raise InvalidError(f"Unsupported JWT issuer: {issuer}")
        claims = verifier.verify(jwt, audience)
        # crates.io notes the jti first, in the transaction that a mismatch rolls back:
        # a used JWT says so before any config check, a refused one may be tried again.
        if self.trust.jti_used(str(claims["jti"])):
            raise InvalidError("JWT has already been used")
        if verifier.provider == "gitlab":
            return self._exchange_gitlab(claims)
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

    def _exchange_gitlab(self, claims: dict[str, Any]) -> str:
        match = gitlab.matching_configs(self.trust.gitlab_configs(), claims)
        job = {  # crates.io's `TrustpubData::GitLab`
            "provider": "gitlab",
            "project_path": claims["project_path"],
            "job_id": claims["job_id"],
            "sha": claims["sha"],
        }
        return self.trust.exchange(
            str(claims["jti"]),
            float(claims["exp"]),
            [c.crate for c in match.configs],
            job,
            bind=(match.bind, match.namespace_id),
        )

    def revoke(self, token: str) -> None:
        """End an exchanged token (its format checked first)."""
        rules.check_token(token)
        self.trust.revoke(token)
