"""crates.io's trusted publishing for GitHub Actions: configs, the claims they must match,
and the short-lived tokens an exchange gives, whatever the provider (``crates_io_trustpub``,
and ``controllers/trustpub`` in rust-lang/crates.io). Messages are crates.io's. GitLab's
configs and claims are in ``gitlab.py``."""

from __future__ import annotations

import re
import secrets
import string
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from ..errors import InvalidError, UnauthorizedError

MAX_FIELD_LENGTH = 255
MAX_CONFIGS_PER_CRATE = 5
TOKEN_PREFIX = "cio_tp_"  # noqa: S105 - the prefix of every token, not a secret
_TOKEN_RAW_LENGTH = 31
_ALPHANUMERIC = string.ascii_uppercase + string.ascii_lowercase + string.digits
#: How long an exchanged token lasts, in seconds (crates.io: 30 minutes).
TOKEN_LIFETIME = 30 * 60
#: The leeway crates.io allows on a JWT's times, in seconds.
JWT_LEEWAY = 60

#: The claims a GitHub ID token must carry as strings for crates.io (``GitHubClaims``);
#: ``environment`` may be absent.
REQUIRED_CLAIMS = (
    "jti",
    "repository_owner_id",
    "repository",
    "workflow_ref",
    "event_name",
    "run_id",
    "sha",
)

_OWNER_RE = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9-]*\Z")
_REPO_RE = re.compile(r"[a-zA-Z0-9-_.]+\Z")
_ENV_BAD_RE = re.compile(r"[\x00-\x1F\x7F'\"`,;\\]")
_WORKFLOW_REF_RE = re.compile(r"([^/]+\.(yml|yaml))(@.+)")


def _check_length(value: str, empty: str, too_long: str) -> None:
    if not value:
        raise InvalidError(empty)
    if len(value) > MAX_FIELD_LENGTH:
        raise InvalidError(f"{too_long} is too long (maximum is {MAX_FIELD_LENGTH} characters)")


def check_owner(owner: str) -> None:
    _check_length(
        owner, "GitHub repository owner name may not be empty", "GitHub repository owner name"
    )
    if not _OWNER_RE.match(owner):
        raise InvalidError("Invalid GitHub repository owner name")


def check_repository(name: str) -> None:
    _check_length(name, "GitHub repository name may not be empty", "GitHub repository name")
    if not _REPO_RE.match(name):
        raise InvalidError("Invalid GitHub repository name")


def check_workflow(filename: str) -> None:
    _check_length(filename, "Workflow filename may not be empty", "Workflow filename")
    if not filename.endswith((".yml", ".yaml")):
        raise InvalidError("Workflow filename must end with `.yml` or `.yaml`")
    if "/" in filename:
        raise InvalidError("Workflow filename must be a filename only, without directories")


def check_environment(environment: str) -> None:
    _check_length(
        environment, "Environment name may not be empty (use `null` to omit)", "Environment name"
    )
    if environment.startswith(" "):
        raise InvalidError("Environment name may not start with whitespace")
    if environment.endswith(" "):
        raise InvalidError("Environment name may not end with whitespace")
    if _ENV_BAD_RE.search(environment):
        raise InvalidError(
            "Environment name must not contain non-printable characters or the characters "
            '"\'", \'"\', "`", ",", ";", "\\"'
        )


def check_config(owner: str, repository: str, workflow: str, environment: str | None) -> None:
    """A new GitHub config's names, checked in crates.io's order (before the token is
    looked at: ``create_trustpub_github_config``)."""
    check_owner(owner)
    check_repository(repository)
    check_workflow(workflow)
    if environment is not None:
        check_environment(environment)


def github_id(login: str) -> int:
    """The numeric id the fake GitHub gives an account or repository name (stable)."""
    return zlib.crc32(login.lower().encode()) % 90_000_000 + 10_000_000


def workflow_filename(workflow_ref: str) -> str | None:
    """``release.yml`` of ``owner/repo/.github/workflows/release.yml@refs/heads/main``."""
    match = _WORKFLOW_REF_RE.search(workflow_ref)
    return match.group(1) if match else None


@dataclass(frozen=True)
class GitHubConfig:
    """A crate's trusted publisher on GitHub Actions."""

    id: int
    crate: str
    repository_owner: str
    repository_owner_id: int
    repository_name: str
    workflow_filename: str
    environment: str | None
    created_at: str

    def as_json(self) -> dict[str, Any]:
        """crates.io's ``GitHubConfig`` view."""
        return {
            "id": self.id,
            "crate": self.crate,
            "repository_owner": self.repository_owner,
            "repository_owner_id": self.repository_owner_id,
            "repository_name": self.repository_name,
            "workflow_filename": self.workflow_filename,
            "environment": self.environment,
            "created_at": self.created_at,
        }


