"""pytest plugin of fakereg (installed as ``fakereg_pytest``, registered via ``pytest11``)."""

from fakereg import RegistryFactory

__all__ = ["RegistryFactory"]
