"""No number of slow, silent or half-open clients holds what others need: the poller reads
every request whole and runs every TLS handshake itself, so workers only ever run the
application, and a deadline covers a whole request, however it trickles in."""

from __future__ import annotations

import os
import socket
import ssl
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress

from fakereg import FakeRegistry
from fakereg.transport.server import MAX_WORKERS
from tests.helpers import MakePackage, http, publish

#: More clients than the server has workers.
CLIENTS = MAX_WORKERS + 20


@contextmanager
def _clients(reg: FakeRegistry, first_bytes: bytes) -> Iterator[list[socket.socket]]:
    with ExitStack() as stack:
        socks = []
        for _ in range(CLIENTS):
            sock = stack.enter_context(socket.create_connection(("127.0.0.1", reg.port)))
            if first_bytes:
                sock.sendall(first_bytes)
            socks.append(sock)
        yield socks


def _still_open(sock: socket.socket) -> bool:
    sock.setblocking(False)
    try:
        return sock.recv(1) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        sock.setblocking(True)


def test_trickling_clients_hold_no_worker(package: MakePackage) -> None:
    with FakeRegistry(idle_timeout=60) as reg:
        # Half a head, half a body: each would have held a worker for its whole timeout.
        heads = _clients(reg, b"GET /api/v1/crates?q=se")
        bodies = _clients(
            reg,
            b"PUT /api/v1/crates/new HTTP/1.1\r\nHost: [::1]\r\nContent-Length: 1000\r\n\r\nab",
        )
        with heads as slow, bodies as slower:
            started = time.monotonic()
            crate = package("unblocked", version="1.0.0")
            publish(reg, crate)
            assert http(reg, "GET", "/api/v1/crates?q=unblocked").status == 200
            assert time.monotonic() - started < 30  # (the old server: not before 60 s)
            assert all(_still_open(sock) for sock in slow + slower)
        reg.check_errors()


def test_silent_tls_clients_hold_no_handshake() -> None:
    with FakeRegistry(tls=True) as reg, _clients(reg, b"") as silent:
        # And some that began a handshake with garbage.
        for sock in silent[:5]:
            sock.sendall(b"\x16\x03\x01\x00")
        request = urllib.request.Request(reg.url + "/index/config.json")
        with urllib.request.urlopen(request, timeout=10, context=reg.ssl_context()) as answer:
            assert answer.status == 200
        assert reg.connections.open >= CLIENTS
        reg.check_errors()


def test_a_deadline_covers_the_whole_request() -> None:
    with FakeRegistry(idle_timeout=1) as reg:
        with socket.create_connection(("127.0.0.1", reg.port), timeout=10) as sock:
            started = time.monotonic()
            closed_after = None
            for byte in b"GET /index/config.json HTTP/1.1\r\nHost: [::1]\r\nX-Slow: yes\r\n\r\n":
                try:
                    sock.sendall(bytes([byte]))
                except OSError:
                    closed_after = time.monotonic() - started
                    break
                time.sleep(0.2)
                if not _still_open(sock):
                    closed_after = time.monotonic() - started
                    break
            assert closed_after is not None, "a request trickled in a byte every 0.2 s"
            assert closed_after < 4  # one deadline for the request, not one per byte
        assert reg.requests == []


def test_an_unread_answer_is_dropped_at_the_deadline() -> None:
    with FakeRegistry(idle_timeout=1) as reg:
        reg.add_crate("big", "1.0.0", files={"src/data.bin": bytes(range(256)) * 40_000})
        with socket.create_connection(("127.0.0.1", reg.port), timeout=10) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            request = b"GET /dl/big/1.0.0/download HTTP/1.1\r\nHost: [::1]\r\n\r\n"
            sock.sendall(request * 20)
            time.sleep(3)  # never reading: the registry gives up on this connection
            assert reg.connections.open == 0
        assert http(reg, "GET", "/index/config.json").status == 200
        reg.check_errors()


def test_tls_clients_that_break_the_handshake_are_no_error() -> None:
    with FakeRegistry(tls=True) as reg:
        plain = ssl.create_default_context()  # trusts nothing of the registry's
        with socket.create_connection(("127.0.0.1", reg.port)) as sock, suppress(ssl.SSLError):
            plain.wrap_socket(sock, server_hostname="127.0.0.1")
        with socket.create_connection(("127.0.0.1", reg.port)) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: [::1]\r\n\r\n")  # HTTP on the HTTPS port
            sock.settimeout(5)
            with suppress(OSError):
                sock.recv(100)  # (closed: whatever it says, it is not an error of ours)
        assert http(reg, "GET", "/index/config.json").status == 200
        reg.check_errors()


def test_a_client_that_pipelines_and_never_reads_is_answered_only_as_it_reads() -> None:
    """Backpressure: 60 pipelined downloads of a 1 MiB crate from a client that reads
    nothing are not all answered into memory (60 MiB); the server takes the next request
    once the client has read the answers queued before it."""
    requests = 60
    with FakeRegistry() as reg:
        reg.add_crate("big", "1.0.0", files={"blob.bin": os.urandom(1024 * 1024)})
        size = len(reg.crate_file("big", "1.0.0"))
        pipelined = b"GET /dl/big/big-1.0.0.crate HTTP/1.1\r\nHost: [::1]\r\n\r\n"
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.connect(("127.0.0.1", reg.port))
            sock.sendall(pipelined * requests)
            time.sleep(1.5)
            answered_unread = len(reg.requests)
            assert 1 <= answered_unread < 20, answered_unread  # (unbounded: all 60)
            received = 0
            while received < requests * size:
                chunk = sock.recv(1 << 20)
                assert chunk, f"closed after {received} bytes"
                received += len(chunk)
        assert len(reg.requests) == requests
        assert all(r.status == 200 and r.response_body_size == size for r in reg.requests)
        assert reg.errors == []
