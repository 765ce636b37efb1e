"""Sparse index throughput: 16 concurrent clients on index files for 5 s.

The reference is werkzeug's own threaded server (``make_server``, a thread per
connection) running a constant app that answers every path with the bytes of an index
file: the ceiling of the server fakereg used to be. Issue 15's target is twice that:
fakereg's poller answers index files itself and keeps connections alive, where werkzeug
closes every connection after one answer. wrk does the load when it is installed (Debian:
``wrk``), else a Python client with one thread per connection.
"""

from __future__ import annotations

import http.client
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from werkzeug.serving import make_server

from benchmarks.bench_fixture import QuietHandler
from benchmarks.common import Result
from fakereg import FakeRegistry
from fakereg.domain.names import index_path

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

TARGET = 2.0
CONNECTIONS = 16
CRATES = 50


def constant(body: bytes) -> WSGIApplication:
    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        start_response(
            "200 OK",
            [  # the headers of an index file, as fakereg and static servers send them
                ("Content-Type", "text/plain; charset=utf-8"),
                ("Content-Length", str(len(body))),
                ("ETag", '"0123456789abcdef0123456789abcdef"'),
                ("Last-Modified", "Mon, 23 Nov 2026 12:00:00 GMT"),
                ("Cache-Control", "no-cache"),
            ],
        )
        return [body]

    return app


def wrk_rate(port: int, paths: list[str], seconds: float) -> float:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        listed = ", ".join(f'"{p}"' for p in paths)
        script.write(
            f"local paths = {{{listed}}}\nlocal i = 0\n"
            "request = function()\n  i = i % #paths + 1\n"
            "  return wrk.format('GET', paths[i])\nend\n"
        )
    try:
        out = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{CONNECTIONS}",
                f"-d{max(1, round(seconds))}s",
                "-s",
                script.name,
                f"http://127.0.0.1:{port}/",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        Path(script.name).unlink()
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    assert match, out
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    assert errors is None, out
    return float(match[1])


def python_rate(port: int, paths: list[str], seconds: float) -> float:
    count = [0] * CONNECTIONS
    stop = time.monotonic() + seconds

    def client(k: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        i = k
        while time.monotonic() < stop:
            connection.request("GET", paths[i % len(paths)])
            response = connection.getresponse()
            response.read()
            assert response.status == 200
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            count[k] += 1
            i += 1
        connection.close()

    threads = [threading.Thread(target=client, args=(k,)) for k in range(CONNECTIONS)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(count) / (time.monotonic() - started)


def run(quick: bool = False) -> list[Result]:
    """Requests per second, fakereg and the reference taking turns of 5 s (5 turns each).

    The figure is the turn with the median ratio: each ratio compares two adjacent turns,
    which share the machine's state of the moment.
    """
    seconds = 1.0 if quick else 5.0
    use_wrk = shutil.which("wrk") is not None
    rate = wrk_rate if use_wrk else python_rate
    with FakeRegistry() as reg:
        with reg.batch():
            reg.add_crate("serde", "1.0.0")  # (what the crates depend on)
            for i in range(CRATES):
                for minor in range(5):
                    reg.add_crate(f"bench-crate-{i}", f"1.{minor}.0", deps=["serde@1"])
        paths = [f"/index/{index_path(f'bench-crate-{i}')}" for i in range(CRATES)]
        body = reg.root.joinpath("index", index_path("bench-crate-0")).read_bytes()
        reference = make_server(
            "127.0.0.1", 0, constant(body), threaded=True, request_handler=QuietHandler
        )
        serving = threading.Thread(target=reference.serve_forever, daemon=True)
        serving.start()
        try:
            turns = []
            for _ in range(1 if quick else 5):
                ceiling = rate(reference.server_port, paths, seconds)
                ours = rate(reg.port, paths, seconds)
                turns.append((ours / ceiling, ours, ceiling))
                reg.clear()  # the recorded requests would otherwise pile up
        finally:
            reference.shutdown()
            serving.join()
            reference.server_close()
    _, ours, ceiling = sorted(turns)[len(turns) // 2]
    client = "wrk" if use_wrk else "python client"
    return [
        Result(
            "throughput",
            "fakereg sparse index files",
            ours,
            "werkzeug constant app",
            ceiling,
            "req/s",
            TARGET,
            higher_is_better=True,
            note=f"{client}, {CONNECTIONS} connections, median of {len(turns)} turn pairs",
        )
    ]
