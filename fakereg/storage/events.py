"""'Index files changed': the event the store announces and the index's views listen to."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass


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


#: Called under the root lock after index files changed, with one message for them all.
IndexListener = Callable[[Sequence[IndexChange], str], None]


class IndexEvents:
    """Who hears of index changes: the git view, the index delays (and, later, a live page).

    Listeners run in the order they subscribed, under the root lock, in the thread that
    made the change; a listener that raises fails that change's request.
    """

    def __init__(self) -> None:
        self._listeners: list[IndexListener] = []

    def subscribe(self, listener: IndexListener) -> None:
        self._listeners.append(listener)

    def announce(self, changes: Sequence[IndexChange], message: str) -> None:
        for listener in self._listeners:
            listener(changes, message)
