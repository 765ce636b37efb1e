"""The transport under hostile and long loads: a publish while 1,000 clients trickle one
byte every 10 s (against the same publish on a quiet registry), and the memory after
1,000,000 index GETs (against after 1,000: the journal is bounded).

Trickling clients are opened in this process (their sockets only); publishes go through a
Python client; the GETs are wrk's when it is installed, a Python client's otherwise.
"""

from __future__ import annotations

import contextlib
import http.client
import resource
import shutil
import socket
import statistics
import threading
import time

from benchmarks.bench_throughput import python_rate, wrk_rate
from benchmarks.common import Result
from fakereg import FakeRegistry
from tests.crates import crate, metadata, publish_body

#: A publish must answer within this while the clients trickle (issue 26).
PUBLISH_BUDGET_MS = 100.0
MEMORY_BUDGET_MIB = 64.0


def _rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _publish_ms(reg: FakeRegistry, name: str) -> float:
    body = publish_body(metadata(name, "1.0.0"), crate(name, "1.0.0"))
    connection = http.client.HTTPConnection("127.0.0.1", reg.port, timeout=30)
    started = time.perf_counter()
    connection.request("PUT", "/api/v1/crates/new", body=body, headers={"Authorization": reg.token})
    answer = connection.getresponse()
    answer.read()
    elapsed = (time.perf_counter() - started) * 1000
    connection.close()
    assert answer.status == 200, answer.status
    return elapsed


def _trickle(reg: FakeRegistry, count: int, stop: threading.Event) -> list[socket.socket]:
    """*count* clients that send a request line, then one byte every 10 s."""
    socks = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", reg.port))
        sock.sendall(b"PUT /api/v1/crates/new HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        socks.append(sock)

    def dribble() -> None:
        while not stop.wait(10):
            for sock in socks:
                with contextlib.suppress(OSError):
                    sock.send(b"X")

    threading.Thread(target=dribble, daemon=True).start()
    return socks


def _get(port: int, paths: list[str], count: int) -> None:
    """*count* GETs on one kept-alive connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for i in range(count):
        connection.request("GET", paths[i % len(paths)])
        answer = connection.getresponse()
        answer.read()
        assert answer.status == 200, answer.status
    connection.close()


def _recorded(reg: FakeRegistry) -> int:
    """Requests the journal has seen, kept or dropped."""
    return reg.requests.dropped + len(reg.requests)


def run(quick: bool = False) -> list[Result]:
    clients = 100 if quick else 1_000
    rounds = 5 if quick else 30
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4 * clients + 256)), hard))
    results = []
    with FakeRegistry() as quiet, FakeRegistry() as busy:
        stop = threading.Event()
        socks = _trickle(busy, clients, stop)
        try:
            calm, loaded = [], []
            for i in range(rounds):
                calm.append(_publish_ms(quiet, f"calm{i}"))
                loaded.append(_publish_ms(busy, f"busy{i}"))
            open_now = busy.connections.open
        finally:
            stop.set()
            for sock in socks:
                sock.close()
    ours, theirs = statistics.median(loaded), statistics.median(calm)
    results.append(
        Result(
            "transport",
            f"publish, {clients} clients trickling",
            ours,
            "publish on a quiet registry",
            theirs,
            "ms",
            max(PUBLISH_BUDGET_MS / theirs, 1.0),
            note=f"{open_now} connections open; budget {PUBLISH_BUDGET_MS:.0f} ms",
        )
    )
    gets = 20_000 if quick else 1_000_000
    with FakeRegistry() as reg:
        reg.add_crate("serde", "1.0.0")
        paths = ["/index/se/rd/serde", "/index/config.json"]
        load = wrk_rate if shutil.which("wrk") is not None else python_rate
        _get(reg.port, paths, 1_000)  # the reference: memory after the first 1,000 GETs
        small = _rss_mib()
        first = _recorded(reg)
        while _recorded(reg) - first < gets:
            load(reg.port, paths, 5.0)
        big = _rss_mib()
        done = _recorded(reg) - first
    results.append(
        Result(
            "transport",
            f"memory after {done:,} more index GETs",
            big,
            "memory after the first 1,000 GETs",
            small,
            "MiB",
            (small + MEMORY_BUDGET_MIB) / small,
            note=f"growth {big - small:.1f} MiB, budget {MEMORY_BUDGET_MIB:.0f} MiB; journal "
            f"keeps {reg.settings.max_recorded:,}",
        )
    )
    return results
