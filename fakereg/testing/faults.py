"""Fault injection: make chosen requests fail the ways real registries fail."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType

from ..domain.names import canonical_name
from .records import KINDS

HeadersArg = Mapping[str, str] | Sequence[tuple[str, str]]


@dataclass(eq=False)
class Fault:
    """One injected failure; returned by :meth:`FakeRegistry.fail`.

    It fires for requests of its *kind* matching *crate*, *version* and *method*, skipping
    the first *after* of them and firing at most *times* (None: always). ``hits`` counts
    the requests it answered. End it with :meth:`remove` or by leaving its ``with`` block.
    """

    kind: str
    crate: str | None = None
    version: str | None = None
    method: str | None = None
    times: int | None = None
    after: int = 0
    status: int | None = None
    errors: tuple[str, ...] | None = None
    body: bytes | None = None
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0
    dribble: float = 0.0
    drop: bool = False
    reset: bool = False
    truncate: bool = False
    corrupt: bool = False
    malicious: bool = False
    invalid_line: bool = False
    hits: int = field(default=0, init=False)
    seen: int = field(default=0, init=False)
    _faults: FaultSet | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown kind {self.kind!r}: choose one of {', '.join(KINDS)}")
        if self.times is not None and self.times < 1:
            raise ValueError("times must be at least 1 (or None for always)")
        if self.after < 0 or self.delay < 0 or self.dribble < 0:
            raise ValueError("after, delay and dribble cannot be negative")
        if self.status is not None and not 100 <= self.status <= 599:
            raise ValueError(f"invalid HTTP status {self.status}")
        if self.errors is not None and self.body is not None:
            raise ValueError("give errors= (a JSON errors body) or body= (raw), not both")
        if self.drop and self.reset:
            raise ValueError("drop and reset are two different ends of a connection: pick one")
        answers = self.replaces_answer
        if (self.drop or self.reset) and (answers or self.truncate or self.dribble):
            raise ValueError("a dropped or reset connection sends no answer to shape")
        if self.malicious and self.kind != "download":
            raise ValueError("malicious=True applies to kind='download'")
        if self.corrupt and self.kind != "download":
            raise ValueError("corrupt=True applies to kind='download'")
        if self.invalid_line and self.kind != "index":
            raise ValueError("invalid_line=True applies to kind='index'")
        if self.method is not None:
            self.method = self.method.upper()

    @property
    def replaces_answer(self) -> bool:
        """True when the fault answers in the registry's place (status, errors or body)."""
        return self.status is not None or self.errors is not None or self.body is not None

    @property
    def active(self) -> bool:
        """False once removed or once it fired *times* times."""
        return self._faults is not None and (self.times is None or self.hits < self.times)

    def matches(self, kind: str, method: str, crate: str | None, version: str | None) -> bool:
        if kind != self.kind or (self.method is not None and method != self.method):
            return False
        if self.crate is not None and (
            crate is None or canonical_name(crate) != canonical_name(self.crate)
        ):
            return False
        return self.version is None or version == self.version

    def remove(self) -> None:
        """Stop the fault; requests are answered normally again."""
        if self._faults is not None:
            self._faults.discard(self)

    def __enter__(self) -> Fault:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.remove()


class FaultSet:
    """The faults of one registry, matched in the order they were added."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            fault._faults = self
            self._faults.append(fault)
        return fault

    def discard(self, fault: Fault) -> None:
        with self._lock:
            if fault in self._faults:
                self._faults.remove(fault)
            fault._faults = None

    def clear(self) -> None:
        with self._lock:
            for fault in self._faults:
                fault._faults = None
            self._faults.clear()

    def __bool__(self) -> bool:
        return bool(self._faults)

    def has(self, kind: str) -> bool:
        """True when some fault of *kind* is in force."""
        with self._lock:
            return any(f.kind == kind for f in self._faults)

    def take(self, kind: str, method: str, crate: str | None, version: str | None) -> Fault | None:
        """The first active fault matching the request, counted as seen and maybe hit."""
        with self._lock:
            for fault in self._faults:
                if not fault.active or not fault.matches(kind, method, crate, version):
                    continue
                fault.seen += 1
                if fault.seen <= fault.after:
                    continue
                fault.hits += 1
                return fault
            return None

    def malicious_versions(self, crate: str) -> list[str | None]:
        """Versions of *crate* whose downloads are replaced by a malicious archive."""
        with self._lock:
            return [
                f.version
                for f in self._faults
                if f.malicious and f.active and f.matches("download", "GET", crate, f.version)
            ]


def normalize_headers(headers: HeadersArg | None) -> tuple[tuple[str, str], ...]:
    if headers is None:
        return ()
    items = headers.items() if isinstance(headers, Mapping) else headers
    return tuple((str(k), str(v)) for k, v in items)
