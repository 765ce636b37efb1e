"""HTTPS: real cargo and git against a registry with its own test CA, and clients that do
not trust that CA failing the handshake."""

from __future__ import annotations

import hashlib
import json
import os
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.client import HTTPException
from pathlib import Path

import pytest

from fakereg import FakeRegistry
from tests.helpers import MakePackage, http, publish, try_publish, write_package
from tests.reliability.storm import start_server
from tests.trusted.test_trusted_publishing import exchange, id_token


@pytest.fixture(params=["sparse", "git"])
def secure(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[FakeRegistry]:
    with FakeRegistry(tls=True, protocol=request.param, cargo_home=tmp_path / "home") as reg:
        yield reg
        reg.check_errors()


def test_cargo_publishes_resolves_and_downloads_over_https(
    secure: FakeRegistry, package: MakePackage
) -> None:
    reg = secure
    assert reg.url.startswith("https://127.0.0.1:")
    assert reg.index_url.startswith(("sparse+https://", "https://"))
    publish(reg, package("secure-lib", "0.1.0"))
    app = package(
        "app",
        dependencies=f'secure-lib = {{ version = "0.1", registry = "{reg.name}" }}',
        main_rs="fn main() {}\n",
    )
    reg.cargo("fetch", cwd=app, check=True)
    assert reg.downloads("secure-lib", "0.1.0") == 1
    assert f'cainfo = "{reg.cargo_home / "fakereg-ca.pem"}"' in (
        (reg.cargo_home / "config.toml").read_text()
    )
    assert {r.kind for r in reg.requests if r.status == 200} >= {"publish", "download"}


def test_git_clones_over_https_with_reg_env(secure: FakeRegistry, tmp_path: Path) -> None:
    reg = secure
    reg.add_crate("cloned", "1.0.0")
    target = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", f"{reg.url}/git/index", str(target)],
        env=reg.env,
        check=True,
        capture_output=True,
        timeout=60,
    )
    assert (target / "cl" / "on" / "cloned").is_file()


