"""Faults in force: a :class:`Fault` is a :class:`~fakereg.testing.faults.FaultSpec` in
force, counting its hits; a :class:`FaultSet` holds a registry's, matched in the order they
were added."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from .faults import Effect, FaultSpec, Rewrite


@dataclass(eq=False)
class Fault:
    """One injected failure in force; returned by :meth:`FakeRegistry.fail`.

    It fires for requests its :attr:`spec` matches, skipping the first ``after`` of them
    and firing at most ``times`` (None: always). ``hits`` counts the requests it answered.
    End it with :meth:`remove` or by leaving its ``with`` block.
    """

    spec: FaultSpec
    hits: int = field(default=0, init=False)
    seen: int = field(default=0, init=False)
    #: Its number in its registry (1, 2, …): the control API's ``/__fakereg/faults/{id}``.
    id: int = field(default=0, init=False)
    _faults: FaultSet | None = field(default=None, init=False, repr=False)

    @property
    def kind(self) -> str:
        return str(self.spec.match.kind)

    @property
    def effect(self) -> Effect | None:
        return self.spec.effect

    def as_json(self) -> dict[str, Any]:
        """The fault in JSON (the control API's): its spec described, its counts."""
        spec = self.spec
        return {
            "id": self.id,
            "kind": self.kind,
            "description": spec.describe(),
            "crate": spec.match.crate,
            "version": spec.match.version,
            "method": spec.match.method,
            "times": spec.times,
            "after": spec.after,
            "hits": self.hits,
            "seen": self.seen,
            "active": self.active,
        }

    @property
    def active(self) -> bool:
        """False once removed or once it fired *times* times (a spent fault changes no
        answer: answers are replayed again as if it were gone)."""
        times = self.spec.times
        return self._faults is not None and (times is None or self.hits < times)

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
        self._added = 0

    def add(self, spec: FaultSpec) -> Fault:
        fault = Fault(spec)
        with self._lock:
            self._added += 1
            fault.id = self._added
            fault._faults = self
            self._faults.append(fault)
        return fault

    def in_force(self) -> list[Fault]:
        """The faults not removed, first added first (a spent one shows as not ``active``)."""
        with self._lock:
            return list(self._faults)

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
        """True while some fault may still fire (spent ones may not)."""
        with self._lock:
            return any(fault.active for fault in self._faults)

    def has(self, kind: str) -> bool:
        """True when some fault of *kind* is in force."""
        with self._lock:
            return any(f.kind == kind for f in self._faults)

    def take(self, kind: str, method: str, crate: str | None, version: str | None) -> Fault | None:
        """The first active fault matching the request, counted as seen and maybe hit."""
        with self._lock:
            for fault in self._faults:
                if not fault.active or not fault.spec.match.matches_request(
                    kind, method, crate, version
                ):
                    continue
                fault.seen += 1
                if fault.seen <= fault.spec.after:
                    continue
                fault.hits += 1
                return fault
            return None

    def malicious_versions(self, crate: str) -> list[str | None]:
        """Versions of *crate* whose downloads are replaced by a malicious archive."""
        with self._lock:
            return [
                f.spec.match.version
                for f in self._faults
                if f.spec.effect == Rewrite("malicious")
                and f.active
                and f.spec.match.matches_request("download", "GET", crate, f.spec.match.version)
            ]
