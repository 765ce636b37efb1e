"""RegistryFactory: start several registries and stop them all together."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .registry import FakeRegistry


class RegistryFactory:
    """Starts registries (rooted under *base_dir* unless ``root=`` is given) and stops them all.

    The pytest fixture ``fake_registry_factory`` is one of these, scoped to a test.
    """

    def __init__(self, base_dir: Path | None = None, **defaults: Any) -> None:
        self._base_dir = base_dir
        self._defaults = defaults
        self.registries: list[FakeRegistry] = []

    def __call__(self, **kwargs: Any) -> FakeRegistry:
        """A started :class:`FakeRegistry`; *kwargs* go to its constructor."""
        options = self._defaults | kwargs
        if self._base_dir is not None:
            options.setdefault("root", self._base_dir / f"fakereg-{len(self.registries)}")
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

    def __enter__(self) -> RegistryFactory:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop_all()