def test_clients_that_do_not_trust_the_ca_fail_the_handshake(
    secure: FakeRegistry, tmp_path: Path
) -> None:
    reg = secure
    with pytest.raises(urllib.error.URLError) as refused:
        urllib.request.urlopen(f"{reg.url}/index/config.json", timeout=10)
    assert isinstance(refused.value.reason, ssl.SSLCertVerificationError)
    clone = subprocess.run(
        ["git", "clone", "-q", f"{reg.url}/git/index", str(tmp_path / "c")],
        env={**reg.env, "GIT_SSL_CAINFO": "/dev/null", "GIT_TERMINAL_PROMPT": "0"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert clone.returncode != 0
    app = write_package(
        tmp_path / "app",
        "app",
        dependencies=f'x = {{ version = "1", registry = "{reg.name}" }}',
        main_rs="fn main() {}\n",
    )
    config = (reg.cargo_home / "config.toml").read_text()
    (reg.cargo_home / "config.toml").write_text(config.split("\n[http]")[0])
    untrusted = reg.cargo("generate-lockfile", cwd=app, env={"CARGO_NET_RETRY": "0"})
    assert untrusted.returncode != 0
    assert "certificate" in untrusted.stderr.lower() or "ssl" in untrusted.stderr.lower()
    assert reg.ssl_context().verify_mode == ssl.CERT_REQUIRED


def test_faults_the_control_api_and_trusted_publishing_work_over_https(
    tmp_path: Path,
) -> None:
    with FakeRegistry(tls=True, cargo_home=tmp_path / "home") as reg:
        health = urllib.request.Request(
            f"{reg.admin_url}/health", headers={"Authorization": f"Bearer {reg.admin_token}"}
        )
        with urllib.request.urlopen(health, context=reg.ssl_context()) as answer:
            assert json.load(answer)["url"] == reg.url
        folder = write_package(tmp_path / "tls-crate", "tls-crate", "0.1.0")
        reg.fail("publish", status=500, times=1)
        failed = try_publish(reg, folder)
        assert failed.returncode != 0
        assert "500" in failed.stderr
        publish(reg, folder)
        reg.add_trusted_publisher(
            "tls-crate", repository_owner="o", repository_name="r", workflow_filename="ci.yml"
        )
        env = reg.github_actions_env(repository="o/r", workflow="ci.yml")
        token = exchange(reg, id_token(reg, env)).json()["token"]
        second = write_package(tmp_path / "tls-crate-2", "tls-crate", "0.2.0")
        done = try_publish(reg, second, env={"CARGO_REGISTRIES_FAKEREG_TOKEN": token})
        assert done.returncode == 0, done.stderr
        assert http(reg, "GET", "/api/v1/crates/tls-crate").json()["crate"]["max_version"] == (
            "0.2.0"
        )
        reg.check_errors()


def test_a_plain_registry_has_no_ca(fake_registry: FakeRegistry) -> None:
    with pytest.raises(RuntimeError, match="plain HTTP"):
        fake_registry.ca_path  # noqa: B018
    # (the machine's own GIT_SSL_CAINFO, if any, is left as it was)
    assert fake_registry.env.get("GIT_SSL_CAINFO") == os.environ.get("GIT_SSL_CAINFO")


def test_the_cli_serves_https_and_says_where_its_ca_is(tmp_path: Path) -> None:
    ready = tmp_path / "ready.json"
    server = start_server(tmp_path / "root", "--tls", "--ready-file", str(ready))
    try:
        for _ in range(200):  # (written just after the banner)
            if ready.exists():
                break
            time.sleep(0.05)
        document = json.loads(ready.read_text())
        assert document["url"].startswith("https://")
        assert Path(document["ca_path"]).is_file()
        assert f'cainfo = "{document["ca_path"]}"' in document["config_toml"]
        context = ssl.create_default_context(cafile=document["ca_path"])
        with urllib.request.urlopen(f"{document['url']}/index/config.json", context=context) as r:
            assert json.load(r)["api"] == document["url"]
    finally:
        server.stop()


@pytest.fixture(scope="module")
def tls_registry() -> Iterator[FakeRegistry]:
    with FakeRegistry(tls=True) as reg:
        reg.add_crate("faulty", "1.0.0")
        yield reg


def _get(reg: FakeRegistry, path: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(reg.url + path)
    try:
        with urllib.request.urlopen(request, timeout=10, context=reg.ssl_context()) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), error.read()


@pytest.mark.parametrize(
    ("kind", "options", "outcome"),
    [
        ("index", {"status": 503}, "503"),
        ("index", {"drop": True}, "broken"),
        ("index", {"reset": True}, "broken"),
        ("index", {"truncate": True}, "broken"),
        ("index", {"invalid_line": True}, "invalid line"),
        ("index", {"delay": 0.2, "dribble": 0.05}, "200"),
        ("index", {"headers": {"X-Fault": "yes"}}, "header"),
        ("download", {"corrupt": True}, "corrupt"),
    ],
)
def test_every_fault_works_over_https(
    tls_registry: FakeRegistry, kind: str, options: dict[str, object], outcome: str
) -> None:
    reg = tls_registry
    reg.fail(kind, crate="faulty", times=1, **options)  # type: ignore[arg-type]
    path = "/index/fa/ul/faulty" if kind == "index" else "/dl/faulty/1.0.0/download"
    try:
        status, headers, body = _get(reg, path)
    except (OSError, HTTPException):
        assert outcome == "broken"
    else:
        assert outcome != "broken", (status, body[:100])
        if outcome == "503":
            assert status == 503
        elif outcome == "invalid line":
            assert b"not valid JSON" in body
        elif outcome == "header":
            assert headers["X-Fault"] == "yes"
        elif outcome == "corrupt":
            assert hashlib.sha256(body).hexdigest() != reg.index_entries("faulty")[0]["cksum"]
        else:
            assert status == 200
    assert reg.requests.last is not None
    assert reg.requests.last.fault is not None
    assert _get(reg, path)[0] == 200  # the fault fired once; the registry is fine
    reg.check_errors()
