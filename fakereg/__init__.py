"""fakereg: a real, fully working Cargo registry inside your test process."""

from .deps import Dependency
from .errors import (
    ApiError,
    CargoError,
    CargoNotFoundError,
    FakeRegError,
    RootError,
    ServerError,
)
from .factory import RegistryFactory
from .records import HeaderMap, RecordedRequest
from .registry import FakeRegistry
from .seeding import CrateVersion
from .server import AddressInUseError
from .settings import SettingError
from .store import SeedError

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
