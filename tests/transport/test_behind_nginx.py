"""The smuggling pair behind a real reverse proxy: Debian's nginx with upstream keep-alive,
the setting in which, before the transport of issue 26, one client could hide a request in
a GET's body and have its answer delivered to another client sharing nginx's upstream
connection. nginx comes from ``apt-get install nginx-light`` (``.ci/run`` installs it)."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator

import pytest

from benchmarks.servers import Nginx, nginx_binary
from fakereg import FakeRegistry
from tests.helpers import require

HIDDEN = b"GET /index/no/su/nosuch HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FakeRegistry, Nginx]]:
    require(nginx_binary() is not None, "nginx is missing (apt-get install nginx-light)")
    with FakeRegistry() as reg:
        reg.add_crate("foo", "1.0.0")
        with Nginx(None, tmp_path_factory.mktemp("nginx"), upstream=reg.port) as nginx:
            yield reg, nginx


def _ask(port: int, request: bytes) -> bytes:
    """One request on a connection of its own; the whole answer (nginx closes when asked)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return received


def _status(answer: bytes) -> int:
    found = re.match(rb"HTTP/1\.1 (\d{3}) ", answer)
    assert found, answer[:200]
    return int(found.group(1))


@pytest.mark.parametrize(
    "line_end",
    [b"\r\n", b"\n"],
    ids=["content-length", "content-length-after-a-bare-lf"],
)
def test_a_request_hidden_in_a_body_reaches_no_one(
    proxied: tuple[FakeRegistry, Nginx], line_end: bytes
) -> None:
    """The body of a GET carries a second request. nginx reads it as a body (its
    ``Content-Length`` after a bare LF too) and forwards it on a kept-alive upstream
    connection; fakereg must read the same body, or the hidden request's answer goes to
    the next client on that connection."""
    reg, nginx = proxied
    reg.clear()
    host = b"Host: 127.0.0.1:%d\r\nConnection: close\r\n" % nginx.port
    smuggler = b"GET /index/config.json HTTP/1.1\r\n%sX-Pad: 1%sContent-Length: %d\r\n\r\n%s" % (
        host,
        line_end,
        len(HIDDEN),
        HIDDEN,
    )
    victim = b"GET /index/3/f/foo HTTP/1.1\r\n%s\r\n" % host
    answers = []
    for _ in range(3):  # nginx reuses its upstream connection for each pair
        answers.append(_ask(nginx.port, smuggler))
        answers.append(_ask(nginx.port, victim))
    for smuggled, answered in zip(answers[::2], answers[1::2], strict=True):
        assert _status(smuggled) == 200
        assert b'"dl"' in smuggled
        assert _status(answered) == 200, answered
        assert b'"name":"foo"' in answered  # the victim's own answer, not the hidden 404
    paths = [request.path for request in reg.requests]
    assert paths == ["/index/config.json", "/index/3/f/foo"] * 3  # nothing hidden recorded
    assert reg.requests[0].body == HIDDEN  # the body stayed a body
    # The pairs travelled on nginx's kept-alive upstream connections, not one each.
    assert reg.connections.accepted < len(answers)
    assert reg.errors == []
