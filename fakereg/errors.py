"""Exceptions raised by fakereg."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence


class FakeRegError(Exception):
    """Base class of every error fakereg raises."""


class ApiError(FakeRegError):
    """A request the registry refuses; answered as ``{"errors":[{"detail":…}]}``."""

    def __init__(
        self, status: int, detail: str, *, headers: Sequence[tuple[str, str]] = ()
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = tuple(headers)

    def __repr__(self) -> str:
        return f"ApiError({self.status}, {self.detail!r})"


class RootError(FakeRegError, OSError):
    """A registry's root folder cannot hold its state (not writable, no lock file)."""


class CargoNotFoundError(FakeRegError):
    """The ``cargo`` binary could not be found."""


class CargoError(subprocess.CalledProcessError, FakeRegError):
    """``reg.cargo(..., check=True)`` saw cargo fail; the message includes its output."""

    def __str__(self) -> str:
        return (
            f"cargo {' '.join(self.cmd[1:])} exited with {self.returncode}\n"
            f"--- stdout ---\n{self.stdout}--- stderr ---\n{self.stderr}"
        )


class ServerError(FakeRegError):
    """The registry's server thread raised while answering a request."""

    def __init__(self, errors: Sequence[BaseException]) -> None:
        self.errors = tuple(errors)
        lines = [f"{len(self.errors)} error(s) in the fakereg server thread:"]
        lines += [f"  {type(e).__name__}: {e}" for e in self.errors]
        super().__init__("\n".join(lines))
