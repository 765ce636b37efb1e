"""Latency of one index-file GET, fakereg against nginx and werkzeug's bare server.

A client in another process (Python's ``http.client``) GETs the same sparse index file
from each server in turn (werkzeug's in a process of its own, fakereg in this one): on a
new connection each time, then over one kept-alive connection. The figure is the median
per request; most of nginx's figure is the client.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from benchmarks.common import Result
from benchmarks.servers import Nginx
from fakereg import FakeRegistry

CLIENT = textwrap.dedent(
    """
    import http.client, json, statistics, sys, time
    targets, rounds = json.loads(sys.argv[1]), int(sys.argv[2])
    new = {name: [] for name, _, _, _ in targets}
    kept = {name: [] for name, _, _, keeps in targets if keeps}
    open_ = {name: http.client.HTTPConnection("127.0.0.1", port) for name, port, _, _ in targets}
    for _ in range(rounds):
        for name, port, path, keeps in targets:
            started = time.perf_counter()
            connection = http.client.HTTPConnection("127.0.0.1", port)
            connection.request("GET", path)
            answer = connection.getresponse()
            answer.read()
            connection.close()
            new[name].append(time.perf_counter() - started)
            assert answer.status == 200, (name, answer.status)
            if not keeps:
                continue
            started = time.perf_counter()
            open_[name].request("GET", path)
            answer = open_[name].getresponse()
            answer.read()
            kept[name].append(time.perf_counter() - started)
            assert answer.status == 200 and not answer.will_close, (name, answer.headers)
    print(json.dumps({
        "new": {name: statistics.median(values[20:]) for name, values in new.items()},
        "kept": {name: statistics.median(values[20:]) for name, values in kept.items()},
    }))
    """
)


BARE = textwrap.dedent(
    """
    import sys
    from werkzeug.serving import make_server
    from benchmarks.bench_fixture import QuietHandler
    data = open(sys.argv[1], "rb").read()
    def constant(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain"),
                                  ("Content-Length", str(len(data)))])
        return [data]
    server = make_server("127.0.0.1", 0, constant, threaded=True, request_handler=QuietHandler)
    print(server.server_port, flush=True)
    server.serve_forever()
    """
)


def _bare_server(data_file: Path) -> tuple[subprocess.Popen[str], int]:
    """werkzeug's threaded server with a constant app, in a process of its own."""
    process = subprocess.Popen(
        [sys.executable, "-c", BARE, str(data_file)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert process.stdout is not None
    return process, int(process.stdout.readline())


def run(quick: bool = False) -> list[Result]:
    """Median of 600 requests each (100 with *quick*), the servers taking turns."""
    rounds = 120 if quick else 620
    with tempfile.TemporaryDirectory(prefix="fakereg-bench-") as scratch, FakeRegistry() as reg:
        reg.add_crate("serde", "1.0.0")
        path = "/index/se/rd/serde"
        site = Path(scratch) / "site"
        reg.export(site)
        bare, bare_port = _bare_server(site / "index" / "se" / "rd" / "serde")
        nginx = Nginx(site, Path(scratch) / "nginx")
        try:
            targets = [
                ("fakereg", reg.port, path, True),
                ("nginx", nginx.port, path, True),
                ("werkzeug", bare_port, path, False),  # it closes every connection
            ]
            out = subprocess.run(
                [sys.executable, "-c", CLIENT, json.dumps(targets), str(rounds)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        finally:
            nginx.stop()
            bare.terminate()
            bare.wait(timeout=10)
            if bare.stdout is not None:
                bare.stdout.close()
    medians = json.loads(out)
    new, kept = medians["new"], medians["kept"]
    ms = 1000.0
    return [
        Result(
            "latency",
            "fakereg GET, new connection",
            new["fakereg"] * ms,
            "nginx, new connection",
            new["nginx"] * ms,
            "ms",
            1.25,
        ),
        Result(
            "latency",
            "werkzeug bare GET, new connection",
            new["werkzeug"] * ms,
            "nginx, new connection",
            new["nginx"] * ms,
            "ms",
            1.25,
            note="the server fakereg's used to be",
        ),
        Result(
            "latency",
            "fakereg GET, kept-alive connection",
            kept["fakereg"] * ms,
            "nginx, kept-alive connection",
            kept["nginx"] * ms,
            "ms",
            1.25,
        ),
    ]
