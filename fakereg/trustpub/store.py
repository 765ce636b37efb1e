"""Trusted publishing state under a root: GitHub and GitLab configs, exchanged tokens, used
JWT ids.

``meta/trustpub.json`` holds the configs (GitHub's and GitLab's, each numbered on its own,
as crates.io's two tables are), the tokens an exchange gave (their
SHA-256 digests only, the crates they may publish, when they expire, and the run they came
from) and the ``jti`` of every JWT exchanged, kept until the JWT could no longer pass
(``exp`` plus the leeway), so that a JWT is exchanged at most once.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol, TypedDict, TypeVar

from ..domain.names import canonical_name
from ..domain.publish import pubtime_now
from ..errors import ForbiddenError, InvalidError, LimitError
from ..storage.events import IndexChange, removed_crates
from ..storage.fsutil import RootLock, atomic_write, read_json
from .gitlab import GitLabConfig
from .rules import (
    JWT_LEEWAY,
    MAX_CONFIGS_PER_CRATE,
    TOKEN_LIFETIME,
    GitHubConfig,
    check_token,
    new_token,
)


class _TokenRecord(TypedDict):
    crates: list[str]
    expires: float
    data: dict[str, Any]


class _TrustFile(TypedDict):
    next_id: int
    configs: list[dict[str, Any]]
    tokens: dict[str, _TokenRecord]
    jtis: dict[str, float]
    next_gitlab_id: int
    gitlab_configs: list[dict[str, Any]]


#: A trusted publishing provider: whose configs.
Provider = Literal["github", "gitlab"]


class _Config(Protocol):
    @property
    def crate(self) -> str: ...

    def as_json(self) -> dict[str, Any]: ...


_C = TypeVar("_C", bound=_Config)


def _too_many(provider: Provider) -> LimitError:
    name = "GitLab" if provider == "gitlab" else "GitHub"
    return LimitError(  # crates.io's 409
        f"This crate already has the maximum number of {name} Trusted Publishing "
        f"configurations ({MAX_CONFIGS_PER_CRATE})"
    )


def _of_crate(configs: list[_C], crate: str | None) -> list[_C]:
    if crate is None:
        return configs
    return [c for c in configs if canonical_name(c.crate) == canonical_name(crate)]


@dataclass(frozen=True)
class TrustToken:
    """What an exchanged token allows: these crates (canonical names), until *expires*."""

    crates: tuple[str, ...]
    expires: float
    data: dict[str, Any]  # crates.io's ``trustpub_data``: provider, repository, run_id, sha


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TrustStore:
    """The trusted publishing state of one root; safe across threads and processes."""

    def __init__(self, root: Path, lock: RootLock, *, durable: bool = False) -> None:
        self._path = root / "meta" / "trustpub.json"
        self._lock = lock
        self._durable = durable

    def _load(self) -> _TrustFile:
        data: _TrustFile = read_json(
            self._path, {"next_id": 1, "configs": [], "tokens": {}, "jtis": {}}
        )
        data.setdefault("next_gitlab_id", 1)  # a new file, or one from before GitLab's
        data.setdefault("gitlab_configs", [])
        return data

    def _save(self, data: _TrustFile) -> None:
        now = time.time()
        data["tokens"] = {k: t for k, t in data["tokens"].items() if t["expires"] > now}
        data["jtis"] = {k: exp for k, exp in data["jtis"].items() if exp > now}
        atomic_write(self._path, json.dumps(data).encode(), durable=self._durable)

    # -- configs -------------------------------------------------------------------------

    @staticmethod
    def _rows(data: _TrustFile, provider: Provider) -> list[dict[str, Any]]:
        return data["gitlab_configs"] if provider == "gitlab" else data["configs"]

    @staticmethod
    def _count(rows: list[dict[str, Any]], crate: str) -> int:
        key = canonical_name(crate)
        return sum(canonical_name(c["crate"]) == key for c in rows)

    def check_room(self, crate: str, provider: Provider) -> None:
        """LimitError when *crate* has the most configs of *provider* it may have
        (crates.io counts them before it checks that the user owns the crate; the count is
        made again when the config is stored)."""
        if self._count(self._rows(self._load(), provider), crate) >= MAX_CONFIGS_PER_CRATE:
            raise _too_many(provider)

    def _add(self, provider: Provider, crate: str, make: Callable[[int, str], _C]) -> _C:
        """The config ``make(id, created_at)`` gives, stored under the next id of
        *provider*'s; at most five a crate."""
        with self._lock():
            data = self._load()
            rows = self._rows(data, provider)
            if self._count(rows, crate) >= MAX_CONFIGS_PER_CRATE:
                raise _too_many(provider)
            if provider == "gitlab":
                config_id = data["next_gitlab_id"]
                data["next_gitlab_id"] += 1
            else:
                config_id = data["next_id"]
                data["next_id"] += 1
            config = make(config_id, pubtime_now())
            rows.append(config.as_json())
            self._save(data)
            return config

    def _remove(self, provider: Provider, config_id: int) -> bool:
        with self._lock():
            data = self._load()
            rows = self._rows(data, provider)
            kept = [c for c in rows if c["id"] != config_id]
            if len(kept) == len(rows):
                return False
            rows[:] = kept
            self._save(data)
            return True

    def add_config(
        self,
        crate: str,
        *,
        repository_owner: str,
        repository_owner_id: int,
        repository_name: str,
        workflow_filename: str,
        environment: str | None,
    ) -> GitHubConfig:
        """Register a GitHub trusted publisher for *crate* (as published); at most five."""
        return self._add(
            "github",
            crate,
            lambda config_id, created_at: GitHubConfig(
                id=config_id,
                crate=crate,
                repository_owner=repository_owner,
                repository_owner_id=repository_owner_id,
                repository_name=repository_name,
                workflow_filename=workflow_filename,
                environment=environment,
                created_at=created_at,
            ),
        )

    def add_gitlab_config(
        self,
        crate: str,
        *,
        namespace: str,
        project: str,
        workflow_filepath: str,
        environment: str | None,
    ) -> GitLabConfig:
        """Register a GitLab trusted publisher for *crate* (as published); at most five.
        Its ``namespace_id`` is bound by the first exchange that matches it."""
        return self._add(
            "gitlab",
            crate,
            lambda config_id, created_at: GitLabConfig(
                id=config_id,
                crate=crate,
                namespace=namespace,
                namespace_id=None,
                project=project,
                workflow_filepath=workflow_filepath,
                environment=environment,
                created_at=created_at,
            ),
        )

    def configs(self, crate: str | None = None) -> list[GitHubConfig]:
        """Every GitHub config, or *crate*'s, in the order they were made."""
        return _of_crate([GitHubConfig(**c) for c in self._load()["configs"]], crate)

    def gitlab_configs(self, crate: str | None = None) -> list[GitLabConfig]:
        """Every GitLab config, or *crate*'s, in the order they were made."""
        return _of_crate([GitLabConfig(**c) for c in self._load()["gitlab_configs"]], crate)

    def config(self, config_id: int) -> GitHubConfig | None:
        return next((c for c in self.configs() if c.id == config_id), None)

    def gitlab_config(self, config_id: int) -> GitLabConfig | None:
        return next((c for c in self.gitlab_configs() if c.id == config_id), None)

    def remove_config(self, config_id: int) -> bool:
        """Remove a GitHub config; whether there was one."""
        return self._remove("github", config_id)

    def remove_gitlab_config(self, config_id: int) -> bool:
        """Remove a GitLab config; whether there was one."""
        return self._remove("gitlab", config_id)

    # -- both ----------------------------------------------------------------------------

    def on_change(self, changes: Sequence[IndexChange], message: str) -> None:
        """The store's listener (called under the root lock): a crate removed takes its
        configs with it, as on crates.io."""
        removed = removed_crates(changes)
        if not removed:
            return
        with self._lock():
            data = self._load()
            github = [c for c in data["configs"] if canonical_name(c["crate"]) not in removed]
            gitlab = [
                c for c in data["gitlab_configs"] if canonical_name(c["crate"]) not in removed
            ]
            if (len(github), len(gitlab)) != (len(data["configs"]), len(data["gitlab_configs"])):
                data["configs"], data["gitlab_configs"] = github, gitlab
                self._save(data)

    def jti_used(self, jti: str) -> bool:
        """Whether a JWT with this ``jti`` was exchanged already."""
        return jti in self._load()["jtis"]

    def exchange(
        self,
        jti: str,
        jwt_expires: float,
        crates: list[str],
        info: dict[str, Any],
        *,
        bind: tuple[Sequence[int], str] | None = None,
    ) -> str:
        """Note *jti* as used and issue a token for *crates* (InvalidError when *jti* was
        used before). *bind*: the GitLab configs (ids) whose unknown ``namespace_id``
        becomes the one given, in the same write (crates.io binds them in the exchange's
        transaction: a refused exchange binds nothing)."""
        with self._lock():
            data = self._load()
            if jti in data["jtis"]:
                raise InvalidError("JWT has already been used")
            data["jtis"][jti] = jwt_expires + JWT_LEEWAY
            if bind is not None:
                ids, namespace_id = bind
                for row in data["gitlab_configs"]:
                    if row["id"] in ids and row["namespace_id"] is None:
                        row["namespace_id"] = namespace_id
            token = new_token()
            data["tokens"][_digest(token)] = {
                "crates": sorted({canonical_name(c) for c in crates}),
                "expires": time.time() + TOKEN_LIFETIME,
                "data": info,
            }
            self._save(data)
            return token

    def token(self, token: str) -> TrustToken | None:
        """The live token *token*, or None (unknown, revoked or expired)."""
        record = self._load()["tokens"].get(_digest(token))
        if record is None or record["expires"] <= time.time():
            return None
        return TrustToken(tuple(record["crates"]), record["expires"], dict(record["data"]))

    def for_publish(self, token: str, crate: str | None) -> TrustToken:
        """The token a publish of *crate* (as published; None: a new crate) carries,
        checked as crates.io checks a trusted publishing token."""
        check_token(token)
        if crate is None:
            raise ForbiddenError(
                "Trusted Publishing tokens do not support creating new crates. Publish the "
                "crate manually, first"
            )
        found = self.token(token)
        if found is None:
            raise ForbiddenError("Invalid authentication token")
        if canonical_name(crate) not in found.crates:
            raise ForbiddenError(f"The provided access token is not valid for crate `{crate}`")
        return found

    def revoke(self, token: str) -> None:
        """Revoke *token* (nothing when it is unknown)."""
        with self._lock():
            data = self._load()
            if data["tokens"].pop(_digest(token), None) is not None:
                self._save(data)
