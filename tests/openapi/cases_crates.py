"""The cases of crates, versions, owners and publishing (see :mod:`tests.openapi.case`)."""

from __future__ import annotations

from tests.openapi.case import (
    COOKIE_ONLY,
    CRATE,
    JSON_ACCEPT,
    NO_AUTH,
    VERSION,
    WRONG_AUTH,
    C,
    _publish,
)
from tests.openapi.world import make_owner

# fmt: off
# -- categories, keywords, site (controllers/category.rs, keyword.rs, site_metadata.rs,
#    summary.rs) ---------------------------------------------------------------------------
TAGS = [
    C("GET", "/api/v1/categories", 200, "/api/v1/categories?sort=crates&per_page=5"),
    C("GET", "/api/v1/categories", 400, "/api/v1/categories?page=0", "page 0"),
    C("GET", "/api/v1/categories/{category}", 200, "/api/v1/categories/parsing"),
    C(
        "GET", "/api/v1/categories/{category}", 200,
        "/api/v1/categories/development-tools", "subcategories",
    ),
    C(
        "GET", "/api/v1/categories/{category}", 200,
        "/api/v1/categories/development-tools::testing", "a parent",
    ),
    C("GET", "/api/v1/categories/{category}", 404, "/api/v1/categories/no-such-category"),
    C("GET", "/api/v1/category_slugs", 200, "/api/v1/category_slugs"),
    C("GET", "/api/v1/keywords", 200, "/api/v1/keywords?sort=crates"),
    C("GET", "/api/v1/keywords", 400, "/api/v1/keywords?page=0", "page 0"),
    C("GET", "/api/v1/keywords/{keyword}", 200, "/api/v1/keywords/parsing"),
    C("GET", "/api/v1/keywords/{keyword}", 404, "/api/v1/keywords/no-such-keyword"),
    C("GET", "/api/v1/site_metadata", 200, "/api/v1/site_metadata"),
    C("GET", "/api/v1/summary", 200, "/api/v1/summary"),
]

