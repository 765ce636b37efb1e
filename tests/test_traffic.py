"""Recorded traffic and fault bookkeeping, below cargo's level."""

from __future__ import annotations

import threading
import time

import pytest

from fakereg import FakeRegistry
from fakereg.testing.faults import FaultSpec
from tests.crates import crate, metadata, publish_body
from tests.helpers import http


def _publish(reg: FakeRegistry, name: str, version: str, data: bytes | None = None) -> int:
    body = publish_body(metadata(name, version), data or crate(name, version))
    return http(reg, "PUT", "/api/v1/crates/new", body=body, token=reg.token).status


def test_records_know_kind_crate_and_version(fake_registry: FakeRegistry) -> None:
    _publish(fake_registry, "foo", "0.1.0")
    http(fake_registry, "GET", "/index/3/f/foo")
    http(fake_registry, "GET", "/dl/foo/0.1.0/download")
    http(fake_registry, "GET", "/api/v1/crates/foo/0.1.0/download")  # urllib follows the 302
    http(fake_registry, "GET", "/api/v1/crates?q=foo")
    records = fake_registry.requests
    assert [(r.kind, r.crate, r.version) for r in records] == [
        ("publish", "foo", "0.1.0"),
        ("index", "foo", None),
        ("download", "foo", "0.1.0"),
        ("download_redirect", "foo", "0.1.0"),
        ("download", "foo", "0.1.0"),  # /dl/foo/foo-0.1.0.crate: the version from the file
        ("search", None, None),
    ]
    assert records.filter("download").last.path == "/dl/foo/foo-0.1.0.crate"
    assert records.filter("download").last.response_body == crate("foo", "0.1.0")
    assert records.filter(crate="FOO").first.kind == "publish"
    assert records.filter(method="get", status=200).last.kind == "search"
    assert records.filter("yank") == []
    with pytest.raises(LookupError):
        _ = records.filter("yank").last
    with pytest.raises(ValueError, match="unknown kind"):
        records.filter("nonsense")


def test_records_are_immutable_and_redact_tokens(fake_registry: FakeRegistry) -> None:
    _publish(fake_registry, "foo", "0.1.0")
    record = fake_registry.requests.last
    with pytest.raises(AttributeError):
        record.status = 500  # type: ignore[misc]
    assert record.token == fake_registry.token
    assert fake_registry.token not in repr(record)
    assert "fakereg_…" in repr(record)


def test_assert_requested_explains_what_came_closest(fake_registry: FakeRegistry) -> None:
    _publish(fake_registry, "foo", "0.1.0")
    http(fake_registry, "GET", "/dl/foo/0.1.0/download")
    assert len(fake_registry.assert_requested("download", crate="foo", count=1)) == 1
    with pytest.raises(AssertionError) as info:
        fake_registry.assert_requested("download", crate="foo", version="9.9.9")
    message = str(info.value)
    assert "matching kind='download', crate='foo', version='9.9.9', found 0" in message
    closest = message.splitlines()[2]
    assert "GET /dl/foo/0.1.0/download -> 200" in closest
    with pytest.raises(AssertionError, match="expected exactly 2 request"):
        fake_registry.assert_requested("download", count=2)


def test_clear_forgets_traffic(fake_registry: FakeRegistry) -> None:
    _publish(fake_registry, "foo", "0.1.0")
    fake_registry.clear()
    assert fake_registry.requests == []
    assert fake_registry.publishes == []
    with pytest.raises(AssertionError, match="no request at all"):
        fake_registry.assert_requested()
    assert fake_registry.versions("foo") == ["0.1.0"]


def test_wait_for_a_request_from_the_background(fake_registry: FakeRegistry) -> None:
    def later() -> None:
        time.sleep(0.2)
        _publish(fake_registry, "foo", "0.1.0")

    thread = threading.Thread(target=later)
    thread.start()
    record = fake_registry.wait_for("publish", crate="foo", timeout=10)
    thread.join()
    assert record.status == 200
    with pytest.raises(TimeoutError, match=r"after 0\.1 s: expected at least 1"):
        fake_registry.wait_for("yank", timeout=0.1)


