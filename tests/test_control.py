"""The control API (``/__fakereg/…``) over HTTP: every route, its refusals, real cargo."""

from __future__ import annotations

import base64
import json
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from fakereg import FakeRegistry, FaultSpec, RegistryFactory
from tests.crates import crate, metadata, publish_body
from tests.helpers import MakePackage, http, publish, root_state, try_publish
from tests.test_git_index import git


def control(
    reg: FakeRegistry,
    method: str,
    route: str,
    body: Any = None,
    *,
    token: str | None = "admin",  # noqa: S107 - a placeholder for reg.admin_token
    raw: bytes | None = None,
) -> tuple[int, Any]:
    """One control request; *token* "admin" sends the admin token as a bearer."""
    headers = {}
    if token == "admin":
        headers["Authorization"] = f"Bearer {reg.admin_token}"
    elif token is not None:
        headers["Authorization"] = token
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    if data is not None and raw is None:
        headers["Content-Type"] = "application/json"
    answer = http(reg, method, f"/__fakereg{route}", body=data, headers=headers)
    return answer.status, json.loads(answer.body) if answer.body else None


def _detail(answer: Any) -> str:
    return str(answer["errors"][0]["detail"])


def test_only_the_admin_token_opens_it(fake_registry: FakeRegistry) -> None:
    reg = fake_registry
    status, answer = control(reg, "GET", "/health", token=None)
    assert status == 401
    assert "Bearer <admin token>" in _detail(answer)
    for wrong in (reg.token, f"Bearer {reg.token}", "Bearer nope", reg.admin_token):
        assert control(reg, "GET", "/health", token=wrong)[0] == (
            200 if wrong == reg.admin_token else 403
        )
    status, answer = control(reg, "GET", "/health")
    assert status == 200
    assert answer["status"] == "ok"
    assert answer["url"] == reg.url
    # No registry route takes the admin token.
    body = publish_body(metadata("sneaky", "1.0.0"), crate("sneaky", "1.0.0"))
    refused = http(reg, "PUT", "/api/v1/crates/new", body=body, token=reg.admin_token)
    assert refused.status in (401, 403)
    assert reg.versions("sneaky") == []
    assert control(reg, "GET", "/nope")[0] == 404
    assert control(reg, "DELETE", "/health")[0] == 405
    assert reg.admin_url == f"{reg.url}/__fakereg"
    assert [r for r in reg.requests if "__fakereg" in r.path] == []  # control is not traffic


def test_seeding_a_dependency_the_registry_lacks(
    fake_registry_factory: RegistryFactory,
) -> None:
    """The control API seeds it without a warning (no Python caller to warn, and never an
    error in the server, whatever the test's warning filters); strict=True refuses it with
    crates.io's words, and nothing is added."""
    reg = fake_registry_factory()
    orphan = {"name": "app", "version": "1.0.0", "deps": ["absent@1"]}
    assert control(reg, "POST", "/crates", orphan)[0] == 200
    assert reg.versions("app") == ["1.0.0"]
    assert reg.errors == []
    strict = fake_registry_factory(strict=True)
    orphan |= {"description": "d", "license": "MIT"}
    status, answer = control(strict, "POST", "/crates", [orphan])
    assert status == 400
    assert _detail(answer) == "app@1.0.0: no known crate named `absent`"
    assert strict.versions("app") == []


def test_seeding_crates_single_batch_and_uploaded(fake_registry: FakeRegistry) -> None:
    reg = fake_registry
    status, answer = control(reg, "POST", "/crates", {"name": "alpha", "version": "1.0.0"})
    assert status == 200
    assert answer["name"] == "alpha"
    assert answer["cksum"] == reg.index_entries("alpha")[0]["cksum"]
    assert reg.versions("alpha") == ["1.0.0"]
    batch = [
        {"name": "beta", "version": "1.0.0", "deps": ["alpha@1"], "description": "B"},
        {"name": "beta", "version": "1.1.0", "yanked": True, "features": {"x": []}},
    ]
    status, answer = control(reg, "POST", "/crates", batch)
    assert status == 200
    assert [v["version"] for v in answer] == ["1.0.0", "1.1.0"]
    assert reg.index_entries("beta")[1]["yanked"] is True
    assert reg.index_entries("beta")[0]["deps"][0]["name"] == "alpha"
    # All or nothing: one bad item, nothing added.
    bad = [{"name": "gamma", "version": "1.0.0"}, {"name": "gamma", "version": "not-semver"}]
    status, answer = control(reg, "POST", "/crates", bad)
    assert status == 400
    assert reg.versions("gamma") == []
    status, answer = control(reg, "POST", "/crates", {"name": "x", "version": "1.0.0", "nope": 1})
    assert status == 400
    assert "nope" in _detail(answer)
    assert control(reg, "POST", "/crates", raw=b"{not json")[0] == 400
    status, answer = control(reg, "PUT", "/crates", raw=crate("delta", "0.3.0"))
    assert status == 200
    cksum = reg.index_entries("delta")[0]["cksum"]
    assert answer == {"name": "delta", "version": "0.3.0", "cksum": cksum, "added": True}
    assert control(reg, "PUT", "/crates", raw=crate("delta", "0.3.0")) == (200, {"added": False})
    status, answer = control(reg, "PUT", "/crates", raw=b"not a crate")
    assert status == 400
    status, listed = control(reg, "GET", "/crates")
    names = {c["name"]: c for c in listed["crates"]}
    assert set(names) == {"alpha", "beta", "delta"}
    assert [v["num"] for v in names["beta"]["versions"]] == ["1.0.0", "1.1.0"]
    assert names["beta"]["owners"] == [reg.login]


