"""The registry's web page: crates, live traffic, faults and delays, the ``/me`` token."""

from .crates import CargoNames, CratePages
from .faults import FaultPages
from .site import PageParts, WebPages
from .tokens import TokenPages
from .traffic import TrafficPages

__all__ = [
    "CargoNames",
    "CratePages",
    "FaultPages",
    "PageParts",
    "TokenPages",
    "TrafficPages",
    "WebPages",
]
