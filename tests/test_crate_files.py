"""The ``.crate`` files on the static path (``/dl``) and crates.io's download redirect
(``/api/v1/crates/{name}/{version}/download``), through curl."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from fakereg import FakeRegistry
from tests.helpers import require


@dataclass
class Curled:
    status: int
    location: str
    headers: str
    body: bytes

    def json(self) -> object:
        return json.loads(self.body)


def curl(reg: FakeRegistry, path: str, *args: str) -> Curled:
    """GET *path* with curl (*args* added: ``-L``, ``-H``…): status, Location, head, body."""
    require(shutil.which("curl") is not None, "curl")
    written = "\n%{http_code} %{redirect_url}"
    result = subprocess.run(
        ["curl", "-sS", "-D", "/dev/stderr", "-w", written, *args, reg.url + path],
        capture_output=True,
        check=True,
        timeout=30,
    )
    body, _, tail = result.stdout.rpartition(b"\n")
    status, _, location = tail.decode().partition(" ")
    return Curled(int(status), location, result.stderr.decode("latin-1"), body)


@pytest.fixture(scope="module")
def reg() -> Iterator[FakeRegistry]:
    with FakeRegistry() as registry:
        registry.add_crate("foo-bar", "1.0.0")
        registry.add_crate("foo-bar", "2.0.0-rc.1+build.5")
        yield registry
        registry.check_errors()


@pytest.mark.parametrize(
    ("path", "file"),
    [
        ("foo-bar/1.0.0", "foo-bar/foo-bar-1.0.0.crate"),
        # crates.io escapes `+` (StorageKey::cdn_path)
        ("foo-bar/2.0.0-rc.1+build.5", "foo-bar/foo-bar-2.0.0-rc.1%2Bbuild.5.crate"),
        # unconditionally: a version or a crate that does not exist, a name as spelt
        ("foo-bar/9.9.9", "foo-bar/foo-bar-9.9.9.crate"),
        ("Foo_Bar/1.0.0", "Foo_Bar/Foo_Bar-1.0.0.crate"),
        ("nothing/0.1.0", "nothing/nothing-0.1.0.crate"),
    ],
)
def test_the_api_route_is_a_302_to_the_static_file_or_its_url_as_json(
    reg: FakeRegistry, path: str, file: str
) -> None:
    reg.clear()
    before = reg.downloads("foo-bar")
    redirect = curl(reg, f"/api/v1/crates/{path}/download")
    assert (redirect.status, redirect.location) == (302, f"{reg.url}/dl/{file}")
    assert redirect.body == b""
    assert "\nvary: accept" in redirect.headers.lower()
    assert "content-type" not in redirect.headers.lower()
    as_json = curl(reg, f"/api/v1/crates/{path}/download", "-H", "Accept: application/json")
    assert as_json.status == 200
    assert as_json.json() == {"url": f"{reg.url}/dl/{file}"}
    assert "\nvary: accept" in as_json.headers.lower()
    name, version = path.split("/")
    kinds = [(r.kind, r.status, r.crate, r.version) for r in reg.requests]
    assert kinds == [
        ("download_redirect", 302, name, version),
        ("download_redirect", 200, name, version),
    ]
    # Not a download: crates.io counts at its CDN, when the file is fetched.
    assert reg.downloads("foo-bar") == before


def test_following_the_redirect_downloads_and_counts_once(reg: FakeRegistry) -> None:
    reg.clear()
    before = reg.downloads("foo-bar", "2.0.0-rc.1+build.5")
    followed = curl(reg, "/api/v1/crates/foo-bar/2.0.0-rc.1+build.5/download", "-L")
    assert followed.status == 200
    assert followed.body == reg.crate_file("foo-bar", "2.0.0-rc.1+build.5")
    assert reg.downloads("foo-bar", "2.0.0-rc.1+build.5") == before + 1
    redirect, download = reg.requests
    assert (redirect.kind, download.kind) == ("download_redirect", "download")
    assert download.path == "/dl/foo-bar/foo-bar-2.0.0-rc.1+build.5.crate"
    assert (download.crate, download.version) == ("foo-bar", "2.0.0-rc.1+build.5")
    missing = curl(reg, "/api/v1/crates/foo-bar/9.9.9/download", "-L")
    assert missing.status == 404
    assert missing.json() == {
        "errors": [{"detail": "crate `foo-bar` does not have a version `9.9.9`"}]
    }


def test_the_api_route_refuses_what_crates_io_refuses_before_the_redirect(
    reg: FakeRegistry,
) -> None:
    not_semver = curl(reg, "/api/v1/crates/foo-bar/1.x/download")
    assert not_semver.status == 400
    assert not_semver.json() == {"errors": [{"detail": "invalid semver version `1.x`"}]}
    bad_name = curl(reg, "/api/v1/crates/1foo/1.0.0/download")
    assert bad_name.status == 404
    assert bad_name.json() == {"errors": [{"detail": "crate `1foo` does not exist"}]}


def test_both_static_forms_serve_the_file_and_unknown_ones_are_404(reg: FakeRegistry) -> None:
    reg.clear()
    data = reg.crate_file("foo-bar", "1.0.0")
    for path in ("/dl/foo-bar/1.0.0/download", "/dl/foo-bar/foo-bar-1.0.0.crate"):
        served = curl(reg, path)
        assert (served.status, served.body) == (200, data)
        assert "content-type: application/gzip" in served.headers.lower()
    for path, detail in [
        ("/dl/nothing/1.0.0/download", "crate `nothing` does not exist"),
        ("/dl/nothing/nothing-1.0.0.crate", "crate `nothing` does not exist"),
        ("/dl/foo-bar/foo-bar-3.0.0.crate", "crate `foo-bar` does not have a version `3.0.0`"),
        ("/dl/foo-bar/other-1.0.0.crate", "no file `other-1.0.0.crate` here"),
    ]:
        refused = curl(reg, path)
        assert refused.status == 404
        assert detail in refused.json()["errors"][0]["detail"]  # type: ignore[index]
    assert [(r.kind, r.version) for r in reg.requests][:2] == [
        ("download", "1.0.0"),
        ("download", "1.0.0"),
    ]


def test_faults_fire_on_both_static_forms_and_on_the_redirect(reg: FakeRegistry) -> None:
    with reg.fail("download", crate="foo-bar", version="1.0.0", status=503) as fault:
        assert curl(reg, "/dl/foo-bar/1.0.0/download").status == 503
        assert curl(reg, "/dl/foo-bar/foo-bar-1.0.0.crate").status == 503
        assert curl(reg, "/api/v1/crates/foo-bar/1.0.0/download", "-L").status == 503
        assert curl(reg, "/api/v1/crates/foo-bar/1.0.0/download").status == 302
        assert fault.hits == 3
    with reg.fail("download_redirect", status=500):
        assert curl(reg, "/api/v1/crates/foo-bar/1.0.0/download").status == 500
        assert curl(reg, "/dl/foo-bar/1.0.0/download").status == 200


def test_a_private_registry_refuses_static_fetches_without_a_token() -> None:
    with FakeRegistry(auth_required=True) as private:
        private.add_crate("secret", "1.0.0")
        token = ("-H", f"Authorization: {private.token}")
        for path in ("/dl/secret/1.0.0/download", "/dl/secret/secret-1.0.0.crate"):
            for _ in range(2):  # the second answer is the one the server kept
                assert curl(private, path, *token).status == 200
                refused = curl(private, path)
                assert refused.status == 401
                assert "www-authenticate: cargo login_url=" in refused.headers.lower()
        assert curl(private, "/api/v1/crates/secret/1.0.0/download").status == 401
        assert curl(private, "/api/v1/crates/secret/1.0.0/download", *token).status == 302
        assert private.downloads("secret", "1.0.0") == 4
        private.check_errors()
