"""Helpers shared by the tests: Cargo packages on disk and raw HTTP calls."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pytest

from fakereg import FakeRegistry

#: The content type crates.io's JSON routes require (as cargo sends it).
JSON = {"Content-Type": "application/json"}


def require(found: bool, message: str) -> None:
    """Skip without a tool the test drives, except in CI (``CI`` set), where ``.ci/run``
    installs it and its absence is a failure."""
    if not found:
        if os.environ.get("CI"):
            pytest.fail(f"CI: {message}")
        pytest.skip(message)


def write_package(
    directory: Path,
    name: str,
    version: str = "0.1.0",
    *,
    dependencies: str = "",
    manifest_extra: str = "",
    lib_rs: str = "pub fn hello() -> u32 { 42 }\n",
    main_rs: str | None = None,
) -> Path:
    """Write a Cargo package (``[dependencies]`` lines given as TOML text) and return it."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Cargo.toml").write_text(
        f'[package]\nname = "{name}"\nversion = "{version}"\nedition = "2021"\n'
        f'description = "The {name} test crate"\nlicense = "MIT"\n'
        f"{manifest_extra}\n[dependencies]\n{dependencies}\n"
    )
    src = directory / "src"
    src.mkdir(exist_ok=True)
    if main_rs is not None:
        (src / "main.rs").write_text(main_rs)
    else:
        (src / "lib.rs").write_text(lib_rs)
    return directory


def try_publish(
    reg: FakeRegistry, package: Path, *, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``cargo publish --no-verify``, whatever its outcome."""
    return reg.cargo("publish", "--registry", reg.name, "--no-verify", cwd=package, env=env)


def publish(reg: FakeRegistry, package: Path) -> subprocess.CompletedProcess[str]:
    """``cargo publish --no-verify`` that must succeed."""
    return reg.cargo("publish", "--registry", reg.name, "--no-verify", cwd=package, check=True)


GREETING_MAIN = 'fn main() { println!("answer={}", greeting::hello()); }\n'


def greeting_app(package: MakePackage, registry: str, req: str = "0.1") -> Path:
    """A binary package depending on ``greeting`` from *registry*; it prints answer=42."""
    return package(
        "app",
        dependencies=f'greeting = {{ version = "{req}", registry = "{registry}" }}',
        main_rs=GREETING_MAIN,
    )


class MakePackage(Protocol):
    def __call__(
        self,
        name: str,
        version: str = "0.1.0",
        *,
        dependencies: str = "",
        manifest_extra: str = "",
        main_rs: str | None = None,
    ) -> Path: ...


@dataclass
class HttpAnswer:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def http(
    reg: FakeRegistry,
    method: str,
    path: str,
    *,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    token: str | None = None,
) -> HttpAnswer:
    """One request to the registry over loopback; HTTP errors are answers, not exceptions."""
    request = urllib.request.Request(
        reg.url + path, data=body, method=method, headers=dict(headers or {})
    )
    if token is not None:
        request.add_header("Authorization", token)
    context = reg.ssl_context() if reg.tls else None
    try:
        with urllib.request.urlopen(request, timeout=30, context=context) as response:
            return HttpAnswer(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        return HttpAnswer(error.code, dict(error.headers), error.read())


def root_state(reg: FakeRegistry) -> dict[str, bytes]:
    """Every file under the root but the access bookkeeping (tokens are added by setup)."""
    skip = {"users.json", ".fakereg.lock"}
    return {
        str(p.relative_to(reg.root)): p.read_bytes()
        for p in sorted(reg.root.rglob("*"))
        if p.is_file() and p.name not in skip and "cargo-home" not in p.parts
    }


def assert_cargo_error(answer: HttpAnswer, status: int | tuple[int, ...]) -> str:
    """The answer has *status* and Cargo's error shape; return its detail."""
    wanted = (status,) if isinstance(status, int) else status
    assert answer.status in wanted, (answer.status, answer.body[:300])
    assert answer.headers.get("Content-Type", "").startswith("application/json"), answer.headers
    (error,) = answer.json()["errors"]
    detail = error["detail"]
    assert isinstance(detail, str), answer.body
    assert detail, answer.body
    return detail


def raw_request(reg: FakeRegistry, data: bytes, *, timeout: float = 10.0) -> HttpAnswer:
    """Send *data* as it is (no client-side checks or normalisation) and read the answer."""
    with socket.create_connection(("127.0.0.1", reg.port), timeout=timeout) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)  # whatever the request promised, nothing more comes
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in header_lines if ": " in line)
    return HttpAnswer(int(status_line.split()[1]), headers, body)


def request_bytes(
    method: str, target: str, headers: Mapping[str, str] | None = None, body: bytes = b""
) -> bytes:
    """An HTTP/1.1 request for *target* exactly as given."""
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{key}: {value}" for key, value in (headers or {}).items()]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class Curl:
    """curl against one registry, with a cookie jar (the signed-in browser)."""

    def __init__(self, reg: FakeRegistry, jar: Path) -> None:
        require(shutil.which("curl") is not None, "curl is not installed")
        self.reg, self.jar = reg, jar

    def __call__(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        token: str | None = None,
        cookie: bool = True,
        extra: tuple[str, ...] = (),
    ) -> tuple[int, Any, str]:
        """The status, the JSON body (None for none) and the headers of one request."""
        command = ["curl", "-sS", "-X", method, "-D", "-", "-o", "-", *extra]
        if cookie:
            command += ["-b", str(self.jar)]
        if token is not None:
            command += ["-H", f"Authorization: {token}"]
        if body is not None:
            command += ["-H", "Content-Type: application/json", "--data", json.dumps(body)]
        out = subprocess.run(
            [*command, self.reg.url + path], capture_output=True, text=True, check=True
        ).stdout
        head, _, text = out.partition("\n\n")  # (text mode: CRLF read as LF)
        status = int(head.split()[1])
        return status, json.loads(text) if text.strip() else None, head

    def sign_in(self, token: str) -> None:
        """What a browser does in the page's sign-in form."""
        subprocess.run(
            [
                *("curl", "-sS", "-c", str(self.jar), "--data-urlencode", f"token={token}"),
                *("-d", "next=/me", f"{self.reg.url}/session"),
            ],
            capture_output=True,
            check=True,
        )
