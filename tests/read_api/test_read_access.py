"""The read API on a private registry, and for crates added without cargo."""

from __future__ import annotations

import hashlib
import io
import tarfile
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from fakereg import FakeRegistry
from tests.helpers import assert_cargo_error, http
from tests.read_api.conftest import get
from tests.reliability.storm import start_server
from tests.test_control import control

READ_ROUTES = [
    "/api/v1/crates/lib1",
    "/api/v1/crates/lib1/versions",
    "/api/v1/crates/lib1/1.0.0",
    "/api/v1/crates/lib1/1.0.0/dependencies",
    "/api/v1/crates/lib1/1.0.0/readme",
    "/api/v1/crates/lib1/downloads",
    "/api/v1/crates/lib1/1.0.0/downloads",
    "/api/v1/crates/lib1/reverse_dependencies",
    "/api/v1/crates/lib1/owner_user",
    "/api/v1/crates/lib1/owner_team",
    "/api/v1/users/fakereg-user",
    "/api/v1/summary",
    "/api/v1/crates?q=lib",
    "/readmes/lib1/lib1-1.0.0.html",
]


@pytest.fixture(scope="module")
def private() -> Iterator[FakeRegistry]:
    with FakeRegistry(auth_required=True) as reg:
        reg.add_crate("lib1", "1.0.0", readme="# lib1\n")
        yield reg
        reg.check_errors()


@pytest.mark.parametrize("path", READ_ROUTES)
def test_a_private_registry_guards_every_read_route(private: FakeRegistry, path: str) -> None:
    reg = private
    assert_cargo_error(http(reg, "GET", path), 401)
    assert_cargo_error(http(reg, "GET", path, token="wrong"), 401)
    outsider = reg.add_user(f"outsider-{hashlib.sha256(path.encode()).hexdigest()[:8]}", read=False)
    assert_cargo_error(http(reg, "GET", path, token=outsider), 403)
    assert http(reg, "GET", path, token=reg.token).status == 200


def test_added_and_imported_crates_show_their_manifest(
    fake_registry: FakeRegistry, tmp_path: Path
) -> None:
    reg = fake_registry
    reg.add_crate(
        "seeded",
        "0.3.0",
        description="made by add_crate",
        license="Apache-2.0",
        keywords=["seed"],
        categories=["testing"],
        repository="https://example.com/seeded",
        rust_version="1.80",
        edition="2018",
        readme="# Seeded\n",
        features={"default": [], "x": []},
        files={"src/main.rs": "fn main() {}\n"},
    )
    version = get(reg, "/api/v1/crates/seeded/0.3.0")["version"]
    assert {key: version[key] for key in ("license", "rust_version", "edition")} == {
        "license": "Apache-2.0",
        "rust_version": "1.80",
        "edition": "2018",
    }
    assert version["has_lib"] is True
    assert version["bin_names"] == ["seeded"]
    assert version["published_by"]["login"] == reg.login
    assert version["crate_size"] == len(reg.crate_file("seeded", "0.3.0"))
    crate = get(reg, "/api/v1/crates/seeded")["crate"]
    assert crate["keywords"] == ["seed"]
    assert crate["categories"] == ["testing"]
    assert crate["repository"] == "https://example.com/seeded"
    page = http(reg, "GET", "/readmes/seeded/seeded-0.3.0.html")
    assert page.body.decode().strip() == "<h1>Seeded</h1>"
    # an archive of a package whose manifest names a text README and a license file
    archive = tmp_path / "imported-2.0.0.crate"
    archive.write_bytes(_archive("imported", "2.0.0"))
    reg.import_crates(archive)
    version = get(reg, "/api/v1/crates/imported/2.0.0")["version"]
    assert version["license"] == "non-standard"  # license-file alone, as crates.io says
    assert version["has_lib"] is False
    assert version["bin_names"] == ["imported", "tool"]
    assert version["edition"] is None
    assert version["description"] == "imported"
    text = http(reg, "GET", "/readmes/imported/imported-2.0.0.html").body.decode()
    assert text == "line one &lt;b&gt;<br>\nline two<br>\n"
    reg.check_errors()


def _archive(name: str, version: str) -> bytes:
    files = {
        "Cargo.toml": (
            f'[package]\nname = "{name}"\nversion = "{version}"\ndescription = "{name}"\n'
            'license-file = "LICENSE"\nreadme = "NOTES.txt"\n'
        ),
        "LICENSE": "mine\n",
        "NOTES.txt": "line one <b>\nline two\n",
        "src/main.rs": "fn main() {}\n",
        "src/bin/tool.rs": "fn main() {}\n",
    }
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{name}-{version}/{path}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_downloads_are_shared_by_processes_on_a_root_and_reset_with_the_crates(
    tmp_path: Path,
) -> None:
    root = tmp_path / "root"
    with FakeRegistry(root, cargo_home=tmp_path / "home") as reg:
        reg.add_crate("shared", "1.0.0")
        other = start_server(root, "--name", "other")
        try:
            for _ in range(3):
                with urllib.request.urlopen(
                    f"{other.url}/api/v1/crates/shared/1.0.0/download", timeout=10
                ) as response:
                    assert response.status == 200
        finally:
            other.stop()
        assert reg.downloads("shared") == 3
        assert get(reg, "/api/v1/crates/shared")["crate"]["downloads"] == 3
        assert control(reg, "POST", "/reset", {"crates": True})[0] == 200
        reg.add_crate("shared", "1.0.0")
        assert reg.downloads("shared") == 0
        assert get(reg, "/api/v1/summary")["num_downloads"] == 0
        reg.check_errors()


ROUTE_KINDS = {
    "GET /api/v1/crates/lib1": "crate",
    "GET /api/v1/crates/lib1/versions": "versions",
    "GET /api/v1/crates/lib1/1.0.0": "version",
    "PATCH /api/v1/crates/lib1/1.0.0": "update_version",
    "GET /api/v1/crates/lib1/1.0.0/dependencies": "dependencies",
    "GET /api/v1/crates/lib1/1.0.0/readme": "readme",
    "GET /readmes/lib1/lib1-1.0.0.html": "readme",
    "GET /api/v1/crates/lib1/downloads": "crate_downloads",
    "GET /api/v1/crates/lib1/1.0.0/downloads": "crate_downloads",
    "GET /api/v1/crates/lib1/reverse_dependencies": "reverse_dependencies",
    "GET /api/v1/crates/lib1/owner_user": "owner_user",
    "GET /api/v1/crates/lib1/owner_team": "owner_team",
    "GET /api/v1/users/fakereg-user": "user",
    "GET /api/v1/me": "me",
    "GET /api/v1/summary": "summary",
}


@pytest.mark.parametrize("route", ROUTE_KINDS)
def test_each_route_is_recorded_under_its_kind_and_can_be_faulted(
    fake_registry: FakeRegistry, route: str
) -> None:
    reg = fake_registry
    reg.add_crate("lib1", "1.0.0")
    method, path = route.split(" ")
    kind = ROUTE_KINDS[route]
    reg.fail(kind, status=503, errors="down for maintenance", times=1)
    faulted = http(reg, method, path, token=reg.token, body=b"{}" if method == "PATCH" else None)
    assert assert_cargo_error(faulted, 503) == "down for maintenance"
    record = reg.requests.last
    assert record is not None
    assert (record.kind, record.status, record.fault is not None) == (kind, 503, True)
    if kind not in ("user", "me", "summary"):
        assert record.crate == "lib1"
