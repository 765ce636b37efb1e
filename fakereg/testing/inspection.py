"""The part of FakeRegistry that tests talk to: traffic, assertions, faults, delays."""

from __future__ import annotations

from collections.abc import Sequence

from ..storage.visibility import IndexVisibility
from .faults import Fault, FaultSet, HeadersArg, normalize_headers
from .records import RecordedRequest, RequestLog
from .traffic import Criteria, PublishLog, PublishRecord, RequestList, explain_mismatch


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
        kind: str | None = None,
        *,
        method: str | None = None,
        crate: str | None = None,
        version: str | None = None,
        path: str | None = None,
        status: int | None = None,
        count: int | None = None,
    ) -> RequestList:
        """Assert that matching requests arrived (*count* of them exactly, when given).

        Returns them; the failure message lists the requests that came closest.
        """
        wanted = Criteria(kind, method, crate, version, path, status)
        records = self.requests
        found = RequestList(r for r in records if wanted.matches(r))
        if (count is None and not found) or (count is not None and len(found) != count):
            expected = "at least 1" if count is None else f"exactly {count}"
            raise AssertionError(explain_mismatch(wanted, records, expected, len(found)))
        return found

    def wait_for(
        self,
        kind: str | None = None,
        *,
        method: str | None = None,
        crate: str | None = None,
        version: str | None = None,
        path: str | None = None,
        status: int | None = None,
        count: int = 1,
        timeout: float = 10.0,
    ) -> RecordedRequest:
        """Wait until *count* matching requests arrived (e.g. from a tool in the background).

        Returns the last of them; raises TimeoutError listing the closest requests.
        """
        wanted = Criteria(kind, method, crate, version, path, status)

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

    def fail(
        self,
        kind: str,
        *,
        crate: str | None = None,
        version: str | None = None,
        method: str | None = None,
        times: int | None = None,
        after: int = 0,
        status: int | None = None,
        errors: Sequence[str] | str | None = None,
        body: bytes | str | None = None,
        headers: HeadersArg | None = None,
        delay: float = 0.0,
        dribble: float = 0.0,
        drop: bool = False,
        reset: bool = False,
        truncate: bool = False,
        corrupt: bool = False,
        malicious: bool = False,
        invalid_line: bool = False,
    ) -> Fault:
        """Make matching requests fail; see the README's "Testing failures" for each effect.

        ``status``/``errors``/``body``/``headers`` answer in the registry's place;
        ``delay`` waits before answering; ``dribble`` spreads the body over that many
        seconds; ``drop`` closes the connection without an answer, ``reset`` resets it;
        ``truncate`` sends half the body; ``corrupt`` flips bytes of a download;
        ``malicious`` serves a ``.crate`` with a path escaping its folder (and its checksum
        in the sparse index); ``invalid_line`` appends an unparsable line to an index file.
        """
        if malicious and crate is None:
            raise ValueError("malicious=True needs crate= (and usually version=)")
        if isinstance(errors, str):
            errors = (errors,)
        fault = Fault(
            kind=kind,
            crate=crate,
            version=version,
            method=method,
            times=times,
            after=after,
            status=status,
            errors=None if errors is None else tuple(errors),
            body=body.encode() if isinstance(body, str) else body,
            headers=normalize_headers(headers),
            delay=delay,
            dribble=dribble,
            drop=drop,
            reset=reset,
            truncate=truncate,
            corrupt=corrupt,
            malicious=malicious,
            invalid_line=invalid_line,
        )
        return self._faults.add(fault)

    def remove_faults(self) -> None:
        """End every fault."""
        self._faults.clear()

    def delay_index_updates(self, seconds: float | None = None, polls: int | None = None) -> None:
        """Show versions published from now on in the sparse index only after *seconds*
        and after their crate's index file was read *polls* times; no arguments: stop."""
        self._visibility.configure(seconds, polls)
