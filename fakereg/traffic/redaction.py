"""What of a request's secrets a reader is shown: tokens and credentials redacted.

One policy for every reader of the traffic (a record's ``repr``, the control API's
journal, the web page): the ``Authorization`` and ``Cookie`` headers, the credentials
in trusted publishing's bodies (a JWT, an exchanged token, an ID token), and the email
verification token in ``/api/v1/confirm/{token}`` show their first characters only unless
the reader asks for secrets.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..storage.accounts import redact

if TYPE_CHECKING:
    from .records import RecordedRequest

__all__ = [
    "SECRET_HEADERS",
    "redact",
    "redact_headers",
    "shown_bodies",
    "shown_headers",
    "shown_path",
]

#: Headers that carry credentials (lower case).
SECRET_HEADERS = frozenset({"authorization", "cookie"})

#: Kinds whose bodies carry credentials, and the JSON keys that hold them.
_CREDENTIAL_KINDS = frozenset({"trusted_publishing", "oidc"})
_CREDENTIAL_KEYS = ("jwt", "token", "value")
#: Paths that carry a secret: crates.io's email confirmation (its last segment).
_SECRET_PATH = re.compile(r"(/api/v1/confirm/)([^/]+)")


def redact_headers(
    headers: Iterable[tuple[str, str]], *, secrets: bool = False
) -> list[tuple[str, str]]:
    """*headers* in order, the secret ones redacted unless *secrets*."""
    return [
        (name, value if secrets or name.lower() not in SECRET_HEADERS else redact(value))
        for name, value in headers
    ]


def _redact_json(data: bytes) -> bytes:
    """*data* with the credentials of a JSON object redacted (other bodies as they are)."""
    try:
        parsed = json.loads(data)
    except (ValueError, RecursionError):
        return data
    if not isinstance(parsed, dict):
        return data
    for key in _CREDENTIAL_KEYS:
        if isinstance(parsed.get(key), str):
            parsed[key] = redact(parsed[key])
    return json.dumps(parsed).encode()


def shown_bodies(record: RecordedRequest, *, secrets: bool) -> tuple[bytes, bytes]:
    """The request's body and its answer's, with trusted publishing's credentials redacted
    unless *secrets*."""
    if not secrets and record.kind in _CREDENTIAL_KINDS:
        return _redact_json(record.body), _redact_json(record.response_body)
    return record.body, record.response_body


def shown_headers(record: RecordedRequest, *, secrets: bool) -> list[tuple[str, str]]:
    """The request's headers in order, ``Authorization`` and ``Cookie`` redacted unless
    *secrets*."""
    return redact_headers(record.headers.items_raw(), secrets=secrets)


def shown_path(path: str, *, secrets: bool = False) -> str:
    """*path* with the email verification token of ``/api/v1/confirm/{token}`` redacted
    unless *secrets*."""
    if secrets or not path.startswith("/api/v1/confirm/"):
        return path
    return _SECRET_PATH.sub(lambda m: m.group(1) + redact(m.group(2)), path, count=1)
