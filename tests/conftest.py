"""Shared fixtures of fakereg's own tests."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from fakereg import FakeRegistry
from tests.helpers import MakePackage, publish, write_package


def pytest_sessionstart(session: pytest.Session) -> None:
    # In CI a test that needs cargo must fail, not skip: refuse to run without it.
    if os.environ.get("CI") and shutil.which("cargo") is None:
        raise pytest.UsageError("CI is set but cargo is not on PATH: the suite needs real cargo")


@pytest.fixture
def package(tmp_path: Path) -> MakePackage:
    """``package("foo", "0.1.0", dependencies=...)`` writes a package under tmp_path."""

    def make(
        name: str,
        version: str = "0.1.0",
        *,
        dependencies: str = "",
        manifest_extra: str = "",
        main_rs: str | None = None,
    ) -> Path:
        return write_package(
            tmp_path / f"{name}-{version}",
            name,
            version,
            dependencies=dependencies,
            manifest_extra=manifest_extra,
            main_rs=main_rs,
        )

    return make


@pytest.fixture
def greeting(fake_registry: FakeRegistry, package: MakePackage) -> FakeRegistry:
    """The registry, holding greeting 0.1.0, with its recorded traffic cleared."""
    publish(fake_registry, package("greeting"))
    fake_registry.clear()
    return fake_registry
