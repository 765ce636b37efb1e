"""crates.io's trusted publishing for GitLab CI/CD: the config's field rules, the config,
and how a GitLab ID token's claims pick the configs it satisfies.

The rules are crates.io's (``crates/crates_io_trustpub/src/gitlab/`` and
``src/controllers/trustpub/tokens/exchange/mod.rs``, ``handle_gitlab_token_inner``, in
rust-lang/crates.io), messages included. A config names a GitLab *namespace* (a group or a
user, subgroups included: ``group/subgroup``), a *project* in it, the CI file's path in the
project (``workflow_filepath``, matched against the path the token's ``ci_config_ref_uri``
names) and optionally an *environment*. Its ``namespace_id`` is unknown when it is made:
the first token exchanged against it binds it, and later tokens must carry the same one
(crates.io's guard against a namespace deleted and taken by someone else).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidError
from .rules import match_environment, narrow

MAX_FIELD_LENGTH = 255

#: The claims a GitLab ID token must carry as strings for crates.io (``GitLabClaims``);
#: ``environment`` may be absent.
REQUIRED_CLAIMS = ("jti", "namespace_id", "project_path", "ci_config_ref_uri", "job_id", "sha")

_NAMESPACE_RE = re.compile(r"[a-zA-Z0-9](?:[a-zA-Z0-9_.\-/]*[a-zA-Z0-9])?\Z")
_PROJECT_RE = re.compile(r"[a-zA-Z0-9](?:[a-zA-Z0-9_.\-]*[a-zA-Z0-9])?\Z")
_ENVIRONMENT_RE = re.compile(r"[a-zA-Z0-9 \-_/${}]+\Z")


def _too_long(value: str) -> bool:
    return len(value.encode()) > MAX_FIELD_LENGTH  # Rust's `len()`: bytes


def check_namespace(namespace: str) -> None:
    """InvalidError unless *namespace* passes crates.io's ``validate_namespace``."""
    if not namespace:
        raise InvalidError("GitLab namespace may not be empty")
    if _too_long(namespace):
        raise InvalidError(
            f"GitLab namespace is too long (maximum is {MAX_FIELD_LENGTH} characters)"
        )
    if namespace.endswith((".atom", ".git")):
        raise InvalidError("GitLab namespace cannot end with .atom or .git")
    if not _NAMESPACE_RE.match(namespace):
        raise InvalidError("Invalid GitLab namespace")


def check_project(project: str) -> None:
    """InvalidError unless *project* passes crates.io's ``validate_project``."""
    if not project:
        raise InvalidError("GitLab project name may not be empty")
    if _too_long(project):
        raise InvalidError(
            f"GitLab project name is too long (maximum is {MAX_FIELD_LENGTH} characters)"
        )
    if project.endswith((".atom", ".git")):
        raise InvalidError("GitLab project name cannot end with .atom or .git")
    if not _PROJECT_RE.match(project):
        raise InvalidError("Invalid GitLab project name")


def check_workflow_filepath(filepath: str) -> None:
    """InvalidError unless *filepath* passes crates.io's ``validate_workflow_filepath``."""
    if not filepath:
        raise InvalidError("Workflow filepath may not be empty")
    if _too_long(filepath):
        raise InvalidError(
            f"Workflow filepath is too long (maximum is {MAX_FIELD_LENGTH} characters)"
        )
    if filepath.startswith("/"):
        raise InvalidError("Workflow filepath cannot start with /")
    if filepath.endswith("/"):
        raise InvalidError("Workflow filepath cannot end with /")
    if not filepath.endswith((".yml", ".yaml")):
        raise InvalidError("Workflow filepath must end with `.yml` or `.yaml`")


def check_environment(environment: str) -> None:
    """InvalidError unless *environment* passes crates.io's GitLab ``validate_environment``
    (GitLab's own environment names: letters, digits, spaces, ``-_/${}``)."""
    if not environment:
        raise InvalidError("Environment name may not be empty (use `null` to omit)")
    if _too_long(environment):
        raise InvalidError(
            f"Environment name is too long (maximum is {MAX_FIELD_LENGTH} characters)"
        )
    if not _ENVIRONMENT_RE.match(environment):
        raise InvalidError("Environment name contains invalid characters")


