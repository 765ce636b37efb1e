"""Persistent connections and the fast path: every request on a connection is answered
right, whatever the one before it did, and the fast path answers what the full path would.
"""

from __future__ import annotations

import http.client
import socket
import time
from collections.abc import Iterator

import pytest

from fakereg import FakeRegistry
from tests.crates import crate, metadata, publish_body


@pytest.fixture
def reg() -> Iterator[FakeRegistry]:
    with FakeRegistry(idle_timeout=5) as registry:
        registry.add_crate("serde", "1.0.0")
        yield registry
        registry.check_errors()


def _connection(reg: FakeRegistry) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", reg.port, timeout=10)


def _get(conn: http.client.HTTPConnection, path: str, **headers: str) -> tuple[int, bytes, bool]:
    conn.request("GET", path, headers=headers)
    answer = conn.getresponse()
    return answer.status, answer.read(), answer.will_close


def _read_answers(sock: socket.socket, count: int) -> list[bytes]:
    """*count* answers with Content-Length bodies, read off one socket."""
    data = b""
    answers: list[bytes] = []
    while len(answers) < count:
        head_end = data.find(b"\r\n\r\n")
        if head_end >= 0:
            head = data[:head_end].decode("latin-1")
            length = 0
            for line in head.split("\r\n")[1:]:
                name, _, value = line.partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            if len(data) >= head_end + 4 + length:
                answers.append(data[: head_end + 4 + length])
                data = data[head_end + 4 + length :]
                continue
        chunk = sock.recv(65536)
        assert chunk, f"connection closed after {len(answers)} answers"
        data += chunk
    return answers


def test_one_connection_serves_every_kind_of_request(reg: FakeRegistry) -> None:
    conn = _connection(reg)
    assert _get(conn, "/index/config.json")[0] == 200
    status, body, closes = _get(conn, "/index/se/rd/serde")
    assert (status, closes) == (200, False)
    assert b'"name":"serde"' in body
    assert _get(conn, "/api/v1/crates?q=serde")[0] == 200  # the full path, same connection
    assert _get(conn, "/index/no/pe/nope")[0] == 404
    body = publish_body(metadata("kept", "1.0.0"), crate("kept", "1.0.0"))
    conn.request("PUT", "/api/v1/crates/new", body=body, headers={"Authorization": reg.token})
    answer = conn.getresponse()
    assert (answer.status, answer.will_close) == (200, False)
    answer.read()
    assert _get(conn, "/dl/kept/1.0.0/download")[0] == 200
    assert _get(conn, "/index/ke/pt/kept")[0] == 200
    conn.close()
    assert reg.connections.accepted == 1
    assert [r.status for r in reg.requests] == [200, 200, 200, 404, 200, 200, 200]


def test_a_chunked_upload_then_the_next_request(reg: FakeRegistry) -> None:
    body = publish_body(metadata("chunky", "1.0.0"), crate("chunky", "1.0.0"))
    conn = _connection(reg)
    conn.request(
        "PUT",
        "/api/v1/crates/new",
        body=iter([body[:100], body[100:]]),
        headers={"Authorization": reg.token, "Transfer-Encoding": "chunked"},
        encode_chunked=True,
    )
    answer = conn.getresponse()
    assert answer.status == 200, answer.read()
    answer.read()
    assert _get(conn, "/index/ch/un/chunky")[0] == 200
    conn.close()
    assert reg.connections.accepted == 1


def test_an_unread_body_never_becomes_a_request(reg: FakeRegistry) -> None:
    """A refusal that reads no body: a short body is skipped, a long one ends the connection."""
    with socket.create_connection(("127.0.0.1", reg.port), timeout=10) as sock:
        junk = b"GET /index/se/rd/serde HTTP/1.1\r\nHost: [::1]\r\n\r\n"  # must not be answered
        sock.sendall(
            b"PUT /api/v1/crates/new HTTP/1.1\r\nHost: [::1]\r\nContent-Length: %d\r\n\r\n%s"
            % (len(junk), junk)
            + b"GET /index/config.json HTTP/1.1\r\nHost: [::1]\r\n\r\n"
        )
        first, second = _read_answers(sock, 2)
        assert first.startswith(b"HTTP/1.1 401") or first.startswith(b"HTTP/1.1 403")
        assert second.startswith(b"HTTP/1.1 200")
        assert b'"dl"' in second
    # A body that ends before its length is refused by the transport, never dispatched.
    big = 1024 * 1024
    with socket.create_connection(("127.0.0.1", reg.port), timeout=10) as sock:
        sock.sendall(
            b"PUT /api/v1/crates/new HTTP/1.1\r\nHost: [::1]\r\nContent-Length: %d\r\n\r\n" % big
            + b"x" * 1000
        )
        sock.shutdown(socket.SHUT_WR)
        (answer,) = _read_answers(sock, 1)
        assert answer.startswith(b"HTTP/1.1 400")
        assert b"Connection: close" in answer
        assert sock.recv(100) == b""
    paths = ["/api/v1/crates/new", "/index/config.json"]
    assert [r.path for r in reg.requests] == paths


def test_pipelined_requests_are_answered_in_order(reg: FakeRegistry) -> None:
    paths = ["/index/se/rd/serde", "/api/v1/crates", "/index/config.json", "/nope"]
    with socket.create_connection(("127.0.0.1", reg.port), timeout=10) as sock:
        sock.sendall(
            b"".join(b"GET %s HTTP/1.1\r\nHost: [::1]\r\n\r\n" % p.encode() for p in paths)
        )
        answers = _read_answers(sock, len(paths))
    assert [a.split(b" ", 2)[1] for a in answers] == [b"200", b"200", b"200", b"404"]
    assert b'"name":"serde"' in answers[0]
    assert b'"dl"' in answers[2]
    assert [r.path for r in reg.requests] == paths


