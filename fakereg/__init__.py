"""fakereg: a real, fully working Cargo registry inside your test process."""

from .domain.cratebuild import CrateOptions, CrateSpec
from .domain.deps import Dependency
from .errors import (
    AddressInUseError,
    ApiError,
    CargoError,
    CargoNotFoundError,
    ConflictError,
    FakeRegError,
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
    VersionExistsError,
)
from .factory import RegistryFactory
from .registry import FakeRegistry
from .settings import PROTOCOLS, Protocol, Settings
from .testing.faults import Answer, Cut, Fault, FaultSpec, Rewrite, Truncate
from .testing.seeding import CrateVersion
from .traffic.kinds import Kind
from .traffic.matchers import RequestMatcher
from .traffic.records import HeaderMap, PublishRecord, RecordedRequest
from .traffic.requests import RequestList
from .web.server import ConnectionCount

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
    "FakeRegError",
    "FakeRegistry",
    "Fault",
    "FaultSpec",
    "ForbiddenError",
    "HeaderMap",
    "InvalidError",
    "InvalidTypeError",
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
    "TooLargeError",
    "Truncate",
    "UnauthenticatedError",
    "UnauthorizedError",
    "UnavailableError",
    "VersionExistsError",
]
__version__ = "0.1.0"
