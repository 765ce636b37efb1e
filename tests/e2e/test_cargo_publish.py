"""cargo publish, yank and the index cargo reads back, end to end with real cargo."""

from __future__ import annotations

import hashlib
import os

import pytest

from fakereg import FakeRegistry
from tests.helpers import (
    MakePackage,
    assert_cargo_error,
    http,
    publish,
    raw_request,
    request_bytes,
    try_publish,
)


def test_publish_plain_crate(fake_registry: FakeRegistry, package: MakePackage) -> None:
    result = publish(fake_registry, package("foo"))
    assert "Published foo v0.1.0" in result.stderr
    assert fake_registry.versions("foo") == ["0.1.0"]
    (entry,) = fake_registry.index_entries("foo")
    crate = fake_registry.crate_file("foo", "0.1.0")
    assert entry["cksum"] == hashlib.sha256(crate).hexdigest()
    assert entry["yanked"] is False
    download = http(fake_registry, "GET", "/api/v1/crates/foo/0.1.0/download")
    assert download.status == 200
    assert download.body == crate
    kinds = [r.kind for r in fake_registry.requests]
    assert "publish" in kinds
    (upload,) = [r for r in fake_registry.requests if r.kind == "publish"]
    assert upload.method == "PUT"
    assert upload.path == "/api/v1/crates/new"
    assert upload.headers["Authorization"] == fake_registry.token
    assert upload.status == 200


def test_publish_with_dependency_on_earlier_crate(
    fake_registry: FakeRegistry, package: MakePackage
) -> None:
    publish(fake_registry, package("base"))
    publish(fake_registry, package("base", "0.2.0"))
    dependent = package(
        "app-lib",
        dependencies=f'base = {{ version = "0.2", registry = "{fake_registry.name}" }}\n'
        f'renamed = {{ package = "base", version = "0.1", registry = "{fake_registry.name}" }}',
    )
    publish(fake_registry, dependent)
    (entry,) = fake_registry.index_entries("app-lib")
    deps = {dep["name"]: dep for dep in entry["deps"]}
    assert deps["base"]["req"] == "^0.2"
    assert "package" not in deps["base"]
    assert deps["renamed"]["package"] == "base"
    assert deps["renamed"]["req"] == "^0.1"
    assert deps["base"].get("registry") is None
    assert fake_registry.versions("base") == ["0.1.0", "0.2.0"]


def test_yank_and_undo_are_visible_in_the_index(
    fake_registry: FakeRegistry, package: MakePackage
) -> None:
    publish(fake_registry, package("foo"))
    before = fake_registry.index_entries("foo")[0]
    fake_registry.cargo("yank", "--registry", fake_registry.name, "foo@0.1.0", check=True)
    assert fake_registry.index_entries("foo")[0] == before | {"yanked": True}
    result = fake_registry.cargo(
        "yank", "--undo", "--registry", fake_registry.name, "foo@0.1.0", check=True
    )
    assert "Unyank foo@0.1.0" in result.stderr
    assert fake_registry.index_entries("foo")[0] == before
    assert [r.kind for r in fake_registry.requests if r.kind in ("yank", "unyank")] == [
        "yank",
        "unyank",
    ]


def test_yank_unknown_version_shows_registry_message(
    fake_registry: FakeRegistry, package: MakePackage
) -> None:
    publish(fake_registry, package("foo"))
    result = fake_registry.cargo("yank", "--registry", fake_registry.name, "foo@9.9.9")
    assert result.returncode != 0
    assert "crate `foo` does not have a version `9.9.9`" in result.stderr


def test_duplicate_version_refused_with_registry_message(
    fake_registry: FakeRegistry, package: MakePackage
) -> None:
    foo = package("foo")
    publish(fake_registry, foo)
    # cargo refuses a version it already sees in the index on its own; a yanked version
    # passes that check, so the upload reaches the registry, which must refuse it.
    fake_registry.cargo("yank", "--registry", fake_registry.name, "foo@0.1.0", check=True)
    result = try_publish(fake_registry, foo)
    assert result.returncode != 0
    assert "status 400 Bad Request" in result.stderr
    assert "crate version `0.1.0` is already uploaded" in result.stderr
    assert fake_registry.versions("foo") == ["0.1.0"]


def test_duplicate_up_to_build_metadata_refused(
    fake_registry: FakeRegistry, package: MakePackage
) -> None:
    publish(fake_registry, package("foo", "1.0.0+one"))
    fake_registry.cargo("yank", "--registry", fake_registry.name, "foo@1.0.0+one", check=True)
    result = try_publish(fake_registry, package("foo", "1.0.0+two"))
    assert "crate version `1.0.0` is already uploaded" in result.stderr
    assert fake_registry.versions("foo") == ["1.0.0+one"]


def test_name_differing_only_in_case_or_separator_refused(
    fake_registry: FakeRegistry, package: MakePackage
) -> None:
    publish(fake_registry, package("foo-bar"))
    result = try_publish(fake_registry, package("Foo_bar", "0.2.0"))
    assert result.returncode != 0
    assert "crate was previously named `foo-bar`" in result.stderr
    assert fake_registry.versions("Foo_bar") == ["0.1.0"]


@pytest.mark.fake_registry(max_upload_size=2000)
def test_upload_over_size_limit_gets_413(fake_registry: FakeRegistry, package: MakePackage) -> None:
    big = package("big")
    (big / "src" / "data.bin").write_bytes(os.urandom(8000))
    result = try_publish(fake_registry, big)
    assert result.returncode != 0
    assert "413" in result.stderr
    assert "max upload size is: 2000" in result.stderr
    # past the room the metadata gets (1 MiB), the message still names the limit set (a
    # raw request: cargo may still be sending such a body when the 413 closes the door)
    claimed = request_bytes(
        "PUT",
        "/api/v1/crates/new",
        {"Authorization": fake_registry.token, "Content-Length": str(3 * 1024 * 1024)},
    )
    answer = raw_request(fake_registry, claimed)
    assert assert_cargo_error(answer, 413) == "max upload size is: 2000"
    assert fake_registry.versions("big") == []


@pytest.mark.fake_registry(strict=True)
def test_strict_mode_requires_description_and_license(
    fake_registry: FakeRegistry, package: MakePackage
) -> None:
    bare = package("bare")
    manifest = (bare / "Cargo.toml").read_text()
    manifest = manifest.replace('description = "The bare test crate"\nlicense = "MIT"\n', "")
    (bare / "Cargo.toml").write_text(manifest)
    result = try_publish(fake_registry, bare)
    assert result.returncode != 0
    assert "missing or empty metadata fields: description, license" in result.stderr
    publish(fake_registry, package("complete"))


def test_publish_with_wrong_token_is_refused(
    fake_registry: FakeRegistry, package: MakePackage
) -> None:
    wrong = {"CARGO_REGISTRIES_FAKEREG_TOKEN": "not-a-real-token"}
    result = try_publish(fake_registry, package("foo"), env=wrong)
    assert result.returncode != 0
    assert "status 403 Forbidden" in result.stderr
    assert "authentication failed" in result.stderr
    assert fake_registry.versions("foo") == []