def test_users_and_tokens_work_with_cargo(
    fake_registry: FakeRegistry, package: MakePackage
) -> None:
    reg = fake_registry
    status, user = control(reg, "POST", "/users", {"login": "alice", "name": "Alice"})
    assert status == 200
    assert user["token"].startswith("fakereg_")
    publish(reg, package("owned"))
    assert reg.cargo("owner", "--add", "alice", "--registry", reg.name, "owned").returncode == 0
    assert reg.owners("owned") == [reg.login, "alice"]
    status, limited = control(
        reg,
        "POST",
        "/tokens",
        {"login": "alice", "scopes": ["yank"], "expires": "2099-01-01T00:00:00Z"},
    )
    assert status == 200
    env = {f"CARGO_REGISTRIES_{reg.name.upper()}_TOKEN": limited["token"]}
    refused = try_publish(reg, package("owned", "0.2.0"), env=env)
    assert refused.returncode != 0
    assert "does not have the required permissions" in refused.stderr
    assert control(reg, "DELETE", "/tokens", {"token": user["token"]}) == (200, {"revoked": True})
    assert control(reg, "DELETE", "/tokens", {"token": user["token"]})[0] == 404
    bad_users: list[Any] = [{"login": 3}, {"name": "no login"}, {"login": "a", "read": "y"}, []]
    for bad in bad_users:
        assert control(reg, "POST", "/users", bad)[0] == 400
    assert control(reg, "POST", "/tokens", {"login": "nobody"})[0] == 404
    assert control(reg, "POST", "/tokens", {"login": "alice", "expires": "soon"})[0] == 400


def test_faults_from_json_match_the_python_api(
    fake_registry: FakeRegistry, package: MakePackage
) -> None:
    reg = fake_registry
    with pytest.raises(ValueError, match="times") as raised:
        reg.fail("publish", times=0)
    status, answer = control(reg, "POST", "/faults", {"kind": "publish", "times": 0})
    assert status == 400
    assert _detail(answer) == str(raised.value)
    assert control(reg, "POST", "/faults", {"kind": "publish", "colour": "red"})[0] == 400
    assert control(reg, "POST", "/faults", ["publish"])[0] == 400
    status, fault = control(
        reg, "POST", "/faults", {"kind": "publish", "status": 503, "errors": "try later"}
    )
    assert status == 200
    assert fault["id"] >= 1
    result = try_publish(reg, package("late"))
    assert result.returncode != 0
    assert "try later" in result.stderr
    status, listed = control(reg, "GET", "/faults")
    assert listed["faults"][0]["hits"] >= 1
    assert control(reg, "DELETE", f"/faults/{fault['id']}") == (200, {"removed": fault["id"]})
    assert control(reg, "DELETE", f"/faults/{fault['id']}")[0] == 404
    publish(reg, package("late"))
    body = base64.b64encode(b"\x00binary").decode()
    status, _ = control(reg, "POST", "/faults", {"kind": "index", "body_base64": body})
    assert status == 200
    assert http(reg, "GET", "/index/la/te/late").body == b"\x00binary"
    assert FaultSpec.from_json({"kind": "index"}).describe()  # the same spec in Python