def test_publishes_record_accepted_and_refused(fake_registry: FakeRegistry) -> None:
    assert _publish(fake_registry, "foo", "0.1.0") == 200
    assert _publish(fake_registry, "foo", "0.1.0") == 400
    assert _publish(fake_registry, "bar", "0.1.0", b"not a crate") == 400
    accepted, duplicate, broken = fake_registry.publishes
    assert (accepted.accepted, accepted.name, accepted.version) == (True, "foo", "0.1.0")
    assert accepted.login == fake_registry.login
    assert sorted(accepted.files) == ["Cargo.toml", "src/lib.rs"]
    assert accepted.manifest is not None
    assert accepted.manifest["package"]["name"] == "foo"
    assert accepted.crate == crate("foo", "0.1.0")
    assert accepted.metadata is not None
    assert accepted.metadata["license"] == "MIT"
    assert (duplicate.status, duplicate.error) == (400, "crate version `0.1.0` is already uploaded")
    assert broken.name == "bar"
    assert broken.files == ()
    assert broken.error is not None
    assert "not a gzip archive" in broken.error


def test_fault_times_after_hits_and_removal(fake_registry: FakeRegistry) -> None:
    fault = fake_registry.fail("search", status=503, times=2, after=1)
    statuses = [http(fake_registry, "GET", "/api/v1/crates").status for _ in range(5)]
    assert statuses == [200, 503, 503, 200, 200]
    assert (fault.hits, fault.seen, fault.active) == (2, 3, False)
    with fake_registry.fail("search", errors="busy") as again:
        answer = http(fake_registry, "GET", "/api/v1/crates")
        assert (answer.status, answer.json()) == (200, {"errors": [{"detail": "busy"}]})
    assert not again.active
    assert http(fake_registry, "GET", "/api/v1/crates").json()["meta"]["total"] == 0
    assert fake_registry.requests.filter(status=503).last.fault == "status=503"


def test_faults_filter_on_crate_version_and_method(fake_registry: FakeRegistry) -> None:
    _publish(fake_registry, "foo", "0.1.0")
    _publish(fake_registry, "bar", "0.1.0")
    fake_registry.fail("download", crate="Foo", version="0.1.0", status=500)
    fake_registry.fail("publish", crate="baz", status=418)
    fake_registry.fail("owners", method="PUT", status=409)
    assert http(fake_registry, "GET", "/api/v1/crates/foo/0.1.0/download").status == 500
    assert http(fake_registry, "GET", "/api/v1/crates/bar/0.1.0/download").status == 200
    assert _publish(fake_registry, "baz", "0.1.0") == 418
    assert _publish(fake_registry, "qux", "0.1.0") == 200
    assert http(fake_registry, "GET", "/api/v1/crates/foo/owners").status == 200
    put = http(fake_registry, "PUT", "/api/v1/crates/foo/owners", body=b"{}", token="x")
    assert put.status == 409
    fake_registry.remove_faults()
    assert http(fake_registry, "GET", "/api/v1/crates/foo/0.1.0/download").status == 200


def test_non_utf8_body_and_git_faults(fake_registry: FakeRegistry) -> None:
    fake_registry.fail("me", status=502, body=b"\xff\xfe\xfa")
    answer = http(fake_registry, "GET", "/me")
    assert (answer.status, answer.body) == (502, b"\xff\xfe\xfa")
    fake_registry.fail("git", status=500, times=1)
    assert http(fake_registry, "GET", "/git/index/info/refs").status == 500
    assert http(fake_registry, "GET", "/git/index/info/refs").status == 200


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "nope"}, "unknown kind"),
        ({"kind": "index", "times": 0}, "times must be at least 1"),
        ({"kind": "index", "delay": -1}, "cannot be negative"),
        ({"kind": "index", "status": 99}, "invalid HTTP status"),
        ({"kind": "index", "errors": ("a",), "body": b"b"}, "not both"),
        ({"kind": "index", "drop": True, "reset": True}, "pick one"),
        ({"kind": "index", "drop": True, "status": 500}, "sends no answer"),
        ({"kind": "index", "corrupt": True}, "kind='download'"),
        ({"kind": "download", "invalid_line": True}, "kind='index'"),
    ],
)
def test_fault_validation(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        FaultSpec.build(**kwargs)  # type: ignore[arg-type]


def test_malicious_needs_a_crate(fake_registry: FakeRegistry) -> None:
    with pytest.raises(ValueError, match="needs crate="):
        fake_registry.fail("download", malicious=True)


def test_retry_sleep_and_publish_timeout_reach_cargos_environment() -> None:
    reg = FakeRegistry(retry_sleep_ms=5, publish_timeout=2)
    with reg:
        assert reg.env["__CARGO_TEST_FIXED_RETRY_SLEEP_MS"] == "5"
        assert reg.env["CARGO_PUBLISH_TIMEOUT"] == "2"
    with FakeRegistry(retry_sleep_ms=None) as plain:
        assert "__CARGO_TEST_FIXED_RETRY_SLEEP_MS" not in plain.env
        assert "CARGO_PUBLISH_TIMEOUT" not in plain.env
