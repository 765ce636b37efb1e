"""FakeRegistry hands its methods to its parts: signatures, docs and errors stay as promised."""

from __future__ import annotations

import inspect

import pytest

from fakereg import FakeRegistry

PUBLIC = [
    name
    for name in dir(FakeRegistry)
    if not name.startswith("_") and name not in {"name", "protocol", "host", "login"}
]


@pytest.mark.parametrize("name", PUBLIC)
def test_every_public_member_is_documented(name: str) -> None:
    member = inspect.getattr_static(FakeRegistry, name)
    doc = getattr(member, "__doc__", None) or getattr(FakeRegistry, name).__doc__
    assert doc, f"FakeRegistry.{name} has no docstring"


def test_parts_of_a_stopped_registry_say_so() -> None:
    reg = FakeRegistry()
    with pytest.raises(RuntimeError, match="not running"):
        reg.add_crate("x", "1.0.0")
    with pytest.raises(RuntimeError, match="not running"):
        reg.versions("x")
    assert reg.requests == []  # the observer lives as long as the object
    with reg:
        reg.add_crate("x", "1.0.0", description="d")
        assert reg.versions("x") == ["1.0.0"]
        assert "Build a real" in (reg.add_crate.__doc__ or "")
        with pytest.raises(TypeError, match="unknown crate options: colour"):
            reg.add_crate("y", "1.0.0", colour="red")  # type: ignore[call-arg]
