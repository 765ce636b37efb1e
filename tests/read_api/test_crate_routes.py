"""The read API of one crate, for crates published by real cargo: crate, versions, version,
dependencies, README, downloads, owners; field by field against crates.io's types."""

from __future__ import annotations

import hashlib
import json

import pytest

from fakereg import FakeRegistry
from tests.helpers import assert_cargo_error, http
from tests.read_api.conftest import (
    CATEGORY_FIELDS,
    CRATE_FIELDS,
    CRATE_LINKS,
    DEPENDENCY_FIELDS,
    KEYWORD_FIELDS,
    OWNER_FIELDS,
    PUBLIC_USER_FIELDS,
    VERSION_FIELDS,
    get,
)


def test_crate_route_has_crates_io_fields_and_published_values(published: FakeRegistry) -> None:
    reg = published
    body = get(reg, "/api/v1/crates/rich")
    assert list(body) == ["crate", "versions", "keywords", "categories"]
    crate = body["crate"]
    assert list(crate) == CRATE_FIELDS
    assert list(crate["links"]) == CRATE_LINKS
    pubtimes = [line["pubtime"] for line in reg.index_entries("rich")]
    assert crate["created_at"] == min(pubtimes)
    assert crate["updated_at"] == max(pubtimes)
    assert crate | {"created_at": None, "updated_at": None, "versions": None} == {
        "id": "rich",
        "name": "rich",
        "updated_at": None,
        "versions": None,
        "keywords": ["testing", "registry"],
        "categories": ["development-tools::testing", "web-programming"],
        "badges": [],
        "created_at": None,
        "downloads": 1,
        "recent_downloads": 1,
        "default_version": "0.1.0",  # a stable version that is not yanked beats a beta
        "num_versions": 3,
        "yanked": False,
        "max_version": "1.0.0-beta.1",
        "newest_version": "1.0.0-beta.1",
        "max_stable_version": "0.1.0",  # 0.2.0 is yanked
        "description": "The rich test crate",
        "homepage": "https://example.com/rich",
        "documentation": "https://docs.example.com/rich",
        "repository": "https://github.com/example/rich",
        "links": {
            "version_downloads": "/api/v1/crates/rich/downloads",
            "versions": None,
            "owners": "/api/v1/crates/rich/owners",
            "owner_team": "/api/v1/crates/rich/owner_team",
            "owner_user": "/api/v1/crates/rich/owner_user",
            "reverse_dependencies": "/api/v1/crates/rich/reverse_dependencies",
        },
        "exact_match": False,
        "trustpub_only": False,
    }
    nums = [version["num"] for version in body["versions"]]
    assert nums == ["1.0.0-beta.1", "0.2.0", "0.1.0"]  # newest published first
    assert crate["versions"] == [version["id"] for version in body["versions"]]
    assert [list(k) for k in body["keywords"]] == [KEYWORD_FIELDS] * 2
    assert [k["keyword"] for k in body["keywords"]] == ["testing", "registry"]
    assert body["keywords"][0]["crates_cnt"] == 1
    assert [list(c) for c in body["categories"]] == [CATEGORY_FIELDS] * 2
    assert body["categories"][0] | {"created_at": None} == {
        "id": "development-tools::testing",
        "category": "Development tools::Testing",  # crates.io's name and description
        "slug": "development-tools::testing",
        "description": "Crates to help you verify the correctness of your code.",
        "created_at": None,
        "crates_cnt": 1,
    }


@pytest.mark.parametrize(
    ("include", "versions", "top"),
    [
        ("", None, False),
        ("keywords", None, False),
        ("default_version", ["0.1.0"], False),
        ("versions", ["1.0.0-beta.1", "0.2.0", "0.1.0"], True),
        ("full", ["1.0.0-beta.1", "0.2.0", "0.1.0"], True),
    ],
)
def test_crate_include_is_honoured_as_crates_io_does(
    published: FakeRegistry, include: str, versions: list[str] | None, top: bool
) -> None:
    body = get(published, f"/api/v1/crates/rich?include={include}")
    shown = body["versions"]
    assert (None if shown is None else [v["num"] for v in shown]) == versions
    crate = body["crate"]
    # crates.io computes the top versions from the versions it loaded, "0.0.0" without them
    assert crate["max_version"] == ("1.0.0-beta.1" if top else "0.0.0")
    assert crate["max_stable_version"] == ("0.1.0" if top else None)
    assert crate["default_version"] == "0.1.0"
    assert (body["keywords"] is None) == (include not in ("keywords", "full"))
    assert (crate["recent_downloads"] is None) == (include != "full")


def test_crate_include_refuses_unknown_parts(published: FakeRegistry) -> None:
    answer = http(published, "GET", "/api/v1/crates/rich?include=versions,nope")
    assert "invalid component for ?include=" in assert_cargo_error(answer, 400)


