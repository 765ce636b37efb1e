"""The faults of real CDNs, seen by real cargo with its real messages, over HTTP/2 (TLS,
as index.crates.io) on the sparse index and downloads."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fakereg import FakeRegistry
from tests.helpers import MakePackage

#: One retry (cargo's default is three), and a short stall timeout.
ENV = {"CARGO_NET_RETRY": "1", "CARGO_HTTP_TIMEOUT": "2"}


@pytest.fixture
def reg() -> Iterator[FakeRegistry]:  # (its own cargo home: nothing cached)
    with FakeRegistry(tls=True) as registry:
        registry.add_crate("serde", "1.0.0")
        yield registry


@pytest.fixture
def app(reg: FakeRegistry, package: MakePackage) -> Path:
    return package("app", dependencies=f'serde = {{ version = "1", registry = "{reg.name}" }}')


def _resolve(reg: FakeRegistry, app: Path, **fault: Any) -> str:
    """Resolve (and fetch) with the fault on serde's first index or download request: the
    warning cargo printed; cargo retried and succeeded."""
    kind = fault.pop("kind", "index")
    reg.fail(kind, crate="serde", times=1, **fault)
    (app / "Cargo.lock").unlink(missing_ok=True)
    done = reg.cargo("generate-lockfile", cwd=app, env=ENV)
    fetched = reg.cargo("fetch", cwd=app, env=ENV)
    assert done.returncode == 0, done.stderr
    assert fetched.returncode == 0, fetched.stderr
    assert {r.http_version for r in reg.requests} == {"HTTP/2"}
    reg.check_errors()
    return done.stderr + fetched.stderr


@pytest.mark.parametrize("kind", ["index", "download"])
def test_reset_stream_is_cargos_92(reg: FakeRegistry, app: Path, kind: str) -> None:
    said = _resolve(reg, app, kind=kind, reset_stream="INTERNAL_ERROR")
    assert "spurious network error" in said
    assert "[92] Stream error in the HTTP/2 framing layer" in said
    assert "was not closed cleanly: INTERNAL_ERROR" in said


@pytest.mark.parametrize("kind", ["index", "download"])
def test_tls_eof_is_unexpected_eof(reg: FakeRegistry, app: Path, kind: str) -> None:
    said = _resolve(reg, app, kind=kind, tls_eof=True)
    assert "spurious network error" in said or "warning: ..." in said  # (cargo may elide)
    assert "SSL routines::unexpected eof while reading" in said


def test_drop_is_cargos_16(reg: FakeRegistry, app: Path) -> None:
    said = _resolve(reg, app, drop=True)
    assert "[16] Error in the HTTP2 framing layer" in said


def test_stall_is_cargos_timeout(reg: FakeRegistry, app: Path) -> None:
    said = _resolve(reg, app, kind="download", stall=True)
    assert "[28] Timeout was reached" in said
    assert reg.downloads("serde") >= 1


def test_goaway_drains_the_connection_as_a_cdn_does(reg: FakeRegistry, app: Path) -> None:
    before = reg.connections.accepted
    said = _resolve(reg, app, goaway="NO_ERROR")
    assert "error" not in said  # curl retries the unanswered stream on a new connection
    index = [r.status for r in reg.requests.filter("index", crate="serde")]
    assert index[:2] == [0, 200]  # the drained request, unanswered; then its retry
    assert reg.connections.accepted - before >= 2


def test_goaway_every_time_fails_the_resolve(reg: FakeRegistry, app: Path) -> None:
    reg.fail("index", crate="serde", goaway="ENHANCE_YOUR_CALM")
    done = reg.cargo("generate-lockfile", cwd=app, env=ENV)
    assert done.returncode != 0
    assert "[56] Failure when receiving data from the peer" in done.stderr
    reg.remove_faults()


def test_an_answer_fault_over_http2(reg: FakeRegistry, app: Path) -> None:
    said = _resolve(reg, app, status=503)
    assert "spurious network error" in said
    assert "503" in said


def test_the_same_faults_over_http1(package: MakePackage) -> None:
    with FakeRegistry(tls=True, http2=False) as reg:
        reg.add_crate("serde", "1.0.0")
        app = package("app", dependencies=f'serde = {{ version = "1", registry = "{reg.name}" }}')
        reg.fail("index", crate="serde", times=1, tls_eof=True)
        said = reg.cargo("generate-lockfile", cwd=app, env=ENV, check=True).stderr
        assert "unexpected eof while reading" in said
        reg.fail("download", crate="serde", times=1, reset_stream="INTERNAL_ERROR")
        said = reg.cargo("fetch", cwd=app, env=ENV, check=True).stderr
        assert "spurious network error" in said  # (a TCP reset, on HTTP/1.1)
        assert {r.http_version for r in reg.requests} == {"HTTP/1.1"}
        reg.check_errors()
