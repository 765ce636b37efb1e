"""What a test observes and injects across starts: traffic, assertions on it, faults, errors.

:class:`Observer` belongs to a ``FakeRegistry`` object and outlives its starts and stops
(the journal, the publish log, the faults and the server's errors go on from one start to
the next); the web layer appends to its logs, and ``FakeRegistry.requests``, ``fail`` and
the like read and change it. An index delay lives for one start only
(:class:`~fakereg.storage.delay.IndexDelay`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import InvalidTypeError, NotFoundError, ServerError
from ..traffic.errorsink import ErrorSink
from ..traffic.log import PublishLog, RequestLog
from ..traffic.matchers import MatchCriteria, RequestMatcher
from ..traffic.records import PublishRecord, RecordedRequest
from ..traffic.requests import RequestList, explain_mismatch
from .fault_set import Fault, FaultSet
from .faults import FaultOptions, FaultSpec

if TYPE_CHECKING:
    from typing_extensions import Unpack


class Observer:
    """Recorded requests, publishes and server errors; assertions; faults."""

    def __init__(self) -> None:
        self.request_log = RequestLog()
        self.publish_log = PublishLog()
        self.errors = ErrorSink()
        self.faults = FaultSet()

    # -- recorded traffic --------------------------------------------------------------

    @property
    def requests(self) -> RequestList:
        """Every HTTP request received so far, in order (a snapshot)."""
        found = RequestList(self.request_log.snapshot())
        found.dropped = self.request_log.dropped
        return found

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
        """What `FakeRegistry.assert_requested` does (documented there)."""
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
        since: int = 0,
        **criteria: Unpack[MatchCriteria],
    ) -> RecordedRequest:
        """What `FakeRegistry.wait_for` does (documented there)."""
        wanted = RequestMatcher.of(kind, criteria)
        log = self.request_log
        arrived, found = log.await_matching(wanted, count=count, since=since, timeout=timeout)
        if not arrived:
            records = [r for r in self.requests if r.seq > since]
            message = explain_mismatch(wanted, records, f"at least {count}", len(found))
            raise TimeoutError(f"after {timeout:g} s: {message}")
        return found[count - 1]

    # -- faults ------------------------------------------------------------------------

    def fail(self, kind: str | FaultSpec, **options: Unpack[FaultOptions]) -> Fault:
        """What `FakeRegistry.fail` does (documented there)."""
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
