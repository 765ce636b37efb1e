"""fakereg: a real, fully working Cargo registry inside your test process."""

from .domain.cratebuild import CrateOptions, CrateSpec
from .domain.deps import Dependency
from .errors import (
    ApiError,
    CargoError,
    CargoNotFoundError,
    FakeRegError,
    RootError,
    ServerError,
)
from .factory import RegistryFactory
from .registry import FakeRegistry
from .settings import PROTOCOLS, Protocol, SettingError, Settings
from .storage.store import SeedError
from .testing.faults import Answer, Cut, Fault, FaultSpec, Rewrite, Truncate
from .testing.matchers import RequestMatcher
from .testing.records import HeaderMap, RecordedRequest
from .testing.seeding import CrateVersion
from .testing.traffic import PublishRecord, RequestList
from .traffic.kinds import Kind
from .web.server import AddressInUseError, ConnectionCount

__all__ = [
    "PROTOCOLS",
    "AddressInUseError",
    "Answer",
    "ApiError",
    "CargoError",
    "CargoNotFoundError",
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
    "HeaderMap",
    "Kind",
    "Protocol",
    "PublishRecord",
    "RecordedRequest",
    "RegistryFactory",
    "RequestList",
    "RequestMatcher",
    "Rewrite",
    "RootError",
    "SeedError",
    "ServerError",
    "SettingError",
    "Settings",
    "Truncate",
]
__version__ = "0.1.0"
