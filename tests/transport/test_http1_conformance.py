"""HTTP/1.1 by RFC 9112: every request whose framing two parsers could read differently is
refused (400, or 501 for a transfer coding the server does not know) and its connection
closed; nothing hidden in a body is ever answered or recorded."""

from __future__ import annotations

import json
import re
import socket
import time
from collections.abc import Iterator

import pytest

from fakereg import FakeRegistry

pytestmark = pytest.mark.usefixtures("checked")


@pytest.fixture(scope="module")
def reg() -> Iterator[FakeRegistry]:
    with FakeRegistry(idle_timeout=5) as registry:
        registry.add_crate("serde", "1.0.0")
        yield registry


@pytest.fixture
def checked(reg: FakeRegistry) -> Iterator[None]:
    reg.clear()
    yield
    assert reg.errors == [], reg.errors  # a client's mistake is never an error of ours


def _exchange(reg: FakeRegistry, data: bytes, *, half_close: bool = True) -> bytes:
    """Send *data*, then read until the server closes (or 5 s pass)."""
    with socket.create_connection(("127.0.0.1", reg.port), timeout=5) as sock:
        sock.sendall(data)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except TimeoutError:
            pass
    return received


def _answer(sock: socket.socket) -> bytes:
    """Read one whole answer (its head and its Content-Length of body), however the
    server's writes were split into segments."""
    received = b""
    while True:
        head, found, body = received.partition(b"\r\n\r\n")
        if found:
            length = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head + b"\r\n")
            if length is None or len(body) >= int(length.group(1)):
                return received
        chunk = sock.recv(65536)
        if not chunk:
            return received
        received += chunk


def _statuses(received: bytes) -> list[int]:
    return [int(code) for code in re.findall(rb"HTTP/1\.1 (\d{3}) ", received)]


def _refused(reg: FakeRegistry, data: bytes, status: int) -> str:
    """The request is answered *status* in Cargo's shape, alone, and the connection closed
    without waiting for the client."""
    started = time.monotonic()
    received = _exchange(reg, data, half_close=False)
    assert time.monotonic() - started < 4, "the server waited instead of closing"
    assert _statuses(received) == [status], received[:300]
    head, _, body = received.partition(b"\r\n\r\n")
    assert b"Connection: close" in head
    assert b"application/json" in head
    (error,) = json.loads(body)["errors"]
    return str(error["detail"])


def test_a_body_on_a_get_is_read_as_its_body_never_as_a_request(reg: FakeRegistry) -> None:
    hidden = b"GET /index/no/pe/nope HTTP/1.1\r\nHost: [::1]\r\n\r\n"
    smuggle = b"GET /index/config.json HTTP/1.1\r\nHost: [::1]\r\nContent-Length: %d\r\n\r\n%s" % (
        len(hidden),
        hidden,
    )
    received = _exchange(reg, smuggle)
    assert _statuses(received) == [200]
    assert [r.path for r in reg.requests] == ["/index/config.json"]


@pytest.mark.parametrize(
    ("request_bytes", "status", "fragment"),
    [
        (
            b"POST /git/index/git-upload-pack HTTP/1.1\r\nHost: [::1]\r\nContent-Length: 5\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            400,
            "Content-Length and Transfer-Encoding",
        ),
        (
            b"PUT /api/v1/crates/new HTTP/1.1\r\nHost: [::1]\r\nContent-Length: 5\r\n"
            b"Content-Length: 6\r\n\r\nhello!",
            400,
            "Content-Length",
        ),
        (
            b"PUT /api/v1/crates/new HTTP/1.1\r\nHost: [::1]\r\nContent-Length : 5\r\n\r\nhello",
            400,
            "",
        ),
        (
            b"PUT /api/v1/crates/new HTTP/1.1\r\nHost: [::1]\r\nTransfer-Encoding: gzip\r\n\r\n",
            501,
            "chunked",
        ),
        (
            b"PUT /api/v1/crates/new HTTP/1.1\r\nHost: [::1]\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"0x5\r\nhello\r\n0\r\n\r\n",
            400,
            "chunk",
        ),
        (
            b"PUT /api/v1/crates/new HTTP/1.1\r\nHost: [::1]\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"5\nhello\n0\n\n",
            400,
            "chunk",
        ),
        (b"GET /index/config.json HTTP/1.1\r\n\r\n", 400, "Host"),
        (b"GET /index/config.json HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "Host"),
        (
            "PUT /api/v1/crates/new HTTP/1.1\r\nHost: [::1]"
            "\r\nContent-Length: \u00b2\r\n\r\n".encode(),
            400,
            "",
        ),
        (
            b"GET /index/config.json HTTP/1.1\r\nHost: [::1]\nX-Hidden: y\r\n\r\n",
            400,
            "bare CR or LF",
        ),
        (
            b"GET /index/config.json HTTP/1.1\r\nHost: [::1]\r\nX: a\rb\r\n\r\n",
            400,
            "bare CR or LF",
        ),
        (b"GET /index/config.json HTTP/1.1\r\nHost: [::1]\r\n Folded: y\r\n\r\n", 400, ""),
    ],
    ids=[
        "CL with TE",
        "two lengths",
        "space before colon",
        "unknown coding",
        "0x chunk size",
        "bare LF chunk lines",
        "no Host",
        "two Hosts",
        "superscript digit length",
        "bare LF in the head",
        "bare CR in a value",
        "obsolete line folding",
    ],
)
def test_ambiguous_requests_are_refused_and_close(
    reg: FakeRegistry, request_bytes: bytes, status: int, fragment: str
) -> None:
    assert fragment in _refused(reg, request_bytes, status)
    assert reg.requests == []  # never reached the registry


def test_expect_100_continue_gets_one_interim_answer(reg: FakeRegistry) -> None:
    with socket.create_connection(("127.0.0.1", reg.port), timeout=5) as sock:
        sock.sendall(
            b"PUT /api/v1/crates/new HTTP/1.1\r\nHost: [::1]\r\nContent-Length: 4\r\n"
            b"Expect: 100-continue\r\n\r\n"
        )
        assert sock.recv(65536) == b"HTTP/1.1 100 \r\n\r\n"
        sock.sendall(b"junk")
        received = _answer(sock)
    assert _statuses(received)[0] in (400, 401, 403)
    assert b"100 Continue" not in received


def test_an_expected_body_over_the_limit_is_refused_unread(reg: FakeRegistry) -> None:
    too_big = reg.settings.max_upload_size + 2 * 1024 * 1024
    with socket.create_connection(("127.0.0.1", reg.port), timeout=5) as sock:
        sock.sendall(
            b"PUT /api/v1/crates/new HTTP/1.1\r\nHost: [::1]\r\nAuthorization: %s\r\n"
            b"Content-Length: %d\r\nExpect: 100-continue\r\n\r\n" % (reg.token.encode(), too_big)
        )
        received = _answer(sock)
    assert _statuses(received) == [413]
    assert b"max upload size is: %d" % reg.settings.max_upload_size in received
    assert b"Connection: close" in received


def test_pipelined_requests_each_take_the_strict_path(reg: FakeRegistry) -> None:
    good = b"GET /index/config.json HTTP/1.1\r\nHost: [::1]\r\n\r\n"
    bad = b"GET /index/se/rd/serde HTTP/1.1\r\nHost: [::1]\nX: y\r\n\r\n"
    received = _exchange(reg, good + good + bad + good)
    assert _statuses(received) == [200, 200, 400]  # the last one is never read
