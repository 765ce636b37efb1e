"""What every part of the facade needs: the parts of a running registry, or a clear error."""

from __future__ import annotations

from ..assembly import Parts
from ..errors import NotRunningError
from ..testing.inspection import Observer


class RegistryBase:
    """The state a ``FakeRegistry`` holds across its starts and for one start."""

    _parts: Parts | None
    _observer: Observer

    @property
    def running(self) -> bool:
        """True between :meth:`start` and :meth:`stop`."""
        return self._parts is not None

    def _running(self) -> Parts:
        if self._parts is None:
            raise NotRunningError("this FakeRegistry is not running: call start() or use `with`")
        return self._parts
