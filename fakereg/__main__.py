"""Entry point of ``python -m fakereg`` (and of the ``fakereg`` command).

A signal that arrives while the registry's modules are still importing stops the process at
once with the CLI's one line, never a traceback; the CLI installs its own handlers as soon
as it runs.
"""

from __future__ import annotations

# The handlers go in before anything else is imported: ``_signal`` is built in (``signal``
# itself imports enum, long enough for a Ctrl-C to land in it as a traceback).
import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    import signal as _signal
    from types import FrameType
else:
    import _signal

_NAMES: dict[int, str] = {_signal.SIGINT: "SIGINT", _signal.SIGTERM: "SIGTERM"}


_stopping = False


def _stop_while_importing(signum: int, frame: FrameType | None) -> None:
    global _stopping
    if _stopping:  # a second signal while the first unwinds: at once
        os._exit(128 + signum)
    _stopping = True
    name = _NAMES.get(signum, str(signum))
    sys.stderr.write(f"fakereg: interrupted by {name} before the registry was ready\n")
    sys.stderr.flush()
    # No registry, root or port is open yet, but an import may hold something that its
    # ``with`` cleans up (filelock probes links in a temporary folder as it imports): the
    # import unwinds. SystemExit prints nothing.
    raise SystemExit(128 + signum)


def _quiet_stop() -> None:
    for number in _NAMES:
        _signal.signal(number, _stop_while_importing)


if __name__ == "__main__":  # ``python -m fakereg``: at once, before the rest of the module
    _quiet_stop()


def run() -> int:
    """Import the CLI under a quiet stop, then run it (the ``fakereg`` command)."""
    _quiet_stop()
    from .cli import main

    return main()


if __name__ == "__main__":
    sys.exit(run())
