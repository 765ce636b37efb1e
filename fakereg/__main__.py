"""Entry point of ``python -m fakereg`` (and of the ``fakereg`` command).

A signal that arrives while the registry's modules are still importing stops the process at
once with the CLI's one line, never a traceback; the CLI installs its own handlers as soon
as it runs.
"""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType


def _stop_while_importing(signum: int, frame: FrameType | None) -> None:
    name = signal.Signals(signum).name
    sys.stderr.write(f"fakereg: interrupted by {name} before the registry was ready\n")
    sys.stderr.flush()
    os._exit(128 + signum)  # nothing is open yet: no registry, no root, no port


def run() -> int:
    """Import the CLI under a quiet stop, then run it."""
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, _stop_while_importing)
    from .cli import main

    return main()


if __name__ == "__main__":
    sys.exit(run())
