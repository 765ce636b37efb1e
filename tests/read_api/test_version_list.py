"""``GET /api/v1/crates/{name}/versions``: all at once, or seek pages with ``per_page``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest

from fakereg import FakeRegistry
from tests.helpers import assert_cargo_error, http
from tests.read_api.conftest import get

# published in this order, a day apart: the date order differs from the semver order
NUMS = [f"1.{minor}.{patch}" for minor in (2, 0, 1) for patch in range(8)]
NUMS += ["2.0.0-alpha.2", "2.0.0-alpha.10", "0.9.0", "2.0.0"]
START = datetime(2026, 3, 1, tzinfo=timezone.utc)


def _semver_desc() -> list[str]:
    def key(num: str) -> tuple[object, ...]:
        core, _, pre = num.partition("-")
        parts = tuple(int(p) for p in core.split("."))
        pre_key = tuple(int(p) if p.isdigit() else p for p in pre.split(".")) if pre else ()
        return (parts, 0 if pre else 1, pre_key)

    return sorted(NUMS, key=key, reverse=True)


@pytest.fixture(scope="module")
def many() -> Iterator[FakeRegistry]:
    with FakeRegistry() as reg:
        with reg.batch():
            for i, num in enumerate(NUMS):
                reg.add_crate("many", num, pubtime=START + timedelta(days=i), yanked=num == "1.2.7")
        yield reg
        reg.check_errors()


def _pages(reg: FakeRegistry, query: str) -> list[str]:
    nums: list[str] = []
    path = f"/api/v1/crates/many/versions?{query}"
    while True:
        body = get(reg, path)
        assert body["meta"]["total"] in (len(NUMS), 0)
        nums += [v["num"] for v in body["versions"]]
        if body["meta"]["next_page"] is None:
            return nums
        path = "/api/v1/crates/many/versions" + body["meta"]["next_page"]


def test_without_per_page_every_version_comes_by_semver(many: FakeRegistry) -> None:
    body = get(many, "/api/v1/crates/many/versions")
    assert [v["num"] for v in body["versions"]] == _semver_desc()
    assert body["meta"] == {"total": len(NUMS), "next_page": None}


@pytest.mark.parametrize("per_page", [1, 5, 10, 100])
def test_seek_pages_cover_every_version_once(many: FakeRegistry, per_page: int) -> None:
    assert _pages(many, f"per_page={per_page}") == _semver_desc()
    assert _pages(many, f"per_page={per_page}&sort=date") == list(reversed(NUMS))


def test_next_page_keeps_the_query_and_adds_a_seek(many: FakeRegistry) -> None:
    body = get(many, "/api/v1/crates/many/versions?per_page=3&sort=date")
    assert body["meta"]["next_page"].startswith("?per_page=3&sort=date&seek=")


def test_nums_and_release_tracks(many: FakeRegistry) -> None:
    body = get(many, "/api/v1/crates/many/versions?nums[]=1.0.3&nums[]=2.0.0&nums[]=7.0.0")
    assert [v["num"] for v in body["versions"]] == ["2.0.0", "1.0.3"]
    tracks = get(many, "/api/v1/crates/many/versions?include=release_tracks")["meta"]
    assert tracks["release_tracks"] == {
        "2": {"highest": "2.0.0"},
        "1": {"highest": "1.2.6"},  # 1.2.7 is yanked
        "0.9": {"highest": "0.9.0"},
    }


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("per_page=5&page=2", "?page= is not supported for this request"),
        ("per_page=5&seek=bm90IGpzb24", "invalid seek parameter"),
        ("per_page=5&seek=WyJ4Il0", "invalid seek parameter"),
        ("per_page=500", "cannot request more than 100 items"),
        ("include=everything", "invalid component for ?include="),
    ],
)
def test_bad_version_list_queries_are_400(many: FakeRegistry, query: str, words: str) -> None:
    answer = http(many, "GET", f"/api/v1/crates/many/versions?{query}")
    assert words in assert_cargo_error(answer, 400)
