"""The access log: one line a request answered, on the ``fakereg.access`` logger."""

from __future__ import annotations

import logging
import re
import time

access_log = logging.getLogger("fakereg.access")

_SECRET_QUERY = re.compile(r"([?&](?:admin|token)=)[^&\s]*")
#: crates.io's email confirmation carries its token as the path's last segment.
_SECRET_PATH = re.compile(r"(/api/v1/confirm/)[^/?\s]+")


def redact_target(target: str) -> str:
    """*target* with the values of its token-bearing query parameters, and the token of
    an email confirmation's path, redacted."""
    if "/api/v1/confirm/" in target:
        target = _SECRET_PATH.sub(r"\1<redacted>", target)
    return _SECRET_QUERY.sub(r"\1<redacted>", target) if "=" in target else target


def log_line(client: str, requestline: str, status: int | str, started: float, sent: int) -> None:
    """The line of a request answered: client, request line (tokens in its query
    redacted), status, body bytes sent and the time since *started* (``perf_counter``)."""
    if access_log.isEnabledFor(logging.INFO):
        access_log.info(
            '%s "%s" %s %d B %.1f ms',
            client,
            redact_target(requestline),
            status,
            sent,
            (time.perf_counter() - started) * 1000,
        )
