"""Users and their API tokens, kept in ``meta/users.json`` under a registry's root."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .fsutil import RootLock, atomic_write

_LOGIN_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,38}\Z")


@dataclass(frozen=True)
class User:
    """A registry user, as ``GET /api/v1/crates/{name}/owners`` lists it."""

    id: int
    login: str
    name: str | None

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "login": self.login, "name": self.name, "avatar": None}


def generate_token() -> str:
    """A fresh random API token."""
    return "fakereg_" + secrets.token_hex(16)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def redact(token: str | None) -> str:
    """What logs and reprs show of a token: its first characters only."""
    if not token:
        return repr(token)
    return token[:8] + "…" if len(token) > 12 else "…"


class Accounts:
    """Users and token digests; tokens themselves are never stored."""

    def __init__(self, root: Path, lock: RootLock) -> None:
        self._path = root / "meta" / "users.json"
        self._lock = lock

    def _load(self) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads(self._path.read_bytes())
        except FileNotFoundError:
            return {"users": {}, "tokens": []}
        return data

    def _save(self, data: dict[str, Any]) -> None:
        atomic_write(self._path, json.dumps(data, indent=1).encode())

    def user(self, login: str) -> User | None:
        """The user called *login* (case-insensitive), or None."""
        record = self._load()["users"].get(login.lower())
        return None if record is None else User(**record)

    def ensure_user(self, login: str, name: str | None = None) -> User:
        """Create *login* unless it exists; return it."""
        if not _LOGIN_RE.match(login):
            raise ValueError(f"invalid login {login!r}: use letters, digits, '-' and '_'")
        with self._lock():
            data = self._load()
            users = data["users"]
            if login.lower() not in users:
                users[login.lower()] = {"id": len(users) + 1, "login": login, "name": name}
                self._save(data)
            return User(**users[login.lower()])

    def add_token(self, login: str, token: str | None = None) -> str:
        """Give *login* a token (a new random one unless *token* is given) and return it."""
        token = generate_token() if token is None else token
        if not token or not token.isprintable() or token != token.strip():
            raise ValueError("a token must be non-empty printable text without surrounding space")
        digest = _digest(token)
        with self._lock():
            data = self._load()
            if login.lower() not in data["users"]:
                raise ValueError(f"no user {login!r}")
            holder = self._holder(data, digest)
            if holder is not None and holder != login.lower():
                raise ValueError("that token already belongs to another user")
            if holder is None:
                data["tokens"].append({"sha256": digest, "login": login.lower()})
                self._save(data)
        return token

    @staticmethod
    def _holder(data: dict[str, Any], digest: str) -> str | None:
        holder = None
        for record in data["tokens"]:  # compare every digest: constant time in the token
            if hmac.compare_digest(record["sha256"], digest):
                holder = record["login"]
        return holder

    def authenticate(self, token: str) -> User | None:
        """The user holding *token*, or None when no user does."""
        data = self._load()
        login = self._holder(data, _digest(token))
        return None if login is None else User(**data["users"][login])
