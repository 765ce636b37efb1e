"""Which requests something is about: one matcher for filters, assertions, waits and faults."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, TypedDict

from ..domain.names import canonical_name
from ..errors import InvalidError, InvalidTypeError
from .kinds import RECORDED_KINDS as KINDS
from .kinds import Kind
from .records import RecordedRequest

_FIELDS = ("kind", "method", "crate", "version", "path", "status")


class MatchCriteria(TypedDict, total=False):
    """The keywords that, with a *kind*, make a :class:`RequestMatcher` (all optional)."""

    method: str | None
    crate: str | None
    version: str | None
    path: str | None
    status: int | None


@dataclass(frozen=True)
class RequestMatcher:
    """What a request must have to match; None means anything.

    *kind* is one of :data:`~fakereg.traffic.kinds.RECORDED_KINDS`; *crate* matches as crates.io
    compares names (case and ``-``/``_`` aside); *method* in any case; *path* exactly;
    *status* is the answer's (0: the connection was cut). Buildable from keywords or from
    JSON with the same keys (:meth:`from_json`).
    """

    kind: Kind | str | None = None
    method: str | None = None
    crate: str | None = None
    version: str | None = None
    path: str | None = None
    status: int | None = None

    def __post_init__(self) -> None:
        if self.kind is not None:
            kind = Kind.parse(self.kind)
            if not kind.recorded:
                raise InvalidError(f"unknown kind {self.kind!r}: choose one of {', '.join(KINDS)}")
            object.__setattr__(self, "kind", kind)
        for name in ("method", "crate", "version", "path"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise InvalidTypeError(f"{name} must be a string, not {value!r}")
        if self.status is not None and (
            isinstance(self.status, bool) or not isinstance(self.status, int)
        ):
            raise InvalidTypeError(f"status must be a whole number, not {self.status!r}")
        if self.method is not None:
            object.__setattr__(self, "method", self.method.upper())

    @classmethod
    def of(cls, kind: str | RequestMatcher | None, criteria: MatchCriteria) -> RequestMatcher:
        """*kind* if it is a matcher already (then no *criteria*), else one made of both."""
        if not isinstance(kind, RequestMatcher):
            return cls(kind, **criteria)
        if any(value is not None for value in criteria.values()):
            raise InvalidTypeError("give a RequestMatcher or criteria, not both")
        return kind

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RequestMatcher:
        """A matcher from a JSON object with these keys (others are refused)."""
        unknown = set(data) - {f.name for f in fields(cls)}
        if unknown:
            raise InvalidError(f"unknown matcher keys: {', '.join(sorted(unknown))}")
        return cls(**data)

    def _checks(
        self,
        kind: str,
        method: str,
        crate: str | None,
        version: str | None,
        path: str | None = None,
        status: int | None = None,
    ) -> list[bool]:
        checks = []
        if self.kind is not None:
            checks.append(kind == self.kind)
        if self.method is not None:
            checks.append(method == self.method)
        if self.crate is not None:
            checks.append(crate is not None and canonical_name(crate) == canonical_name(self.crate))
        if self.version is not None:
            checks.append(version == self.version)
        if self.path is not None:
            checks.append(path == self.path)
        if self.status is not None:
            checks.append(status == self.status)
        return checks

    def _record_checks(self, record: RecordedRequest) -> list[bool]:
        return self._checks(
            record.kind, record.method, record.crate, record.version, record.path, record.status
        )

    def matches(self, record: RecordedRequest) -> bool:
        """True when the recorded *record* has everything asked for."""
        return all(self._record_checks(record))

    def matches_request(
        self, kind: str, method: str, crate: str | None, version: str | None
    ) -> bool:
        """True for a request being answered (no path or status to compare yet)."""
        return all(self._checks(kind, method, crate, version))

    def closeness(self, record: RecordedRequest) -> int:
        """How many of the asked-for properties *record* has (for failure messages)."""
        return sum(self._record_checks(record))

    def describe(self) -> str:
        given = [f"{key}={getattr(self, key)!r}" for key in _FIELDS if getattr(self, key)]
        return ", ".join(given) or "any request"
