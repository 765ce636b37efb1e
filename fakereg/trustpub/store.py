"""Trusted publishing state under a root: GitHub configs, exchanged tokens, used JWT ids.

``meta/trustpub.json`` holds the configs (numbered), the tokens an exchange gave (their
SHA-256 digests only, the crates they may publish, when they expire, and the run they came
from) and the ``jti`` of every JWT exchanged, kept until the JWT could no longer pass
(``exp`` plus the leeway), so that a JWT is exchanged at most once.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict

from ..domain.names import canonical_name
from ..domain.publish import pubtime_now
from ..errors import ForbiddenError, InvalidError, LimitError
from ..storage.events import IndexChange
from ..storage.fsutil import RootLock, atomic_write
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
        try:
            data: _TrustFile = json.loads(self._path.read_bytes())
        except FileNotFoundError:
            return {"next_id": 1, "configs": [], "tokens": {}, "jtis": {}}
        return data

    def _save(self, data: _TrustFile) -> None:
        now = time.time()
        data["tokens"] = {k: t for k, t in data["tokens"].items() if t["expires"] > now}
        data["jtis"] = {k: exp for k, exp in data["jtis"].items() if exp > now}
        atomic_write(self._path, json.dumps(data).encode(), durable=self._durable)

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
        with self._lock():
            data = self._load()
            key = canonical_name(crate)
            if sum(canonical_name(c["crate"]) == key for c in data["configs"]) >= (
                MAX_CONFIGS_PER_CRATE
            ):
                raise LimitError(
                    "This crate already has the maximum number of GitHub Trusted Publishing "
                    f"configurations ({MAX_CONFIGS_PER_CRATE})"
                )
            config = GitHubConfig(
                id=data["next_id"],
                crate=crate,
                repository_owner=repository_owner,
                repository_owner_id=repository_owner_id,
                repository_name=repository_name,
                workflow_filename=workflow_filename,
                environment=environment,
                created_at=pubtime_now(),
            )
            data["next_id"] += 1
            data["configs"].append(config.as_json())
            self._save(data)
            return config

    def configs(self, crate: str | None = None) -> list[GitHubConfig]:
        """Every config, or *crate*'s, in the order they were made."""
        found = [_config(c) for c in self._load()["configs"]]
        if crate is None:
            return found
        return [c for c in found if canonical_name(c.crate) == canonical_name(crate)]

    def config(self, config_id: int) -> GitHubConfig | None:
        return next((c for c in self.configs() if c.id == config_id), None)

    def remove_config(self, config_id: int) -> bool:
        """Remove a config; whether there was one."""
        with self._lock():
            data = self._load()
            kept = [c for c in data["configs"] if c["id"] != config_id]
            if len(kept) == len(data["configs"]):
                return False
            data["configs"] = kept
            self._save(data)
            return True

    def on_change(self, changes: Sequence[IndexChange], message: str) -> None:
        """The store's listener (called under the root lock): a crate removed takes its
        configs with it, as on crates.io."""
        removed = {canonical_name(change.crate) for change in changes if change.data is None}
        if not removed:
            return
        with self._lock():
            data = self._load()
            kept = [c for c in data["configs"] if canonical_name(c["crate"]) not in removed]
            if len(kept) != len(data["configs"]):
                data["configs"] = kept
                self._save(data)

    def jti_used(self, jti: str) -> bool:
        """Whether a JWT with this ``jti`` was exchanged already."""
        return jti in self._load()["jtis"]

    def exchange(
        self, jti: str, jwt_expires: float, crates: list[str], info: dict[str, Any]
    ) -> str:
        """Note *jti* as used and issue a token for *crates* (InvalidError when *jti* was
        used before)."""
        with self._lock():
            data = self._load()
            if jti in data["jtis"]:
                raise InvalidError("JWT has already been used")
            data["jtis"][jti] = jwt_expires + JWT_LEEWAY
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


def _config(record: dict[str, Any]) -> GitHubConfig:
    return GitHubConfig(**record)
