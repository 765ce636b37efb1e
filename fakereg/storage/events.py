"""'Index files changed': the event the store announces and the index's views listen to."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..domain.names import canonical_name

log = logging.getLogger("fakereg")


@dataclass(frozen=True)
class IndexChange:
    """An index file that just changed: its index path, new content, crate, and why.

    ``published`` is the version a publish through the Web API added; a yank, an unyank
    and seeding leave it None. ``data`` is None when the file was removed (the control
    API's reset of every crate).
    """

    path: str
    data: bytes | None
    message: str
    crate: str
    published: str | None = None


def removed_crates(changes: Sequence[IndexChange]) -> frozenset[str]:
    """The canonical names of the crates *changes* removed (what a listener keeping
    something per crate lets go of)."""
    return frozenset(canonical_name(change.crate) for change in changes if change.data is None)


#: Called under the root lock after index files changed, with one message for them all.
IndexListener = Callable[[Sequence[IndexChange], str], None]
#: Called under the root lock with the names of crates whose record changed while their
#: index file did not (an owner added or removed).
RecordListener = Callable[[Sequence[str]], None]
#: Told of an exception a listener raised, and where (``ErrorSink.report``).
ErrorReport = Callable[[BaseException, str], None]


def _log_error(exc: BaseException, where: str) -> None:
    log.error("fakereg server error (%s)", where, exc_info=exc)


class IndexEvents:
    """Who hears of index changes: the git view, the index delays (and, later, a live page).

    Listeners run in the order they subscribed, under the root lock, in the thread that
    made the change. They run after the store's commit point: the change is made whatever
    they do, so a listener that raises cannot fail its request. Its exception goes to
    *report* (the registry's ``ErrorSink``, so ``reg.check_errors()`` raises it) and the
    next listener runs.
    """

    def __init__(self, report: ErrorReport = _log_error) -> None:
        self._listeners: list[IndexListener] = []
        self._record_listeners: list[RecordListener] = []
        self._report = report

    def subscribe(self, listener: IndexListener) -> None:
        self._listeners.append(listener)

    def subscribe_records(self, listener: RecordListener) -> None:
        """Hear of crates whose record alone changed (the catalog: owners are searchable)."""
        self._record_listeners.append(listener)

    def announce(self, changes: Sequence[IndexChange], message: str) -> None:
        for listener in self._listeners:
            self._tell(listener, changes, message)

    def announce_records(self, names: Sequence[str]) -> None:
        for listener in self._record_listeners:
            self._tell(listener, names)

    def _tell(self, listener: Callable[..., None], *args: object) -> None:
        try:
            listener(*args)
        except Exception as exc:  # a bug of the listener's: the change stands
            self._report(exc, f"index listener {_name(listener)}")


def _name(listener: Callable[..., None]) -> str:
    return getattr(listener, "__qualname__", None) or repr(listener)
