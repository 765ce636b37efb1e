"""One route table and one pipeline: every route declared once, and every request, answered
or replayed from a kept answer, through the same recorder, fault check and access rule."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from unittest.mock import Mock

import pytest

import fakereg
from fakereg import FakeRegistry, Kind
from fakereg.traffic import RECORDED_KINDS
from fakereg.web.answer_cache import AnswerCache, CachedAnswer, CacheHint
from fakereg.web.routes import Handlers, registry_routes
from fakereg.web.routing import Access, Route
from tests.helpers import MakePackage, http, raw_request, request_bytes


@pytest.fixture
def reg() -> Iterator[FakeRegistry]:
    with FakeRegistry() as registry:
        registry.add_crate("serde", "1.0.0")
        yield registry
        registry.check_errors()


@pytest.fixture
def private() -> Iterator[FakeRegistry]:
    with FakeRegistry(auth_required=True) as registry:
        registry.add_crate("serde", "1.0.0")
        yield registry
        registry.check_errors()


def _routes() -> tuple[Route, ...]:
    """The route table, its handlers stand-ins."""
    parts = [Mock(name=field.name) for field in dataclasses.fields(Handlers)]
    return registry_routes(Handlers(*parts)).routes


class _Replays:
    """Counts the answers replayed from the answer cache."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.hits = 0
        original = AnswerCache.get

        def counting(cache: AnswerCache, key: tuple[str, str | None, str | None]) -> object:
            found = original(cache, key)
            self.hits += found is not None
            return found

        monkeypatch.setattr(AnswerCache, "get", counting)


def test_kind_is_a_str_enum_accepted_wherever_a_kind_name_is(reg: FakeRegistry) -> None:
    assert fakereg.Kind is Kind
    publish: str = Kind.PUBLISH  # a kind is a str, equal to its name
    assert publish == "publish"
    assert f"{Kind.INDEX}" == "index"
    assert str(Kind.GIT) == "git"
    assert {"index": 1}[Kind.INDEX] == 1
    http(reg, "GET", "/index/se/rd/serde")
    record = reg.requests.last
    assert record.kind == "index"
    assert record.kind is Kind.INDEX
    assert reg.requests.filter(Kind.INDEX) == reg.requests.filter("index")
    with reg.fail(Kind.INDEX, status=503):
        assert http(reg, "GET", "/index/se/rd/serde").status == 503
    assert reg.assert_requested(Kind.INDEX, status=503)
    with pytest.raises(ValueError, match="unknown kind 'indx': choose one of config, index"):
        reg.fail("indx", status=500)
    with pytest.raises(ValueError, match="unknown kind 'control'"):
        reg.requests.filter("control")  # never recorded: no filter can find one


def test_every_route_is_declared_once_with_its_kind_and_access() -> None:
    routes = _routes()
    seen: set[tuple[str, str]] = set()
    for route in routes:
        for method in route.methods:
            assert (route.rule, method) not in seen, route.rule
            seen.add((route.rule, method))
        assert route.recorded == route.faultable == (route.kind not in (Kind.CONTROL, Kind.PAGE))
        if route.kind is Kind.CONTROL:
            assert Access.ADMIN in route.access, route.rule
        if route.cached:
            assert route.methods == ("GET",)
            assert Access.READ in route.access, route.rule
    kinds = {route.kind.value for route in routes}
    assert set(RECORDED_KINDS) - kinds == {"other"}  # the kind of what no route answers
    assert {Kind.CONTROL, Kind.PAGE} <= {route.kind for route in routes}


def test_a_bad_query_on_the_control_api_is_refused_and_not_recorded(reg: FakeRegistry) -> None:
    bearer = f"Bearer {reg.admin_token}"
    answer = http(reg, "GET", "/__fakereg/health?q=%zz", token=bearer)
    assert answer.status == 400
    assert "malformed query string" in answer.json()["errors"][0]["detail"]
    assert http(reg, "GET", "/?q=%zz").status == 400
    assert reg.requests == []  # neither it nor the admin token reached the journal
    assert http(reg, "GET", "/api/v1/crates?q=%zz").status == 400
    assert reg.requests.last.kind == "search"


def test_unknown_paths_and_methods_answer_in_their_parts_style(reg: FakeRegistry) -> None:
    bearer = f"Bearer {reg.admin_token}"
    assert http(reg, "GET", "/__fakereg/nope").status == 401  # the admin rule comes first
    answer = http(reg, "GET", "/__fakereg/nope", token=bearer)
    assert answer.status == 404
    assert "no control route" in answer.body.decode()
    answer = http(reg, "DELETE", "/__fakereg/health", token=bearer)
    assert answer.status == 405
    assert set(answer.headers["Allow"].split(", ")) == {"GET", "HEAD"}
    answer = http(reg, "GET", "/traffic/nope", headers={"Accept": "text/html"})
    assert answer.status == 404
    assert answer.headers["Content-Type"].startswith("text/html")
    assert http(reg, "DELETE", "/").status == 405
    assert reg.requests == []
    assert http(reg, "GET", "/nowhere").status == 404
    assert http(reg, "DELETE", "/api/v1/crates/new").status == 405
    assert [r.kind for r in reg.requests] == ["other", "other"]


