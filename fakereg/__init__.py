"""fakereg: a real, fully working Cargo registry inside your test process.

The public names are imported on first use (``import fakereg`` itself is cheap: ``python -m
fakereg`` handles Ctrl-C from its first moment, and a test session pays only for what it
uses); type checkers see them as plain imports.
"""

from __future__ import annotations

# Nothing is imported at run time until a name is used (not even typing: the shorter the
# package's import, the sooner ``python -m fakereg`` handles a signal).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .domain.cratebuild import CrateOptions, CrateSpec
    from .domain.deps import Dependency
    from .errors import (
        AddressInUseError,
        ApiError,
        CargoError,
        CargoNotFoundError,
        ConflictError,
        ExpiredError,
        FakeRegError,
        FakeRegWarning,
        ForbiddenError,
        InvalidError,
        InvalidTypeError,
        LimitError,
        ManifestError,
        NameClashError,
        NotFoundError,
        NotRunningError,
        PayloadTooLargeError,
        RefusedError,
        RootError,
        SeedError,
        ServerError,
        SettingError,
        TarError,
        TooLargeError,
        UnauthenticatedError,
        UnauthorizedError,
        UnavailableError,
        UnknownDependencyWarning,
        UnprocessableError,
        VersionExistsError,
    )
    from .factory import RegistryFactory
    from .registry import FakeRegistry
    from .settings import PROTOCOLS, Protocol, Settings
    from .storage.invitations import Invitation
    from .storage.teams import Team
    from .storage.tokens import TokenInfo
    from .testing.fault_set import Fault
    from .testing.faults import Answer, Cut, FaultSpec, Rewrite, Truncate
    from .testing.seeding import CrateVersion
    from .traffic.kinds import Kind
    from .traffic.matchers import RequestMatcher
    from .traffic.records import HeaderMap, PublishRecord, RecordedRequest
    from .traffic.requests import RequestList
    from .transport.server import ConnectionCount

#: Where each public name is defined.
_WHERE = {
    "CrateOptions": ".domain.cratebuild",
    "CrateSpec": ".domain.cratebuild",
    "Dependency": ".domain.deps",
    "AddressInUseError": ".errors",
    "ApiError": ".errors",
    "CargoError": ".errors",
    "CargoNotFoundError": ".errors",
    "ConflictError": ".errors",
    "ExpiredError": ".errors",
    "FakeRegError": ".errors",
    "ForbiddenError": ".errors",
    "InvalidError": ".errors",
    "InvalidTypeError": ".errors",
    "LimitError": ".errors",
    "ManifestError": ".errors",
    "NameClashError": ".errors",
    "NotFoundError": ".errors",
    "NotRunningError": ".errors",
    "PayloadTooLargeError": ".errors",
    "RefusedError": ".errors",
    "RootError": ".errors",
    "SeedError": ".errors",
    "FakeRegWarning": ".errors",
    "UnknownDependencyWarning": ".errors",
    "ServerError": ".errors",
    "SettingError": ".errors",
    "TarError": ".errors",
    "TooLargeError": ".errors",
    "UnauthenticatedError": ".errors",
    "UnauthorizedError": ".errors",
    "UnavailableError": ".errors",
    "UnprocessableError": ".errors",
    "VersionExistsError": ".errors",
    "RegistryFactory": ".factory",
    "FakeRegistry": ".registry",
    "PROTOCOLS": ".settings",
    "Protocol": ".settings",
    "Settings": ".settings",
    "TokenInfo": ".storage.tokens",
    "Team": ".storage.teams",
    "Invitation": ".storage.invitations",
    "Answer": ".testing.faults",
    "Cut": ".testing.faults",
    "Fault": ".testing.fault_set",
    "FaultSpec": ".testing.faults",
    "Rewrite": ".testing.faults",
    "Truncate": ".testing.faults",
    "CrateVersion": ".testing.seeding",
    "Kind": ".traffic.kinds",
    "RequestMatcher": ".traffic.matchers",
    "HeaderMap": ".traffic.records",
    "PublishRecord": ".traffic.records",
    "RecordedRequest": ".traffic.records",
    "RequestList": ".traffic.requests",
    "ConnectionCount": ".transport.server",
}

__all__ = [
    "PROTOCOLS",
    "AddressInUseError",
    "Answer",
    "ApiError",
    "CargoError",
    "CargoNotFoundError",
    "ConflictError",
    "ConnectionCount",
    "CrateOptions",
    "CrateSpec",
    "CrateVersion",
    "Cut",
    "Dependency",
    "ExpiredError",
    "FakeRegError",
    "FakeRegWarning",
    "FakeRegistry",
    "Fault",
    "FaultSpec",
    "ForbiddenError",
    "HeaderMap",
    "InvalidError",
    "InvalidTypeError",
    "Invitation",
    "Kind",
    "LimitError",
    "ManifestError",
    "NameClashError",
    "NotFoundError",
    "NotRunningError",
    "PayloadTooLargeError",
    "Protocol",
    "PublishRecord",
    "RecordedRequest",
    "RefusedError",
    "RegistryFactory",
    "RequestList",
    "RequestMatcher",
    "Rewrite",
    "RootError",
    "SeedError",
    "ServerError",
    "SettingError",
    "Settings",
    "TarError",
    "Team",
    "TokenInfo",
    "TooLargeError",
    "Truncate",
    "UnauthenticatedError",
    "UnauthorizedError",
    "UnavailableError",
    "UnknownDependencyWarning",
    "UnprocessableError",
    "VersionExistsError",
]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'fakereg' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # (found once)
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
