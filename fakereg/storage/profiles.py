"""What a user sets on their account page: an email address and its verification, publish
notifications, and the email notifications of each crate they own; kept in
``meta/profiles.json`` under a registry's root.

These follow crates.io's ``emails`` table and its triggers (``migrations/2017-09-23-182408_
move_tokens_to_emails_table``): setting an address (``NewEmail::insert_or_update``) marks it
unverified and, when it changed, makes a new verification token; a resend makes a new token
and keeps whether the address was verified; the token confirms the address until it is
replaced. Tokens are 26 letters and digits, kept as crates.io keeps them (a test asks for
the one crates.io would have mailed), in a file readable by its owner only.
"""

from __future__ import annotations

import hmac
import json
import secrets
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TypedDict

from ..domain.names import canonical_name
from .events import IndexChange, removed_crates
from .fsutil import RootLock, atomic_write, read_json

_TOKEN_ALPHABET = string.ascii_letters + string.digits
_TOKEN_LENGTH = 26


class EmailRecord(TypedDict):
    email: str
    verified: bool
    token: str
    token_generated_at: str


class ProfilesFile(TypedDict, total=False):
    """``meta/profiles.json``, by lowercase login: the email address, publish
    notifications turned off, and per crate (canonical name) the email notifications set."""

    emails: dict[str, EmailRecord]
    publish_notifications: dict[str, bool]
    email_notifications: dict[str, dict[str, bool]]


@dataclass(frozen=True)
class Profile:
    """A user's account settings as ``GET /api/v1/me`` shows them (``EncodablePrivateUser``):
    crates.io's ``email_verification_sent`` is true once a token was made or the address is
    verified."""

    email: str | None = None
    email_verified: bool = False
    email_verification_sent: bool = False
    publish_notifications: bool = True


def _new_token() -> str:
    """crates.io's ``random_string(26)``."""
    return "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(_TOKEN_LENGTH))


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Profiles:
    """The account settings of one registry's users (see the module)."""

    def __init__(self, root: Path, lock: RootLock, *, durable: bool = False) -> None:
        self._path = root / "meta" / "profiles.json"
        self._lock = lock
        self._durable = durable

    def _load(self) -> ProfilesFile:
        data: ProfilesFile = read_json(self._path, {})
        return data

    def _save(self, data: ProfilesFile) -> None:
        encoded = json.dumps(data, indent=1).encode()
        atomic_write(self._path, encoded, mode=0o600, durable=self._durable)

    def profile(self, login: str) -> Profile:
        """*login*'s settings (crates.io's defaults for a user who set none)."""
        data = self._load()
        key = login.lower()
        found = data.get("emails", {}).get(key)
        publish = data.get("publish_notifications", {}).get(key, True)
        if found is None:
            return Profile(publish_notifications=publish)
        return Profile(found["email"], found["verified"], True, publish)

    def set_email(self, login: str, email: str) -> str:
        """Set *login*'s address (unverified, as crates.io's upsert leaves it); the token
        that would confirm it (a new one when the address changed)."""
        with self._lock():
            data = self._load()
            emails = data.setdefault("emails", {})
            found = emails.get(login.lower())
            if found is None:
                found = {
                    "email": email,
                    "verified": False,
                    "token": _new_token(),
                    "token_generated_at": _now(),
                }
                emails[login.lower()] = found
            else:
                if found["email"] != email:  # the trigger reconfirm_email_on_email_change
                    found["token"] = _new_token()
                found["email"], found["verified"] = email, False
            self._save(data)
            return found["token"]

    def renew_token(self, login: str) -> str | None:
        """A new verification token for *login*'s address (crates.io's resend), or None
        when the user has no address."""
        with self._lock():
            data = self._load()
            found = data.get("emails", {}).get(login.lower())
            if found is None:
                return None
            found["token"], found["token_generated_at"] = _new_token(), _now()
            self._save(data)
            return found["token"]

    def confirm(self, token: str) -> bool:
        """Mark the address *token* was made for as verified; False when no address has it."""
        with self._lock():
            data = self._load()
            matched = None
            for record in data.get("emails", {}).values():  # every token compared
                if hmac.compare_digest(record["token"].encode(), token.encode()):
                    matched = record
            if matched is None:
                return False
            matched["verified"] = True
            self._save(data)
            return True

    def email_token(self, login: str) -> str | None:
        """The verification token crates.io would have mailed *login* last, or None."""
        found = self._load().get("emails", {}).get(login.lower())
        return None if found is None else found["token"]

    def set_publish_notifications(self, login: str, wanted: bool) -> None:
        """Turn *login*'s publish notifications on or off."""
        with self._lock():
            data = self._load()
            data.setdefault("publish_notifications", {})[login.lower()] = wanted
            self._save(data)

    def email_notifications(self, login: str) -> dict[str, bool]:
        """The email notifications *login* set, by canonical crate name (unset: on)."""
        return dict(self._load().get("email_notifications", {}).get(login.lower(), {}))

    def set_email_notifications(self, login: str, settings: Mapping[str, bool]) -> None:
        """Set *login*'s email notifications of the crates named in *settings*."""
        with self._lock():
            data = self._load()
            held = data.setdefault("email_notifications", {}).setdefault(login.lower(), {})
            held.update({canonical_name(name): wanted for name, wanted in settings.items()})
            self._save(data)

    def on_change(self, changes: Sequence[IndexChange], message: str) -> None:
        """The store's listener (under the root lock): a crate removed takes its settings
        with it, as crates.io's rows go with the crate's."""
        removed = removed_crates(changes)
        if not removed:
            return
        with self._lock():
            data = self._load()
            settings = data.get("email_notifications", {})
            if not any(removed & held.keys() for held in settings.values()):
                return
            for held in settings.values():
                for key in removed & held.keys():
                    del held[key]
            self._save(data)
