"""The registry's web page: crates, live traffic, faults and delays, the ``/me`` token."""

from .account import AccountPages
from .crates import CargoNames, CratePages
from .faults import FaultPages
from .site import PageParts, WebPages
from .traffic import TrafficPages

__all__ = [
    "AccountPages",
    "CargoNames",
    "CratePages",
    "FaultPages",
    "PageParts",
    "TrafficPages",
    "WebPages",
]
