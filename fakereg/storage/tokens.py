"""API tokens as ``meta/users.json`` keeps them: digests (never the tokens), their
holders, names, ids and crates.io's limits (endpoint scopes, crate patterns, expiry).

:class:`~fakereg.storage.accounts.Accounts` owns the file and its lock; the functions here
work on the token records it hands them.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TypedDict

from ..errors import InvalidError

#: crates.io's endpoint scopes (``EndpointScope`` in crates_io_database's models/token.rs).
SCOPES = ("publish-new", "publish-update", "yank", "change-owners", "trusted-publishing")
#: A crate scope: a crate name, maybe ending in ``*``, or ``*`` alone (``CrateScope``).
_PATTERN_RE = re.compile(r"[A-Za-z][A-Za-z0-9_-]*\*?\Z|\*\Z")
#: The tokens one user may hold (crates.io's ``max_token_per_user``, controllers/token.rs).
MAX_TOKENS_PER_USER = 500


class TokenRecord(TypedDict, total=False):
    sha256: str  # the token's digest: tokens themselves are never stored
    login: str
    scopes: list[str] | None
    crates: list[str] | None
    expires: str | None  # ISO 8601
    # absent from the records of older roots (given by number())
    id: int
    name: str
    created_at: str


@dataclass(frozen=True)
class TokenInfo:
    """What crates.io shows of an API token (``ApiToken``): never the token itself."""

    id: int
    name: str
    #: When it was made (for a token of an older root: when it was first listed).
    created_at: datetime
    #: ``endpoint_scopes``: None for a token allowed every endpoint (crates.io's legacy).
    scopes: tuple[str, ...] | None
    #: ``crate_scopes``: crate name patterns, None for every crate.
    crates: tuple[str, ...] | None
    expires: datetime | None

    @property
    def expired(self) -> bool:
        return self.expires is not None and self.expires <= datetime.now(timezone.utc)


Limits = tuple["list[str] | None", "list[str] | None", "str | None"]


def check_limits(
    scopes: Iterable[str] | None, crates: Iterable[str] | None, expires: datetime | None
) -> Limits:
    """*scopes*, *crates* and *expires* as a record keeps them, or :class:`InvalidError`."""
    scope_list = None if scopes is None else list(scopes)
    for scope in scope_list or ():
        if scope not in SCOPES:
            raise InvalidError(f"unknown scope {scope!r}: choose from {', '.join(SCOPES)}")
    crate_list = None if crates is None else list(crates)
    for pattern in crate_list or ():
        if not valid_pattern(pattern):
            raise InvalidError(
                f"invalid crate pattern {pattern!r}: a crate name, maybe ending in *"
            )
    if expires is not None and expires.tzinfo is None:
        raise InvalidError("expires must be an aware datetime (e.g. with tzinfo=timezone.utc)")
    return scope_list, crate_list, None if expires is None else expires.isoformat()


def valid_pattern(pattern: object) -> bool:
    """True for a crate scope crates.io takes (``foo``, ``foo*``, ``*``)."""
    return isinstance(pattern, str) and _PATTERN_RE.match(pattern) is not None


def generate_token() -> str:
    """A fresh random API token."""
    return "fakereg_" + secrets.token_hex(16)


def digest(token: str) -> str:
    """What is kept of *token*: its SHA-256."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def redact(token: str | None) -> str:
    """What logs and reprs show of a token: its first characters only."""
    if not token:
        return repr(token)
    return token[:8] + "…" if len(token) > 12 else "…"


def find(records: list[TokenRecord], token_digest: str) -> TokenRecord | None:
    """The record of the token whose digest is *token_digest* (every digest compared:
    constant time in the token)."""
    found = None
    for record in records:
        if hmac.compare_digest(record["sha256"], token_digest):
            found = record
    return found


def number(records: list[TokenRecord]) -> bool:
    """Give the records an older root kept without ids, names and times theirs (ids in
    file order after the highest); True when one was given (the caller saves them)."""
    next_id = max((r.get("id", 0) for r in records), default=0) + 1
    changed = False
    for record in records:
        if "id" not in record:
            record["id"] = next_id
            next_id += 1
            changed = True
        record.setdefault("name", f"token {record['id']}")
        if "created_at" not in record:
            record["created_at"] = datetime.now(timezone.utc).isoformat()
            changed = True
    return changed


def new_record(
    records: list[TokenRecord], login: str, token: str, name: str | None, limits: Limits
) -> TokenRecord:
    """A record for *token*, held by *login*, with the next id."""
    number(records)
    token_id = max((r["id"] for r in records), default=0) + 1
    scopes, crates, expires = limits
    return {
        "sha256": digest(token),
        "login": login.lower(),
        "scopes": scopes,
        "crates": crates,
        "expires": expires,
        "id": token_id,
        "name": name if name is not None else f"token {token_id}",
        "created_at": datetime.now(timezone.utc).isoformat(),
    }


def info(record: TokenRecord) -> TokenInfo:
    """What the API shows of *record*."""
    expires = record["expires"]
    scopes, crates = record["scopes"], record["crates"]
    return TokenInfo(
        id=record["id"],
        name=record["name"],
        created_at=datetime.fromisoformat(record["created_at"]),
        scopes=None if scopes is None else tuple(scopes),
        crates=None if crates is None else tuple(crates),
        expires=None if expires is None else datetime.fromisoformat(expires),
    )


def listed(records: list[TokenRecord], login: str, expired_days: int = 0) -> list[TokenInfo]:
    """*login*'s tokens, newest first, without those expired more than *expired_days* ago
    (crates.io's ``GET /api/v1/me/tokens``)."""
    cutoff = datetime.now(timezone.utc) - timedelta(days=max(expired_days, 0))
    shown = [info(r) for r in records if r["login"] == login.lower()]
    kept = [t for t in shown if t.expires is None or t.expires > cutoff]
    return sorted(kept, key=lambda t: -t.id)
