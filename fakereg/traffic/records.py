"""Immutable records of what a registry received: requests, their headers, publishes."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from urllib.parse import parse_qsl

from .memo import BoundedMemo
from .redaction import redact_headers, shown_path


class HeaderMap(Mapping[str, str]):
    """Read-only, case-insensitive headers; repeated headers are joined with ``, ``."""

    __slots__ = ("_items", "_lookup")

    def __init__(self, items: Iterable[tuple[str, str]]) -> None:
        self._items = tuple(items)  # (shared with the journal's raw record: no copy)
        self._lookup: dict[str, str] | None = None  # made on first use: a full journal of
        # records nobody looks into costs their pairs only

    def _table(self) -> dict[str, str]:
        lookup = self._lookup
        if lookup is None:
            lookup = {}
            for key, value in self._items:
                lower = key.lower()
                lookup[lower] = f"{lookup[lower]}, {value}" if lower in lookup else value
            self._lookup = lookup
        return lookup

    def __getitem__(self, key: str) -> str:
        return self._table()[key.lower()]

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(key for key, _ in self._items))

    def __len__(self) -> int:
        return len(self._table())

    def items_raw(self) -> tuple[tuple[str, str], ...]:
        """Every header as received, in order."""
        return self._items

    def __repr__(self) -> str:
        return f"HeaderMap({dict(redact_headers(self._items))!r})"


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request and the answer it got. Secrets are redacted in ``repr`` only.

    ``status`` is 0 when a fault cut the connection instead of answering; ``at`` is the
    wall-clock time (``time.time()``) it arrived; ``fault`` names the fault that fired;
    ``seq`` is its number in the registry's journal (1, 2, …, never reused: the control
    API's ``seq``, and what ``wait_for(since=…)`` counts from). ``body`` is the body the
    client sent, whether or not the route reads one (a ``GET`` with a body keeps it).
    """

    method: str
    path: str
    query: str
    headers: HeaderMap
    body: bytes = field(repr=False)
    status: int
    kind: str  # a Kind member (typed as str: lists of kinds take plain names too)
    response_body: bytes = field(repr=False, default=b"")
    duration: float = 0.0
    crate: str | None = None
    version: str | None = None
    fault: str | None = None
    at: float = 0.0
    seq: int = 0
    http_version: str = "HTTP/1.1"
    #: A body over ``max_recorded_body`` is not kept (``body`` is empty): its size and
    #: sha256 are (None: the body is kept whole).
    body_omitted: OmittedBody | None = None
    response_body_omitted: OmittedBody | None = None

    @property
    def body_size(self) -> int:
        """The request body's size, kept or not."""
        return len(self.body) if self.body_omitted is None else self.body_omitted.size

    @property
    def response_body_size(self) -> int:
        """The answer's body size, kept or not."""
        if self.response_body_omitted is None:
            return len(self.response_body)
        return self.response_body_omitted.size

    @property
    def params(self) -> dict[str, str]:
        """The query string parsed (last value wins)."""
        return dict(parse_qsl(self.query, keep_blank_values=True))

    @property
    def token(self) -> str | None:
        """The ``Authorization`` header sent, if any."""
        return self.headers.get("Authorization")

    def summary(self) -> str:
        """``GET /index/3/f/foo -> 200 (1.2 ms)``; a fault that fired is named after it."""
        target = shown_path(self.path) + (f"?{self.query}" if self.query else "")
        status = "no answer" if self.status == 0 else str(self.status)
        line = f"{self.method} {target} -> {status} ({self.duration * 1000:.1f} ms)"
        return f"{line} [fault: {self.fault}]" if self.fault else line


class OmittedBody(NamedTuple):
    """A body the journal did not keep (over ``max_recorded_body``): its size and sha256."""

    size: int
    sha256: str

    @classmethod
    def of(cls, data: bytes) -> OmittedBody:
        return cls(len(data), hashlib.sha256(data).hexdigest())

    def __str__(self) -> str:
        return f"({self.size} bytes, not kept; sha256 {self.sha256})"


#: Header maps shared between records whose requests sent the same fields (a HeaderMap is
#: immutable), at most 4096 (then forgotten): a full journal of a client's requests holds
#: one map, not one per request.
_header_map: BoundedMemo[tuple[tuple[str, str], ...], HeaderMap] = BoundedMemo(HeaderMap, 4096)


class RawRequest(NamedTuple):
    """A request as the server keeps it until it is read: a RecordedRequest's fields, the
    headers as pairs. Cheap to make on the hot path; made a record when first read."""

    method: str
    path: str
    query: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    status: int
    kind: str
    response_body: bytes
    duration: float
    crate: str | None
    version: str | None
    fault: str | None
    at: float
    http_version: str = "HTTP/1.1"
    body_omitted: OmittedBody | None = None
    response_body_omitted: OmittedBody | None = None

    def record(self, seq: int = 0) -> RecordedRequest:
        """The :class:`RecordedRequest` a reader sees (*seq*: its journal number)."""
        return RecordedRequest(
            method=self.method,
            path=self.path,
            query=self.query,
            headers=_header_map(self.headers),
            body=self.body,
            status=self.status,
            kind=self.kind,
            response_body=self.response_body,
            duration=self.duration,
            crate=self.crate,
            version=self.version,
            fault=self.fault,
            at=self.at,
            seq=seq,
            http_version=self.http_version,
            body_omitted=self.body_omitted,
            response_body_omitted=self.response_body_omitted,
        )


@dataclass(frozen=True)
class PublishRecord:
    """One publish request, accepted or refused, with what it carried."""

    status: int
    error: str | None
    login: str | None
    metadata: dict[str, Any] | None = field(repr=False)
    crate: bytes = field(repr=False, default=b"")
    files: tuple[str, ...] = ()
    manifest: dict[str, Any] | None = field(repr=False, default=None)
    #: For a publish with a trusted publishing token: the run it came from (``provider``,
    #: ``repository``, ``run_id``, ``sha``), as crates.io's ``trustpub_data``; else None.
    trusted_publishing: dict[str, Any] | None = None

    @property
    def accepted(self) -> bool:
        return self.status == 200

    @property
    def name(self) -> str | None:
        value = (self.metadata or {}).get("name")
        return value if isinstance(value, str) else None

    @property
    def version(self) -> str | None:
        value = (self.metadata or {}).get("vers")
        return value if isinstance(value, str) else None
