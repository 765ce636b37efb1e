"""Fixture cost: start + first request + stop of a FakeRegistry against a bare werkzeug server.

Every round starts a server on a free loopback port, answers one GET (proof that it serves)
and stops it. References, from the same run:

- werkzeug's threaded server with a constant app, stopped through our socket wake-up: the
  fastest way to run a werkzeug server (the target is against this one);
- the same server run with ``serve_forever()`` and stopped with ``shutdown()``, as werkzeug's
  own ``make_server`` users do (its 0.5 s poll is why fakereg has its own loop).
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from werkzeug.serving import WSGIRequestHandler, make_server

from benchmarks.common import Result, interleaved_medians
from fakereg import FakeRegistry
from fakereg.registry import Protocol
from fakereg.transport.server import ServerThread, listen

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

TARGET = 3.0


class QuietHandler(WSGIRequestHandler):
    """werkzeug's handler, without a log line per request."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def constant_app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    body = b'{"dl":"http://127.0.0.1/dl","api":"http://127.0.0.1"}\n'
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    start_response("200 OK", headers)
    return [body]


def get(port: int, path: str) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    connection.close()
    assert response.status == 200, response.status


def bare(request: bool) -> Callable[[], None]:
    def round_trip() -> None:
        server = ServerThread(constant_app, listen("127.0.0.1", 0))
        server.start()
        if request:
            get(server.port, "/index/config.json")
        server.stop()

    return round_trip


def bare_serve_forever() -> None:
    server = make_server("127.0.0.1", 0, constant_app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    get(server.port, "/index/config.json")
    server.shutdown()
    server.server_close()
    thread.join()


def registry(protocol: Protocol, request: bool) -> Callable[[], None]:
    path = "/index/config.json" if protocol == "sparse" else "/git/index/info/refs"

    def round_trip() -> None:
        with FakeRegistry(protocol=protocol) as reg:
            if request:
                get(reg.port, path)

    return round_trip


def registry_tls() -> None:
    """A registry over HTTPS: a CA and a certificate made, a TLS handshake, one GET."""
    with FakeRegistry(tls=True) as reg:
        connection = http.client.HTTPSConnection(
            "127.0.0.1", reg.port, timeout=10, context=reg.ssl_context()
        )
        connection.request("GET", "/index/config.json")
        response = connection.getresponse()
        response.read()
        connection.close()
        assert response.status == 200, response.status


#: HTTPS may cost this much more than plain HTTP for a start, a GET and a stop.
TLS_TARGET = 5.0


def run(quick: bool = False) -> list[Result]:
    """Medians of 200 interleaved rounds (20 with *quick*)."""
    rounds = 20 if quick else 200
    ms = 1000.0
    results = []
    for request in (False, True):
        subjects = [bare(request), registry("sparse", request), registry("git", request)]
        reference, sparse, git = (t * ms for t in interleaved_medians(subjects, rounds))
        what = "start+get+stop" if request else "start+stop"
        name = f"bare werkzeug {what}"
        note = "the first git request makes the repository" if request else ""
        results += [
            Result("fixture", f"FakeRegistry sparse {what}", sparse, name, reference, "ms", TARGET),
            Result(
                "fixture", f"FakeRegistry git {what}", git, name, reference, "ms", TARGET, note=note
            ),
        ]
    plain, secure = (
        t * ms for t in interleaved_medians([registry("sparse", True), registry_tls], rounds)
    )
    results.append(
        Result(
            "fixture",
            "FakeRegistry(tls=True) start+get+stop",
            secure,
            "FakeRegistry start+get+stop",
            plain,
            "ms",
            TLS_TARGET,
            note="a trustme CA and certificate each start, and one TLS handshake",
        )
    )
    (slow,) = interleaved_medians([bare_serve_forever], max(3, rounds // 20), warmup=1)
    results.append(
        Result(
            "fixture",
            "FakeRegistry sparse start+get+stop",
            results[2].value,
            "werkzeug serve_forever+get+shutdown",
            slow * ms,
            "ms",
            TARGET,
            note="werkzeug's shutdown() polls every 0.5 s: why fakereg has its own loop",
        )
    )
    return results
