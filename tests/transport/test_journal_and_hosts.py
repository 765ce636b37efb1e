"""The journal stays bounded however long a registry runs (the oldest requests dropped and
counted, big bodies kept as size and sha256), records each request's HTTP version, and
a request naming a host that is not the registry's gets 421 (DNS rebinding)."""

from __future__ import annotations

import hashlib
import json
import logging
import subprocess
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from fakereg import FakeRegistry
from tests.helpers import MakePackage, assert_cargo_error, http, publish


def _curl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["curl", "-s", *args], capture_output=True, text=True, timeout=60)


def _journal(reg: FakeRegistry, query: str = "") -> dict[str, Any]:
    """The control API's journal, read with curl."""
    admin = f"Authorization: Bearer {reg.admin_token}"
    answer = _curl("-H", admin, f"{reg.url}/__fakereg/requests{query}")
    return dict(json.loads(answer.stdout))


def test_the_journal_keeps_the_newest_and_counts_the_rest() -> None:
    with FakeRegistry(max_recorded=5) as reg:
        for i in range(12):
            assert http(reg, "GET", f"/index/config.json?n={i}").status == 200
        kept = reg.requests
        assert [r.params["n"] for r in kept] == ["7", "8", "9", "10", "11"]
        assert [r.seq for r in kept] == [8, 9, 10, 11, 12]
        assert kept.dropped == 7
        journal = _journal(reg, "?since=10")
        assert [r["seq"] for r in journal["requests"]] == [11, 12]
        assert journal["dropped"] == 7
        page = _curl("-H", "Accept: text/html", f"{reg.url}/traffic").stdout
        assert "7 older requests were dropped" in page


def test_big_bodies_are_kept_as_size_and_digest(package: MakePackage) -> None:
    with FakeRegistry(max_recorded_body=2048) as reg:
        crate = package("bulky", version="1.0.0")
        (crate / "src" / "data.txt").write_text("".join(f"{i:08x}\n" for i in range(3000)))
        publish(reg, crate)
        (record,) = reg.requests.filter("publish")
        assert record.body == b""
        assert record.body_omitted is not None
        assert record.body_size == record.body_omitted.size > 2048
        archive = reg.crate_file("bulky", "1.0.0")
        download = http(reg, "GET", "/api/v1/crates/bulky/1.0.0/download")
        assert download.body == archive
        (fetched,) = reg.requests.filter("download")
        assert fetched.response_body == b""
        assert fetched.response_body_size == len(archive)
        assert fetched.response_body_omitted is not None
        assert fetched.response_body_omitted.sha256 == hashlib.sha256(archive).hexdigest()
        journal = _journal(reg, "?kind=download")
        (entry,) = journal["requests"]
        assert entry["response_body_size"] == len(archive)
        assert entry["response_body_sha256"] == hashlib.sha256(archive).hexdigest()


def test_each_request_records_its_http_version() -> None:
    with FakeRegistry() as reg:
        _curl("--http1.0", f"{reg.url}/index/config.json")
        _curl("--http1.1", f"{reg.url}/index/config.json")
        _curl("--http2-prior-knowledge", f"{reg.url}/index/config.json")
        assert [r.http_version for r in reg.requests] == ["HTTP/1.0", "HTTP/1.1", "HTTP/2"]
        journal = _journal(reg)
        assert [r["http_version"] for r in journal["requests"]] == [
            "HTTP/1.0",
            "HTTP/1.1",
            "HTTP/2",
        ]


@pytest.mark.parametrize(
    "path", ["/me", "/traffic", "/api/v1/crates", "/index/se/rd/serde", "/", "/__fakereg/requests"]
)
def test_a_rebound_host_is_misdirected(path: str) -> None:
    with FakeRegistry() as reg:
        reg.add_crate("serde", "1.0.0")
        http(reg, "GET", "/index/se/rd/serde")  # (kept for replay: the fast path too)
        url = f"http://evil.example:{reg.port}{path}"
        rebound = _curl("--resolve", f"evil.example:{reg.port}:127.0.0.1", "-i", url)
        assert rebound.stdout.startswith("HTTP/1.1 421"), rebound.stdout[:200]
        assert reg.token not in rebound.stdout
        assert "evil.example" in rebound.stdout  # the detail names the host
        for host in (f"localhost:{reg.port}", "127.0.0.1", f"[::1]:{reg.port}", "LOCALHOST."):
            own = _curl(
                "-o", "/dev/null", "-w", "%{http_code}", "-H", f"Host: {host}", reg.url + path
            )
            assert own.stdout != "421", host


def test_a_publish_from_a_rebound_host_is_refused(package: MakePackage) -> None:
    with FakeRegistry() as reg:
        crate = package("rebound", version="1.0.0")
        reg.cargo("package", "--no-verify", cwd=crate, check=True)
        (archive,) = (crate / "target" / "package").glob("*.crate")
        request = urllib.request.Request(
            reg.url + "/api/v1/crates/new",
            data=b"\x00" * 8,
            method="PUT",
            headers={"Host": "attacker.test", "Authorization": reg.token},
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 421
        assert "attacker.test" in json.loads(refused.value.read())["errors"][0]["detail"]
        assert reg.versions("rebound") == []
        assert archive.exists()


def test_allowed_hosts_let_a_name_through() -> None:
    with FakeRegistry(allowed_hosts=("registry.test",)) as reg:
        answer = http(reg, "GET", "/api/v1/crates", headers={"Host": f"registry.test:{reg.port}"})
        assert answer.status == 200
        refused = http(reg, "GET", "/api/v1/crates", headers={"Host": "other.test"})
        assert "allowed_hosts" in assert_cargo_error(refused, 421)


def test_the_admin_token_never_reaches_the_access_log(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="fakereg.access")
    with FakeRegistry() as reg:
        admin = reg.admin_token
        _curl(f"{reg.url}/faults?admin={admin}")
        _curl("--http2-prior-knowledge", f"{reg.url}/faults?x=1&admin={admin}")
    lines = [r.getMessage() for r in caplog.records if r.name == "fakereg.access"]
    assert len(lines) == 2
    assert all(admin not in line and "admin=<redacted>" in line for line in lines)


def test_options_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="max_recorded"):
        FakeRegistry(max_recorded=0)
    with pytest.raises(ValueError, match="allowed_hosts"):
        FakeRegistry(allowed_hosts="one.test")  # type: ignore[arg-type]
