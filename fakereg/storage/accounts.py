"""Users and their API tokens, kept in ``meta/users.json`` under a registry's root."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TypedDict

from ..domain.asymmetric import Operation, key_id
from ..domain.names import canonical_name
from ..errors import InvalidError
from . import tokens
from .events import IndexChange, removed_crates
from .fsutil import RootLock, atomic_write, read_json
from .tokens import (
    MAX_TOKENS_PER_USER,
    SCOPES,
    Limits,
    TokenInfo,
    TokenRecord,
    check_limits,
    digest,
    generate_token,
    redact,
)

__all__ = [
    "SCOPES",
    "Accounts",
    "Credential",
    "TokenInfo",
    "User",
    "generate_token",
    "redact",
]

_LOGIN_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,38}\Z")


@dataclass(frozen=True)
class User:
    """A registry user, as ``GET /api/v1/crates/{name}/owners`` lists it.

    ``read`` says whether the user may read a private (``auth_required``) registry.
    """

    id: int
    login: str
    name: str | None
    read: bool = True


@dataclass(frozen=True)
class Credential:
    """A token's holder and limits: crates.io's endpoint scopes and crate patterns."""

    user: User
    scopes: tuple[str, ...] | None
    crates: tuple[str, ...] | None
    expires: datetime | None
    #: For an asymmetric token (RFC 3231): the operation it was signed for.
    signed: Operation | None = None
    #: The id of the API token it came from (None: an asymmetric token).
    token_id: int | None = None
    #: It came from a browser signed in on the page (crates.io's cookie session), not
    #: from an ``Authorization`` header.
    session: bool = False

    @property
    def expired(self) -> bool:
        return self.expires is not None and self.expires <= datetime.now(timezone.utc)

    def allows(self, scope: str) -> bool:
        return self.scopes is None or scope in self.scopes

    def covers(self, crate: str) -> bool:
        """True when the token's crate patterns (``foo``, ``foo*``) include *crate*."""
        if self.crates is None:
            return True
        name = canonical_name(crate)
        for pattern in self.crates:
            wanted = canonical_name(pattern.rstrip("*"))
            if name == wanted or (pattern.endswith("*") and name.startswith(wanted)):
                return True
        return False


class UserRecord(TypedDict):
    id: int
    login: str
    name: str | None
    read: bool


class PublicKeyRecord(TypedDict):
    login: str  # lowercase
    key: str  # k3.public.…


class _Keys(TypedDict, total=False):
    public_keys: dict[str, PublicKeyRecord]  # by PASERK id (absent from older roots)
    follows: dict[str, list[str]]  # lowercase login -> canonical crate names followed


class UsersFile(_Keys):
    """``meta/users.json``: users by lowercase login, the token records, the public keys
    of asymmetric tokens by their PASERK id, and the crates each user follows."""

    users: dict[str, UserRecord]
    tokens: list[TokenRecord]