# -- search and crates (krate/search.rs, metadata.rs, update.rs, delete.rs, downloads.rs,
#    rev_deps.rs, versions.rs) --------------------------------------------------------------
CRATES = [
    C("GET", "/api/v1/crates", 200, "/api/v1/crates?q=alpha", "search"),
    C("GET", "/api/v1/crates", 200, "/api/v1/crates?page=1&per_page=2&sort=alpha", "pages"),
    C("GET", "/api/v1/crates", 200, "/api/v1/crates?per_page=2&sort=new", "seek"),
    C("GET", "/api/v1/crates", 200, "/api/v1/crates?following=1", "following", "token:owner"),
    C(
        "GET", "/api/v1/crates", 200,
        "/api/v1/crates?keyword=parsing&category=parsing&include_yanked=no&letter=a",
        "filters",
    ),
    C("GET", "/api/v1/crates", 200, "/api/v1/crates?all_keywords=parsing+fast", "all_keywords"),
    C("GET", "/api/v1/crates", 200, "/api/v1/crates?user_id={owner_id}&sort=downloads", "user"),
    C("GET", "/api/v1/crates", 200, "/api/v1/crates?ids[]=alpha&ids[]=beta", "ids"),
    C("GET", "/api/v1/crates", 200, "/api/v1/crates?q=al&sort=recent-downloads", "recent"),
    C("GET", "/api/v1/crates", 403, "/api/v1/crates?following=1", "following", detail=NO_AUTH),
    C("GET", "/api/v1/crates", 400, "/api/v1/crates?page=0", "page 0"),
    C(
        "GET", "/api/v1/crates", 400, "/api/v1/crates?per_page=101", "per_page",
        detail="cannot request more than 100 items",
    ),
    C("GET", "/api/v1/crates/new", 200, "/api/v1/crates/new", "the crate `new`"),
    C(
        "GET", CRATE, 404, "/api/v1/crates/no-such-crate", "no crate",
        detail="crate `no-such-crate` does not exist",
    ),
    C(
        "GET", CRATE, 200,
        "/api/v1/crates/alpha?include=versions,keywords,categories,downloads,default_version",
        "include all",
    ),
    C("GET", CRATE, 200, "/api/v1/crates/alpha?include=", "include none"),
    C("GET", f"{CRATE}/downloads", 200, "/api/v1/crates/alpha/downloads?include=versions"),
    C("GET", f"{CRATE}/downloads", 404, "/api/v1/crates/no-such-crate/downloads"),
    C("GET", f"{CRATE}/reverse_dependencies", 200, "/api/v1/crates/beta/reverse_dependencies"),
    C("GET", f"{CRATE}/reverse_dependencies", 404, "/api/v1/crates/no-such/reverse_dependencies"),
    C(
        "GET", f"{CRATE}/reverse_dependencies", 400,
        "/api/v1/crates/beta/reverse_dependencies?page=0", "page 0",
    ),
    C("GET", f"{CRATE}/versions", 200, "/api/v1/crates/alpha/versions"),
    C(
        "GET", f"{CRATE}/versions", 200,
        "/api/v1/crates/alpha/versions?include=release_tracks&per_page=2&sort=date", "seek",
    ),
    C(
        "GET", f"{CRATE}/versions", 200,
        "/api/v1/crates/alpha/versions?nums[]=1.0.0&nums[]=1.1.0", "nums",
    ),
    C("GET", f"{CRATE}/versions", 404, "/api/v1/crates/no-such-crate/versions"),
    # update.rs: the crate first, then a token with the trusted-publishing scope (a legacy
    # token, with no scopes, is refused) or a session, then ownership.
    C(
        "PATCH", CRATE, 200, "/api/v1/crates/patchy", "trustpub_only", "session:owner",
        body={"crate": {"trustpub_only": False}},
    ),
    C(
        "PATCH", CRATE, 404, "/api/v1/crates/no-such-crate", "no crate", "session:owner",
        body={"crate": {"trustpub_only": False}},
    ),
    C(
        "PATCH", CRATE, 403, "/api/v1/crates/patchy", "no auth",
        body={"crate": {"trustpub_only": False}}, detail=NO_AUTH,
    ),
    C(
        "PATCH", CRATE, 403, "/api/v1/crates/patchy", "legacy token", "token:owner",
        body={"crate": {"trustpub_only": False}}, detail="cannot be used with legacy API tokens",
    ),
    C(
        "PATCH", CRATE, 403, "/api/v1/crates/patchy", "not an owner", "session:bob",
        body={"crate": {"trustpub_only": True}},
        detail="only owners have permission to modify crate settings",
    ),
    C(
        "PATCH", CRATE, 422, "/api/v1/crates/patchy", "wrong shape", "session:owner",
        body={"crate": {"trustpub_only": "yes"}},
    ),
    # delete.rs: a session only; then the crate, ownership, and no reverse dependencies.
    C("DELETE", CRATE, 204, "/api/v1/crates/doomed", "", "session:owner"),
    C("DELETE", CRATE, 403, "/api/v1/crates/doomed", "no auth", detail=NO_AUTH),
    C(
        "DELETE", CRATE, 403, "/api/v1/crates/doomed", "a token", "token:owner",
        detail=COOKIE_ONLY, needs_sessions=True,
    ),
    C("DELETE", CRATE, 404, "/api/v1/crates/no-such-crate", "no crate", "session:owner"),
    C(
        "DELETE", CRATE, 403, "/api/v1/crates/alpha", "not an owner", "session:bob",
        detail="only owners have permission to delete crates",
    ),
    C(
        "DELETE", CRATE, 422, "/api/v1/crates/beta", "depended on", "session:owner",
        detail="only crates without reverse dependencies can be deleted",
    ),
]

