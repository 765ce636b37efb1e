"""FakeRegistry hands its methods to its parts: signatures, docs and errors stay as promised."""

from __future__ import annotations

import inspect
import pydoc
import re
import typing
from pathlib import Path
from unittest.mock import create_autospec

import pytest

from fakereg import FakeRegistry, NotRunningError, RegistryFactory, Settings
from fakereg.settings import RegistryOptions, Setting
from tests.crates import crate, metadata, publish_body
from tests.helpers import http

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


def _public(obj: object) -> list[str]:
    return [name for name in dir(obj) if not name.startswith("_")]


@pytest.mark.parametrize("name", _public(FakeRegistry))
def test_every_public_method_has_a_real_signature(name: str) -> None:
    member = inspect.getattr_static(FakeRegistry, name)
    if isinstance(member, property | Setting):
        return
    function = getattr(FakeRegistry, name)
    assert inspect.isfunction(function), f"FakeRegistry.{name} is not a plain method"
    parameters = list(inspect.signature(function).parameters)
    assert parameters[0] == "self", name
    with FakeRegistry() as reg:
        bound = inspect.signature(getattr(reg, name))
        assert "self" not in bound.parameters, name


def test_hasattr_answers_on_a_never_started_and_a_stopped_registry() -> None:
    never = FakeRegistry()
    stopped = FakeRegistry()
    with stopped:
        assert hasattr(stopped, "url")
        assert hasattr(stopped, "git_path")
        assert not hasattr(stopped, "ca_path")  # a plain-HTTP registry has no CA
    for reg in (never, stopped):
        for name in _public(FakeRegistry):
            hasattr(reg, name)  # never raises
        assert hasattr(reg, "add_crate")
        assert not hasattr(reg, "url")
        assert not hasattr(reg, "token")
        with pytest.raises(NotRunningError, match="not running"):
            reg.url  # noqa: B018
        with pytest.raises(RuntimeError, match="not running"):
            reg.add_crate("x", "1.0.0")


def test_autospec_and_pydoc_see_the_real_methods() -> None:
    mock = create_autospec(FakeRegistry, instance=True)
    mock.add_crate("serde", "1.0.0", description="d")
    mock.add_crate.assert_called_once_with("serde", "1.0.0", description="d")
    with pytest.raises(TypeError):
        mock.add_crate("serde")  # version is required
    with pytest.raises(TypeError):
        mock.delay_index_updates(1, 2, 3)
    text = pydoc.render_doc(FakeRegistry, renderer=pydoc.plaintext)  # type: ignore[attr-defined]
    # (some Pythons' pydoc quote annotations, some split a long signature over lines)
    compact = re.sub(r"[\s|']+", "", text)
    assert "add_crate(self,name:str,version:str,**options:Unpack[AddCrateOptions])" in compact
    assert "fail(self,kind:Kind" in compact
    assert "batch(self)->Iterator[None]" in compact


def test_the_options_agree_with_the_settings() -> None:
    """``Settings`` declares every setting; the keyword types repeat it, checked here."""
    declared = typing.get_type_hints(Settings)
    options = typing.get_type_hints(RegistryOptions)
    assert set(declared) <= set(options)
    assert {key: options[key] for key in declared} == declared
    extra = set(options) - set(declared)
    assert extra == {"root", "token", "cargo_home", "write_credentials", "cargo_bin"}
    init = inspect.signature(FakeRegistry)
    assert list(init.parameters) == ["root", "name", "protocol", "token", "options"]
    for name in ("name", "protocol"):
        assert init.parameters[name].default == getattr(Settings(), name)
    shown = [n for n in _public(FakeRegistry) if isinstance(getattr(FakeRegistry, n), Setting)]
    assert set(shown) <= set(declared)  # a Setting shows the field of its own name


def test_a_misspelt_option_names_the_valid_ones(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match=r"unknown FakeRegistry option.*prtocol.*protocol"):
        FakeRegistry(prtocol="git")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="prtocol"), RegistryFactory(tmp_path) as factory:
        factory(prtocol="git")  # type: ignore[call-arg]


def test_an_index_delay_lives_for_one_start_faults_and_traffic_for_the_object(
    tmp_path: Path,
) -> None:
    reg = FakeRegistry(tmp_path / "root")
    with pytest.raises(NotRunningError):
        reg.delay_index_updates(polls=5)
    body = publish_body(metadata("late", "1.0.0"), crate("late", "1.0.0"))
    with reg:
        reg.fail("search", status=500)
        reg.delay_index_updates(polls=5)
        assert http(reg, "PUT", "/api/v1/crates/new", body=body, token=reg.token).status == 200
        assert http(reg, "GET", "/index/la/te/late").status == 404  # hidden by the delay
    with reg:  # a new start: the delay is gone, the fault and the journal go on
        assert http(reg, "GET", "/index/la/te/late").status == 200
        assert http(reg, "GET", "/api/v1/crates?q=late").status == 500
        assert [r.kind for r in reg.requests] == ["publish", "index", "index", "search"]


def test_fail_without_a_kind_says_what_it_needs() -> None:
    with FakeRegistry() as reg, pytest.raises(TypeError, match=r"reg.fail\(\) needs the kind"):
        reg.fail()
