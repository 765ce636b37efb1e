"""fakereg: a real, fully working Cargo registry inside your test process."""

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
from .settings import SettingError
from .storage.store import SeedError
from .testing.records import HeaderMap, RecordedRequest
from .testing.seeding import CrateVersion
from .web.server import AddressInUseError

__all__ = [
    "AddressInUseError",
    "ApiError",
    "CargoError",
    "CargoNotFoundError",
    "CrateVersion",
    "Dependency",
    "FakeRegError",
    "FakeRegistry",
    "HeaderMap",
    "RecordedRequest",
    "RegistryFactory",
    "RootError",
    "SeedError",
    "ServerError",
    "SettingError",
]
__version__ = "0.1.0"