# -- follows (krate/follow.rs, user/me.rs) ------------------------------------------------
FOLLOWS = [
    C("PUT", f"{CRATE}/follow", 200, "/api/v1/crates/alpha/follow", "", "token:bob"),
    C("PUT", f"{CRATE}/follow", 404, "/api/v1/crates/no-such/follow", "no crate", "token:bob"),
    C("PUT", f"{CRATE}/follow", 403, "/api/v1/crates/alpha/follow", "no auth", detail=NO_AUTH),
    C(
        "PUT", f"{CRATE}/follow", 403, "/api/v1/crates/alpha/follow", "wrong token", "wrong",
        detail=WRONG_AUTH,
    ),
    C("DELETE", f"{CRATE}/follow", 200, "/api/v1/crates/alpha/follow", "", "token:carol"),
    C("DELETE", f"{CRATE}/follow", 404, "/api/v1/crates/no-such/follow", "", "token:carol"),
    C("DELETE", f"{CRATE}/follow", 403, "/api/v1/crates/alpha/follow", "", detail=NO_AUTH),
    C("GET", f"{CRATE}/following", 200, "/api/v1/crates/followed/following", "", "session:owner"),
    C(
        "GET", f"{CRATE}/following", 404, "/api/v1/crates/no-such/following", "", "session:owner",
        detail="crate `no-such` does not exist",
    ),
    C("GET", f"{CRATE}/following", 403, "/api/v1/crates/followed/following", "", detail=NO_AUTH),
    C(
        "GET", f"{CRATE}/following", 403, "/api/v1/crates/followed/following", "a token",
        "token:owner", detail=COOKIE_ONLY, needs_sessions=True,
    ),
    C("GET", "/api/v1/me/updates", 200, "/api/v1/me/updates", "", "session:owner"),
    C("GET", "/api/v1/me/updates", 403, "/api/v1/me/updates", "no auth", detail=NO_AUTH),
    C(
        "GET", "/api/v1/me/updates", 403, "/api/v1/me/updates", "a token", "token:owner",
        detail=COOKIE_ONLY, needs_sessions=True,
    ),
]

# -- owners (krate/owners.rs) -------------------------------------------------------------
OWNERS = [
    C("GET", f"{CRATE}/owners", 200, "/api/v1/crates/alpha/owners"),
    C("GET", f"{CRATE}/owners", 404, "/api/v1/crates/no-such-crate/owners"),
    C("GET", f"{CRATE}/owner_user", 200, "/api/v1/crates/alpha/owner_user"),
    C("GET", f"{CRATE}/owner_user", 404, "/api/v1/crates/no-such-crate/owner_user"),
    C("GET", f"{CRATE}/owner_team", 200, "/api/v1/crates/alpha/owner_team"),
    C("GET", f"{CRATE}/owner_team", 404, "/api/v1/crates/no-such-crate/owner_team"),
    C(
        "PUT", f"{CRATE}/owners", 200, "/api/v1/crates/owned/owners", "", "token:owner",
        body={"owners": ["carol"]},
    ),
    C(
        "PUT", f"{CRATE}/owners", 200, "/api/v1/crates/owned/owners", "`users`", "token:owner",
        body={"users": ["ivan"]},
    ),
    C(
        "PUT", f"{CRATE}/owners", 403, "/api/v1/crates/owned/owners", "no auth",
        body={"owners": ["carol"]}, detail=NO_AUTH,
    ),
    C(
        "PUT", f"{CRATE}/owners", 403, "/api/v1/crates/owned/owners", "not an owner", "token:bob",
        body={"owners": ["bob"]}, detail="only owners have permission to modify owners",
    ),
    C(
        "PUT", f"{CRATE}/owners", 400, "/api/v1/crates/owned/owners", "no user", "token:owner",
        body={"owners": ["nobody-at-all"]}, detail="could not find user with login `nobody-at-all`",
    ),
    C(
        "PUT", f"{CRATE}/owners", 404, "/api/v1/crates/no-such-crate/owners", "", "token:owner",
        body={"owners": ["carol"]},
    ),
    C(
        "PUT", f"{CRATE}/owners", 422, "/api/v1/crates/owned/owners", "wrong shape", "token:owner",
        body={"owners": "carol"},
    ),
    C(
        "DELETE", f"{CRATE}/owners", 200, "/api/v1/crates/shared/owners", "", "token:owner",
        body={"owners": ["dave"]}, setup=lambda w: make_owner(w, "shared", "dave"),
    ),
    C(
        "DELETE", f"{CRATE}/owners", 400, "/api/v1/crates/solo/owners", "the last owner",
        "token:owner", body={"owners": ["fakereg-user"]},
        detail="cannot remove all individual owners of a crate",
    ),
    C(
        "DELETE", f"{CRATE}/owners", 403, "/api/v1/crates/solo/owners", "no auth",
        body={"owners": ["fakereg-user"]}, detail=NO_AUTH,
    ),
    C(
        "DELETE", f"{CRATE}/owners", 422, "/api/v1/crates/solo/owners", "wrong shape",
        "token:owner", body={"logins": ["carol"]},
    ),
]

