"""Looking into recorded requests: filters, ``.last``, failure messages that explain
themselves."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .matchers import RequestMatcher
from .records import RecordedRequest


class RequestList(list[RecordedRequest]):
    """A snapshot of recorded requests, with filters in the style of respx; :attr:`dropped`
    counts the older ones the journal no longer keeps (``max_recorded``)."""

    dropped: int = 0

    def filter(self, kind: str | RequestMatcher | None = None, **criteria: Any) -> RequestList:
        """The requests matching a :class:`RequestMatcher`, or every criterion given (kind,
        method, crate, version, path, status)."""
        wanted = kind if isinstance(kind, RequestMatcher) else RequestMatcher(kind, **criteria)
        return RequestList(r for r in self if wanted.matches(r))

    @property
    def last(self) -> RecordedRequest:
        """The most recent request; LookupError when there is none."""
        if not self:
            raise LookupError("no request was recorded")
        return self[-1]

    @property
    def first(self) -> RecordedRequest:
        """The earliest request; LookupError when there is none."""
        if not self:
            raise LookupError("no request was recorded")
        return self[0]

    def summary(self) -> str:
        """One line per request: method, path, status, time."""
        return "\n".join(r.summary() for r in self)


def explain_mismatch(
    wanted: RequestMatcher, records: Iterable[RecordedRequest], expected: str, found: int
) -> str:
    """A failure message: *expected* ("exactly 2") requests, how many were found, and
    the requests that came closest."""
    records = list(records)
    lines = [
        f"expected {expected} request(s) matching {wanted.describe()}, found {found}.",
    ]
    if not records:
        lines.append("The registry received no request at all.")
        return "\n".join(lines)
    ranked = sorted(records, key=wanted.closeness, reverse=True)[:5]
    lines.append(f"Closest of the {len(records)} request(s) received:")
    lines += [
        f"  {r.summary()}  (kind={r.kind}, crate={r.crate}, version={r.version})" for r in ranked
    ]
    return "\n".join(lines)
