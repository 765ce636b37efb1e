"""What a test observes and injects: traffic, assertions on it, faults, index delays, errors.

:class:`Observer` belongs to a ``FakeRegistry`` object and outlives its starts and stops;
the web layer appends to its logs, and ``FakeRegistry.requests``, ``fail`` and the like
read and change it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import InvalidTypeError, NotFoundError, ServerError
from ..storage.visibility import IndexVisibility
from ..traffic.errorsink import ErrorSink
from ..traffic.log import PublishLog, RequestLog
from ..traffic.matchers import MatchCriteria, RequestMatcher
from ..traffic.records import PublishRecord, RecordedRequest
from ..traffic.requests import RequestList, explain_mismatch
from .faults import Fault, FaultOptions, FaultSet, FaultSpec

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..storage.gitsync import GitSync


class Observer:
    """Recorded requests, publishes and server errors; assertions; faults; index delays."""

    def __init__(self) -> None:
        self.request_log = RequestLog()
        self.publish_log = PublishLog()
        self.errors = ErrorSink()
        self.faults = FaultSet()
        self.visibility = IndexVisibility()

    # -- recorded traffic --------------------------------------------------------------

    @property
    def requests(self) -> RequestList:
        """Every HTTP request received so far, in order (a snapshot)."""
        return RequestList(self.request_log.snapshot())

    @property
    def publishes(self) -> list[PublishRecord]:
        """One record per publish request, accepted or refused, in order."""
        return self.publish_log.snapshot()

    def clear(self) -> None:
        """Forget recorded requests and publishes (faults and state stay)."""
        self.request_log.clear()
        self.publish_log.clear()

    def assert_requested(
        self,
        kind: str | RequestMatcher | None = None,
        *,
        count: int | None = None,
        **criteria: Unpack[MatchCriteria],
    ) -> RequestList:
        """Assert that matching requests arrived (*count* of them exactly, when given).

        *kind* may be a :class:`~fakereg.RequestMatcher` instead of the criteria. Returns
        the matching requests; the failure message lists those that came closest.
        """
        wanted = RequestMatcher.of(kind, criteria)
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
        count: int = 1,
        timeout: float = 10.0,
        **criteria: Unpack[MatchCriteria],
    ) -> RecordedRequest:
        """Wait for the *count*-th matching request (e.g. from a tool in the background).

        Unlike :meth:`assert_requested`, whose *count* is an exact total, *count* here is
        an ordinal: the call returns once that many have arrived (more may follow), with
        the *count*-th of them. *kind* may be a :class:`~fakereg.RequestMatcher`. Raises
        TimeoutError listing the closest requests.
        """
        wanted = RequestMatcher.of(kind, criteria)

        def enough(records: list[RecordedRequest]) -> bool:
            return sum(wanted.matches(r) for r in records) >= count

        if not self.request_log.wait(enough, timeout):
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
                raise InvalidTypeError("give a FaultSpec or keywords, not both")
            return self.faults.add(kind)
        spec = FaultSpec.build(kind, **options)
        return self.faults.add(spec)

    def check_errors(self) -> None:
        """Raise :class:`~fakereg.ServerError` if the server thread raised anything."""
        errors = self.errors.snapshot()
        if errors:
            raise ServerError(errors)

    def remove_faults(self) -> None:
        """End every fault."""
        self.faults.clear()

    def remove_fault(self, fault_id: int) -> None:
        """End the fault numbered *fault_id* (``/__fakereg/faults/{id}``, the page's form)."""
        for fault in self.faults.in_force():
            if fault.id == fault_id:
                fault.remove()
                return
        raise NotFoundError(f"no fault {fault_id} in force")

    def reveal_index(self, git: GitSync | None = None) -> None:
        """End the index delays and show every version they hid (and *git*'s held-back
        commits)."""
        self.visibility.reveal_all()
        if git is not None:
            git.deferred.release_all()

    def delay_index_updates(
        self, seconds: float | None = None, polls: int | None = None, *, git: GitSync | None = None
    ) -> None:
        """Show versions published from now on in the sparse index only after *seconds*
        and after their crate's index file was read *polls* times; no arguments: stop.

        *git*: the running registry's git view, made now if a delay starts (the commits
        it holds back need the repository to exist), once the delay is known valid."""
        self.visibility.check(seconds, polls)
        if git is not None and (seconds is not None or polls is not None):
            git.ready()
        self.visibility.configure(seconds, polls)
