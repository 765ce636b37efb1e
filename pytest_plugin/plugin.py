"""Fixtures ``fake_registry`` and ``fake_registry_factory``, the ``fake_registry`` marker."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Any

import pytest

from fakereg import PROTOCOLS, FakeRegistry, RegistryFactory, ServerError
from fakereg.settings import check_options

_factories = pytest.StashKey[RegistryFactory]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("fakereg", "fakereg: a fake Cargo registry")
    group.addoption(
        "--fakereg-cargo",
        dest="fakereg_cargo",
        default=None,
        metavar="PATH",
        help="cargo binary that FakeRegistry.cargo() runs (default: $FAKEREG_CARGO or PATH)",
    )
    parser.addini("fakereg_cargo", "cargo binary that FakeRegistry.cargo() runs", default="")
    group.addoption(
        "--fakereg-protocol",
        dest="fakereg_protocol",
        default=None,
        choices=PROTOCOLS,
        help="index protocol of the fake_registry fixture unless a marker says otherwise",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "fake_registry(**kwargs): keyword arguments for the FakeRegistry of the "
        "fake_registry fixture (root, name, protocol, token, strict, ...)",
    )


def _defaults(config: pytest.Config) -> dict[str, Any]:
    defaults: dict[str, Any] = {}
    cargo = config.getoption("fakereg_cargo") or config.getini("fakereg_cargo")
    if cargo:
        defaults["cargo_bin"] = cargo
    protocol = config.getoption("fakereg_protocol")
    if protocol:
        defaults["protocol"] = protocol
    return defaults


@pytest.fixture
def fake_registry_factory(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RegistryFactory]:
    """Call it (with FakeRegistry keyword arguments) to start more registries in a test.

    Their roots and shared cargo home live in a folder of their own beside the test's
    ``tmp_path`` (under pytest's base temporary folder, kept for inspection as
    ``tmp_path`` is), never inside it: a crate the test writes in ``tmp_path`` must not
    package the registry's tokens."""
    factory = RegistryFactory(tmp_path_factory.mktemp("fakereg"), **_defaults(request.config))
    request.node.stash[_factories] = factory
    try:
        yield factory
    finally:
        factory.stop_all()


@pytest.fixture
def fake_registry_options() -> dict[str, Any]:
    """FakeRegistry keyword arguments for ``fake_registry``: override it in a conftest.py
    (e.g. parametrized over protocols) to change the defaults of a whole directory."""
    return {}


@pytest.fixture
def fake_registry(
    request: pytest.FixtureRequest,
    fake_registry_factory: RegistryFactory,
    fake_registry_options: dict[str, Any],
) -> FakeRegistry:
    """A started FakeRegistry with a root of its own beside the test's tmp_path, stopped
    after the test.

    ``@pytest.mark.fake_registry(**kwargs)`` passes keyword arguments to FakeRegistry;
    they win over ``fake_registry_options``.
    """
    options = fake_registry_options | marker_kwargs(request)
    check_options(options, f"fake_registry for {request.node.nodeid}")
    return fake_registry_factory(**options)


def marker_kwargs(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The keyword arguments of every ``fake_registry`` marker on the test, closest last."""
    kwargs: dict[str, Any] = {}
    for marker in reversed(list(request.node.iter_markers("fake_registry"))):
        if marker.args:
            raise TypeError("@pytest.mark.fake_registry takes keyword arguments only")
        kwargs.update(marker.kwargs)
    return kwargs


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    """Fail the test whose requests made a registry's server thread raise."""
    result = yield
    factory = item.stash.get(_factories, None)
    if factory is not None:
        errors = factory.errors()
        if errors:
            raise ServerError(errors)
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """When a test that used a registry fails, show that registry's traffic in the report."""
    report: pytest.TestReport = yield
    factory = item.stash.get(_factories, None)
    if report.failed and factory is not None:
        for registry in factory.registries:
            where = registry.url if registry.running else "stopped"
            traffic = registry.requests.summary() or "(no requests)"
            report.sections.append((f"fakereg traffic: {registry.name} ({where})", traffic))
    return report