def check_config(
    namespace: str, project: str, workflow_filepath: str, environment: str | None
) -> None:
    """A new config's fields, checked in crates.io's order (before the token is looked at:
    ``create_trustpub_gitlab_config``)."""
    check_namespace(namespace)
    check_project(project)
    check_workflow_filepath(workflow_filepath)
    if environment is not None:
        check_environment(environment)


def gitlab_id(path: str) -> str:
    """The numeric id (a string, as GitLab's claims carry it) the fake GitLab gives a
    namespace or project path; stable, and unlike the fake GitHub's ids."""
    return str(zlib.crc32(f"gitlab:{path.lower()}".encode()) % 90_000_000 + 10_000_000)


def workflow_filepath(ci_config_ref_uri: str) -> str | None:
    """The CI file's path in ``gitlab.com/group/project//path/ci.yml@refs/heads/main``
    (``path/ci.yml``), or None: crates.io's ``extract_workflow_filepath``."""
    start = ci_config_ref_uri.find("//")
    if start < 0:
        return None
    rest = ci_config_ref_uri[start + 2 :]
    end = rest.rfind("@")
    if end < 0:
        return None
    filepath = rest[:end]
    if not filepath.endswith((".yml", ".yaml")):
        return None
    if filepath.rsplit("/", 1)[-1] in (".yml", ".yaml"):
        return None
    return filepath


@dataclass(frozen=True)
class GitLabConfig:
    """A crate's trusted publisher on GitLab CI/CD."""

    id: int
    crate: str
    namespace: str
    namespace_id: str | None
    project: str
    workflow_filepath: str
    environment: str | None
    created_at: str

    def as_json(self) -> dict[str, Any]:
        """crates.io's ``GitLabConfig`` view (its OpenAPI schema's fields, in order)."""
        return {
            "id": self.id,
            "crate": self.crate,
            "namespace": self.namespace,
            "namespace_id": self.namespace_id,
            "project": self.project,
            "workflow_filepath": self.workflow_filepath,
            "environment": self.environment,
            "created_at": self.created_at,
        }


@dataclass(frozen=True)
class GitLabMatch:
    """The configs a token satisfied, and the ids of its project's configs whose
    ``namespace_id`` the exchange binds to the token's (when it succeeds)."""

    configs: list[GitLabConfig]
    bind: tuple[int, ...]
    namespace_id: str


def matching_configs(configs: Sequence[GitLabConfig], claims: Mapping[str, Any]) -> GitLabMatch:
    """The configs a verified GitLab JWT's *claims* satisfy, or InvalidError saying why
    none does, in crates.io's order of checks and words."""
    project_path = str(claims["project_path"])
    # subgroups belong to the namespace: `foo/bar/baz` is namespace `foo/bar`, project `baz`
    namespace, slash, project = project_path.rpartition("/")
    if not slash:
        raise InvalidError("Unexpected `project_path` value")
    filepath = workflow_filepath(str(claims["ci_config_ref_uri"]))
    if filepath is None:
        raise InvalidError("Unexpected `ci_config_ref_uri` value")
    found = narrow(
        configs,
        lambda c: c.namespace.lower() == namespace.lower() and c.project.lower() == project.lower(),
        lambda _: f"No Trusted Publishing config found for repository `{project_path}`.",
    )
    namespace_id = str(claims["namespace_id"])
    bind = tuple(c.id for c in found if c.namespace_id is None)
    found = narrow(
        found,
        lambda c: c.namespace_id in (None, namespace_id),
        lambda rest: (
            f"The Trusted Publishing config for repository `{project_path}` does not match the "
            f"namespace ID ({namespace_id}) in the JWT. Expected namespace IDs: "
            f"{', '.join(str(c.namespace_id) for c in rest)}. Please recreate the Trusted "
            "Publishing config to update the namespace ID."
        ),
    )
    found = narrow(
        found,
        lambda c: c.workflow_filepath == filepath,
        lambda rest: (
            f"The Trusted Publishing config for repository `{project_path}` does not match the "
            f"workflow filepath `{filepath}` in the JWT. Expected workflow filepaths: "
            f"{', '.join(f'`{c.workflow_filepath}`' for c in rest)}"
        ),
    )
    kept = match_environment(found, claims, project_path)
    return GitLabMatch(kept, bind, namespace_id)
