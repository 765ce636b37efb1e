"""Every exception of every thread reaches one sink (``reg.errors``); index listeners cannot
fail a committed request; the control API answers 500 for its own bugs only; the error
classes all live in ``fakereg.errors`` and are exported."""

from __future__ import annotations

import json
from http.client import HTTPConnection, HTTPException

import pytest

import fakereg
from fakereg import FakeRegistry, InvalidError, NotFoundError, ServerError
from fakereg import errors as errors_module
from fakereg.storage.downloads import DownloadCounter
from fakereg.testing.state import StateView
from fakereg.traffic.errorsink import ErrorSink
from fakereg.traffic.log import RequestLog
from fakereg.traffic.records import RawRequest
from fakereg.transport import wsgi
from fakereg.transport.http1 import Http1
from tests.crates import crate, metadata, publish_body
from tests.helpers import assert_cargo_error, http


def _boom(*_: object) -> None:
    raise RuntimeError("boom")


def _cut_off(reg: FakeRegistry, path: str) -> None:
    """A GET the server drops (its bug ends the connection): no answer."""
    conn = HTTPConnection("127.0.0.1", reg.port, timeout=10)
    try:
        conn.request("GET", path)
        with pytest.raises((HTTPException, OSError)):
            conn.getresponse().read()
    finally:
        conn.close()


def test_a_bug_in_the_poller_reaches_reg_errors(
    fake_registry: FakeRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    reg = fake_registry
    monkeypatch.setattr(Http1, "receive", _boom)
    _cut_off(reg, "/index/config.json")
    monkeypatch.undo()
    assert [str(e) for e in reg.errors] == ["boom"]
    with pytest.raises(ServerError, match="RuntimeError: boom"):
        reg.check_errors()
    reg.clear_errors()


def test_a_bug_in_a_worker_reaches_reg_errors(
    fake_registry: FakeRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    reg = fake_registry
    monkeypatch.setattr(wsgi, "environ_of", _boom)
    broken = http(reg, "GET", "/api/v1/crates")  # not a fast route: a worker takes it
    monkeypatch.undo()
    assert "internal server error" in assert_cargo_error(broken, 500)
    assert [str(e) for e in reg.errors] == ["boom"]
    reg.clear_errors()
    assert http(reg, "GET", "/api/v1/crates").status == 200  # the server goes on


def test_a_failing_index_listener_cannot_fail_a_stored_publish(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The download counter listens before the index delays: it raises, they still run.
    monkeypatch.setattr(DownloadCounter, "on_change", _boom)
    with FakeRegistry() as reg:
        reg.delay_index_updates(polls=1)
        body = publish_body(metadata("kept", "1.0.0"), crate("kept", "1.0.0"))
        answer = http(reg, "PUT", "/api/v1/crates/new", body=body, token=reg.token)
        assert answer.status == 200, answer.body
        assert reg.versions("kept") == ["1.0.0"]
        assert [str(e) for e in reg.errors] == ["boom"]
        # The next listener ran: the index delay hides the version from the first poll.
        assert http(reg, "GET", "/index/ke/pt/kept").status == 404
        reg.clear_errors()


def test_a_bug_behind_a_control_route_is_a_500_kept_for_check_errors(
    fake_registry: FakeRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    reg = fake_registry

    def broken(self: StateView) -> list[dict[str, object]]:
        raise TypeError("a bug, not bad input")

    monkeypatch.setattr(StateView, "catalogue", broken)
    answer = http(
        reg, "GET", "/__fakereg/crates", headers={"Authorization": f"Bearer {reg.admin_token}"}
    )
    assert answer.status == 500
    assert "a bug, not bad input" in json.loads(answer.body)["errors"][0]["detail"]
    assert [type(e) for e in reg.errors] == [TypeError]
    with pytest.raises(ServerError, match="TypeError: a bug, not bad input"):
        reg.check_errors()
    reg.clear_errors()


def test_bad_input_to_the_python_api_keeps_its_exception_classes(
    fake_registry: FakeRegistry,
) -> None:
    reg = fake_registry
    with pytest.raises(ValueError, match="times must be at least 1") as refused:
        reg.fail("publish", times=0)
    assert isinstance(refused.value, InvalidError)
    with pytest.raises(TypeError, match="unknown fault options: colour") as wrong:
        reg.fail("publish", colour="red")  # type: ignore[call-arg]
    assert isinstance(wrong.value, InvalidError)
    with pytest.raises(KeyError, match="no crate 'ghost'") as missing:
        reg.owners("ghost")
    assert isinstance(missing.value, NotFoundError)
    assert str(missing.value) == "no crate 'ghost'"  # not quoted as KeyError would


def test_every_exception_class_lives_in_errors_and_is_exported() -> None:
    classes = {
        name: value
        for name, value in vars(errors_module).items()
        if isinstance(value, type) and issubclass(value, BaseException)
    }
    for name, cls in classes.items():
        assert cls.__module__ == "fakereg.errors"
        assert getattr(fakereg, name) is cls, name
        assert name in fakereg.__all__


def test_an_error_sink_keeps_what_it_is_told() -> None:
    sink = ErrorSink()
    sink.report(RuntimeError("one"), "here")
    assert [str(e) for e in sink.snapshot()] == ["one"]
    sink.clear()
    assert sink.snapshot() == []


def test_the_request_log_makes_raw_requests_records_in_order() -> None:
    log = RequestLog()

    def raw(path: str) -> RawRequest:
        return RawRequest(
            "GET", path, "", (("Authorization", "secret-token-1234"),), b"", 200, "index",
            b"", 0.0, None, None, None, 0.0,
        )  # fmt: skip

    log.append_raw(raw("/a"))
    assert [(seq, r.path) for seq, r in log.numbered()] == [(1, "/a")]
    log.append_raw(raw("/b"))
    log.clear()
    log.append_raw(raw("/c"))
    (record,) = log.snapshot()
    assert (record.path, record.headers["authorization"]) == ("/c", "secret-token-1234")
    assert "secret-token-1234" not in repr(record)
    assert log.numbered(2) == [(3, record)]