def matching_configs(
    configs: Sequence[GitHubConfig], claims: Mapping[str, Any]
) -> list[GitHubConfig]:
    """The configs a verified GitHub JWT's *claims* satisfy, or InvalidError saying why
    none does, in crates.io's order of checks and words."""
    event = claims.get("event_name")
    if event in ("pull_request_target", "workflow_run"):
        raise InvalidError(
            f"Trusted Publishing does not support the `{event}` event trigger due to security "
            "concerns. Please use a different trigger such as `push`, `release`, or "
            "`workflow_dispatch`."
        )
    repo = str(claims.get("repository", ""))
    owner, slash, name = repo.partition("/")
    if not slash:
        raise InvalidError("Unexpected `repository` value")
    workflow = workflow_filename(str(claims.get("workflow_ref", "")))
    if workflow is None:
        raise InvalidError("Unexpected `workflow_ref` value")
    try:
        owner_id = int(str(claims.get("repository_owner_id", "")))
    except ValueError:
        raise InvalidError("Unexpected `repository_owner_id` value") from None
    found = narrow(
        configs,
        lambda c: (
            c.repository_owner.lower() == owner.lower()
            and c.repository_name.lower() == name.lower()
        ),
        lambda _: f"No Trusted Publishing config found for repository `{repo}`.",
    )
    found = narrow(
        found,
        lambda c: c.repository_owner_id == owner_id,
        lambda rest: (
            f"The Trusted Publishing config for repository `{repo}` does not match the "
            f"repository owner ID ({owner_id}) in the JWT. Expected owner IDs: "
            f"{', '.join(str(c.repository_owner_id) for c in rest)}. Please recreate the "
            "Trusted Publishing config to update the repository owner ID."
        ),
    )
    found = narrow(
        found,
        lambda c: c.workflow_filename == workflow,
        lambda rest: (
            f"The Trusted Publishing config for repository `{repo}` does not match the "
            f"workflow filename `{workflow}` in the JWT. Expected workflow filenames: "
            f"{', '.join(f'`{c.workflow_filename}`' for c in rest)}"
        ),
    )
    return match_environment(found, claims, repo)


_Config = TypeVar("_Config")


def narrow(
    found: Sequence[_Config],
    keep: Callable[[_Config], bool],
    refusal: Callable[[Sequence[_Config]], str],
) -> list[_Config]:
    """The configs of *found* that *keep* accepts, or InvalidError with *refusal* of the
    ones it refused (all of them, then): one of crates.io's checks of a token against a
    crate's configs, GitHub's and GitLab's alike."""
    kept = [c for c in found if keep(c)]
    if not kept:
        raise InvalidError(refusal(found))
    return kept


class _HasEnvironment(Protocol):
    @property
    def environment(self) -> str | None: ...


_Configured = TypeVar("_Configured", bound=_HasEnvironment)


def match_environment(
    found: Sequence[_Configured], claims: Mapping[str, Any], repo: str
) -> list[_Configured]:
    """The configs of *found* that the token's ``environment`` claim meets (a config
    without one takes any, and names compare without case), or crates.io's refusal for
    *repo* (trustpub's GitHub and GitLab checks alike)."""
    environment = claims.get("environment")

    def refusal(rest: Sequence[_Configured]) -> str:
        expected = ", ".join(f"`{c.environment}`" for c in rest if c.environment)
        if environment is not None:
            return (
                f"The Trusted Publishing config for repository `{repo}` does not match the "
                f"environment `{environment}` in the JWT. Expected environments: {expected}"
            )
        return (
            f"The Trusted Publishing config for repository `{repo}` requires an environment, "
            f"but the JWT does not specify one. Expected environments: {expected}"
        )

    return narrow(
        found,
        lambda c: (
            c.environment is None
            or (environment is not None and c.environment.lower() == str(environment).lower())
        ),
        refusal,
    )


def _checksum(raw: str) -> str:
    value = 0
    for byte in raw.encode():
        value ^= byte
    return _ALPHANUMERIC[value % len(_ALPHANUMERIC)]


def new_token() -> str:
    """A trusted publishing token as crates.io makes them: ``cio_tp_``, 31 letters and
    digits, and a checksum character."""
    raw = "".join(secrets.choice(_ALPHANUMERIC) for _ in range(_TOKEN_RAW_LENGTH))
    return f"{TOKEN_PREFIX}{raw}{_checksum(raw)}"


def check_token(token: str) -> None:
    """UnauthorizedError (crates.io's 401) unless *token* parses as a trusted publishing
    token."""
    if not is_well_formed_token(token):
        raise UnauthorizedError("Invalid `Authorization` header: Failed to parse token")


def is_well_formed_token(token: str) -> bool:
    """Whether *token* parses as crates.io's ``AccessToken`` (prefix, length, checksum)."""
    suffix = token.removeprefix(TOKEN_PREFIX)
    if suffix == token or len(suffix) != _TOKEN_RAW_LENGTH + 1:
        return False
    if not all(c in _ALPHANUMERIC for c in suffix):
        return False
    return _checksum(suffix[:-1]) == suffix[-1]