def test_kept_answers_are_replayed_with_the_same_record_and_counts(
    reg: FakeRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    replays = _Replays(monkeypatch)
    for _ in range(3):
        assert http(reg, "GET", "/index/se/rd/serde").status == 200
        assert http(reg, "GET", "/dl/serde/1.0.0/download").status == 200
    assert replays.hits == 4  # the first of each made the answer, the others replayed it
    assert reg.downloads("serde", "1.0.0") == 3
    records = [(r.kind, r.status, r.crate, r.version) for r in reg.requests]
    assert records == [("index", 200, "serde", None), ("download", 200, "serde", "1.0.0")] * 3
    reg.add_crate("serde", "1.1.0")  # the file changed: its kept answer is not replayed
    assert b'"1.1.0"' in http(reg, "GET", "/index/se/rd/serde").body


def test_a_yank_leaves_a_kept_download_replayed_and_counted(
    reg: FakeRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    replays = _Replays(monkeypatch)
    path = "/dl/serde/serde-1.0.0.crate"
    first = http(reg, "GET", path).body
    assert http(reg, "DELETE", "/api/v1/crates/serde/1.0.0/yank", token=reg.token).status == 200
    assert http(reg, "GET", path).body == first == reg.crate_file("serde", "1.0.0")
    assert replays.hits == 1  # the archive did not change: its kept answer stays
    assert reg.downloads("serde", "1.0.0") == 2
    assert [r.version for r in reg.requests.filter("download")] == ["1.0.0", "1.0.0"]


@pytest.mark.parametrize(
    "path", ["/index/se/rd/serde", "/dl/serde/1.0.0/download", "/dl/serde/serde-1.0.0.crate"]
)
def test_a_replay_takes_the_access_rule_of_its_route(
    private: FakeRegistry, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    replays = _Replays(monkeypatch)
    assert http(private, "GET", path, token=private.token).status == 200
    assert http(private, "GET", path, token=private.token).status == 200
    assert replays.hits == 1
    assert http(private, "GET", path).status == 401
    assert http(private, "GET", path, token="not-a-token").status == 401
    reader = private.add_token(private.login, crates=["other*"])
    assert http(private, "GET", path, token=reader).status == 403
    assert [r.status for r in private.requests] == [200, 200, 401, 401, 403]
    assert {r.crate for r in private.requests} == {"serde"}
    if "/dl/" in path:  # a download is counted when served, replayed or not; never refused
        assert private.downloads("serde", "1.0.0") == 2


def test_no_replay_while_a_fault_or_an_index_delay_is_in_force(
    reg: FakeRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    replays = _Replays(monkeypatch)
    path = "/index/se/rd/serde"
    http(reg, "GET", path)
    with reg.fail("publish", status=500):  # matches nothing here
        http(reg, "GET", path)
    reg.delay_index_updates(polls=1)
    http(reg, "GET", path)
    reg.delay_index_updates()
    assert replays.hits == 0
    http(reg, "GET", path)
    assert replays.hits == 1
    kept = raw_request(reg, request_bytes("GET", path))
    assert kept.status == 200
    assert "Connection" in kept.headers


def test_the_cache_stays_within_its_bounds() -> None:
    cache = AnswerCache(max_answers=3, max_bytes=400)
    route = Route("/x", ("GET",), Kind.INDEX, lambda request: None)  # type: ignore[arg-type,return-value]
    for i in range(10):
        answer = CachedAnswer(route, "200 OK", b"\r\n", b"x" * 90, "c", None, CacheHint())
        cache.put((f"/{i}", None, None), answer)
    assert len(cache) == 3
    assert cache.get(("/9", None, None)) is not None
    assert cache.get(("/0", None, None)) is None
    cache.put(("/big", None, None), CachedAnswer(route, "200 OK", b"", b"x" * 101, None, None,
                                                CacheHint()))  # fmt: skip
    assert cache.get(("/big", None, None)) is None  # over a quarter of the budget: not kept
    stale = CachedAnswer(route, "200 OK", b"", b"", None, None, CacheHint(1, lambda: 2))
    cache.put(("/stale", None, None), stale)
    assert cache.get(("/stale", None, None)) is None


def test_cargo_resolves_from_replayed_answers_on_a_private_registry(
    private: FakeRegistry, package: MakePackage, monkeypatch: pytest.MonkeyPatch
) -> None:
    replays = _Replays(monkeypatch)
    dependency = f'serde = {{ version = "1", registry = "{private.name}" }}'
    app = package("app", dependencies=dependency)
    for _ in range(3):
        (app / "Cargo.lock").unlink(missing_ok=True)
        private.cargo("generate-lockfile", cwd=app, check=True)
        private.cargo("fetch", cwd=app, check=True)
    # The second run asks again for config.json and (conditionally) for serde's file: the
    # third gets both, the 304 included, from the cache.
    assert replays.hits >= 3, private.requests.summary()
    refused = private.requests.filter(status=401)
    assert {r.kind for r in refused} == {"config"}  # cargo's first try, without the token
    assert all(r.token is None for r in refused)
    assert private.downloads("serde") == 1  # fetched once: cargo keeps what it downloaded


def test_a_spent_fault_changes_no_answer_and_says_so(
    reg: FakeRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    replays = _Replays(monkeypatch)
    fault = reg.fail("search", status=503, times=1)
    assert http(reg, "GET", "/api/v1/crates").status == 503
    assert not fault.active
    bearer = f"Bearer {reg.admin_token}"
    (listed,) = http(reg, "GET", "/__fakereg/faults", token=bearer).json()["faults"]
    assert listed["active"] is False
    page = http(reg, "GET", "/faults").body.decode()
    assert "<h2>Faults</h2>" in page
    assert "spent" in page
    http(reg, "GET", "/index/se/rd/serde")
    http(reg, "GET", "/index/se/rd/serde")
    assert replays.hits == 1  # a spent fault no longer keeps answers from being replayed
