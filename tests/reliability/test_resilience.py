"""Clients that hang up mid-upload, dribble their requests or sit idle hold nothing up.

Connections between requests wait in the server's poller, requests are answered by a
bounded pool of workers, and each connection has a silence timeout; these tests show the
registry keeps answering everyone else meanwhile, loses nothing, and lets go of every
connection.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import pytest

from fakereg import FakeRegistry
from tests.crates import crate, metadata, publish_body
from tests.helpers import http, root_state

IDLE_TIMEOUT = 2.0
IDLE_CONNECTIONS = 300
HANGUPS = 40


def _server_threads(reg: FakeRegistry) -> list[threading.Thread]:
    """The poller and workers of *reg*'s server."""
    names = (f"fakereg-server-{reg.port}", f"fakereg-worker-{reg.port}")
    return [t for t in threading.enumerate() if t.name in names]


def _wait_until(condition: Callable[[], bool], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


@pytest.fixture
def registry() -> Iterator[FakeRegistry]:
    with FakeRegistry(idle_timeout=IDLE_TIMEOUT) as reg:
        body = publish_body(metadata("existing", "1.0.0"), crate("existing", "1.0.0"))
        assert http(reg, "PUT", "/api/v1/crates/new", body=body, token=reg.token).status == 200
        yield reg
        reg.check_errors()


def _connect(reg: FakeRegistry) -> socket.socket:
    return socket.create_connection(("127.0.0.1", reg.port), timeout=10)


def _index_answers(reg: FakeRegistry) -> bool:
    return http(reg, "GET", "/index/ex/is/existing").status == 200


def test_hang_ups_mid_upload_lose_nothing(registry: FakeRegistry) -> None:
    body = publish_body(metadata("cut", "1.0.0"), crate("cut", "1.0.0"))
    head = (
        "PUT /api/v1/crates/new HTTP/1.1\r\nHost: [::1]\r\n"
        f"Authorization: {registry.token}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    before = root_state(registry)

    def hang_up(i: int) -> None:
        with _connect(registry) as sock:
            sock.sendall(head + body[: (i * 37) % len(body)])
            if i % 2:  # half close politely, half reset the connection
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(hang_up, range(HANGUPS)))
    assert _index_answers(registry)
    assert _wait_until(lambda: registry.connections.open == 0)
    assert root_state(registry) == before
    assert registry.versions("cut") == []
    assert registry.errors == []
    # The same publish, sent whole, goes through.
    answer = http(registry, "PUT", "/api/v1/crates/new", body=body, token=registry.token)
    assert answer.status == 200
    assert registry.versions("cut") == ["1.0.0"]


def test_a_slow_client_does_not_hold_up_the_others(registry: FakeRegistry) -> None:
    request = b"GET /index/ex/is/existing HTTP/1.1\r\nHost: [::1]\r\nConnection: close\r\n\r\n"
    done = threading.Event()
    answered: list[bytes] = []

    def dribble() -> None:
        with _connect(registry) as sock:
            for i in range(len(request)):  # one byte every 10 ms: about 0.7 s in all
                sock.sendall(request[i : i + 1])
                time.sleep(0.01)
            answered.append(sock.recv(65536))
        done.set()

    slow = threading.Thread(target=dribble)
    slow.start()
    answers_meanwhile = 0
    while not done.is_set():
        assert _index_answers(registry)
        answers_meanwhile += 1
    slow.join()
    assert answered[0].startswith(b"HTTP/1.1 200")  # slow, but within the idle timeout
    assert answers_meanwhile >= 10


def test_many_idle_connections_do_not_stop_others_and_are_closed(registry: FakeRegistry) -> None:
    with ExitStack() as stack:
        idle = [stack.enter_context(_connect(registry)) for _ in range(IDLE_CONNECTIONS)]
        idle[0].sendall(b"GET /index/config.json HT")  # and one that stops half-way
        assert _wait_until(lambda: registry.connections.open >= IDLE_CONNECTIONS)
        assert len(_server_threads(registry)) < 10  # idle connections hold no thread
        with ThreadPoolExecutor(8) as pool:
            assert all(pool.map(lambda _: _index_answers(registry), range(50)))
        # Silent for longer than the idle timeout: the registry hangs up on each of them.
        for sock in idle:
            assert sock.recv(100) == b""
    assert _wait_until(lambda: registry.connections.open == 0)
    assert registry.errors == []


def test_stop_closes_idle_connections_and_leaves_no_threads() -> None:
    with ExitStack() as stack:
        reg = FakeRegistry()  # the default idle timeout, 30 s: stop() must not wait for it
        stack.callback(reg.stop)
        reg.start()
        idle = [stack.enter_context(_connect(reg)) for _ in range(50)]
        assert _wait_until(lambda: reg.connections.open >= 50)
        assert http(reg, "GET", "/api/v1/crates").status == 200  # (answered by a worker)
        threads = _server_threads(reg)
        assert len(threads) >= 2
        reg.stop()
        assert not any(thread.is_alive() for thread in threads)
        for sock in idle:
            assert sock.recv(100) == b""