def test_version_route_shows_the_manifest_and_the_publish(published: FakeRegistry) -> None:
    reg = published
    version = get(reg, "/api/v1/crates/rich/0.1.0")["version"]
    assert list(version) == VERSION_FIELDS
    data = reg.crate_file("rich", "0.1.0")
    line = next(e for e in reg.index_entries("rich") if e["vers"] == "0.1.0")
    assert version["checksum"] == hashlib.sha256(data).hexdigest() == line["cksum"]
    assert version["crate_size"] == len(data)
    assert version["created_at"] == version["updated_at"] == line["pubtime"]
    assert version | {
        "id": 0,
        "checksum": "",
        "crate_size": 0,
        "created_at": "",
        "updated_at": "",
    } == {
        "id": 0,
        "crate": "rich",
        "num": "0.1.0",
        "dl_path": "/api/v1/crates/rich/0.1.0/download",
        "readme_path": "/api/v1/crates/rich/0.1.0/readme",
        "updated_at": "",
        "created_at": "",
        "downloads": 1,
        "features": {"default": ["fast"], "extra": ["dep:dep-b"], "fast": []},
        "yanked": False,
        "yank_message": None,
        "lib_links": None,
        "license": "MIT",
        "links": {
            "dependencies": "/api/v1/crates/rich/0.1.0/dependencies",
            "version_downloads": "/api/v1/crates/rich/0.1.0/downloads",
            "authors": "/api/v1/crates/rich/0.1.0/authors",
        },
        "crate_size": 0,
        "published_by": version["published_by"],
        "audit_actions": version["audit_actions"],
        "checksum": "",
        "rust_version": "1.70",
        "has_lib": True,
        "bin_names": ["rich-cli"],
        "edition": "2021",
        "description": "The rich test crate",
        "homepage": "https://example.com/rich",
        "documentation": "https://docs.example.com/rich",
        "repository": "https://github.com/example/rich",
        "trustpub_data": None,
        "linecounts": None,
    }
    publisher = version["published_by"]
    assert list(publisher) == PUBLIC_USER_FIELDS
    assert publisher["login"] == reg.login
    assert publisher["id"] == 1
    assert [(a["action"], a["user"]["login"]) for a in version["audit_actions"]] == [
        ("publish", reg.login)
    ]


def test_a_version_yanked_with_a_message_shows_it(published: FakeRegistry) -> None:
    version = get(published, "/api/v1/crates/rich/0.2.0")["version"]
    assert version["yanked"] is True
    assert version["yank_message"] == "broken build"
    assert [a["action"] for a in version["audit_actions"]] == ["publish", "yank"]
    assert version["updated_at"] >= version["created_at"]
    assert next(e for e in published.index_entries("rich") if e["vers"] == "0.2.0")["yanked"]


def test_dependencies_keep_renames_targets_and_order(published: FakeRegistry) -> None:
    deps = get(published, "/api/v1/crates/rich/0.1.0/dependencies")["dependencies"]
    assert all(list(dep) == DEPENDENCY_FIELDS for dep in deps)
    version_id = get(published, "/api/v1/crates/rich/0.1.0")["version"]["id"]
    assert {dep["version_id"] for dep in deps} == {version_id}
    assert len({dep["id"] for dep in deps}) == 3
    shown = [(d["crate_id"], d["req"], d["optional"], d["target"], d["kind"]) for d in deps]
    assert sorted(shown[:2]) == [  # required ones first, by crate name, then optional ones
        ("dep-a", "^1", False, None, "normal"),  # `renamed` in Cargo.toml
        ("dep-a", "^1.0", False, "cfg(unix)", "normal"),
    ]
    assert shown[2] == ("dep-b", "^0.3", True, None, "normal")


def test_readme_redirects_to_the_rendered_readme_or_answers_its_url(
    published: FakeRegistry,
) -> None:
    reg = published
    page = http(reg, "GET", "/api/v1/crates/rich/0.1.0/readme")  # urllib follows the redirect
    assert page.status == 200
    assert page.headers["Content-Type"].startswith("text/html")
    html = page.body.decode()
    assert "<h1>Rich</h1>" in html
    assert "<em>rich</em>" in html
    assert "<table>" in html
    as_json = http(
        reg, "GET", "/api/v1/crates/rich/0.1.0/readme", headers={"Accept": "application/json"}
    )
    assert as_json.headers["Vary"] == "accept"
    assert as_json.json() == {"url": f"{reg.url}/readmes/rich/rich-0.1.0.html"}
    missing = http(reg, "GET", "/readmes/dep-a/dep-a-1.0.0.html")
    assert "has no README" in assert_cargo_error(missing, 404)


