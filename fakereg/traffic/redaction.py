"""What of a request's secrets a reader is shown: tokens and credentials redacted.

One policy for every reader of the traffic (a record's ``repr``, the control API's
journal, the web page): the ``Authorization`` and ``Cookie`` headers, and the credentials
in trusted publishing's bodies (a JWT, an exchanged token, an ID token), show their first
characters only unless the reader asks for secrets.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..storage.accounts import redact

if TYPE_CHECKING:
    from .records import RecordedRequest

__all__ = ["SECRET_HEADERS", "redact", "redact_headers", "shown_bodies", "shown_headers"]

#: Headers that carry credentials (lower case).
SECRET_HEADERS = frozenset({"authorization", "cookie"})

#: Kinds whose bodies carry credentials, and the JSON keys that hold them.
_CREDENTIAL_KINDS = frozenset({"trusted_publishing", "oidc"})
_CREDENTIAL_KEYS = ("jwt", "token", "value")


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
