"""Search's sorts, filters and pagination, the summary, reverse dependencies, users and
``/api/v1/me``, at a few hundred crates."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from fakereg import FakeRegistry
from tests.helpers import Curl, HttpAnswer, assert_cargo_error
from tests.helpers import http as http_call
from tests.read_api.conftest import CRATE_FIELDS, PUBLIC_USER_FIELDS, get

COUNT = 300
BASE = datetime(2026, 1, 1, tzinfo=timezone.utc)


def _name(i: int) -> str:
    return f"c{i:03d}"


def _downloads(i: int) -> int:
    return (i * 7) % 5 if i < 60 else 0


def _created(i: int) -> datetime:
    return BASE + timedelta(minutes=(i * 37) % COUNT)


def _updated(i: int) -> datetime:
    return _created(i) + timedelta(days=1) if i % 4 == 0 else _created(i)


@pytest.fixture(scope="module")
def crowd() -> Iterator[FakeRegistry]:
    """``hub`` and 300 crates ``c000``…``c299`` with known keywords, categories, owners,
    times, yanks, dependencies on hub, and downloads made over HTTP."""
    with FakeRegistry() as reg:
        reg.add_user("alice", "Alice")
        with reg.batch():
            reg.add_crate("hub", "1.0.0", description="the hub", pubtime=BASE)
            for i in range(COUNT):
                options: dict[str, Any] = {
                    "keywords": ["even" if i % 2 == 0 else "odd", f"k{i % 7}"],
                    "categories": ["cat-a::sub"] if i % 3 == 0 else ["cat-b"],
                    "description": f"crate number {i}",
                    "deps": ["hub@1"] if i % 3 == 1 else [],
                    "owner": "alice" if i % 5 == 0 else None,
                    "yanked": i % 10 == 9,
                }
                reg.add_crate(_name(i), "1.0.0", pubtime=_created(i), **options)
                if i % 4 == 0:
                    reg.add_crate(_name(i), "1.1.0", pubtime=_updated(i), **options)
        url = urlsplit(reg.url)
        connection = http.client.HTTPConnection(url.hostname or "", url.port)
        for i in range(COUNT):
            for _ in range(_downloads(i)):
                connection.request("GET", f"/dl/{_name(i)}/1.0.0/download")
                response = connection.getresponse()
                response.read()
                assert response.status == 200
        connection.close()
        yield reg
        reg.check_errors()


def _all_pages(reg: FakeRegistry, query: str) -> list[str]:
    """Every crate name of a list, following ``meta.next_page`` (seek) from the first page."""
    names: list[str] = []
    path = f"/api/v1/crates?{query}"
    total = None
    while True:
        body = get(reg, path)
        total = body["meta"]["total"]
        names += [crate["name"] for crate in body["crates"]]
        if body["meta"]["next_page"] is None:
            break
        path = "/api/v1/crates" + body["meta"]["next_page"]
    assert len(names) == total, (query, len(names), total)
    return names


def _expected(order: str) -> list[str]:
    everything = list(range(COUNT))
    if order == "downloads":
        everything.sort(key=lambda i: (-_downloads(i), -i))
    elif order == "new":
        everything.sort(key=lambda i: (_created(i), i), reverse=True)
    elif order == "recent-updates":
        everything.sort(key=lambda i: (_updated(i), i), reverse=True)
    return [_name(i) for i in everything]


@pytest.mark.parametrize(
    "sort", ["alpha", "downloads", "recent-downloads", "new", "recent-updates"]
)
def test_every_sort_pages_through_every_crate_by_seek(crowd: FakeRegistry, sort: str) -> None:
    names = _all_pages(crowd, f"sort={sort}&per_page=37")
    assert len(names) == COUNT + 1
    assert len(set(names)) == COUNT + 1
    crates_only = [name for name in names if name != "hub"]
    expected = _expected({"recent-downloads": "downloads"}.get(sort, sort))
    assert crates_only == (sorted(expected) if sort == "alpha" else expected)


def test_numbered_pages_match_the_seek_pages(crowd: FakeRegistry) -> None:
    everything = _all_pages(crowd, "sort=new&per_page=100")
    second = get(crowd, "/api/v1/crates?sort=new&per_page=50&page=2")
    assert [c["name"] for c in second["crates"]] == everything[50:100]
    assert second["meta"]["next_page"] == "?sort=new&per_page=50&page=3"
    assert second["meta"]["prev_page"] == "?sort=new&per_page=50&page=1"
    assert all(list(crate) == CRATE_FIELDS for crate in second["crates"])


def test_relevance_puts_the_exact_match_first(crowd: FakeRegistry) -> None:
    body = get(crowd, "/api/v1/crates?q=c001&per_page=5")
    assert body["crates"][0]["name"] == "c001"
    assert body["crates"][0]["exact_match"] is True
    assert [c["name"] for c in body["crates"][1:]] == []  # no other name holds "c001"
    hub = get(crowd, "/api/v1/crates?q=hub")["crates"]
    assert hub[0]["name"] == "hub"
    assert hub[0]["exact_match"]
    # names holding the query, most recently downloaded first, then by name
    near = [c["name"] for c in get(crowd, "/api/v1/crates?q=c00")["crates"]]
    assert near == ["c002", "c007", "c004", "c009", "c001", "c006", "c003", "c008", "c000", "c005"]
    by_words = get(crowd, "/api/v1/crates?q=crate+number+12&per_page=100")
    assert by_words["meta"]["total"] == len([i for i in range(COUNT) if "12" in str(i)])


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ("keyword=even", COUNT // 2),
        ("keyword=EVEN", COUNT // 2),
        ("all_keywords=even+k0", len([i for i in range(COUNT) if i % 2 == 0 and i % 7 == 0])),
        ("category=cat-a", COUNT // 3),  # a parent slug includes its subcategories
        ("category=cat-a::sub", COUNT // 3),
        ("letter=h", 1),
        ("ids[]=c001&ids[]=c002&ids[]=nothing", 2),
        ("include_yanked=no", COUNT + 1 - COUNT // 10),
        ("keyword=even&letter=h", COUNT // 2),  # crates.io takes only the first of these
        ("team_id=1", 0),  # no teams in a fake
        ("letter=h&team_id=1", 1),
    ],
)
def test_filters(crowd: FakeRegistry, query: str, count: int) -> None:
    assert get(crowd, f"/api/v1/crates?{query}")["meta"]["total"] == count


def test_user_id_filters_by_owner(crowd: FakeRegistry) -> None:
    alice = get(crowd, "/api/v1/users/alice")["user"]
    assert list(alice) == PUBLIC_USER_FIELDS
    assert alice["name"] == "Alice"
    owned = _all_pages(crowd, f"user_id={alice['id']}&per_page=100")
    assert owned == [_name(i) for i in range(0, COUNT, 5)]
    assert get(crowd, "/api/v1/crates?user_id=999")["meta"]["total"] == 0


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("per_page=101", "cannot request more than 100 items"),
        ("page=0", "invalid `page`"),
        ("page=201", "Page 201 is unavailable for performance reasons"),
        ("page=2&seek=WzFd", "providing both ?page= and ?seek= is unsupported"),
        ("seek=!!!", "invalid seek parameter"),
        ("sort=new&seek=WyJ4Il0", "invalid seek parameter"),
        ("letter=", "letter value must contain 1 character"),
    ],
)
def test_bad_list_queries_are_400(crowd: FakeRegistry, query: str, words: str) -> None:
    detail = assert_cargo_error(http_call(crowd, "GET", f"/api/v1/crates?{query}"), 400)
    assert words in detail


def test_reverse_dependencies_are_paged(crowd: FakeRegistry) -> None:
    dependents = [i for i in range(COUNT) if i % 3 == 1 and i % 10 != 9]  # yanked ones don't
    first = get(crowd, "/api/v1/crates/hub/reverse_dependencies?per_page=50")
    assert first["meta"] == {"total": len(dependents)}
    second = get(crowd, "/api/v1/crates/hub/reverse_dependencies?per_page=50&page=2")
    shown = first["dependencies"] + second["dependencies"]
    assert len(shown) == len(dependents)
    assert all(dep["crate_id"] == "hub" and dep["req"] == "^1" for dep in shown)
    by_version = {v["id"]: v["crate"] for v in first["versions"] + second["versions"]}
    names = [by_version[dep["version_id"]] for dep in shown]
    assert sorted(names) == [_name(i) for i in dependents]
    downloads = [dep["downloads"] for dep in shown]
    assert downloads == sorted(downloads, reverse=True)  # most downloaded first


def test_summary(crowd: FakeRegistry) -> None:
    summary = get(crowd, "/api/v1/summary")
    assert list(summary) == [
        "num_downloads",
        "num_crates",
        "new_crates",
        "most_downloaded",
        "most_recently_downloaded",
        "just_updated",
        "popular_keywords",
        "popular_categories",
    ]
    assert summary["num_crates"] == COUNT + 1
    assert summary["num_downloads"] == sum(_downloads(i) for i in range(COUNT))
    assert [c["name"] for c in summary["new_crates"]] == _expected("new")[:10]
    assert [c["name"] for c in summary["most_downloaded"]] == _expected("downloads")[:10]
    updated = [i for i in range(COUNT) if i % 4 == 0]
    updated.sort(key=lambda i: (_updated(i), i), reverse=True)
    assert [c["name"] for c in summary["just_updated"]] == [_name(i) for i in updated[:10]]
    keywords = {k["keyword"]: k["crates_cnt"] for k in summary["popular_keywords"]}
    assert keywords["even"] == keywords["odd"] == COUNT // 2
    categories = {c["slug"]: c["crates_cnt"] for c in summary["popular_categories"]}
    assert categories == {"cat-b": COUNT - COUNT // 3, "cat-a": COUNT // 3}


def test_me_is_the_signed_in_user(crowd: FakeRegistry, tmp_path: Path) -> None:
    alice = crowd.add_token("alice")
    curl = Curl(crowd, tmp_path / "jar")
    curl.sign_in(alice)
    status, me, _ = curl("GET", "/api/v1/me")
    assert status == 200
    assert me["user"]["login"] == "alice"
    assert [c["name"] for c in me["owned_crates"]] == [_name(i) for i in range(0, COUNT, 5)]
    # crates.io's /me is for its website (only_cookie): an API token is refused too
    for token in (None, "wrong", alice):
        assert_cargo_error(http_call(crowd, "GET", "/api/v1/me", token=token), 403)
    assert curl("DELETE", "/api/private/session")[:2] == (200, {"ok": True})
    signed_out = curl("GET", "/api/v1/me")  # the old cookie names a session that ended
    assert signed_out[0] == 403
    for token in (None, "wrong"):
        following = http_call(crowd, "GET", "/api/v1/crates?following=yes", token=token)
        assert_cargo_error(following, 403)
    followed = get(crowd, "/api/v1/crates?following=yes", token=alice)
    assert followed["meta"]["total"] == 0  # nobody follows anything here
    assert_cargo_error(http_call(crowd, "GET", "/api/v1/users/nobody"), 404)


def test_user_stats_sum_the_downloads_of_their_crates(crowd: FakeRegistry) -> None:
    for login in ("alice", crowd.login):  # (alice's crates have no downloads)
        user = get(crowd, f"/api/v1/users/{login}")["user"]
        owned = _all_pages(crowd, f"user_id={user['id']}&per_page=100")
        expected = sum(crowd.downloads(name) for name in owned)
        assert get(crowd, f"/api/v1/users/{user['id']}/stats") == {"total_downloads": expected}
    assert expected > 0
    assert get(crowd, "/api/v1/users/999/stats") == {"total_downloads": 0}
    refused = http_call(crowd, "GET", "/api/v1/users/abc/stats")
    assert "Cannot parse `abc`" in assert_cargo_error(refused, 400)
    assert assert_cargo_error(http_call(crowd, "GET", "/api/v1/teams/github:org:team"), 404)


def test_follows_select_crates_with_following() -> None:
    """``PUT``/``DELETE …/follow`` with a token (crates.io: the token, then the crate);
    ``?following`` lists the crates the token's user follows (where crates.io's chain of
    filters reaches it)."""
    with FakeRegistry() as reg:
        for name in ("one", "two", "three"):
            reg.add_crate(name, "1.0.0")
        bob = reg.add_user("bob")

        def follow(method: str, name: str, token: str | None = bob) -> HttpAnswer:
            return http_call(reg, method, f"/api/v1/crates/{name}/follow", token=token)

        assert follow("PUT", "one").json() == {"ok": True}
        assert follow("PUT", "Three").json() == {"ok": True}
        assert follow("PUT", "one").json() == {"ok": True}  # (twice: no change)
        assert_cargo_error(follow("PUT", "none-such"), 404)
        assert_cargo_error(follow("PUT", "none-such", token=None), 403)  # the token first
        listed = get(reg, "/api/v1/crates?following=1", token=bob)["crates"]
        assert [c["name"] for c in listed] == ["one", "three"]
        assert get(reg, "/api/v1/crates?following=1", token=reg.token)["crates"] == []
        assert follow("DELETE", "one").json() == {"ok": True}
        listed = get(reg, "/api/v1/crates?following=1&q=t", token=bob)["crates"]
        assert [c["name"] for c in listed] == ["three"]
        user = get(reg, f"/api/v1/users/{reg.login}")["user"]  # user_id comes first
        both = get(reg, f"/api/v1/crates?following=1&user_id={user['id']}", token=bob)
        assert both["meta"]["total"] == 3
