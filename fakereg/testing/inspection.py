"""The part of FakeRegistry that tests talk to: traffic, assertions, faults, delays."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..storage.visibility import IndexVisibility
from .faults import Fault, FaultOptions, FaultSet, FaultSpec
from .matchers import RequestMatcher
from .records import RecordedRequest, RequestLog
from .traffic import PublishLog, PublishRecord, RequestList, explain_mismatch

if TYPE_CHECKING:
    from typing_extensions import Unpack


class Inspection:
    """Recorded requests and publishes, assertions on them, fault injection, index delays."""

    def __init__(self) -> None:
        self._log = RequestLog()
        self._publish_log = PublishLog()
        self._faults = FaultSet()
        self._visibility = IndexVisibility()

    # -- recorded traffic --------------------------------------------------------------

    @property
    def requests(self) -> RequestList:
        """Every HTTP request received so far, in order (a snapshot)."""
        return RequestList(self._log.snapshot())

    @property
    def publishes(self) -> list[PublishRecord]:
        """One record per publish request, accepted or refused, in order."""
        return self._publish_log.snapshot()

    def clear(self) -> None:
        """Forget recorded requests and publishes (faults and state stay)."""
        self._log.clear()
        self._publish_log.clear()

    def assert_requested(
        self,
        kind: str | RequestMatcher | None = None,
        *,
        method: str | None = None,
        crate: str | None = None,
        version: str | None = None,
        path: str | None = None,
        status: int | None = None,
        count: int | None = None,
    ) -> RequestList:
        """Assert that matching requests arrived (*count* of them exactly, when given).

        *kind* may be a :class:`~fakereg.RequestMatcher` instead of the criteria. Returns
        the matching requests; the failure message lists those that came closest.
        """
        wanted = _matcher(kind, method, crate, version, path, status)
        records = self.requests
        found = RequestList(r for r in records if wanted.matches(r))
        if (count is None and not found) or (count is not None and len(found) != count):
            expected = "at least 1" if count is None else f"exactly {count}"
            raise AssertionError(explain_mismatch(wanted, records, expected, len(found)))
        return found

    def wait_for(
        self,
        kind: str | RequestMatcher | None = None,
        *,
        method: str | None = None,
        crate: str | None = None,
        version: str | None = None,
        path: str | None = None,
        status: int | None = None,
        count: int = 1,
        timeout: float = 10.0,
    ) -> RecordedRequest:
        """Wait for the *count*-th matching request (e.g. from a tool in the background).

        Unlike :meth:`assert_requested`, whose *count* is an exact total, *count* here is
        an ordinal: the call returns once that many have arrived (more may follow), with
        the *count*-th of them. *kind* may be a :class:`~fakereg.RequestMatcher`. Raises
        TimeoutError listing the closest requests.
        """
        wanted = _matcher(kind, method, crate, version, path, status)

        def enough(records: list[RecordedRequest]) -> bool:
            return sum(wanted.matches(r) for r in records) >= count

        if not self._log.wait(enough, timeout):
            records = self.requests
            found = sum(wanted.matches(r) for r in records)
            message = explain_mismatch(wanted, records, f"at least {count}", found)
            raise TimeoutError(f"after {timeout:g} s: {message}")
        matching = [r for r in self.requests if wanted.matches(r)]
        return matching[count - 1]

    # -- faults ------------------------------------------------------------------------

    def fail(self, kind: str | FaultSpec, **options: Unpack[FaultOptions]) -> Fault:
        """Make matching requests fail; see the README's "Testing failures" for each effect.

        ``status``/``errors``/``body``/``headers`` answer in the registry's place;
        ``delay`` waits before answering; ``dribble`` spreads the body over that many
        seconds; ``drop`` closes the connection without an answer, ``reset`` resets it;
        ``truncate`` sends half the body; ``corrupt`` flips bytes of a download;
        ``malicious`` serves a ``.crate`` with a path escaping its folder (and its checksum
        in the sparse index); ``invalid_line`` appends an unparsable line to an index file.
        A fault has one effect among the answer, ``drop``, ``reset``, ``truncate``,
        ``corrupt``, ``malicious`` and ``invalid_line``; ``headers``, ``delay`` and
        ``dribble`` go with any but a cut connection. The same keywords in JSON make a
        :class:`~fakereg.FaultSpec` (``FaultSpec.from_json``).
        """
        if isinstance(kind, FaultSpec):
            if options:
                raise TypeError("give a FaultSpec or keywords, not both")
            return self._faults.add(kind)
        spec = FaultSpec.build(kind, **options)
        return self._faults.add(spec)

    def remove_faults(self) -> None:
        """End every fault."""
        self._faults.clear()

    def delay_index_updates(self, seconds: float | None = None, polls: int | None = None) -> None:
        """Show versions published from now on in the sparse index only after *seconds*
        and after their crate's index file was read *polls* times; no arguments: stop."""
        self._visibility.configure(seconds, polls)


def _matcher(
    kind: str | RequestMatcher | None,
    method: str | None,
    crate: str | None,
    version: str | None,
    path: str | None,
    status: int | None,
) -> RequestMatcher:
    if not isinstance(kind, RequestMatcher):
        return RequestMatcher(kind, method, crate, version, path, status)
    if any(value is not None for value in (method, crate, version, path, status)):
        raise TypeError("give a RequestMatcher or criteria, not both")
    return kind
