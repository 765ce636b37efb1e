"""``tomllib`` from the standard library, or ``tomli`` where it is missing (Python 3.10)."""

from __future__ import annotations

import sys

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised by the Python 3.10 CI run
    import tomli as tomllib

__all__ = ["tomllib"]
