"""Where every exception of the server's threads goes: the poller's, the workers', the
pipeline's (answering and replaying), the index listeners' and the control API's."""

from __future__ import annotations

import logging

from .log import Log

log = logging.getLogger("fakereg")


class ErrorSink:
    """The exceptions the server raised and did not mean to (bugs, not refusals).

    Each is logged with its traceback and kept, so that ``reg.errors`` lists it and
    ``reg.check_errors()`` raises :class:`~fakereg.ServerError` for it. Thread-safe.
    """

    def __init__(self) -> None:
        self._errors = Log[BaseException]()

    def report(self, exc: BaseException, where: str) -> None:
        """Keep *exc*, raised in *where* (``"poller"``, ``"worker"``, ``"app"``, …)."""
        log.error("fakereg server error (%s)", where, exc_info=exc)
        self._errors.append(exc)

    def snapshot(self) -> list[BaseException]:
        """The exceptions kept so far, oldest first."""
        return self._errors.snapshot()

    def clear(self) -> None:
        """Forget the exceptions kept (a test that provoked them on purpose)."""
        self._errors.clear()