def test_index_delay(fake_registry: FakeRegistry) -> None:
    reg = fake_registry
    assert control(reg, "POST", "/index-delay", {"polls": 2})[0] == 200
    body = publish_body(metadata("slow", "1.0.0"), crate("slow", "1.0.0"))
    assert http(reg, "PUT", "/api/v1/crates/new", body=body, token=reg.token).status == 200
    statuses = [http(reg, "GET", "/index/sl/ow/slow").status for _ in range(3)]
    assert statuses == [404, 404, 200]
    assert control(reg, "POST", "/index-delay", {})[0] == 200
    assert control(reg, "POST", "/index-delay", {"seconds": "1"})[0] == 400
    assert control(reg, "POST", "/index-delay", {"minutes": 1})[0] == 400


def test_the_journal_polls_without_repeats_and_redacts_tokens(fake_registry: FakeRegistry) -> None:
    reg = fake_registry
    body = publish_body(metadata("seen", "1.0.0"), crate("seen", "1.0.0"))
    http(reg, "PUT", "/api/v1/crates/new", body=body, token=reg.token)
    http(reg, "GET", "/index/se/en/seen")
    status, journal = control(reg, "GET", "/requests")
    assert status == 200
    first, second = journal["requests"]
    assert (first["seq"], second["seq"]) == (1, 2)
    assert first["kind"] == "publish"
    assert first["crate"] == "seen"
    # a publish body is binary: base64 only; an index file is text: text only
    assert first["body"] is None
    assert base64.b64decode(first["body_base64"]) == body
    assert second["response_body_base64"] is None
    assert json.loads(second["response_body"])["name"] == "seen"
    assert reg.token not in json.dumps(journal)
    assert first["headers"]["Authorization"].startswith("fakereg_…"[:8])
    _, secret = control(reg, "GET", "/requests?secrets=1&kind=publish")
    assert secret["requests"][0]["headers"]["Authorization"] == reg.token
    http(reg, "GET", "/index/config.json")
    _, newer = control(reg, "GET", f"/requests?since={journal['last_seq']}")
    assert [r["seq"] for r in newer["requests"]] == [3]
    _, filtered = control(reg, "GET", "/requests?kind=index&status=200&crate=SEEN")
    assert [r["seq"] for r in filtered["requests"]] == [2]
    assert control(reg, "GET", "/requests?since=x")[0] == 400
    assert control(reg, "GET", "/requests?kind=nope")[0] == 400
    _, publishes = control(reg, "GET", "/publishes")
    assert publishes["publishes"][0]["name"] == "seen"
    assert publishes["publishes"][0]["accepted"] is True
    # seq numbers go on after a reset
    assert control(reg, "POST", "/reset")[0] == 200
    http(reg, "GET", "/index/config.json")
    _, after = control(reg, "GET", "/requests")
    assert [r["seq"] for r in after["requests"]] == [4]


def test_wait_answers_when_requests_arrive_or_408(fake_registry: FakeRegistry) -> None:
    reg = fake_registry

    def later() -> None:
        time.sleep(0.3)
        http(reg, "GET", "/index/config.json")

    thread = threading.Thread(target=later)
    thread.start()
    status, answer = control(reg, "POST", "/wait", {"kind": "config", "timeout": 10})
    thread.join()
    assert status == 200
    assert answer["requests"][0]["kind"] == "config"
    status, answer = control(reg, "POST", "/wait", {"kind": "publish", "timeout": 0.2})
    assert status == 408
    with pytest.raises(AssertionError) as failed:
        reg.assert_requested("publish")
    assert _detail(answer) == str(failed.value)
    for bad in ({"count": 0}, {"timeout": "x"}, {"timeout": 10_000}, {"colour": 1}):
        assert control(reg, "POST", "/wait", bad)[0] == 400


def test_reset_forgets_traffic_faults_delays_and_crates(
    fake_registry: FakeRegistry, tmp_path: Path
) -> None:
    reg = fake_registry
    control(reg, "POST", "/crates", [{"name": "gone", "version": "1.0.0"}])
    reg.fail("download", status=500)
    reg.delay_index_updates(polls=5)
    http(reg, "GET", "/index/go/ne/gone")
    assert control(reg, "POST", "/reset") == (200, {"reset": True, "crates_removed": []})
    assert reg.requests == []
    assert control(reg, "GET", "/faults")[1] == {"faults": []}
    assert reg.versions("gone") == ["1.0.0"]
    assert control(reg, "POST", "/reset", {"crates": "yes"})[0] == 400
    status, answer = control(reg, "POST", "/reset", {"crates": True})
    assert (status, answer["crates_removed"]) == (200, ["gone"])
    assert reg.versions("gone") == []
    assert http(reg, "GET", "/index/go/ne/gone").status == 404
    assert http(reg, "GET", "/api/v1/crates?q=gone").json()["meta"]["total"] == 0
    assert control(reg, "GET", "/crates")[1] == {"crates": []}
    # The name is free again, in every view.
    control(reg, "POST", "/crates", {"name": "gone", "version": "2.0.0"})
    assert reg.versions("gone") == ["2.0.0"]
    git("clone", "-q", reg.git_index_url, tmp_path / "clone")
    assert (tmp_path / "clone" / "go" / "ne" / "gone").read_bytes().count(b"\n") == 1


