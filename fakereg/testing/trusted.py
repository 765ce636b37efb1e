"""Trusted publishing as a test sets it up: a crate's trusted publishers, and the
environment a GitHub Actions job or a GitLab CI/CD job would get from the fake GitHub or
the fake GitLab beside the registry."""

from __future__ import annotations

from typing import Any

from ..trustpub.service import TrustService
from .gitlab import DEFAULT_ID_TOKEN_VARIABLE, GitLabOidc
from .oidc import GitHubOidc

# The job a test gets when it names none (`FakeRegistry.github_actions_env` and
# `gitlab_ci_env`, and the control API's routes for them).
DEFAULT_REPOSITORY = "owner/repo"
DEFAULT_WORKFLOW = "release.yml"
DEFAULT_GITHUB_REF = "refs/heads/main"
DEFAULT_PROJECT = "group/project"
DEFAULT_WORKFLOW_FILEPATH = ".gitlab-ci.yml"
DEFAULT_GITLAB_REF = "main"

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


#: GitLab's predefined variables that repeat a claim of the job's ID tokens.
_GITLAB_ENV_FROM_CLAIMS = {
    "CI_PROJECT_ID": "project_id",
    "CI_PROJECT_PATH": "project_path",
    "CI_PROJECT_NAMESPACE": "namespace_path",
    "CI_PROJECT_NAMESPACE_ID": "namespace_id",
    "CI_PROJECT_VISIBILITY": "project_visibility",
    "CI_COMMIT_SHA": "sha",
    "CI_COMMIT_REF_NAME": "ref",
    "CI_COMMIT_REF_PROTECTED": "ref_protected",
    "CI_PIPELINE_ID": "pipeline_id",
    "CI_PIPELINE_SOURCE": "pipeline_source",
    "CI_JOB_ID": "job_id",
    "CI_RUNNER_ID": "runner_id",
    "GITLAB_USER_ID": "user_id",
    "GITLAB_USER_LOGIN": "user_login",
    "GITLAB_USER_EMAIL": "user_email",
}


class TrustedPublishing:
    """Configs and fake GitHub and GitLab jobs for one running registry, as a test sets
    them up."""

    def __init__(self, service: TrustService, oidc: GitHubOidc, gitlab: GitLabOidc) -> None:
        self.service = service
        self.oidc = oidc
        self.gitlab = gitlab

    def github_actions_env(
        self,
        /,
        repository: str = DEFAULT_REPOSITORY,
        workflow: str = DEFAULT_WORKFLOW,
        ref: str = DEFAULT_GITHUB_REF,
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

    def gitlab_ci_env(
        self,
        /,
        project: str = DEFAULT_PROJECT,
        workflow_filepath: str = DEFAULT_WORKFLOW_FILEPATH,
        ref: str = DEFAULT_GITLAB_REF,
        environment: str | None = None,
        *,
        id_token_variable: str = DEFAULT_ID_TOKEN_VARIABLE,
        **claims: Any,
    ) -> dict[str, str]:
        """What `FakeRegistry.gitlab_ci_env` does (documented there)."""
        job = self.gitlab.job_claims(project, workflow_filepath, ref, environment, claims)
        server = self.gitlab.issuer
        scheme, _, host_port = server.partition("://")
        host, _, port = host_port.partition("/")[0].partition(":")
        env = {
            "CI": "true",
            "GITLAB_CI": "true",
            "CI_SERVER": "yes",
            "CI_SERVER_URL": server,
            "CI_SERVER_PROTOCOL": scheme,
            "CI_SERVER_HOST": host,
            "CI_SERVER_PORT": port or ("443" if scheme == "https" else "80"),
            "CI_PROJECT_NAME": str(job["project_path"]).rsplit("/", 1)[-1],
            "CI_PROJECT_ROOT_NAMESPACE": str(job["namespace_path"]).split("/", 1)[0],
            "CI_PROJECT_URL": f"{server}/{job['project_path']}",
            "CI_CONFIG_PATH": workflow_filepath,
            "CI_COMMIT_SHORT_SHA": str(job["sha"])[:8],
            "CI_JOB_NAME": "publish",
            "CI_JOB_STAGE": "deploy",
            id_token_variable: self.gitlab.id_token(job),
        }
        ref_kind = "CI_COMMIT_TAG" if job["ref_type"] == "tag" else "CI_COMMIT_BRANCH"
        env[ref_kind] = str(job["ref"])
        if "environment" in job:
            env["CI_ENVIRONMENT_NAME"] = str(job["environment"])
        env.update({name: str(job[claim]) for name, claim in _GITLAB_ENV_FROM_CLAIMS.items()})
        return env
