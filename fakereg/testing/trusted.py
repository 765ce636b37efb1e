"""Trusted publishing as a test sets it up: a crate's GitHub trusted publishers, and the
environment a GitHub Actions job would get from the fake GitHub beside the registry."""

from __future__ import annotations

from typing import Any

from ..trustpub.service import TrustService
from .oidc import GitHubOidc

#: The runner variables that repeat a claim of the job's ID tokens.
_ENV_FROM_CLAIMS = {
    "GITHUB_REPOSITORY": "repository",
    "GITHUB_REPOSITORY_OWNER": "repository_owner",
    "GITHUB_REPOSITORY_ID": "repository_id",
    "GITHUB_REPOSITORY_OWNER_ID": "repository_owner_id",
    "GITHUB_WORKFLOW": "workflow",
    "GITHUB_WORKFLOW_REF": "workflow_ref",
    "GITHUB_WORKFLOW_SHA": "workflow_sha",
    "GITHUB_REF": "ref",
    "GITHUB_REF_TYPE": "ref_type",
    "GITHUB_SHA": "sha",
    "GITHUB_RUN_ID": "run_id",
    "GITHUB_RUN_NUMBER": "run_number",
    "GITHUB_RUN_ATTEMPT": "run_attempt",
    "GITHUB_EVENT_NAME": "event_name",
    "GITHUB_ACTOR": "actor",
    "GITHUB_ACTOR_ID": "actor_id",
    "RUNNER_ENVIRONMENT": "runner_environment",
}


class TrustedPublishing:
    """Configs and fake GitHub jobs for one running registry, as a test sets them up."""

    def __init__(self, service: TrustService, oidc: GitHubOidc) -> None:
        self.service = service
        self.oidc = oidc

    def github_actions_env(
        self,
        /,
        repository: str = "owner/repo",
        workflow: str = "release.yml",
        ref: str = "refs/heads/main",
        environment: str | None = None,
        **claims: Any,
    ) -> dict[str, str]:
        """What `FakeRegistry.github_actions_env` does (documented there)."""
        token, job = self.oidc.new_job(repository, workflow, ref, environment, claims)
        env = {
            "GITHUB_ACTIONS": "true",
            "CI": "true",
            "ACTIONS_ID_TOKEN_REQUEST_URL": self.oidc.token_url,
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN": token,
            "GITHUB_REF_NAME": str(job["ref"]).rsplit("/", 1)[-1],
            "GITHUB_JOB": "release",
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_API_URL": "https://api.github.com",
            "RUNNER_OS": "Linux",
        }
        env.update({name: str(job[claim]) for name, claim in _ENV_FROM_CLAIMS.items()})
        return env
