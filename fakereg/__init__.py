"""fakereg: a real, fully working Cargo registry inside your test process."""

from .errors import ApiError, CargoError, CargoNotFoundError, FakeRegError, ServerError
from .factory import RegistryFactory
from .records import HeaderMap, RecordedRequest
from .registry import FakeRegistry
from .server import AddressInUseError

__all__ = [
    "AddressInUseError",
    "ApiError",
    "CargoError",
    "CargoNotFoundError",
    "FakeRegError",
    "FakeRegistry",
    "HeaderMap",
    "RecordedRequest",
    "RegistryFactory",
    "ServerError",
]
__version__ = "0.1.0"
