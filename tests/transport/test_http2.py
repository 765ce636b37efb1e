"""HTTP/2 as index.crates.io serves it: by ALPN over TLS (cargo negotiates it and
multiplexes a resolve on one connection), in cleartext by prior knowledge or
``Upgrade: h2c`` (curl, httpx), off with ``http2=False``, and a graceful GOAWAY on stop."""

from __future__ import annotations

import hashlib
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import h2.config
import h2.connection
import h2.events
import httpx
import pytest

from fakereg import FakeRegistry
from tests.helpers import MakePackage

#: Crates of the graph resolved over HTTPS (each with one dependency of its own).
GRAPH = 40


@pytest.fixture(scope="module")
def plain() -> Iterator[FakeRegistry]:
    with FakeRegistry() as reg:
        reg.add_crate("serde", "1.0.0")
        noise = b"".join(hashlib.sha256(b"%d" % i).digest() for i in range(40_000))
        reg.add_crate("big", "1.0.0", files={"src/data.bin": noise})
        yield reg


def _curl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["curl", "-s", *args], capture_output=True, text=True, timeout=60)


def test_curl_prior_knowledge(plain: FakeRegistry) -> None:
    # (one URL a curl: Debian's curl 7.88 cannot reuse a prior-knowledge connection, with
    # nginx as with fakereg, "[16] Error in the HTTP2 framing layer"; httpx shows reuse)
    for path in ("/index/se/rd/serde", "/api/v1/crates/serde"):
        out = _curl(
            "--http2-prior-knowledge", "-w", "\n%{http_version} %{http_code}", plain.url + path
        )
        assert out.stdout.endswith("\n2 200"), out
        assert "serde" in out.stdout
    assert {r.http_version for r in plain.requests.filter(path="/api/v1/crates/serde")} == {
        "HTTP/2"
    }


def test_curl_upgrades_to_h2c(plain: FakeRegistry) -> None:
    out = _curl("--http2", "-i", f"{plain.url}/api/v1/crates/serde")
    assert out.stdout.startswith("HTTP/1.1 101 Switching Protocols"), out.stdout[:200]
    assert "\nHTTP/2 200" in out.stdout
    assert '"name": "serde"' in out.stdout


def test_a_download_larger_than_the_flow_control_window(plain: FakeRegistry) -> None:
    url = f"{plain.url}/dl/big/1.0.0/download"
    h1 = subprocess.run(["curl", "-s", "--http1.1", url], capture_output=True, timeout=60).stdout
    h2 = subprocess.run(
        ["curl", "-s", "--http2-prior-knowledge", url], capture_output=True, timeout=60
    ).stdout
    assert len(h2) > 65535
    assert hashlib.sha256(h2).hexdigest() == hashlib.sha256(h1).hexdigest()


def test_httpx_in_cleartext(plain: FakeRegistry) -> None:
    before = plain.connections.accepted
    with httpx.Client(http1=False, http2=True, base_url=plain.url) as client:
        answers = [client.get("/index/se/rd/serde") for _ in range(20)]
        published = client.put(
            "/api/v1/crates/new", content=b"\x00", headers={"Authorization": plain.token}
        )
    assert {a.http_version for a in answers} == {"HTTP/2"}
    assert {a.status_code for a in answers} == {200}
    assert published.status_code == 400
    assert "errors" in published.json()
    assert plain.connections.accepted - before == 1


def _graph(reg: FakeRegistry) -> str:
    for i in range(GRAPH):
        reg.add_crate(f"leaf{i}", "1.0.0")
        reg.add_crate(f"node{i}", "1.0.0", deps=[f"leaf{i}@^1"])
    return "\n".join(
        f'node{i} = {{ version = "1", registry = "{reg.name}" }}' for i in range(GRAPH)
    )


def test_cargo_negotiates_http2_over_tls_and_multiplexes(package: MakePackage) -> None:
    with FakeRegistry(tls=True) as reg:
        app = package("app", dependencies=_graph(reg))
        reg.cargo("generate-lockfile", cwd=app, check=True)
        reg.cargo("fetch", cwd=app, check=True)
        assert len(reg.requests) > 4 * GRAPH
        assert {r.http_version for r in reg.requests} == {"HTTP/2"}
        assert reg.connections.accepted <= 2  # (one a cargo command)
        reg.check_errors()


def test_http2_off(package: MakePackage) -> None:
    with FakeRegistry(tls=True, http2=False) as reg:
        reg.add_crate("serde", "1.0.0")
        dependency = f'serde = {{ version = "1", registry = "{reg.name}" }}'
        reg.cargo("generate-lockfile", cwd=package("app", dependencies=dependency), check=True)
        assert {r.http_version for r in reg.requests} == {"HTTP/1.1"}
        out = _curl(
            "--cacert",
            str(reg.ca_path),
            "--http2",
            "-o",
            "/dev/null",
            "-w",
            "%{http_version}",
            f"{reg.url}/index/config.json",
        )
        assert out.stdout == "1.1"
    with FakeRegistry(http2=False) as reg:
        refused = _curl("--http2-prior-knowledge", f"{reg.url}/index/config.json")
        assert refused.returncode != 0 or "505" in refused.stdout or refused.stdout == ""


def test_stop_sends_a_graceful_goaway() -> None:
    reg = FakeRegistry()
    reg.start()
    try:
        with socket.create_connection(("127.0.0.1", reg.port), timeout=10) as sock:
            conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
            conn.initiate_connection()
            sid = conn.get_next_available_stream_id()
            conn.send_headers(
                sid,
                [(":method", "GET"), (":path", "/index/config.json"), (":scheme", "http"),
                 (":authority", f"127.0.0.1:{reg.port}")],
                end_stream=True,
            )  # fmt: skip
            sock.sendall(conn.data_to_send())
            events: list[h2.events.Event] = []
            while not any(isinstance(e, h2.events.StreamEnded) for e in events):
                events += conn.receive_data(sock.recv(65536))
            reg.stop()
            terminated = []
            while data := sock.recv(65536):
                terminated += [
                    e
                    for e in conn.receive_data(data)
                    if isinstance(e, h2.events.ConnectionTerminated)
                ]
            (goaway,) = terminated
            assert goaway.error_code == 0
            assert goaway.last_stream_id == sid
    finally:
        reg.stop()


def test_old_cargo_over_https_with_http2_offered(package: MakePackage, tmp_path: Path) -> None:
    old = Path("/usr/bin/cargo")
    assert old.exists(), "Debian's cargo 1.65 is needed (apt-get install cargo)"
    with FakeRegistry(protocol="git", tls=True, cargo_bin=old) as reg:
        reg.add_crate("serde", "1.0.0")
        dependency = f'serde = {{ version = "1", registry = "{reg.name}" }}'
        app = package("app", dependencies=dependency)
        reg.cargo("generate-lockfile", cwd=app, check=True)
        reg.cargo("fetch", cwd=app, check=True)
        assert reg.downloads("serde") == 1
        reg.check_errors()
