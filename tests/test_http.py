"""The registry's HTTP surface, request by request, over loopback."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from pathlib import Path

import pytest

from fakereg import AddressInUseError, FakeRegistry, RegistryFactory, ServerError
from tests.crates import crate, metadata, publish_body
from tests.helpers import JSON, HttpAnswer, http


def _publish(reg: FakeRegistry, name: str, version: str, token: str | None = None) -> HttpAnswer:
    body = publish_body(metadata(name, version), crate(name, version))
    return http(reg, "PUT", "/api/v1/crates/new", body=body, token=token or reg.token)


def _assert_error(answer: HttpAnswer, status: int, fragment: str) -> None:
    assert answer.status == status
    assert answer.headers["Content-Type"] == "application/json"
    (error,) = answer.json()["errors"]
    assert fragment in error["detail"]


def test_config_json_names_download_and_api(fake_registry: FakeRegistry) -> None:
    answer = http(fake_registry, "GET", "/index/config.json")
    assert answer.status == 200
    assert answer.json() == {
        "dl": f"{fake_registry.url}/dl",
        "api": fake_registry.url,
    }


def test_index_file_lines_newlines_and_lowercase_lookup(fake_registry: FakeRegistry) -> None:
    assert _publish(fake_registry, "My_Crate", "0.1.0").status == 200
    assert _publish(fake_registry, "My_Crate", "0.2.0").status == 200
    answer = http(fake_registry, "GET", "/index/my/_c/my_crate")
    assert answer.status == 200
    assert answer.headers["Content-Type"].startswith("text/plain")
    assert answer.body.endswith(b"\n")
    lines = answer.body.decode().splitlines()
    assert [json.loads(line)["vers"] for line in lines] == ["0.1.0", "0.2.0"]
    assert json.loads(lines[0])["name"] == "My_Crate"
    assert [json.loads(line) for line in lines] == fake_registry.index_entries("my_crate")


@pytest.mark.parametrize(
    "path",
    [
        "/index/3/f/foo",
        "/index/fo/o_/foo_bar",
        "/index/3/x/foo",
        "/index/../meta/users.json",
        "/index/%2e%2e/meta/users.json",
        "/index/3/f/..%2f..%2fmeta",
        "/index/3/f/f..o",
    ],
)
def test_missing_or_malformed_index_paths_are_404(fake_registry: FakeRegistry, path: str) -> None:
    assert _publish(fake_registry, "foo", "0.1.0").status == 200
    answer = http(fake_registry, "GET", path)
    if path == "/index/3/f/foo":
        assert answer.status == 200
    else:
        _assert_error(answer, 404, "")


def test_etag_and_last_modified_give_304(fake_registry: FakeRegistry) -> None:
    _publish(fake_registry, "foo", "0.1.0")
    first = http(fake_registry, "GET", "/index/3/f/foo")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    same = http(fake_registry, "GET", "/index/3/f/foo", headers={"If-None-Match": etag})
    assert (same.status, same.body) == (304, b"")
    assert same.headers["ETag"] == etag
    since = http(fake_registry, "GET", "/index/3/f/foo", headers={"If-Modified-Since": modified})
    assert since.status == 304
    # A change within the same second is still seen by both validators.
    _publish(fake_registry, "foo", "0.2.0")
    changed = http(fake_registry, "GET", "/index/3/f/foo", headers={"If-None-Match": etag})
    assert changed.status == 200
    assert changed.headers["ETag"] != etag
    after = http(fake_registry, "GET", "/index/3/f/foo", headers={"If-Modified-Since": modified})
    assert after.status == 200
    assert b"0.2.0" in after.body
    # If-None-Match wins over If-Modified-Since when both are sent.
    both = http(
        fake_registry,
        "GET",
        "/index/3/f/foo",
        headers={"If-None-Match": etag, "If-Modified-Since": after.headers["Last-Modified"]},
    )
    assert both.status == 200


def test_download_serves_the_bytes_the_index_checksums(fake_registry: FakeRegistry) -> None:
    _publish(fake_registry, "foo", "0.1.0")
    for path in ("/dl/foo/0.1.0/download", "/dl/foo/foo-0.1.0.crate"):
        answer = http(fake_registry, "GET", path)
        assert answer.status == 200
        assert answer.body == crate("foo", "0.1.0")
        assert answer.headers["Content-Type"] == "application/gzip"
    for path in ("/dl/foo/9.9.9/download", "/dl/foo/foo-9.9.9.crate"):
        _assert_error(http(fake_registry, "GET", path), 404, "does not have a version `9.9.9`")
    for path in ("/dl/nope/0.1.0/download", "/dl/nope/nope-0.1.0.crate"):
        _assert_error(http(fake_registry, "GET", path), 404, "crate `nope` does not exist")
    # A static host: a file it does not have is a 404, whatever the path names.
    _assert_error(http(fake_registry, "GET", "/dl/foo/1.x/download"), 404, "version `1.x`")
    _assert_error(http(fake_registry, "GET", "/dl/foo/bar-0.1.0.crate"), 404, "`foo-<version>")
    _assert_error(http(fake_registry, "GET", "/dl/foo/foo-.crate"), 404, "no file `foo-.crate`")
    _assert_error(http(fake_registry, "GET", "/dl/foo/..%2f..%2fx/download"), 404, "")
    assert fake_registry.downloads("foo", "0.1.0") == 2


def test_mutations_need_a_valid_token(fake_registry: FakeRegistry) -> None:
    _publish(fake_registry, "foo", "0.1.0")
    body = publish_body(metadata("bar", "0.1.0"), crate("bar", "0.1.0"))
    attempts = [
        ("PUT", "/api/v1/crates/new", body),
        ("DELETE", "/api/v1/crates/foo/0.1.0/yank", None),
        ("PUT", "/api/v1/crates/foo/0.1.0/unyank", None),
        ("PUT", "/api/v1/crates/foo/owners", b'{"users":["x"]}'),
        ("DELETE", "/api/v1/crates/foo/owners", b'{"users":["x"]}'),
    ]
    for method, path, data in attempts:
        missing = http(fake_registry, method, path, body=data, headers=JSON)
        _assert_error(missing, 403, "this action requires authentication")
        wrong = http(fake_registry, method, path, body=data, headers=JSON, token="fakereg_wrong")
        _assert_error(wrong, 403, "authentication failed")
    assert fake_registry.versions("bar") == []
    assert fake_registry.index_entries("foo")[0]["yanked"] is False


def test_refused_publishes_change_nothing(fake_registry: FakeRegistry) -> None:
    _publish(fake_registry, "foo", "0.1.0")
    before = sorted(p.relative_to(fake_registry.root) for p in fake_registry.root.rglob("*"))
    bad_bodies = [
        b"garbage",
        publish_body(metadata("foo", "0.2.0"), b"not a crate"),
        publish_body(metadata("foo", "0.2.0"), crate("foo", "0.3.0")),
        publish_body(metadata("foo", "0.1.0"), crate("foo", "0.1.0")),
        publish_body(metadata("std", "1.0.0"), crate("std", "1.0.0")),
    ]
    for body in bad_bodies:
        answer = http(
            fake_registry, "PUT", "/api/v1/crates/new", body=body, token=fake_registry.token
        )
        _assert_error(answer, 400, "")
    after = sorted(p.relative_to(fake_registry.root) for p in fake_registry.root.rglob("*"))
    assert after == before
    assert fake_registry.versions("foo") == ["0.1.0"]


def test_search_paging_and_validation(fake_registry: FakeRegistry) -> None:
    for i in range(5):
        _publish(fake_registry, f"pkg{i}", "1.0.0")
    page = http(fake_registry, "GET", "/api/v1/crates?q=pkg&per_page=2&page=2").json()
    assert page["meta"]["total"] == 5
    assert [c["name"] for c in page["crates"]] == ["pkg2", "pkg3"]
    assert page["crates"][0]["max_version"] == "1.0.0"
    everything = http(fake_registry, "GET", "/api/v1/crates").json()
    assert everything["meta"]["total"] == 5
    exact = http(fake_registry, "GET", "/api/v1/crates?q=PKG3").json()
    assert [c["name"] for c in exact["crates"]] == ["pkg3"]
    _assert_error(http(fake_registry, "GET", "/api/v1/crates?per_page=101"), 400, "more than 100")
    _assert_error(http(fake_registry, "GET", "/api/v1/crates?per_page=x"), 400, "per_page")
    _assert_error(http(fake_registry, "GET", "/api/v1/crates?page=0"), 400, "page")


def test_max_version_ignores_yanked_and_prereleases_count(fake_registry: FakeRegistry) -> None:
    for version in ("1.0.0", "1.1.0", "2.0.0-rc.1"):
        _publish(fake_registry, "foo", version)
    http(fake_registry, "DELETE", "/api/v1/crates/foo/1.1.0/yank", token=fake_registry.token)
    (hit,) = http(fake_registry, "GET", "/api/v1/crates?q=foo").json()["crates"]
    assert hit["max_version"] == "2.0.0-rc.1"
    assert hit["max_stable_version"] == "1.0.0"


def test_owner_api_errors(fake_registry: FakeRegistry) -> None:
    _publish(fake_registry, "foo", "0.1.0")
    _assert_error(http(fake_registry, "GET", "/api/v1/crates/nope/owners"), 404, "does not exist")
    # as crates.io's Json extractor: the shape (422), the syntax (400) and the content
    # type (415) come before the token and the crate
    cases = [(b"{}", 422), (b"[]", 422), (b'{"users": [1]}', 422), (b"{bad", 400),
             (b'{"users": []}', 400)]  # fmt: skip
    for body, status in cases:
        for token in (fake_registry.token, None):
            answer = http(fake_registry, "PUT", "/api/v1/crates/nope/owners", body=body,
                          headers=JSON, token=token)  # fmt: skip
            _assert_error(answer, status, "")
    untyped = http(fake_registry, "PUT", "/api/v1/crates/foo/owners", body=b'{"users":["x"]}')
    _assert_error(untyped, 415, "Expected request with `Content-Type: application/json`")
    bob = fake_registry.add_user("bob")
    added = http(
        fake_registry,
        "PUT",
        "/api/v1/crates/foo/owners",
        body=b'{"owners":["bob"]}',
        headers=JSON,
        token=fake_registry.token,
    )
    assert added.json() == {"ok": True, "msg": "user bob has been added as an owner of crate foo"}
    assert _publish(fake_registry, "foo", "0.2.0", token=bob).status == 200
    again = http(
        fake_registry,
        "PUT",
        "/api/v1/crates/foo/owners",
        body=b'{"users":["bob"]}',
        headers=JSON,
        token=fake_registry.token,
    )
    _assert_error(again, 400, "already an owner")


def test_unknown_routes_and_methods_answer_json(fake_registry: FakeRegistry) -> None:
    _assert_error(http(fake_registry, "GET", "/nothing/here"), 404, "no route")
    wrong = http(fake_registry, "POST", "/api/v1/crates/new", body=b"x")
    _assert_error(wrong, 405, "not allowed")
    assert "PUT" in wrong.headers["Allow"]


def test_me_page_shows_token_escaped(fake_registry_factory: RegistryFactory) -> None:
    reg = fake_registry_factory(token="tok<script>")
    page = http(reg, "GET", "/me")
    assert page.headers["Content-Type"].startswith("text/html")
    assert "tok&lt;script&gt;" in page.body.decode()
    assert "<script>" not in page.body.decode()


def test_state_persists_across_registries_on_one_root(tmp_path: Path) -> None:
    with FakeRegistry(root=tmp_path / "state") as first:
        _publish(first, "foo", "0.1.0")
        old_token = first.token
    with FakeRegistry(root=tmp_path / "state") as second:
        assert second.versions("foo") == ["0.1.0"]
        assert second.owners("foo") == [second.login]
        # The default user's token is the one of the last start: pasted credentials
        # stay valid.
        assert second.token == old_token
        assert _publish(second, "foo", "0.2.0", token=old_token).status == 200
    assert (tmp_path / "state" / "index" / "3" / "f" / "foo").exists()


def test_temporary_root_is_removed_and_stop_is_prompt() -> None:
    reg = FakeRegistry().start()
    root = reg.root
    started = time.perf_counter()
    reg.stop()
    assert time.perf_counter() - started < 0.2
    assert not root.exists()
    reg.stop()  # idempotent
    with pytest.raises(RuntimeError, match="not running"):
        _ = reg.url


def test_busy_port_is_a_clear_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(AddressInUseError, match=f"cannot listen on 127.0.0.1:{port}"):
            FakeRegistry(port=port).start()


def test_server_errors_are_answered_500_and_kept(
    fake_registry: FakeRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fakereg.storage.store import CrateStore

    def broken(self: CrateStore) -> list[str]:
        raise RuntimeError("boom")

    monkeypatch.setattr(CrateStore, "crate_keys", broken)
    _assert_error(http(fake_registry, "GET", "/api/v1/crates"), 500, "internal error")
    assert [str(e) for e in fake_registry.errors] == ["boom"]
    with pytest.raises(ServerError, match="RuntimeError: boom"):
        fake_registry.check_errors()
    fake_registry.clear_errors()  # this test provoked the error on purpose


def test_invalid_constructor_arguments() -> None:
    with pytest.raises(ValueError, match="registry name"):
        FakeRegistry(name="bad name")
    with pytest.raises(ValueError, match="registry name"):
        FakeRegistry(name="crates-io")
    with pytest.raises(ValueError, match="unsupported protocol"):
        FakeRegistry(protocol="ftp")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="invalid port"):
        FakeRegistry(port=70000)
    with pytest.raises(ValueError, match="idle_timeout"):
        FakeRegistry(idle_timeout=0)
    with pytest.raises(ValueError, match="max_unpacked_size"):
        FakeRegistry(max_unpacked_size=0)


def test_requests_are_recorded_with_redacted_repr(fake_registry: FakeRegistry) -> None:
    _publish(fake_registry, "foo", "0.1.0")
    (record,) = fake_registry.requests
    assert record.kind == "publish"
    assert record.status == 200
    assert record.headers["authorization"] == fake_registry.token
    assert record.body.startswith(b"\x00") or len(record.body) > 8
    assert fake_registry.token not in repr(record)
    assert fake_registry.token not in repr(fake_registry)


def test_search_finds_a_crate_published_without_optional_fields(
    fake_registry: FakeRegistry,
) -> None:
    # Only name, vers, deps and features are required: a minimal client omits the rest.
    meta = metadata("minimal", "1.0.0")
    for key in ("keywords", "categories", "authors", "description", "license"):
        meta.pop(key, None)
    body = publish_body(meta, crate("minimal", "1.0.0"))
    answer = http(fake_registry, "PUT", "/api/v1/crates/new", body=body, token=fake_registry.token)
    assert answer.status == 200, answer.body
    found = http(fake_registry, "GET", "/api/v1/crates?q=minimal")
    assert found.status == 200, found.body  # was a 500: keywords stored as null
    assert [c["name"] for c in found.json()["crates"]] == ["minimal"]
    fake_registry.check_errors()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/crates/foo/xyz/download"),
        ("DELETE", "/api/v1/crates/foo/1.x/yank"),
        ("PUT", "/api/v1/crates/foo/1.0/unyank"),
        ("GET", "/api/v1/crates/foo/1.x/downloads"),
    ],
)
def test_a_version_that_is_not_semver_is_a_400_before_the_token(
    fake_registry: FakeRegistry, method: str, path: str
) -> None:
    """As crates.io's ``CrateVersionPath``: the path's version is checked first (curl sends
    no token)."""
    _publish(fake_registry, "foo", "0.1.0")
    found = subprocess.run(
        ["curl", "-s", "-X", method, "-w", "\n%{http_code}", fake_registry.url + path],
        capture_output=True,
        text=True,
        check=True,
    )
    body, status = found.stdout.rsplit("\n", 1)
    assert status == "400"
    assert json.loads(body)["errors"][0]["detail"].startswith("invalid semver version")
