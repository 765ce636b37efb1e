"""crates.io's categories (its own list, counted over the registry's crates) and
keywords: list, one, slugs; and a strict registry's category rules, through cargo."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fakereg import FakeRegistry
from fakereg.domain.categories import categories
from tests.helpers import write_package
from tests.read_api.conftest import CATEGORY_FIELDS, KEYWORD_FIELDS, get


@pytest.fixture(scope="module")
def tagged() -> Iterator[FakeRegistry]:
    """Crates in development-tools and its testing subcategory, in science, with keywords."""
    with FakeRegistry() as reg:
        with reg.batch():
            reg.add_crate("a", "1.0.0", categories=["development-tools::testing"],
                          keywords=["test", "cli"], pubtime="2026-01-02T00:00:00Z")  # fmt: skip
            reg.add_crate("b", "1.0.0", categories=["development-tools::testing", "science"],
                          keywords=["test"], pubtime="2026-01-01T00:00:00Z")  # fmt: skip
            reg.add_crate("c", "1.0.0", categories=["development-tools"], keywords=["Fast"],
                          pubtime="2026-01-03T00:00:00Z")  # fmt: skip
            reg.add_crate("d", "1.0.0", categories=["science"])
            reg.add_crate("e", "1.0.0", categories=["science::math"])
        yield reg


def test_the_category_list_is_crates_ios_top_level_categories(tagged: FakeRegistry) -> None:
    top = sorted(c.name for c in categories().values() if c.parent is None)
    page = get(tagged, "/api/v1/categories")
    assert page["meta"] == {"total": len(top)}
    assert [c["category"] for c in page["categories"]] == top[:10]
    assert all(list(c) == CATEGORY_FIELDS for c in page["categories"])
    second = get(tagged, "/api/v1/categories?page=2&per_page=5")["categories"]
    assert [c["category"] for c in second] == top[5:10]
    busiest = get(tagged, "/api/v1/categories?sort=crates&per_page=3")["categories"]
    # subcategories counted in: science 2 + science::math 1, development-tools 1 + testing 2
    assert [(c["slug"], c["crates_cnt"]) for c in busiest[:2]] == [
        ("development-tools", 3),
        ("science", 3),
    ]


def test_one_category_with_its_subcategories_and_parents(tagged: FakeRegistry) -> None:
    tools = get(tagged, "/api/v1/categories/development-tools")["category"]
    assert list(tools) == [*CATEGORY_FIELDS, "subcategories", "parent_categories"]
    assert tools["category"] == "Development tools"
    assert tools["description"].startswith("Crates that provide developer-facing features")
    assert tools["crates_cnt"] == 1  # its own: c
    assert tools["created_at"] == "2026-01-03T00:00:00Z"
    testing = next(s for s in tools["subcategories"] if s["slug"] == "development-tools::testing")
    assert testing["category"] == "Development tools::Testing"
    assert testing["crates_cnt"] == 2
    assert testing["created_at"] == "2026-01-01T00:00:00Z"
    assert tools["parent_categories"] == []
    sub = get(tagged, "/api/v1/categories/Development-Tools::Testing")["category"]
    assert [p["slug"] for p in sub["parent_categories"]] == ["development-tools"]
    assert sub["parent_categories"][0]["crates_cnt"] == 3
    assert sub["subcategories"] == []
    get(tagged, "/api/v1/categories/no-such-category", status=404)


def test_category_slugs_are_every_category(tagged: FakeRegistry) -> None:
    slugs = get(tagged, "/api/v1/category_slugs")["category_slugs"]
    assert [s["slug"] for s in slugs] == sorted(categories())
    assert all(list(s) == ["id", "slug", "description"] and s["id"] == s["slug"] for s in slugs)


def test_keywords_list_and_one(tagged: FakeRegistry) -> None:
    words = get(tagged, "/api/v1/keywords")
    assert words["meta"] == {"total": 3}
    assert [(k["keyword"], k["crates_cnt"]) for k in words["keywords"]] == [
        ("cli", 1),
        ("fast", 1),
        ("test", 2),
    ]
    assert all(list(k) == KEYWORD_FIELDS for k in words["keywords"])
    by_count = get(tagged, "/api/v1/keywords?sort=crates&per_page=1")["keywords"]
    assert [k["keyword"] for k in by_count] == ["test"]
    one = get(tagged, "/api/v1/keywords/TEST")["keyword"]
    assert one == {"id": "test", "keyword": "test", "created_at": "2026-01-01T00:00:00Z",
                   "crates_cnt": 2}  # fmt: skip
    get(tagged, "/api/v1/keywords/none-such", status=404)


def test_a_crate_names_its_categories_as_crates_io_does(tagged: FakeRegistry) -> None:
    found = get(tagged, "/api/v1/crates/b?include=categories")["categories"]
    assert [(c["slug"], c["category"]) for c in found] == [
        ("development-tools::testing", "Development tools::Testing"),
        ("science", "Science"),
    ]


def test_a_strict_registry_refuses_unknown_categories(tmp_path: Path) -> None:
    with FakeRegistry(strict=True) as reg:
        bad = write_package(tmp_path / "bad", "bad-cats", manifest_extra='categories = ["nope"]')
        refused = reg.cargo("publish", "--registry", reg.name, "--no-verify", cwd=bad)
        assert refused.returncode != 0
        assert (
            "The following category slugs are not currently supported on crates.io: nope"
            in refused.stderr
        )
        extra = 'categories = ["development-tools::testing"]'
        good = write_package(tmp_path / "good", "good-cats", manifest_extra=extra)
        reg.cargo("publish", "--registry", reg.name, "--no-verify", cwd=good, check=True)
        tools = get(reg, "/api/v1/categories/development-tools::testing")["category"]
        assert tools["crates_cnt"] == 1
