"""RegistryFactory: start several registries sharing one cargo home, stop them all together."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .registry import FakeRegistry
from .settings import RegistryOptions, check_options

if TYPE_CHECKING:
    from typing_extensions import Unpack


class RegistryFactory:
    """Starts registries (rooted under *base_dir* unless ``root=`` is given) and stops them all.

    Every registry it starts shares one cargo home (``base_dir/cargo-home``, or a temporary
    one) unless ``cargo_home=`` says otherwise, so one ``reg.env`` reaches them all, and
    dependencies across registries resolve. A registry started without ``name=`` gets a
    free one: ``fakereg``, ``fakereg-2``, ... A root the factory makes under *base_dir* is
    not ``durable`` (nothing is fsynced: it lives as long as a test) unless told. The
    pytest fixture ``fake_registry_factory`` is one of these, scoped to a test.
    """

    def __init__(self, base_dir: Path | None = None, **defaults: Unpack[RegistryOptions]) -> None:
        check_options(defaults, "RegistryFactory()")
        self._base_dir = base_dir
        self._defaults: dict[str, Any] = dict(defaults)
        self._home_dir: tempfile.TemporaryDirectory[str] | None = None
        self.registries: list[FakeRegistry] = []

    @property
    def cargo_home(self) -> Path:
        """The cargo home shared by the registries started here."""
        if self._base_dir is not None:
            return self._base_dir / "cargo-home"
        if self._home_dir is None:
            self._home_dir = tempfile.TemporaryDirectory(prefix="fakereg-cargo-home-")
        return Path(self._home_dir.name)

    def _free_name(self) -> str:
        taken = {registry.name for registry in self.registries if registry.running}
        name, number = "fakereg", 1
        while name in taken:
            number += 1
            name = f"fakereg-{number}"
        return name

    def __call__(self, **kwargs: Unpack[RegistryOptions]) -> FakeRegistry:
        """A started :class:`FakeRegistry`; *kwargs* go to its constructor."""
        check_options(kwargs, "fake_registry_factory()")
        options: dict[str, Any] = self._defaults | dict(kwargs)
        if "name" not in options:
            options["name"] = self._free_name()
        elif any(r.running and r.name == options["name"] for r in self.registries):
            raise ValueError(
                f"a registry named {options['name']!r} is already running in this factory "
                "(they share a cargo home): choose another name"
            )
        if self._base_dir is not None and options.get("root") is None:
            options["root"] = self._base_dir / f"fakereg-{len(self.registries)}"
            options.setdefault("durable", False)  # the factory's own root: a test's scratch
        options.setdefault("cargo_home", self.cargo_home)
        registry = FakeRegistry(**options)
        registry.start()
        self.registries.append(registry)
        return registry

    def errors(self) -> list[BaseException]:
        """Errors raised in the server threads of every registry started so far."""
        return [error for registry in self.registries for error in registry.errors]

    def stop_all(self) -> None:
        """Stop every registry, newest first."""
        for registry in reversed(self.registries):
            registry.stop()
        if self._home_dir is not None:
            self._home_dir.cleanup()
            self._home_dir = None

    def __enter__(self) -> RegistryFactory:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop_all()