@pytest.mark.parametrize(
    ("request_head", "stays_open"),
    [
        (b"GET /index/config.json HTTP/1.0\r\n\r\n", False),
        # (as h11: an HTTP/1.0 connection closes after its answer, keep-alive or not)
        (b"GET /index/config.json HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", False),
        (b"GET /index/config.json HTTP/1.1\r\nHost: [::1]\r\nConnection: close\r\n\r\n", False),
        (b"GET /api/v1/crates HTTP/1.0\r\n\r\n", False),
        (b"GET /api/v1/crates HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", False),
        (b"GET /api/v1/crates HTTP/1.1\r\nHost: [::1]\r\n\r\n", True),
        (b"GET /api/v1/crates HTTP/1.1\r\nHost: [::1]\r\nConnection: close\r\n\r\n", False),
    ],
)
def test_connection_headers_are_honoured(
    reg: FakeRegistry, request_head: bytes, stays_open: bool
) -> None:
    with socket.create_connection(("127.0.0.1", reg.port), timeout=10) as sock:
        sock.sendall(request_head)
        (answer,) = _read_answers(sock, 1)
        header = b"Connection: keep-alive" if stays_open else b"Connection: close"
        assert header in answer or (stays_open and b"HTTP/1.1" in request_head)
        if not stays_open:
            assert sock.recv(100) == b""  # at once: no wait for a body that never comes
        else:
            sock.sendall(request_head)
            assert _read_answers(sock, 1)[0].startswith(b"HTTP/1.1 200")


def test_faults_on_a_kept_connection(reg: FakeRegistry) -> None:
    conn = _connection(reg)
    assert _get(conn, "/index/se/rd/serde")[0] == 200
    reg.fail("index", crate="serde", status=503, times=1)
    assert _get(conn, "/index/se/rd/serde")[0] == 503
    assert _get(conn, "/index/se/rd/serde")[0] == 200  # the same connection, the fault spent
    reg.fail("index", crate="serde", reset=True, times=1)
    with pytest.raises((ConnectionError, http.client.RemoteDisconnected)):
        _get(conn, "/index/se/rd/serde")
    conn.close()
    conn = _connection(reg)
    assert _get(conn, "/index/se/rd/serde")[0] == 200
    conn.close()
    assert reg.connections.accepted == 2


def test_idle_kept_connections_time_out_and_stop_closes_them() -> None:
    with FakeRegistry(idle_timeout=0.5) as reg:
        conn = _connection(reg)
        assert _get(conn, "/index/config.json")[0] == 200
        assert conn.sock is not None
        started = time.monotonic()
        assert conn.sock.recv(100) == b""  # closed by the registry after half a second
        assert 0.3 < time.monotonic() - started < 5
        conn.close()
    with FakeRegistry() as reg:  # 30 s of idle time: stop() must not wait for it
        kept = _connection(reg)
        assert _get(kept, "/index/config.json")[0] == 200
        assert _get(kept, "/api/v1/crates")[0] == 200  # (a worker's, handed back)
        assert reg.connections == (1, 1)
    assert kept.sock is not None
    assert kept.sock.recv(100) == b""
    kept.close()


def test_the_fast_path_answers_what_the_full_path_answers(reg: FakeRegistry) -> None:
    """With a fault in force every request takes the full path: compare the two."""

    def exchange() -> list[tuple[int, list[tuple[str, str]], bytes]]:
        conn = _connection(reg)
        seen = []
        for method, path, headers in [
            ("GET", "/index/se/rd/serde", {}),
            ("HEAD", "/index/se/rd/serde", {}),
            ("GET", "/index/config.json", {}),
            ("GET", "/dl/serde/1.0.0/download", {}),
            ("GET", "/dl/serde/serde-1.0.0.crate", {}),
            ("GET", "/index/se/rd/serde", {"If-None-Match": etag}),
            ("GET", "/index/se/rd/serde", {"If-Modified-Since": modified}),
        ]:
            conn.request(method, path, headers=headers)
            answer = conn.getresponse()
            fields = [(k, v) for k, v in answer.getheaders() if k != "Date"]
            seen.append((answer.status, fields, answer.read()))
        conn.close()
        return seen

    first = _connection(reg)
    first.request("GET", "/index/se/rd/serde")
    answer = first.getresponse()
    answer.read()
    etag, modified = answer.getheader("ETag", ""), answer.getheader("Last-Modified", "")
    first.close()
    reg.clear()
    fast = exchange()
    fast_records = [(r.method, r.path, r.kind, r.status, r.crate, r.version) for r in reg.requests]
    fast_bodies = [r.response_body for r in reg.requests]
    reg.clear()
    reg.fail("publish", status=500)  # matches nothing here, but every request goes the long way
    full = exchange()
    full_records = [(r.method, r.path, r.kind, r.status, r.crate, r.version) for r in reg.requests]
    assert fast == full
    assert [status for status, _, _ in fast] == [200, 200, 200, 200, 200, 304, 304]
    assert fast_records == full_records
    assert fast_bodies == [r.response_body for r in reg.requests]


def test_a_bug_on_the_fast_path_is_kept_and_the_full_path_answers(
    reg: FakeRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fakereg.web.answer_cache import AnswerCache

    def broken(*_: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(AnswerCache, "get", broken)
    conn = _connection(reg)
    assert _get(conn, "/index/se/rd/serde")[0] == 200
    assert _get(conn, "/index/config.json")[0] == 200
    conn.close()
    assert reg.errors
    assert {type(e) for e in reg.errors} == {RuntimeError}  # (poller and worker both tried)
    reg.clear_errors()
