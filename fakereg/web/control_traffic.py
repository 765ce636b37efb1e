"""The control API's traffic routes: faults, index delays, the journal and waiting on it."""

from __future__ import annotations

import threading
from typing import Any, TypeVar

from werkzeug.wrappers import Request, Response

from ..errors import ApiError
from ..storage.delay import IndexDelay
from ..testing.faults import FaultSpec
from ..testing.inspection import Observer
from ..traffic.jsonform import publish_json, request_json
from ..traffic.log import Log
from ..traffic.matchers import RequestMatcher
from ..traffic.requests import explain_mismatch
from .http import error_response, json_response, read_json

T = TypeVar("T")

#: The longest a ``POST /__fakereg/wait`` may wait, in seconds.
MAX_WAIT = 300.0
_MATCH_KEYS = ("kind", "method", "crate", "version", "path", "status")
#: The keys each traffic route takes (its query, or its JSON body).
INDEX_DELAY_KEYS = ("seconds", "polls")
REQUESTS_QUERY = (*_MATCH_KEYS, "since", "secrets")
PUBLISHES_QUERY = ("since",)
WAIT_KEYS = (*_MATCH_KEYS, "count", "timeout", "secrets", "since")


def after(
    log: Log[T], request: Request, *, newest: int | None = None
) -> tuple[list[tuple[int, T]], int]:
    """The items of *log* after ``?since=N`` (the *newest* that many at most), and the
    sequence number to poll from next."""
    raw = request.args.get("since", "0")
    if not raw.isdigit():
        raise ApiError(400, f"invalid `since`: expected a sequence number, got `{raw}`")
    since = int(raw)
    if newest is not None:
        since = max(since, log.last_seq - newest)
    numbered = log.numbered(since)
    return numbered, numbered[-1][0] if numbered else since


def _matcher(criteria: dict[str, Any]) -> RequestMatcher:
    if "status" in criteria and isinstance(criteria["status"], str):
        if not criteria["status"].isdigit():
            raise ApiError(400, f"invalid `status`: {criteria['status']}")
        criteria["status"] = int(criteria["status"])
    for key, value in criteria.items():
        if key == "status":
            if not _is_whole(value):
                raise ApiError(400, "`status` must be a whole number")
        elif not isinstance(value, str):
            raise ApiError(400, f"`{key}` must be a string")
    return RequestMatcher.from_json(criteria)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class TrafficControl:
    """Faults, the index delay and the journal of one registry, for the control API."""

    def __init__(self, observed: Observer, delay: IndexDelay) -> None:
        self._observed = observed
        self._delay = delay
        self._closing = threading.Event()

    def close(self) -> None:
        """End the waits in progress (the registry is stopping): they answer 503."""
        self._closing.set()
        self._observed.request_log.wake()

    def reset(self) -> None:
        """Forget the traffic and the faults; end the index delays (showing what they hid)."""
        observed = self._observed
        observed.clear()
        observed.remove_faults()
        self._delay.reveal()

    def faults(self, request: Request) -> Response:
        if request.method == "GET":
            return json_response(
                {"faults": [f.as_json() for f in self._observed.faults.in_force()]}
            )
        data = read_json(request)
        if not isinstance(data, dict):
            raise ApiError(400, "a fault must be a JSON object with reg.fail()'s keywords")
        fault = self._observed.fail(FaultSpec.from_json(data))
        return json_response(fault.as_json())

    def remove_fault(self, request: Request, fault_id: int) -> Response:
        self._observed.remove_fault(fault_id)
        return json_response({"removed": fault_id})

    def index_delay(self, request: Request) -> Response:
        data = read_json(request, empty={})
        if not isinstance(data, dict) or set(data) - set(INDEX_DELAY_KEYS):
            raise ApiError(400, 'an index delay is {"seconds": number, "polls": number}')
        seconds, polls = data.get("seconds"), data.get("polls")
        if seconds is not None and not _is_number(seconds):
            raise ApiError(400, "`seconds` must be a number")
        if polls is not None and not _is_whole(polls):
            raise ApiError(400, "`polls` must be a whole number")
        self._delay.set(seconds, polls)
        return json_response({"seconds": seconds, "polls": polls})

    def requests(self, request: Request) -> Response:
        criteria = {key: request.args[key] for key in _MATCH_KEYS if key in request.args}
        wanted = _matcher(criteria)
        secrets = request.args.get("secrets") == "1"
        numbered, last = after(self._observed.request_log, request)
        found = [request_json(seq, r, secrets=secrets) for seq, r in numbered if wanted.matches(r)]
        dropped = self._observed.request_log.dropped
        return json_response({"requests": found, "last_seq": last, "dropped": dropped})

    def publishes(self, request: Request) -> Response:
        numbered, last = after(self._observed.publish_log, request)
        return json_response(
            {"publishes": [publish_json(seq, r) for seq, r in numbered], "last_seq": last}
        )

    def wait(self, request: Request) -> Response:
        data = read_json(request)
        if not isinstance(data, dict):
            raise ApiError(400, "a wait is a JSON object: kind, filters, count, timeout")
        unknown = set(data) - set(WAIT_KEYS)
        if unknown:
            raise ApiError(400, f"unknown keys for a wait: {', '.join(sorted(unknown))}")
        count, timeout = data.get("count", 1), data.get("timeout", 10.0)
        if not _is_whole(count) or count < 1:
            raise ApiError(400, "`count` must be a whole number of at least 1")
        if not _is_number(timeout) or timeout < 0:
            raise ApiError(400, "`timeout` must be a number of seconds")
        if timeout > MAX_WAIT:
            raise ApiError(400, f"`timeout` may be {MAX_WAIT:g} seconds at the most")
        since = data.get("since", 0)
        if not _is_whole(since) or since < 0:
            raise ApiError(400, "`since` must be a whole number (a journal `seq`)")
        wanted = _matcher({key: data[key] for key in _MATCH_KEYS if key in data})
        log = self._observed.request_log
        arrived, found = log.await_matching(
            wanted, count=count, since=since, timeout=float(timeout), stop=self._closing.is_set
        )
        if self._closing.is_set():
            raise ApiError(503, "the registry is stopping")
        if not arrived:
            records = [r for r in log.snapshot() if r.seq > since]
            # The words of wait_for's failure, after the wait.
            return error_response(
                408, explain_mismatch(wanted, records, f"at least {count}", len(found))
            )
        secrets = data.get("secrets") is True
        return json_response({"requests": [request_json(r.seq, r, secrets=secrets) for r in found]})