# -- versions (version/*.rs) --------------------------------------------------------------
VERSIONS = [
    C("GET", VERSION, 200, "/api/v1/crates/alpha/1.1.0", "yanked by HTTP"),
    C("GET", VERSION, 200, "/api/v1/crates/alpha/1.0.0"),
    C(
        "GET", VERSION, 404, "/api/v1/crates/alpha/9.9.9", "no version",
        detail="crate `alpha` does not have a version `9.9.9`",
    ),
    C(
        "GET", VERSION, 404, "/api/v1/crates/no-such-crate/1.0.0", "no crate",
        detail="crate `no-such-crate` does not exist",
    ),
    C("GET", VERSION, 400, "/api/v1/crates/alpha/1.x", "not semver"),
    C(
        "PATCH", VERSION, 200, "/api/v1/crates/patchy/1.0.0", "yank", "token:owner",
        body={"version": {"yanked": True, "yank_message": "bad"}},
    ),
    C(
        "PATCH", VERSION, 403, "/api/v1/crates/patchy/1.0.0", "no auth",
        body={"version": {"yanked": True}}, detail=NO_AUTH,
    ),
    C(
        "PATCH", VERSION, 404, "/api/v1/crates/patchy/9.9.9", "no version", "token:owner",
        body={"version": {"yanked": True}},
    ),
    C(
        "PATCH", VERSION, 422, "/api/v1/crates/patchy/1.0.0", "wrong shape", "token:owner",
        body={"version": {"yanked": "yes"}},
    ),
    # authors.rs: always this empty list, whatever the path; the document names no body.
    C(
        "GET", f"{VERSION}/authors", 200, "/api/v1/crates/alpha/1.0.0/authors",
        undocumented_body=True,
    ),
    C("GET", f"{VERSION}/dependencies", 200, "/api/v1/crates/alpha/1.0.0/dependencies"),
    C("GET", f"{VERSION}/dependencies", 404, "/api/v1/crates/alpha/9.9.9/dependencies"),
    C("GET", f"{VERSION}/dependencies", 400, "/api/v1/crates/alpha/1.x/dependencies"),
    # downloads.rs: a redirect to the file, or its URL as JSON when asked for JSON.
    C("GET", f"{VERSION}/download", 302, "/api/v1/crates/alpha/1.0.0/download", "redirect"),
    C(
        "GET", f"{VERSION}/download", 200, "/api/v1/crates/alpha/1.0.0/download", "JSON",
        headers=JSON_ACCEPT,
    ),
    C("GET", f"{VERSION}/download", 400, "/api/v1/crates/alpha/1.x/download", "not semver"),
    C("GET", f"{VERSION}/download", 404, "/api/v1/crates/-bad-/1.0.0/download", "bad name"),
    C("GET", f"{VERSION}/downloads", 200, "/api/v1/crates/alpha/1.0.0/downloads"),
    C(
        "GET", f"{VERSION}/downloads", 200,
        "/api/v1/crates/alpha/1.0.0/downloads?before_date=2020-01-01", "before_date",
    ),
    C(
        "GET", f"{VERSION}/downloads", 400,
        "/api/v1/crates/alpha/1.0.0/downloads?before_date=soon", "bad date",
    ),
    C("GET", f"{VERSION}/downloads", 404, "/api/v1/crates/alpha/9.9.9/downloads"),
    # readme.rs: as the download.
    C("GET", f"{VERSION}/readme", 302, "/api/v1/crates/alpha/1.0.0/readme", "redirect"),
    C(
        "GET", f"{VERSION}/readme", 200, "/api/v1/crates/alpha/1.0.0/readme", "JSON",
        headers=JSON_ACCEPT,
    ),
    C("GET", f"{VERSION}/readme", 400, "/api/v1/crates/alpha/1.x/readme", "not semver"),
    C("GET", f"{VERSION}/readme", 404, "/api/v1/crates/-bad-/1.0.0/readme", "bad name"),
    # docs.rs: a session only; the version, then publish rights.
    C(
        "POST", f"{VERSION}/rebuild_docs", 201, "/api/v1/crates/alpha/1.0.0/rebuild_docs", "",
        "session:owner",
    ),
    C(
        "POST", f"{VERSION}/rebuild_docs", 403, "/api/v1/crates/alpha/1.0.0/rebuild_docs",
        "no auth", detail=NO_AUTH,
    ),
    C(
        "POST", f"{VERSION}/rebuild_docs", 403, "/api/v1/crates/alpha/1.0.0/rebuild_docs",
        "not an owner", "session:bob", detail="doesn't have permission to trigger a docs rebuild",
    ),
    C(
        "POST", f"{VERSION}/rebuild_docs", 404, "/api/v1/crates/alpha/9.9.9/rebuild_docs",
        "no version", "session:owner",
    ),
    C(
        "POST", f"{VERSION}/rebuild_docs", 403, "/api/v1/crates/alpha/1.0.0/rebuild_docs",
        "a token", "token:owner", detail=COOKIE_ONLY, needs_sessions=True,
    ),
    # yank.rs
    C("DELETE", f"{VERSION}/yank", 200, "/api/v1/crates/yankee/1.0.0/yank", "", "token:owner"),
    C("DELETE", f"{VERSION}/yank", 403, "/api/v1/crates/yankee/1.0.0/yank", "", detail=NO_AUTH),
    C(
        "DELETE", f"{VERSION}/yank", 403, "/api/v1/crates/yankee/1.0.0/yank", "wrong token",
        "wrong", detail=WRONG_AUTH,
    ),
    C(
        "DELETE", f"{VERSION}/yank", 403, "/api/v1/crates/yankee/1.0.0/yank", "not an owner",
        "token:bob",
    ),
    C("DELETE", f"{VERSION}/yank", 404, "/api/v1/crates/yankee/9.9.9/yank", "", "token:owner"),
    C("DELETE", f"{VERSION}/yank", 400, "/api/v1/crates/yankee/1.x/yank", "", "token:owner"),
    C("PUT", f"{VERSION}/unyank", 200, "/api/v1/crates/unyankee/1.0.0/unyank", "", "token:owner"),
    C("PUT", f"{VERSION}/unyank", 403, "/api/v1/crates/unyankee/1.0.0/unyank", "", detail=NO_AUTH),
    C("PUT", f"{VERSION}/unyank", 404, "/api/v1/crates/unyankee/9.9.9/unyank", "", "token:owner"),
]

# -- publish (krate/publish.rs) -----------------------------------------------------------
PUBLISH = [
    C(
        "PUT", "/api/v1/crates/new", 200, "/api/v1/crates/new", "a new crate", "token:owner",
        content=_publish("fresh", "0.1.0"),
    ),
    C(
        "PUT", "/api/v1/crates/new", 403, "/api/v1/crates/new", "no auth",
        content=_publish("fresh-anon", "0.1.0"), detail=NO_AUTH,
    ),
    C(
        "PUT", "/api/v1/crates/new", 403, "/api/v1/crates/new", "wrong token", "wrong",
        content=_publish("fresh-wrong", "0.1.0"), detail=WRONG_AUTH,
    ),
    C(
        "PUT", "/api/v1/crates/new", 403, "/api/v1/crates/new", "not an owner", "token:bob",
        content=_publish("alpha", "2.0.0"), detail="you don't seem to be an owner",
    ),
    C(
        "PUT", "/api/v1/crates/new", 400, "/api/v1/crates/new", "a cut body", "token:owner",
        content=b"\x05\x00\x00\x00{}",
    ),
]
# fmt: on