def _wait_for_file(path: Path, process: Any, seconds: float = 20) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert process.poll() is None, process.stderr.read()
        assert time.monotonic() < deadline, "no ready file"
        time.sleep(0.05)
    document: dict[str, Any] = json.loads(path.read_text())
    return document


def _control_url(document: dict[str, Any], route: str) -> Any:
    request = urllib.request.Request(
        document["admin_url"] + route,
        headers={"Authorization": f"Bearer {document['admin_token']}"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


KEYS = {
    "url",
    "name",
    "sparse_index_url",
    "git_index_url",
    "token",
    "login",
    "admin_url",
    "admin_token",
    "pid",
    "cargo_home",
    "config_toml",
    "credentials_toml",
}


def test_cli_ready_file_json_and_a_lasting_admin_token(tmp_path: Path) -> None:
    ready, root = tmp_path / "ready.json", tmp_path / "root"
    documents = []
    for round_ in range(2):
        command = [sys.executable, "-m", "fakereg", "--port", "0", "--root", str(root)]
        command += ["--ready-file", str(ready), "--quiet"]
        if round_:
            command.append("--json")
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        try:
            document = _wait_for_file(ready, process)
            assert set(document) >= KEYS
            assert document["pid"] == process.pid
            assert (ready.stat().st_mode & 0o777) == 0o600
            assert document["admin_url"] == document["url"] + "/__fakereg"
            assert _control_url(document, "/health")["status"] == "ok"
            assert document["sparse_index_url"] in document["config_toml"]
            assert document["token"] in document["credentials_toml"]
            if round_:
                assert process.stdout is not None
                assert json.loads(process.stdout.readline()) == document
            documents.append(document)
        finally:
            process.send_signal(signal.SIGTERM)
            process.communicate(timeout=20)
        assert process.returncode == 0
        assert not ready.exists()  # removed with the registry it described
    first, second = documents
    assert first["admin_token"] == second["admin_token"]
    assert first["token"] == second["token"]
    assert first["admin_token"] != first["token"]


BAD_CALLS: list[tuple[str, str, Any]] = [
    ("POST", "/crates", b"{"),
    ("POST", "/crates", {"name": "n", "version": "1.0.0", "colour": "red"}),
    ("POST", "/crates", {"name": 1, "version": "1.0.0"}),
    ("POST", "/crates", [{"name": "ok", "version": "1.0.0"}, {"name": "ok", "version": "x"}]),
    ("POST", "/crates", {"name": "n", "version": "1.0.0", "yanked": "no"}),
    ("PUT", "/crates", b"\x1f\x8bnot gzip"),
    ("POST", "/users", {"login": "bob", "read": 1}),
    ("POST", "/users", {"login": "bad login!"}),
    ("POST", "/tokens", {"login": "fakereg-user", "scopes": "publish"}),
    ("POST", "/tokens", {"login": "fakereg-user", "scopes": ["fly"]}),
    ("DELETE", "/tokens", {"tok": "x"}),
    ("POST", "/faults", {"kind": "teleport"}),
    ("POST", "/faults", {"kind": "publish", "status": "503"}),
    ("POST", "/faults", {"kind": "publish", "body_base64": "***"}),
    ("DELETE", "/faults/99", None),
    ("POST", "/index-delay", {"polls": -1}),
    ("POST", "/reset", {"everything": True}),
    ("GET", "/requests?status=abc", None),
    ("POST", "/wait", {"kind": "publish", "count": "1"}),
]


@pytest.mark.parametrize("token", ["admin", None, "Bearer wrong"])
def test_refusals_are_4xx_in_cargos_shape_and_change_nothing(
    fake_registry: FakeRegistry, token: str | None
) -> None:
    reg = fake_registry
    control(reg, "POST", "/crates", {"name": "kept", "version": "1.0.0"})
    before = root_state(reg)
    for method, route, body in BAD_CALLS:
        raw = body if isinstance(body, bytes) else None
        status, answer = control(reg, method, route, None if raw else body, token=token, raw=raw)
        assert 400 <= status < 500, (method, route, status, answer)
        assert _detail(answer), (method, route)
    assert root_state(reg) == before
    assert reg.versions("kept") == ["1.0.0"]
    assert control(reg, "GET", "/faults")[1] == {"faults": []}
    assert reg.errors == []


def test_stop_ends_a_long_wait_and_leaves_no_thread() -> None:
    reg = FakeRegistry()
    reg.start()
    answers: list[tuple[int, Any]] = []

    def wait() -> None:
        answers.append(control(reg, "POST", "/wait", {"kind": "publish", "timeout": 120}))

    waiter = threading.Thread(target=wait)
    waiter.start()
    time.sleep(0.3)  # the wait reaches the server before stop
    port = reg.port
    started = time.monotonic()
    reg.stop()
    waiter.join(10)
    assert time.monotonic() - started < 5
    assert answers
    assert answers[0][0] == 503
    names = (f"fakereg-server-{port}", f"fakereg-worker-{port}")
    assert not [t for t in threading.enumerate() if t.name in names]


def test_wait_since_waits_for_the_next_request_not_an_old_one(fake_registry: FakeRegistry) -> None:
    """``since`` (a journal ``seq``) in the control API, through curl, and in Python."""
    reg = fake_registry
    http(reg, "GET", "/index/config.json")  # an old request of the kind waited for
    old = reg.requests.last.seq
    assert old == 1

    def later() -> None:
        time.sleep(0.3)
        http(reg, "GET", "/index/config.json")

    thread = threading.Thread(target=later)
    thread.start()
    curl = [
        "curl", "-sS", "-X", "POST", f"{reg.admin_url}/wait",
        "-H", f"Authorization: Bearer {reg.admin_token}",
        "-d", json.dumps({"kind": "config", "since": old, "timeout": 10}),
    ]  # fmt: skip
    answer = json.loads(subprocess.run(curl, capture_output=True, text=True, check=True).stdout)
    thread.join()
    assert [r["seq"] for r in answer["requests"]] == [2]
    status, answer = control(reg, "POST", "/wait", {"kind": "config", "since": 2, "timeout": 0.2})
    assert status == 408
    assert "found 0" in _detail(answer)
    for bad in ({"since": -1}, {"since": "2"}, {"since": 1.5}):
        assert control(reg, "POST", "/wait", {"kind": "config", **bad})[0] == 400
    # the same in Python: each record carries its seq
    thread = threading.Thread(target=later)
    thread.start()
    found = reg.wait_for("config", since=reg.requests.last.seq, timeout=10)
    thread.join()
    assert found.seq == reg.requests.last.seq
    assert found.seq > 2
    with pytest.raises(TimeoutError, match="found 0"):
        reg.wait_for("config", since=found.seq, timeout=0.2)


def test_fault_headers_and_crate_specs_are_checked_before_anything_is_kept(
    fake_registry: FakeRegistry,
) -> None:
    """A header that would break the answer, or inject one, is refused: 400 over the
    control API, ValueError in Python; a dependency's odd registry is a 400, not a 500."""
    reg = fake_registry
    bad_headers: list[dict[str, str]] = [
        {"X-A": "b\r\nInjected: 1"},
        {"X\nB": "c"},
        {"X-C": "€"},
        {"Content-Length": "5"},
        {"Transfer-Encoding": "chunked"},
        {"X-D": "a\x00b"},
    ]
    for headers in bad_headers:
        with pytest.raises(ValueError, match="header"):
            reg.fail("index", status=503, headers=headers)
        status, answer = control(
            reg, "POST", "/faults", {"kind": "index", "status": 503, "headers": headers}
        )
        assert status == 400, headers
        assert "header" in _detail(answer)
    assert control(reg, "GET", "/faults")[1]["faults"] == []
    spec = {"name": "a", "version": "1.0.0", "deps": [{"name": "b", "req": "1", "registry": 5}]}
    status, answer = control(reg, "POST", "/crates", spec)
    assert status == 400
    assert "registry must be" in _detail(answer)
    # a header of the right shape goes out as given (curl sees it)
    reg.fail("config", status=429, headers={"Retry-After": "1"})
    head = subprocess.run(
        ["curl", "-sS", "-D", "-", "-o", "/dev/null", f"{reg.url}/index/config.json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Retry-After: 1\n" in head  # (text mode: CRLF read as LF)
    reg.check_errors()
