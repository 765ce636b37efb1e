"""The index delay of one started registry: the sparse view and the held git commits."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .visibility import IndexVisibility

if TYPE_CHECKING:
    from .gitsync import GitSync


class IndexDelay:
    """Owns, for one start, what an index delay hides: versions in the sparse index
    (:class:`IndexVisibility`) and commits of the git index (the git view's held commits).

    Built by assembly for each start and dropped at stop, so nothing hidden outlives the
    server that hid it; ``reg.delay_index_updates`` and the control API's and the page's
    delay forms all land here.
    """

    def __init__(self, visibility: IndexVisibility) -> None:
        self.visibility = visibility
        self._git: GitSync | None = None

    def attach_git(self, git: GitSync) -> None:
        """The git view whose commits this delay holds back (built after the view)."""
        self._git = git

    def set(self, seconds: float | None = None, polls: int | None = None) -> None:
        """Show versions published from now on only after *seconds* and after their
        crate's index file was read *polls* times; neither: stop delaying new versions
        (those already hidden keep their conditions). InvalidError for negative values."""
        self.visibility.check(seconds, polls)
        if self._git is not None and (seconds is not None or polls is not None):
            self._git.ready()  # the commits it holds back need the repository made
        self.visibility.configure(seconds, polls)

    def reveal(self) -> None:
        """End the delay and show everything it hid, in both indexes."""
        self.visibility.reveal_all()
        if self._git is not None:
            self._git.deferred.release_all()

    def delay(self) -> tuple[float | None, int | None] | None:
        """The (seconds, polls) delay in force, or None."""
        return self.visibility.delay()

    def active(self) -> bool:
        """True while a delay is set or a version is still hidden: answers may change
        with each read, so none is replayed."""
        return self.visibility.hiding()

    def stop(self) -> None:
        """The registry is stopping: the held commits' timers end (they stay unmade)."""
        if self._git is not None:
            self._git.deferred.cancel()
