"""Downloads from the static path ``config.json``'s ``dl`` names, and the API route's 302
for clients whose index still names the old ``dl`` (``<url>/api/v1/crates``), with real
cargo over both index protocols."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from fakereg import FakeRegistry
from fakereg.storage.gitindex import GitIndex
from tests.helpers import MakePackage, greeting_app, http


def old_config(reg: FakeRegistry) -> bytes:
    """``config.json`` as fakereg wrote it before the static path: ``dl`` the API route."""
    return json.dumps({"dl": f"{reg.url}/api/v1/crates", "api": reg.url}).encode()


@pytest.fixture
def old_dl(fake_registry_options: dict[str, Any]) -> Iterator[FakeRegistry]:
    """A registry (each protocol) holding ``greeting`` whose index names the old ``dl``:
    the sparse ``config.json`` answered by a fault, the git one committed as an older
    fakereg committed it. (On a temporary root: a root that may be shared has its
    ``config.json`` put back at each git request, see ``GitSync.serving``.)"""
    with FakeRegistry(**fake_registry_options) as reg:
        reg.add_crate("greeting", "0.1.0")
        if reg.protocol == "sparse":
            reg.fail("config", body=old_config(reg))
        else:
            GitIndex(reg.git_path).commit([("config.json", old_config(reg))], "an older one")
        yield reg
        reg.check_errors()


def test_cargo_fetches_from_the_static_path_and_counts_rise(
    greeting: FakeRegistry, package: MakePackage
) -> None:
    reg = greeting
    config = http(reg, "GET", "/index/config.json").json()
    assert config["dl"] == f"{reg.url}/dl"
    app = greeting_app(package, reg.name)
    reg.cargo("fetch", cwd=app, check=True)
    (download,) = reg.assert_requested("download", count=1)
    assert (download.path, download.status) == ("/dl/greeting/0.1.0/download", 200)
    assert download.response_body == reg.crate_file("greeting", "0.1.0")
    assert reg.downloads("greeting", "0.1.0") == 1
    reg.clear()
    # The file as crates.io stores it, too: the answer the server kept is replayed, counted.
    for _ in range(2):
        assert http(reg, "GET", "/dl/greeting/greeting-0.1.0.crate").status == 200
    assert reg.downloads("greeting", "0.1.0") == 3
    assert [r.version for r in reg.requests.filter("download")] == ["0.1.0", "0.1.0"]


def test_an_index_naming_the_old_dl_still_downloads_through_the_redirect(
    old_dl: FakeRegistry, package: MakePackage
) -> None:
    reg = old_dl
    reg.cargo("fetch", cwd=greeting_app(package, reg.name), check=True)
    redirect, download = [r for r in reg.requests if r.kind in ("download_redirect", "download")]
    assert (redirect.path, redirect.status) == ("/api/v1/crates/greeting/0.1.0/download", 302)
    assert redirect.response_body == b""
    assert (download.path, download.status) == ("/dl/greeting/greeting-0.1.0.crate", 200)
    assert (download.crate, download.version) == ("greeting", "0.1.0")
    assert reg.downloads("greeting", "0.1.0") == 1  # the file's fetch counts, not the 302


def test_a_fault_on_downloads_fires_behind_the_redirect(
    old_dl: FakeRegistry, package: MakePackage
) -> None:
    reg = old_dl
    reg.fail("download", crate="greeting", version="0.1.0", status=503)
    result = reg.cargo("fetch", cwd=greeting_app(package, reg.name))
    assert result.returncode != 0
    assert "got 503" in result.stderr
    assert f"{reg.url}/dl/greeting/greeting-0.1.0.crate" in result.stderr
    refused = reg.requests.filter("download")
    assert refused
    assert all(r.status == 503 for r in refused)
    assert all(r.fault == "status=503" for r in refused)
    assert reg.downloads("greeting") == 0
