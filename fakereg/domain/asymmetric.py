"""Cargo's asymmetric tokens (RFC 3231): a PASETO ``v3.public`` token per request, signed
with the user's P-384 key, instead of a secret sent over the wire.

``cargo login`` with the ``cargo:paseto`` credential provider makes a key pair and prints
its public key (``k3.public.…``); the registry learns it out of band. Each authenticated
request then carries a token whose footer names the registry's index URL (``url``) and the
key's PASERK id (``kip``), and whose claims say when it was made (``iat``) and, for a
change, what it may change (``mutation``, ``name``, ``vers``, ``cksum``). The checks are
RFC 3231's "How the registry server will validate an asymmetric token", as cargo's own
test registry makes them (``crates/cargo-test-support/src/registry.rs``,
``check_authorized``). PASETO itself is pyseto's: the signature, the version and purpose,
the footer's integrity.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import pyseto
from pyseto import Key

from ..errors import InvalidError, UnauthenticatedError
from .names import canonical_name

#: How every asymmetric token starts (cargo signs ``v3.public`` only).
PREFIX = "v3.public."
#: How long after its ``iat`` a token is accepted (cargo caches a read token for a command).
MAX_AGE = timedelta(minutes=5)
#: How far ahead of this machine's clock an ``iat`` may be.
MAX_SKEW = timedelta(minutes=1)
_RFC3339 = re.compile(
    r"(?P<time>\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d)(?P<fraction>\.\d+)?"
    r"(?P<zone>[Zz]|[+-]\d\d:\d\d)"
)
#: The changes a token may be signed for.
MUTATIONS = ("publish", "yank", "unyank", "owners")


@dataclass(frozen=True)
class Operation:
    """What a request does, as a token must have been signed for it: ``mutation`` None for
    a read; ``vers`` for publish, yank and unyank; ``cksum`` (the archive's sha256) for a
    publish."""

    mutation: str | None = None
    name: str | None = None
    vers: str | None = None
    cksum: str | None = None

    def describe(self) -> str:
        if self.mutation is None:
            return "a read"
        target = self.name if self.vers is None else f"{self.name}@{self.vers}"
        return f"{self.mutation} of {target}"


def key_id(public_key: str) -> str:
    """The PASERK id (``k3.pid.…``) of a ``k3.public.…`` key; InvalidError when *public_key*
    is not one."""
    if not isinstance(public_key, str) or not public_key.startswith("k3.public."):
        raise InvalidError("expected a PASERK public key of version 3 (k3.public.…)")
    try:
        return str(Key.from_paserk(public_key).to_paserk_id())
    except Exception as exc:  # pyseto raises its own and cryptography's errors
        raise InvalidError(f"not a valid k3.public key: {exc}") from None


def key_id_of(token: str) -> str | None:
    """The ``kip`` an asymmetric token's footer names (read before its signature is
    checked: it says which key to check it with), or None when there is none."""
    footer = _untrusted_footer(token)
    kip = footer.get("kip") if footer is not None else None
    return kip if isinstance(kip, str) else None


def _untrusted_footer(token: str) -> dict[str, Any] | None:
    parts = token.split(".")
    if len(parts) != 4 or not token.startswith(PREFIX):
        return None
    try:
        raw = base64.urlsafe_b64decode(parts[3] + "=" * (-len(parts[3]) % 4))
        footer = json.loads(raw)
    except (binascii.Error, ValueError):
        return None
    return footer if isinstance(footer, dict) else None


def verify(
    token: str, public_key: str, index_urls: frozenset[str], now: datetime | None = None
) -> Operation:
    """Check *token* as RFC 3231 asks, against the user's *public_key* and the registry's
    *index_urls*; the operation it was signed for. UnauthenticatedError says why not."""
    try:
        decoded = pyseto.decode(Key.from_paserk(public_key), token)
    except Exception:  # a bad signature, a tampered footer, another version
        raise _refused("its signature does not verify with the user's key") from None
    raw_footer, raw_claims = decoded.footer, decoded.payload
    try:
        if not isinstance(raw_footer, bytes) or not isinstance(raw_claims, bytes):
            raise TypeError
        footer = json.loads(raw_footer)
        claims = json.loads(raw_claims)
    except (TypeError, ValueError):
        raise _refused("its footer and claims must be JSON objects") from None
    if not isinstance(footer, dict) or not isinstance(claims, dict):
        raise _refused("its footer and claims must be JSON objects")
    if footer.get("url") not in index_urls:
        raise _refused(f"it was signed for another registry ({footer.get('url')!r})")
    _check_time(claims.get("iat"), now or datetime.now(timezone.utc))
    if claims.get("v", 1) != 1:
        raise _refused(f"unknown claims version {claims.get('v')!r}")
    fields = {name: claims.get(name) for name in ("mutation", "name", "vers", "cksum")}
    if not all(value is None or isinstance(value, str) for value in fields.values()):
        raise _refused("its mutation, name, vers and cksum claims must be text")
    if fields["mutation"] is not None and fields["mutation"] not in MUTATIONS:
        raise _refused(f"unknown mutation {fields['mutation']!r}")
    return Operation(**fields)


def _check_time(iat: object, now: datetime) -> None:
    if not isinstance(iat, str):
        raise _refused("it has no iat claim")
    found = _RFC3339.fullmatch(iat)
    try:
        if found is None:
            raise ValueError
        # (cargo writes nanoseconds; Python 3.10 reads at most microseconds)
        digits = (found["fraction"] or ".")[1:]
        fraction = f".{digits[:6].ljust(6, '0')}" if digits else ""
        zone = "+00:00" if found["zone"] in ("Z", "z") else found["zone"]
        made = datetime.fromisoformat(f"{found['time']}{fraction}{zone}")
    except ValueError:
        raise _refused(f"its iat {iat!r} is not an RFC 3339 time") from None
    if made > now + MAX_SKEW or now - made > MAX_AGE:
        raise _refused(f"it was made at {iat}, outside the {MAX_AGE.seconds // 60} minutes allowed")


def check_operation(signed: Operation, wanted: Operation) -> None:
    """UnauthenticatedError unless a token signed for *signed* may do *wanted*: the same
    mutation, crate and version (and checksum, for a publish); a read only with none."""
    same = (
        signed.mutation == wanted.mutation
        and _same_name(signed.name, wanted.name)
        and signed.vers == wanted.vers
        and (wanted.mutation != "publish" or signed.cksum == wanted.cksum)
    )
    if wanted.mutation is None:
        same = signed == Operation()
    if not same:
        raise _refused(f"it was signed for {signed.describe()}, not {wanted.describe()}")


def _same_name(a: str | None, b: str | None) -> bool:
    return a == b or (a is not None and b is not None and canonical_name(a) == canonical_name(b))


def _refused(why: str) -> UnauthenticatedError:
    return UnauthenticatedError(f"authentication failed: the asymmetric token is refused: {why}")