def test_downloads_are_counted_per_version(published: FakeRegistry) -> None:
    reg = published
    assert reg.downloads("rich") == reg.downloads("rich", "0.1.0") == 1  # cargo fetch
    assert reg.downloads("rich", "0.2.0") == 0
    assert reg.downloads("nothing") == 0
    rows = get(reg, "/api/v1/crates/rich/downloads")
    version_id = get(reg, "/api/v1/crates/rich/0.1.0")["version"]["id"]
    assert [(r["version"], r["downloads"]) for r in rows["version_downloads"]] == [(version_id, 1)]
    assert rows["meta"] == {"extra_downloads": []}
    assert http(reg, "HEAD", "/dl/dep-b/0.3.0/download").status == 200
    assert reg.downloads("dep-b") == 0  # a HEAD serves no file


def test_owner_user_and_owner_team(published: FakeRegistry) -> None:
    users = get(published, "/api/v1/crates/rich/owner_user")["users"]
    assert [list(u) for u in users] == [OWNER_FIELDS]
    assert users[0]["login"] == published.login
    assert users[0]["kind"] == "user"
    assert get(published, "/api/v1/crates/rich/owner_team") == {"teams": []}
    owners = get(published, "/api/v1/crates/rich/owners")["users"]
    assert owners == users


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/crates/nothing",
        "/api/v1/crates/nothing/versions",
        "/api/v1/crates/nothing/1.0.0",
        "/api/v1/crates/nothing/1.0.0/dependencies",
        "/api/v1/crates/nothing/1.0.0/readme",
        "/api/v1/crates/nothing/downloads",
        "/api/v1/crates/nothing/reverse_dependencies",
        "/api/v1/crates/nothing/owner_user",
        "/api/v1/crates/nothing/owner_team",
        "/readmes/nothing/nothing-1.0.0.html",
    ],
)
def test_a_missing_crate_is_a_404_in_cargos_shape(published: FakeRegistry, path: str) -> None:
    detail = assert_cargo_error(http(published, "GET", path), 404)
    assert detail == "crate `nothing` does not exist"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/crates/rich/9.9.9",
        "/api/v1/crates/rich/9.9.9/dependencies",
        "/api/v1/crates/rich/9.9.9/readme",
        "/api/v1/crates/rich/9.9.9/downloads",
        "/readmes/rich/rich-9.9.9.html",
    ],
)
def test_a_missing_version_is_a_404_in_cargos_shape(published: FakeRegistry, path: str) -> None:
    detail = assert_cargo_error(http(published, "GET", path), 404)
    assert detail == "crate `rich` does not have a version `9.9.9`"


def test_names_are_found_in_any_spelling(published: FakeRegistry) -> None:
    assert get(published, "/api/v1/crates/Dep_A")["crate"]["name"] == "dep-a"


def test_a_publish_answers_the_crate_as_crates_io_does(published: FakeRegistry) -> None:
    """crates.io's ``GoodCrate``: the crate after each of cargo's publishes, as
    ``EncodableCrate::from_minimal`` makes it, and the (empty) warnings."""
    answers = [
        json.loads(r.response_body)
        for r in published.requests.filter("publish", crate="rich")
        if r.status == 200
    ]
    assert [list(answer) for answer in answers] == [["crate", "warnings"]] * 3
    crates = [answer["crate"] for answer in answers]
    assert all(list(krate) == CRATE_FIELDS for krate in crates)
    assert [krate["num_versions"] for krate in crates] == [1, 2, 3]
    assert crates[0]["max_version"] == crates[0]["default_version"] == "0.1.0"
    for krate in crates:
        assert krate["name"] == krate["id"] == "rich"
        assert krate["yanked"] is False
        assert krate["exact_match"] is False
        assert krate["recent_downloads"] is None
        assert krate["versions"] is None
        assert list(krate["links"]) == CRATE_LINKS
    warnings: dict[str, list[str]] = {"invalid_categories": [], "invalid_badges": [], "other": []}
    assert all(answer["warnings"] == warnings for answer in answers)


@pytest.mark.parametrize("path", ["rich/0.1.0", "rich/9.9.9", "no-such-crate/1.0.0"])
def test_version_authors_are_always_empty(published: FakeRegistry, path: str) -> None:
    """Deprecated by RFC 3052: crates.io answers an empty list whatever the path names."""
    assert get(published, f"/api/v1/crates/{path}/authors") == {
        "users": [],
        "meta": {"names": []},
    }


def test_site_metadata(published: FakeRegistry) -> None:
    answer = http(published, "GET", "/api/v1/site_metadata")
    assert answer.status == 200
    assert answer.headers["Cache-Control"] == "public, max-age=15"
    assert answer.json() == {
        "deployed_sha": "unknown",
        "commit": "unknown",
        "cdn_base": published.url,
        "read_only": False,
        "banner_message": None,
    }
