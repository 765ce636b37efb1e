"""What one request carries through the app: a typed context instead of loose environ keys."""

from __future__ import annotations

import time
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from typing import Any

from werkzeug.wrappers import Request

from ..domain.publish import PublishBody, parse_publish_body
from ..errors import ApiError, InvalidError
from ..storage.accounts import Credential
from ..testing.fault_set import Fault
from ..traffic.kinds import Kind
from .answer_cache import CacheHint

#: The one environ key fakereg adds: the request's :class:`RequestContext`.
CONTEXT_KEY = "fakereg.context"


@dataclass(slots=True)
class RequestContext:
    """Learnt about a request while it is answered: its kind, crate, version, body, fault.

    Routing fills ``kind``, ``crate`` and ``version``; a handler that reads the body keeps
    it here (the record shows it); a publish body is parsed once, whoever asks first (a
    fault filtering on the crate, then the handler); a handler whose answer may be kept
    for replay says so in ``cache``.
    """

    kind: Kind = Kind.OTHER
    crate: str | None = None
    version: str | None = None
    body: bytes | None = None
    fault: Fault | None = None
    cache: CacheHint | None = None
    #: On a private registry, the credential the ``READ`` rule let in (its crate limits
    #: decide what lists show).
    reader: Credential | None = None
    arrived: float = field(default_factory=time.time)
    started: float = field(default_factory=time.perf_counter)
    _publish: PublishBody | InvalidError | None = None

    def note(self, metadata: dict[str, Any]) -> None:
        """Remember the crate and version a publish body names (when they are strings)."""
        if isinstance(metadata.get("name"), str):
            self.crate = metadata["name"]
        if isinstance(metadata.get("vers"), str):
            self.version = metadata["vers"]

    def read_body(self, request: Request, limit: int, *, named: int | None = None) -> bytes:
        """The request body, read once; 413 when it is longer than *limit* bytes, naming
        *named* as the limit (the configured one, where *limit* adds room for metadata)."""
        if self.body is not None:
            return self.body
        too_large = ApiError(413, f"max upload size is: {limit if named is None else named}")
        length = request.content_length
        if length is not None and length > limit:
            raise too_large
        try:
            data = request.stream.read(limit + 1)
        except (OSError, ValueError) as exc:  # a broken chunked body, a timeout, a hang-up
            raise ApiError(400, f"could not read the request body: {exc}") from None
        if len(data) > limit:
            raise too_large
        self.body = data
        return data

    def publish_body(self, request: Request, limit: int, *, named: int) -> PublishBody:
        """The publish body, read and parsed once; its crate and version are noted."""
        if self._publish is None:
            try:
                self._publish = parse_publish_body(self.read_body(request, limit, named=named))
            except InvalidError as exc:
                self._publish = exc
            else:
                self.note(self._publish.metadata)
        if isinstance(self._publish, InvalidError):
            raise self._publish
        return self._publish


def context_of(request: Request) -> RequestContext:
    """The context of *request* (made on first use)."""
    return context_in(request.environ)


def context_in(environ: MutableMapping[str, Any]) -> RequestContext:
    """The context of the request whose WSGI environ (or a copy of it) is *environ*."""
    found: RequestContext | None = environ.get(CONTEXT_KEY)
    if found is None:
        found = environ[CONTEXT_KEY] = RequestContext()
    return found
