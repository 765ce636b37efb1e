"""fakereg: a real, fully working Cargo registry inside your test process."""

from .deps import Dependency
from .errors import ApiError, CargoError, CargoNotFoundError, FakeRegError, ServerError
from .factory import RegistryFactory
from .records import HeaderMap, RecordedRequest
from .registry import FakeRegistry
from .seeding import CrateVersion
from .server import AddressInUseError
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
    "SeedError",
    "ServerError",
]
__version__ = "0.1.0"