class Accounts:
    """Users and token digests; tokens themselves are never stored."""

    def __init__(self, root: Path, lock: RootLock, *, durable: bool = False) -> None:
        self._path = root / "meta" / "users.json"
        self._start_tokens_path = root / "meta" / "start-tokens.json"
        self._lock = lock
        self._durable = durable

    def _load(self) -> UsersFile:
        data: UsersFile = read_json(self._path, {"users": {}, "tokens": []})
        return data

    def _save(self, data: UsersFile) -> None:
        atomic_write(self._path, json.dumps(data, indent=1).encode(), durable=self._durable)

    def user(self, login: str) -> User | None:
        """The user called *login* (case-insensitive), or None."""
        record = self._load()["users"].get(login.lower())
        return None if record is None else User(**record)

    def user_by_id(self, user_id: int) -> User | None:
        """The user whose ``id`` is *user_id*, or None."""
        found = (r for r in self._load()["users"].values() if r["id"] == user_id)
        record = next(found, None)
        return None if record is None else User(**record)

    def ensure_user(self, login: str, name: str | None = None, *, read: bool = True) -> User:
        """Create *login* unless it exists; return it."""
        if not _LOGIN_RE.match(login):
            raise InvalidError(f"invalid login {login!r}: use letters, digits, '-' and '_'")
        with self._lock():
            data = self._load()
            if self._add_user(data, login, name, read):
                self._save(data)
            return User(**data["users"][login.lower()])

    @staticmethod
    def _add_user(data: UsersFile, login: str, name: str | None, read: bool) -> bool:
        users = data["users"]
        if login.lower() in users:
            return False
        users[login.lower()] = {"id": len(users) + 1, "login": login, "name": name, "read": read}
        return True

    def start_token(self, login: str, token: str | None = None) -> str:
        """The token a registry started as *login* hands out, creating the user if need be.

        A given *token* is added and returned. Without one, the token generated at an
        earlier start on this root is returned while the user still holds it, so that the
        credentials pasted from that start stay valid; otherwise a new one is made and kept
        (in ``meta/start-tokens.json``, readable by its owner only, like cargo's own
        ``credentials.toml``).
        """
        if not _LOGIN_RE.match(login):
            raise InvalidError(f"invalid login {login!r}: use letters, digits, '-' and '_'")
        key = login.lower()
        with self._lock():
            data = self._load()
            changed = self._add_user(data, login, None, True)
            if token is None:
                kept = self._start_tokens()
                token = kept.get(key)
                if token is None or self._holder(data, digest(token)) != key:
                    token = kept[key] = generate_token()
                    atomic_write(
                        self._start_tokens_path,
                        json.dumps(kept, indent=1).encode(),
                        mode=0o600,
                        durable=self._durable,
                    )
            limits = check_limits(None, None, None)
            token, added = self._add_token(data, login, token, limits, "start token")
            if changed or added:
                self._save(data)
        return token

    def admin_token(self, *, lasting: bool) -> str:
        """The control API's token: not a registry token (no registry route takes it).

        A *lasting* root keeps it (``meta/admin-token``, readable by its owner only), so a
        harness that read it once keeps steering the registry across restarts.
        """
        path = self._path.parent / "admin-token"
        if not lasting:
            return "fakereg_admin_" + secrets.token_hex(16)
        with self._lock():
            try:
                kept = path.read_text().strip()
            except FileNotFoundError:
                kept = ""
            if not kept.startswith("fakereg_admin_"):
                kept = "fakereg_admin_" + secrets.token_hex(16)
                atomic_write(path, kept.encode(), mode=0o600, durable=self._durable)
            return kept

    def _start_tokens(self) -> dict[str, str]:
        data: dict[str, str] = read_json(self._start_tokens_path, {})
        return data

    def add_token(
        self,
        login: str,
        token: str | None = None,
        *,
        scopes: Iterable[str] | None = None,
        crates: Iterable[str] | None = None,
        expires: datetime | None = None,
        name: str | None = None,
    ) -> str:
        """Give *login* a token (a new random one unless *token* is given) and return it.

        *scopes* (None: all) are crates.io's endpoint scopes, *crates* (None: all) crate
        name patterns like ``foo*``, *expires* an aware datetime after which it is refused,
        *name* what the token list shows (``token {id}`` by default).
        """
        limits = check_limits(scopes, crates, expires)
        with self._lock():
            data = self._load()
            token, added = self._add_token(data, login, token, limits, name)
            if added:
                self._save(data)
        return token

    def create_token(
        self, login: str, name: str, limits: Limits, *, cap: int = MAX_TOKENS_PER_USER
    ) -> tuple[str, TokenInfo]:
        """A new random token for *login* (crates.io's ``PUT /api/v1/me/tokens``), and what
        the API shows of it; :class:`InvalidError` past *cap* tokens."""
        with self._lock():
            data = self._load()
            held = sum(1 for r in data["tokens"] if r["login"] == login.lower())
            if held >= cap:
                raise InvalidError(f"maximum tokens per user is: {cap}")
            token, _ = self._add_token(data, login, None, limits, name)
            self._save(data)
            record = tokens.find(data["tokens"], digest(token))
        assert record is not None
        return token, tokens.info(record)

    def tokens(self, login: str, *, expired_days: int = 0) -> list[TokenInfo]:
        """*login*'s tokens, newest first (those expired over *expired_days* days ago left
        out), as crates.io lists them."""
        return tokens.listed(self._numbered()["tokens"], login, expired_days)

    def token_info(self, login: str, token_id: int) -> TokenInfo | None:
        """*login*'s token whose id is *token_id*, or None."""
        found = (r for r in self._numbered()["tokens"] if r["id"] == token_id)
        record = next(found, None)
        return None if record is None or record["login"] != login.lower() else tokens.info(record)

    def revoke_id(self, login: str, token_id: int) -> bool:
        """Forget *login*'s token whose id is *token_id*; False when it has none."""
        with self._lock():
            data = self._load()
            tokens.number(data["tokens"])
            kept = [r for r in data["tokens"] if r["id"] != token_id or r["login"] != login.lower()]
            if len(kept) == len(data["tokens"]):
                return False
            data["tokens"] = kept
            self._save(data)
            return True

    def _numbered(self) -> UsersFile:
        """The file, its token records given ids, names and times if an older fakereg
        left them without (saved, so that the ids stay)."""
        data = self._load()
        if not all("created_at" in r for r in data["tokens"]):
            with self._lock():
                data = self._load()
                if tokens.number(data["tokens"]):
                    self._save(data)
        return data

    def _add_token(
        self, data: UsersFile, login: str, token: str | None, limits: Limits, name: str | None
    ) -> tuple[str, bool]:
        token = generate_token() if token is None else token
        if not token or not token.isprintable() or token != token.strip():
            raise InvalidError("a token must be non-empty printable text without surrounding space")
        if login.lower() not in data["users"]:
            raise InvalidError(f"no user {login!r}")
        holder = self._holder(data, digest(token))
        if holder is not None and holder != login.lower():
            raise InvalidError("that token already belongs to another user")
        if holder is not None:
            return token, False
        data["tokens"].append(tokens.new_record(data["tokens"], login, token, name, limits))
        return token, True

    def add_public_key(self, login: str, key: str) -> str:
        """Let *login* sign asymmetric tokens with *key* (the ``k3.public.…`` key ``cargo
        login`` prints with the ``cargo:paseto`` provider); its PASERK id."""
        kid = key_id(key)
        with self._lock():
            data = self._load()
            if login.lower() not in data["users"]:
                raise InvalidError(f"no user {login!r}")
            keys = data.setdefault("public_keys", {})
            held = keys.get(kid)
            if held is not None and held["login"] != login.lower():
                raise InvalidError("that key already belongs to another user")
            keys[kid] = {"login": login.lower(), "key": key}
            self._save(data)
        return kid

    def follow(self, login: str, crate: str, *, following: bool) -> None:
        """Make *login* follow (or stop following) the crate whose canonical name is
        *crate*."""
        with self._lock():
            data = self._load()
            follows = data.setdefault("follows", {})
            kept = [key for key in follows.get(login.lower(), []) if key != crate]
            follows[login.lower()] = [*kept, crate] if following else kept
            self._save(data)

    def followed(self, login: str) -> list[str]:
        """The canonical names of the crates *login* follows."""
        return list(self._load().get("follows", {}).get(login.lower(), []))

    def on_change(self, changes: Sequence[IndexChange], message: str) -> None:
        """The store's listener (under the root lock): nobody follows a crate removed."""
        gone = removed_crates(changes)
        if not gone:
            return
        with self._lock():
            data = self._load()
            follows = data.get("follows", {})
            if any(gone.intersection(keys) for keys in follows.values()):
                data["follows"] = {k: [c for c in v if c not in gone] for k, v in follows.items()}
                self._save(data)

    def public_key(self, kid: str) -> tuple[User, str] | None:
        """The user holding the public key whose PASERK id is *kid*, and the key."""
        data = self._load()
        record = data.get("public_keys", {}).get(kid)
        if record is None:
            return None
        return User(**data["users"][record["login"]]), record["key"]

    def revoke(self, token: str) -> bool:
        """Forget *token*; False when no user held it."""
        token_digest = digest(token)
        with self._lock():
            data = self._load()
            record = tokens.find(data["tokens"], token_digest)
            if record is None:
                return False
            data["tokens"] = [r for r in data["tokens"] if r is not record]
            self._save(data)
            return True

    @staticmethod
    def _holder(data: UsersFile, token_digest: str) -> str | None:
        record = tokens.find(data["tokens"], token_digest)
        return None if record is None else str(record["login"])

    def authenticate(self, token: str) -> Credential | None:
        """The credential *token* gives, or None when no user holds it."""
        data = self._load()
        record = tokens.find(data["tokens"], digest(token))
        if record is None:
            return None
        expires, scopes, crates = record["expires"], record["scopes"], record["crates"]
        return Credential(
            user=User(**data["users"][record["login"]]),
            scopes=None if scopes is None else tuple(scopes),
            crates=None if crates is None else tuple(crates),
            expires=None if expires is None else datetime.fromisoformat(expires),
            token_id=record.get("id"),
        )
