"""Every exception fakereg raises, each public one exported from :mod:`fakereg`.

Domain code raises :class:`RefusedError` subclasses, which say what rule a request or a
change broke and nothing of HTTP; the web layer alone turns them into status codes and
Cargo's error shape (``fakereg.web.http.refusal``). :class:`ApiError` is that layer's own
HTTP refusal (a body too large, a bad query string).
"""

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


class RefusedError(FakeRegError):
    """The registry's rules refuse a request or a change; the message says which rule."""

    @property
    def detail(self) -> str:
        return str(self)


class InvalidError(RefusedError, ValueError):
    """Input that breaks Cargo's or crates.io's rules: a name, a version, metadata, an archive."""


class NotFoundError(RefusedError, KeyError):
    """No such crate, version, user or token. A ``KeyError`` (so a ``LookupError``), as
    ``reg.owners``, ``reg.crate_file``, ``reg.add_token`` and ``reg.revoke`` document, whose
    message reads as written (``KeyError`` would quote it)."""

    def __str__(self) -> str:
        return Exception.__str__(self)


class ForbiddenError(RefusedError):
    """The user may not do this: not an owner, or not allowed by the registry."""


class ConflictError(RefusedError):
    """The change clashes with what the registry holds (crates.io answers these with 400)."""


class LimitError(RefusedError):
    """A limit of the registry is reached (crates.io answers these with 409)."""


class ExpiredError(RefusedError):
    """What was asked for existed but has run out (an owner invitation past its expiry:
    crates.io answers 410 Gone)."""


class UnprocessableError(RefusedError):
    """A change the registry's rules refuse for the state the thing is in, such as a crate
    too old or too depended upon to delete (crates.io answers these with 422)."""


class PayloadTooLargeError(RefusedError):
    """An upload larger than the registry takes (crates.io answers these with 413)."""


class UnauthenticatedError(RefusedError):
    """No token, or one that is not (or no longer) valid. crates.io answers these with 403
    on a change; a read of a private registry answers 401 and says where to log in."""


class UnauthorizedError(RefusedError):
    """A credential that cannot even be parsed (crates.io answers these with 401)."""


class VersionExistsError(ConflictError):
    """A version that is already in the registry, up to build metadata (yanked or not)."""

    def __init__(self, crate: str, version: str) -> None:
        super().__init__(f"crate version `{version}` is already uploaded")
        self.crate = crate
        self.version = version


class NameClashError(ConflictError):
    """A crate name equal to an existing crate's up to case and ``-``/``_``."""

    def __init__(self, name: str, existing: str) -> None:
        super().__init__(
            f"crate was previously named `{existing}`: `{name}` clashes with crate "
            f"`{existing}` (names that differ only in case or `-`/`_` are the same crate)"
        )
        self.name = name
        self.existing = existing


class InvalidTypeError(InvalidError, TypeError):
    """Input of the wrong type (a number where a string goes, keywords given twice): an
    :class:`InvalidError` (a 400 over the control API) that Python callers, who got a
    ``TypeError`` for it before, may still catch as one."""


class TarError(FakeRegError, ValueError):
    """Not a readable gzip tar archive (the message says why); ``domain/cratefile.py``
    turns it into an :class:`InvalidError`."""


class TooLargeError(TarError):
    """The archive unpacks to more than the allowed size."""


class ManifestError(FakeRegError, ValueError):
    """A ``Cargo.toml`` that is not a packaged (normalized) crate manifest; an import
    reports it as a :class:`SeedError`."""


class SeedError(RefusedError):
    """Versions that cannot be added to a registry (nothing of the batch was added)."""


class FakeRegWarning(UserWarning):
    """A warning of fakereg's: the call did what it was told, which may not be what the
    test meant."""


class UnknownDependencyWarning(FakeRegWarning):
    """``add_crate`` stored a version that depends on a crate this registry does not have:
    cargo cannot resolve it until that crate is added (with ``strict=True`` it is a
    :class:`SeedError`, as crates.io refuses such a publish)."""


class UnavailableError(FakeRegError, RuntimeError, AttributeError):
    """What this registry does not have as it is now: a git index started without one, a
    CA of a plain-HTTP registry. An ``AttributeError`` too, so ``hasattr`` answers False."""


class NotRunningError(UnavailableError):
    """What only a running registry has (its URL, its parts) was asked of one that was never
    started or is stopped."""


class SettingError(FakeRegError, AttributeError):
    """A setting changed on a running registry, where it would not take effect everywhere."""


class AddressInUseError(FakeRegError, OSError):
    """The requested host and port cannot be bound."""


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
