"""Observing and failing a registry: recorded traffic, assertions and waits, faults, the
index delay, server errors. The traffic, faults and errors belong to the long-lived
:class:`~fakereg.testing.inspection.Observer` (they go on across starts); the index delay
to the running registry."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import InvalidTypeError
from ..testing.fault_set import Fault
from ..testing.faults import FaultOptions, FaultSpec
from ..traffic.kinds import RECORDED_KINDS, Kind
from ..traffic.matchers import MatchCriteria, RequestMatcher
from ..traffic.records import PublishRecord, RecordedRequest
from ..traffic.requests import RequestList
from .base import RegistryBase

if TYPE_CHECKING:
    from typing_extensions import Unpack


class Observing(RegistryBase):
    """``requests``, ``publishes``, ``assert_requested``, ``wait_for``, ``fail``, the index
    delay and server errors."""

    @property
    def requests(self) -> RequestList:
        """Every HTTP request received so far, in order (a snapshot)."""
        return self._observer.requests

    @property
    def publishes(self) -> list[PublishRecord]:
        """One record per publish request, accepted or refused, in order."""
        return self._observer.publishes

    def clear(self) -> None:
        """Forget recorded requests and publishes (faults and state stay)."""
        self._observer.clear()

    def assert_requested(
        self,
        kind: Kind | str | RequestMatcher | None = None,
        *,
        count: int | None = None,
        **criteria: Unpack[MatchCriteria],
    ) -> RequestList:
        """Assert that matching requests arrived (*count* of them exactly, when given).

        *kind* may be a :class:`~fakereg.RequestMatcher` instead of the criteria. Returns
        the matching requests; the failure message lists those that came closest.
        """
        return self._observer.assert_requested(kind, count=count, **criteria)

    def wait_for(
        self,
        kind: Kind | str | RequestMatcher | None = None,
        *,
        count: int = 1,
        timeout: float = 10.0,
        since: int = 0,
        **criteria: Unpack[MatchCriteria],
    ) -> RecordedRequest:
        """Wait for the *count*-th matching request (e.g. from a tool in the background).

        Unlike :meth:`assert_requested`, whose *count* is an exact total, *count* here is
        an ordinal: the call returns once that many have arrived (more may follow), with
        the *count*-th of them. *since* counts only requests after that journal number
        (``reg.requests.last.seq`` before starting the tool: "wait for the *next*
        publish"). *kind* may be a :class:`~fakereg.RequestMatcher`. Raises TimeoutError
        listing the closest requests.
        """
        observer = self._observer
        return observer.wait_for(kind, count=count, timeout=timeout, since=since, **criteria)

    def fail(
        self, kind: Kind | str | FaultSpec | None = None, **options: Unpack[FaultOptions]
    ) -> Fault:
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
        :class:`~fakereg.FaultSpec` (``FaultSpec.from_json``). Faults outlive a restart.
        """
        if kind is None:
            raise InvalidTypeError(
                "reg.fail() needs the kind of request to fail (or a FaultSpec): one of "
                + ", ".join(RECORDED_KINDS)
            )
        return self._observer.fail(kind, **options)

    def remove_faults(self) -> None:
        """End every fault."""
        self._observer.remove_faults()

    def delay_index_updates(self, seconds: float | None = None, polls: int | None = None) -> None:
        """Show versions published from now on in the sparse index only after *seconds*
        and after their crate's index file was read *polls* times (their git commits are
        held back as long); no arguments: stop delaying new versions. The delay belongs to
        this start of the registry: a stop ends it."""
        self._running().delay.set(seconds, polls)

    @property
    def errors(self) -> list[BaseException]:
        """Exceptions raised inside the server's threads (each answered with a 500, or
        ending its connection)."""
        return self._observer.errors.snapshot()

    def clear_errors(self) -> None:
        """Forget server-thread errors (for a test that provoked them on purpose)."""
        self._observer.errors.clear()

    def check_errors(self) -> None:
        """Raise :class:`~fakereg.ServerError` if the server's threads raised anything."""
        self._observer.check_errors()
