"""Owner invitations, kept in ``meta/invitations.json`` under a registry's root (readable by
its owner only: it holds the tokens crates.io would have emailed to the invitees)."""

from __future__ import annotations

import hmac
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TypedDict

from ..domain.names import canonical_name
from .events import IndexChange, removed_crates
from .fsutil import RootLock, atomic_write, read_json
from .tokens import redact

#: How long an invitation may be accepted (crates.io's ``ownership_invitations_expiration``,
#: config/server.rs).
LIFETIME = timedelta(days=30)


class InvitationRecord(TypedDict):
    crate: str  # canonical name
    crate_id: int
    invitee: str  # login, lowercase
    inviter: str  # login, lowercase
    created_at: str  # ISO 8601
    expires_at: str
    token: str


@dataclass(frozen=True)
class Invitation:
    """An invitation to become an owner of :attr:`crate`, as crates.io keeps one."""

    crate: str
    crate_id: int
    invitee: str
    inviter: str
    created_at: datetime
    expires_at: datetime
    #: What crates.io emails the invitee, for ``…/accept/{token}`` (redacted in reprs).
    token: str = field(repr=False)

    @property
    def expired(self) -> bool:
        return self.expires_at <= datetime.now(timezone.utc)

    def __repr__(self) -> str:
        return (
            f"Invitation(crate={self.crate!r}, invitee={self.invitee!r}, "
            f"inviter={self.inviter!r}, expires_at={self.expires_at.isoformat()!r}, "
            f"token={redact(self.token)})"
        )


def _invitation(record: InvitationRecord) -> Invitation:
    return Invitation(
        crate=record["crate"],
        crate_id=record["crate_id"],
        invitee=record["invitee"],
        inviter=record["inviter"],
        created_at=datetime.fromisoformat(record["created_at"]),
        expires_at=datetime.fromisoformat(record["expires_at"]),
        token=record["token"],
    )


class Invitations:
    """The pending owner invitations of one registry root: at most one per crate and
    invitee (a new one replaces an expired one)."""

    def __init__(self, root: Path, lock: RootLock, *, durable: bool = False) -> None:
        self._path = root / "meta" / "invitations.json"
        self._lock = lock
        self._durable = durable

    def _load(self) -> list[InvitationRecord]:
        records: list[InvitationRecord] = read_json(self._path, [])
        return records

    def _save(self, records: list[InvitationRecord]) -> None:
        data = json.dumps(records, indent=1).encode()
        atomic_write(self._path, data, mode=0o600, durable=self._durable)

    def invite(self, crate: str, crate_id: int, invitee: str, inviter: str) -> Invitation | None:
        """Invite *invitee* to own *crate*; None when an invitation is already pending
        (not expired) for them."""
        now = datetime.now(timezone.utc)
        with self._lock():
            records = self._load()
            key = (crate, invitee.lower())
            for held in records:
                if (held["crate"], held["invitee"]) == key and (
                    datetime.fromisoformat(held["expires_at"]) > now
                ):
                    return None
            kept = [r for r in records if (r["crate"], r["invitee"]) != key]
            record: InvitationRecord = {
                "crate": crate,
                "crate_id": crate_id,
                "invitee": invitee.lower(),
                "inviter": inviter.lower(),
                "created_at": now.isoformat(),
                "expires_at": (now + LIFETIME).isoformat(),
                "token": secrets.token_urlsafe(24),
            }
            self._save([*kept, record])
        return _invitation(record)

    def listed(self, *, crate: str | None = None, invitee: str | None = None) -> list[Invitation]:
        """The invitations of *crate* and/or *invitee* (every one when both are None),
        expired ones too, ordered by crate id and invitee (as crates.io pages them)."""
        found = [
            _invitation(r)
            for r in self._load()
            if (crate is None or r["crate"] == crate)
            and (invitee is None or r["invitee"] == invitee.lower())
        ]
        return sorted(found, key=lambda i: (i.crate_id, i.invitee))

    def by_token(self, token: str) -> Invitation | None:
        """The invitation whose token is *token* (compared in constant time)."""
        found = None
        for record in self._load():
            if hmac.compare_digest(record["token"].encode(), token.encode()):
                found = record
        return None if found is None else _invitation(found)

    def remove(self, crate: str, invitee: str) -> bool:
        """Forget the invitation of *invitee* to *crate*; False when there was none."""
        with self._lock():
            records = self._load()
            kept = [r for r in records if (r["crate"], r["invitee"]) != (crate, invitee.lower())]
            if len(kept) == len(records):
                return False
            self._save(kept)
            return True

    def expire(self, crate: str, invitee: str) -> bool:
        """Make the invitation of *invitee* to *crate* expired now (tests of expiry);
        False when there was none."""
        with self._lock():
            records = self._load()
            now = datetime.now(timezone.utc).isoformat()
            changed = False
            for record in records:
                if (record["crate"], record["invitee"]) == (crate, invitee.lower()):
                    record["expires_at"] = now
                    changed = True
            if changed:
                self._save(records)
            return changed

    def on_change(self, changes: Sequence[IndexChange], message: str) -> None:
        """The store's listener: invitations to a crate removed go with it (called under
        the root lock)."""
        removed = removed_crates(changes)
        if removed and self._path.exists():
            records = self._load()
            kept = [r for r in records if canonical_name(r["crate"]) not in removed]
            if len(kept) != len(records):
                self._save(kept)
