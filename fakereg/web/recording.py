"""What the journal keeps of a request: one recorder for answers made and answers replayed."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from werkzeug.wrappers import Request, Response

from ..traffic.log import RequestLog
from ..traffic.records import RawRequest
from .context import RequestContext
from .fault_effects import describe


class Recorder:
    """Appends one record per recorded request to the :class:`RequestLog`."""

    def __init__(self, log: RequestLog) -> None:
        self._log = log

    def answered(
        self, request: Request, context: RequestContext, response: Response | None, body: bytes
    ) -> None:
        """A request the pipeline answered (*response* None: a fault cut the connection)."""
        self._append(
            request.method,
            request.path,
            request.query_string.decode("latin-1"),
            _environ_headers(request.environ),
            context,
            0 if response is None else response.status_code,
            body,
        )

    def replayed(
        self,
        method: str,
        target: str,
        headers: Mapping[str, str],
        context: RequestContext,
        status: int,
        body: bytes,
    ) -> None:
        """A request answered from the answer cache (*headers* with lowercase names)."""
        pairs = tuple((name.title(), value) for name, value in headers.items())
        self._append(method, target, "", pairs, context, status, body)

    def _append(
        self,
        method: str,
        path: str,
        query: str,
        headers: tuple[tuple[str, str], ...],
        context: RequestContext,
        status: int,
        body: bytes,
    ) -> None:
        self._log.append_raw(
            RawRequest(
                method=method,
                path=path,
                query=query,
                headers=headers,
                body=context.body or b"",
                status=status,
                kind=context.kind,
                response_body=body,
                duration=time.perf_counter() - context.started,
                crate=context.crate,
                version=context.version,
                fault=None if context.fault is None else describe(context.fault),
                at=context.arrived,
            )
        )


def _environ_headers(environ: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """The request's headers from the WSGI environ (what ``request.headers`` iterates, faster)."""
    headers = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers.append((key[5:].replace("_", "-").title(), _latin1_to_text(value)))
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            headers.append((key.replace("_", "-").title(), _latin1_to_text(value)))
    return tuple(headers)


def _latin1_to_text(value: str) -> str:
    try:
        return value.encode("latin-1").decode()
    except UnicodeError:
        return value
