"""Malformed requests on every route: bad methods, huge headers, bad query strings.

Sent byte for byte over a socket (no client fixes them up); each must be answered 4xx in
Cargo's error shape, leave the registry's files as they were and raise nothing inside it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fakereg import FakeRegistry
from tests.crates import crate, metadata, publish_body
from tests.helpers import assert_cargo_error, http, raw_request, request_bytes, root_state

# One path per route of the registry, with the methods it answers.
ROUTES: dict[str, tuple[str, tuple[str, ...]]] = {
    "config.json": ("/index/config.json", ("GET", "HEAD")),
    "index file": ("/index/ex/is/existing", ("GET", "HEAD")),
    "search": ("/api/v1/crates", ("GET", "HEAD")),
    # (a GET of /api/v1/crates/new reads a crate called "new", as crates.io's find_new_crate)
    "publish": ("/api/v1/crates/new", ("PUT", "GET", "HEAD")),
    "download": ("/dl/existing/1.0.0/download", ("GET", "HEAD")),
    "download, file form": ("/dl/existing/existing-1.0.0.crate", ("GET", "HEAD")),
    "download redirect": ("/api/v1/crates/existing/1.0.0/download", ("GET", "HEAD")),
    "yank": ("/api/v1/crates/existing/1.0.0/yank", ("DELETE",)),
    "unyank": ("/api/v1/crates/existing/1.0.0/unyank", ("PUT",)),
    "owners": ("/api/v1/crates/existing/owners", ("GET", "HEAD", "PUT", "DELETE")),
    "me": ("/me", ("GET", "HEAD")),
    "crate": ("/api/v1/crates/existing", ("GET", "HEAD", "PATCH", "DELETE")),
    "versions": ("/api/v1/crates/existing/versions", ("GET", "HEAD")),
    "version": ("/api/v1/crates/existing/1.0.0", ("GET", "HEAD", "PATCH")),
    "dependencies": ("/api/v1/crates/existing/1.0.0/dependencies", ("GET", "HEAD")),
    "readme": ("/api/v1/crates/existing/1.0.0/readme", ("GET", "HEAD")),
    "readme page": ("/readmes/existing/existing-1.0.0.html", ("GET", "HEAD")),
    "crate downloads": ("/api/v1/crates/existing/downloads", ("GET", "HEAD")),
    "version downloads": ("/api/v1/crates/existing/1.0.0/downloads", ("GET", "HEAD")),
    "reverse dependencies": ("/api/v1/crates/existing/reverse_dependencies", ("GET", "HEAD")),
    "owner_user": ("/api/v1/crates/existing/owner_user", ("GET", "HEAD")),
    "owner_team": ("/api/v1/crates/existing/owner_team", ("GET", "HEAD")),
    "user": ("/api/v1/users/fakereg", ("GET", "HEAD", "PUT")),
    "api me": ("/api/v1/me", ("GET", "HEAD")),
    "summary": ("/api/v1/summary", ("GET", "HEAD")),
    "git info/refs": ("/git/index/info/refs", ("GET", "HEAD", "POST")),
    "git upload-pack": ("/git/index/git-upload-pack", ("GET", "HEAD", "POST")),
    "git HEAD file": ("/git/index/HEAD", ("GET", "HEAD", "POST")),
    # the web page
    "crate list page": ("/", ("GET", "HEAD")),
    "crate page": ("/crates/existing", ("GET", "HEAD")),
    "version page": ("/crates/existing/1.0.0", ("GET", "HEAD")),
    "traffic page": ("/traffic", ("GET", "HEAD")),
    "traffic rows": ("/traffic/rows", ("GET", "HEAD")),
    "faults page": ("/faults", ("GET", "HEAD", "POST")),
    "remove a fault": ("/faults/1/remove", ("POST",)),
    "index delay form": ("/faults/delay", ("POST",)),
    "sign in": ("/session", ("POST",)),
    "sign out": ("/session/end", ("POST",)),
    "stylesheet": ("/static/fakereg.css", ("GET", "HEAD")),
}
METHODS = ("GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS", "TRACE", "FOO")
BAD_QUERIES = {
    "bad percent escape": "q=%zz",
    "lone percent": "q=50%",
    "not UTF-8 once decoded": "q=%ff%fe",
    "raw non-ASCII byte": "q=\xff",
    "control character": "q=a\x01b",
    "NUL": "q=a\x00b",
}
HUGE_HEADERS = {
    "one header of 70,000 bytes": {"X-Big": "a" * 70_000},
    "150 headers": {f"X-H{i}": "a" for i in range(150)},
}


@pytest.fixture(scope="module")
def registry() -> Iterator[FakeRegistry]:
    """A registry holding existing 1.0.0, with its git index made."""
    with FakeRegistry() as reg:
        body = publish_body(metadata("existing", "1.0.0"), crate("existing", "1.0.0"))
        assert http(reg, "PUT", "/api/v1/crates/new", body=body, token=reg.token).status == 200
        reg.git_path  # noqa: B018 - the git index is made on first use
        yield reg
        reg.check_errors()


def _check(reg: FakeRegistry, request: bytes, status: int | tuple[int, ...]) -> str:
    answer = raw_request(reg, request)
    detail = assert_cargo_error(answer, status)
    assert reg.token not in answer.body.decode("utf-8", "replace")
    return detail


@pytest.mark.parametrize("route", ROUTES)
def test_bad_methods_are_405_with_allow(registry: FakeRegistry, route: str) -> None:
    path, allowed = ROUTES[route]
    before = root_state(registry)
    for method in METHODS:
        if method in allowed:
            continue
        answer = raw_request(registry, request_bytes(method, path, {"Authorization": "x"}))
        assert_cargo_error(answer, 405)
        assert set(answer.headers["Allow"].split(", ")) >= set(allowed), method
    assert root_state(registry) == before
    assert registry.errors == []


@pytest.mark.parametrize("route", ROUTES)
def test_huge_headers_are_431(registry: FakeRegistry, route: str) -> None:
    path, allowed = ROUTES[route]
    before = root_state(registry)
    for label, headers in HUGE_HEADERS.items():
        detail = _check(registry, request_bytes(allowed[0], path, headers), 431)
        assert detail.startswith(("Line too long", "Too many headers")), label
    assert root_state(registry) == before


@pytest.mark.parametrize("route", ROUTES)
def test_bad_query_strings_are_400(registry: FakeRegistry, route: str) -> None:
    path, allowed = ROUTES[route]
    before = root_state(registry)
    for label, query in BAD_QUERIES.items():
        for method in allowed:
            request = request_bytes(method, f"{path}?{query}", {"Authorization": registry.token})
            if method == "HEAD":
                assert raw_request(registry, request).status == 400, label
                continue
            detail = _check(registry, request, 400)
            # (raw bytes outside visible ASCII never make a request line h11 reads)
            assert "malformed query string" in detail or "request line" in detail, label
    assert root_state(registry) == before
    assert registry.errors == []


@pytest.mark.parametrize(
    ("request_line", "status", "fragment"),
    [
        (b"GARBAGE\r\n\r\n", 400, "Bad request syntax"),
        (b"GET /index/config.json\r\n\r\n", 400, "HTTP/0.9"),
        (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n", 414, "Request-URI Too Long"),
        (b"GET /index/config.json HTTP/1.x\r\n\r\n", 400, "Bad request version"),
        (b"GET / HTTP/2.0\r\n\r\n", 505, "Invalid HTTP version"),
    ],
    ids=["no method", "HTTP/0.9", "URI too long", "bad version", "HTTP/2 over HTTP/1"],
)
def test_unreadable_request_lines(
    registry: FakeRegistry, request_line: bytes, status: int, fragment: str
) -> None:
    """Refused before any route: still Cargo's error shape (505 is HTTP's own answer)."""
    assert fragment in _check(registry, request_line, status)


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        ({"Content-Length": "abc"}, b""),
        ({"Content-Length": "-5"}, b""),
        ({"Transfer-Encoding": "chunked"}, b"zz\r\nnot a chunk\r\n"),
        ({"Transfer-Encoding": "chunked"}, b"5\r\nab"),
        ({"Content-Encoding": "gzip", "Content-Length": "4"}, b"\x1f\x8b\x08\x00"),
    ],
    ids=["length not a number", "negative length", "bad chunk", "cut chunk", "cut gzip"],
)
@pytest.mark.parametrize("route", ["publish", "owners", "git upload-pack"])
def test_bad_bodies_on_body_routes(
    registry: FakeRegistry, route: str, headers: dict[str, str], body: bytes
) -> None:
    path, _ = ROUTES[route]
    method = "POST" if route.startswith("git") else "PUT"
    headers = {"Authorization": registry.token, **headers}
    if route.startswith("git"):
        headers["Content-Type"] = "application/x-git-upload-pack-request"
    elif route == "owners":  # (or the route's 415 would answer before the body is read)
        headers["Content-Type"] = "application/json"
    before = root_state(registry)
    # The body goes after the headers as given (request_bytes would add its own length).
    _check(registry, request_bytes(method, path, headers) + body, (400, 404, 411, 413))
    assert root_state(registry) == before
    assert registry.errors == []
