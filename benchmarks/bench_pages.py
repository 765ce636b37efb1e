"""Every page of the web page with 1,000 crates in the registry, against issue 19's budget.

A registry holds 1,000 small crates (``CrateStore.add_versions``) and one crate with 30
versions, features, dependencies and a README (``add_crate``); its journal holds 1,000
requests and a publish; ten faults are in force. Each page is fetched over one kept-alive
loopback connection as an admin session (its forms rendered too), the pages taking turns;
the figure is the median per page. Budget: 100 ms a page. The crate list is also set
against the read API's JSON search of the same 50 crates, measured in the same run.
"""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

from benchmarks.bench_git_commit import crate_name
from benchmarks.bench_publish import publish_body
from benchmarks.bench_scale import fill
from benchmarks.common import Result, interleaved_medians
from fakereg import Dependency, FakeRegistry

CRATES = 1_000
BUDGET_MS = 100.0
README = "# Big\n\nA crate with a README.\n\n" + "| a | b |\n|---|---|\n" + "| 1 | 2 |\n" * 50


def _fill(reg: FakeRegistry, count: int) -> None:
    fill(reg, count)
    deps = [Dependency(crate_name(i), "1", optional=i == 0) for i in range(8)]
    for minor in range(30):
        reg.add_crate(
            "big",
            f"0.{minor}.0",
            deps=deps,
            features={"default": ["fast"], "fast": [], "extra": [f"dep:{crate_name(0)}"]},
            readme=README,
            description="The big crate",
        )


def _once(
    reg: FakeRegistry, method: str, path: str, body: bytes | None = None, token: str = ""
) -> http.client.HTTPResponse:
    """One request on a connection of its own; the answer, read."""
    parts = urlsplit(reg.url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port)
    connection.request(method, path, body=body, headers={"Authorization": token} if token else {})
    answer = connection.getresponse()
    answer.read()
    connection.close()
    assert answer.status in (200, 303), (path, answer.status)
    return answer


def run(quick: bool = False) -> list[Result]:
    count, rounds = (200, 5) if quick else (CRATES, 30)
    with FakeRegistry() as reg:
        _fill(reg, count)
        for i in range(1_000 if not quick else 100):
            _once(reg, "GET", f"/index/config.json?n={i}")
        _once(reg, "PUT", "/api/v1/crates/new", publish_body("published", "1.0.0"), reg.token)
        for i in range(10):
            reg.fail("download", crate=crate_name(i), status=503)
        publish_seq = len(reg.requests)
        # The cookie of an admin session (the page opened from its admin URL):
        opened = _once(reg, "GET", f"/faults?admin={reg.admin_token}")
        cookie = opened.headers["Set-Cookie"].split(";", 1)[0]
        parts = urlsplit(reg.url)
        connection = http.client.HTTPConnection(parts.hostname or "", parts.port)
        headers = {"Cookie": cookie, "Accept": "text/html"}

        def fetch(path: str) -> None:
            connection.request("GET", path, headers=headers)
            answer = connection.getresponse()
            answer.read()
            assert answer.status == 200, (path, answer.status)

        pages = {
            "crate list": "/",
            "crate list, page 10 by downloads": "/?sort=downloads&page=10",
            "search": "/?q=number+5",
            "crate page (30 versions, README)": "/crates/big",
            "crate page (one version)": f"/crates/{crate_name(7)}",
            "traffic (1,000 requests)": "/traffic",
            "traffic rows since 0": "/traffic/rows?since=0",
            "a publish's details": f"/traffic/{publish_seq}",
            "faults (10, admin forms)": "/faults",
            "/me": "/me",
        }
        reference = "/api/v1/crates?per_page=50&sort=alpha"
        subjects = [lambda p=path: fetch(p) for path in (*pages.values(), reference)]
        medians = interleaved_medians(subjects, rounds)
        connection.close()
    figures = dict(zip((*pages, "json"), (m * 1000 for m in medians), strict=True))
    results = [
        Result(
            "pages",
            f"{label}, {count:,} crates",
            figures[label],
            "budget of issue 19",
            BUDGET_MS,
            "ms",
            1.0,
        )
        for label in pages
    ]
    results.append(
        Result(
            "pages",
            "crate list (HTML)",
            figures["crate list"],
            "the same 50 as JSON (read API)",
            figures["json"],
            "ms",
            3.0,
        )
    )
    return results
