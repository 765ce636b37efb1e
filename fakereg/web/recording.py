"""What the journal keeps of a request: one recorder for answers made and answers replayed."""

from __future__ import annotations

import io
import time
from collections.abc import Mapping
from typing import Any

from werkzeug.wrappers import Request, Response

from ..traffic.log import RequestLog
from ..traffic.memo import BoundedMemo
from ..traffic.records import OmittedBody, RawRequest
from ..transport.events import BODY_COMPLETE
from .context import RequestContext
from .fault_effects import describe

#: Distinct header fields and paths shared between records at most (then forgotten).
_INTERNED = 4096

Pairs = tuple[tuple[str, str], ...]


def _itself(value: Any) -> Any:
    return value


class Recorder:
    """Appends one record per recorded request to the :class:`RequestLog`: bodies over
    *max_body* bytes as their size and sha256 only, and the header fields and paths that
    requests repeat (cargo's ``User-Agent``, an index file's path) shared, not copied."""

    def __init__(self, log: RequestLog, max_body: int = 1024 * 1024) -> None:
        self._log = log
        self._max_body = max_body
        self._share: BoundedMemo[Any, Any] = BoundedMemo(_itself, _INTERNED)
        # A replay's header fields as the client sent them -> the record's shared pairs.
        self._replayed_fields: BoundedMemo[Pairs, Pairs] = BoundedMemo(self._titled, _INTERNED)

    def _shared_pairs(self, pairs: Pairs) -> Pairs:
        share = self._share
        return share(tuple(share(pair) for pair in pairs))  # type: ignore[no-any-return]

    def _titled(self, fields: Pairs) -> Pairs:
        return self._shared_pairs(tuple((name.title(), value) for name, value in fields))

    def answered(
        self, request: Request, context: RequestContext, response: Response | None, body: bytes
    ) -> None:
        """A request the pipeline answered (*response* None: a fault cut the connection).

        Its body is what the handler read, or else what the client sent (a GET's body, a
        form), as the server handed it over whole."""
        sent = context.body
        if sent is None:
            sent = _sent_body(request.environ)
        self._append(
            request.method,
            request.path,
            request.query_string.decode("latin-1"),
            self._shared_pairs(_environ_headers(request.environ)),
            context,
            sent,
            0 if response is None else response.status_code,
            body,
            request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
        )

    def replayed(
        self,
        method: str,
        target: str,
        headers: Mapping[str, str],
        context: RequestContext,
        status: int,
        body: bytes,
        http_version: str = "HTTP/1.1",
    ) -> None:
        """A request answered from the answer cache (*headers* with lowercase names)."""
        pairs = self._replayed_fields(tuple(headers.items()))
        self._append(method, target, "", pairs, context, b"", status, body, http_version)

    def _append(
        self,
        method: str,
        path: str,
        query: str,
        headers: tuple[tuple[str, str], ...],
        context: RequestContext,
        request_body: bytes,
        status: int,
        body: bytes,
        http_version: str,
    ) -> None:
        share = self._share
        omitted = answer_omitted = None
        if len(request_body) > self._max_body:
            request_body, omitted = b"", OmittedBody.of(request_body)
        if len(body) > self._max_body:
            body, answer_omitted = b"", OmittedBody.of(body)
        self._log.append_raw(
            RawRequest(
                method=method,
                path=share(path),
                query=query,
                headers=headers,
                body=request_body,
                status=status,
                kind=context.kind,
                response_body=body,
                duration=time.perf_counter() - context.started,
                crate=context.crate,
                version=context.version,
                fault=None if context.fault is None else describe(context.fault),
                at=context.arrived,
                http_version=http_version,
                body_omitted=omitted,
                response_body_omitted=answer_omitted,
            )
        )


def _sent_body(environ: Mapping[str, Any]) -> bytes:
    """The body fakereg's server read whole into ``wsgi.input`` (b"" from other servers,
    and for a body over the transport's limit, of which only the start was read)."""
    stream = environ.get("wsgi.input")
    if environ.get(BODY_COMPLETE) and isinstance(stream, io.BytesIO):
        return stream.getvalue()  # (shares the transport's bytes: BytesIO copies on write)
    return b""


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
