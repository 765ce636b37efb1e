"""The cases: one real request each, the operation of crates.io's document it exercises,
and the status crates.io answers it with (read in crates.io's controllers, named by group).

Targets are formatted with the world's values (``{alpha_crate_id}``, ``{bob_id}``, and what a
case's setup keeps). ``auth`` is a spec of :meth:`World.auth_headers`; ``detail`` a part of
crates.io's error words. Without auth crates.io answers 403 "this action requires
authentication" and with a token of nobody 403 "authentication failed" (``src/auth.rs``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.crates import crate, metadata, publish_body
from tests.openapi.checker import Operation
from tests.openapi.world import (
    World,
    emailed_token,
    exchanged_token,
    id_token,
    invite,
    make_owner,
)

NO_AUTH = "this action requires authentication"
WRONG_AUTH = "authentication failed"
#: crates.io's words for an API token on a cookie-only route (``src/auth.rs``).
COOKIE_ONLY = "this action can only be performed on the crates.io website"
#: crates.io's ``not_found()`` (``src/util/errors.rs``): a row that is not there.
NOT_FOUND = "Not Found"


@dataclass(frozen=True)
class Case:
    """One request and the status crates.io answers it with."""

    method: str
    template: str
    status: int
    target: str
    why: str = ""
    auth: str = "none"
    #: A JSON body (or what makes it from the world), sent with its content type.
    body: Any = None
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    setup: Callable[[World], None] | None = None
    detail: str | None = None
    #: crates.io sends a body its document does not describe (``authors``).
    undocumented_body: bool = False
    #: The case sends an API token where crates.io wants a browser session: it runs
    #: once fakereg's API has sessions (``world.SESSIONS_WIRED``).
    needs_sessions: bool = False

    @property
    def operation(self) -> Operation:
        return Operation(self.method.lower(), self.template)

    @property
    def id(self) -> str:
        return f"{self.method} {self.template} {self.status} {self.why}".strip()

    def json_body(self, world: World) -> Any:
        return self.body(world) if callable(self.body) else self.body


def _publish(name: str, version: str) -> bytes:
    return publish_body(metadata(name, version, deps=[]), crate(name, version))


def _keep(name: str, make: Callable[[World], Any]) -> Callable[[World], None]:
    """A setup keeping what *make* returns as the world's value *name*."""

    def setup(world: World) -> None:
        world.values[name] = make(world)

    return setup


def _new_token(who: str) -> Callable[[World], str]:
    """A new API token of *who*, made through ``PUT /api/v1/me/tokens``; its id."""

    def make(world: World) -> str:
        body = {"api_token": {"name": f"case token of {who}"}}
        answer = world.ok("PUT", "/api/v1/me/tokens", auth=f"session:{who}", body=body)
        return str(answer["api_token"]["id"])

    return make


def _set_email(who: str) -> Callable[[World], None]:
    def setup(world: World) -> None:
        body = {"user": {"email": f"{who}@example.com"}}
        target = f"/api/v1/users/{world.values[f'{who}_id']}"
        world.ok("PUT", target, auth=f"token:{who}", body=body)

    return setup


def _confirm_token(world: World) -> str:
    _set_email("grace")(world)
    return emailed_token(world, "user_confirm", "grace")


def _invite_token(world: World) -> str:
    invite(world, "tokened", "heidi")
    return emailed_token(world, "owner_invite", "heidi")


def _answer(crate_key: str, accepted: bool) -> Callable[[World], Any]:
    def body(world: World) -> Any:
        crate_id = world.values[f"{crate_key}_crate_id"]
        return {"crate_owner_invite": {"crate_id": crate_id, "accepted": accepted}}

    return body


def _jwt(world: World) -> Any:
    return {"jwt": world.values["jwt"]}


# The table is laid out by hand, a case to a line or a few.
# fmt: off
C = Case
CRATE = "/api/v1/crates/{name}"
VERSION = "/api/v1/crates/{name}/{version}"
JSON_ACCEPT = {"Accept": "application/json"}

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
        "DELETE", CRATE, 403, "/api/v1/crates/doomed", "not an owner", "session:bob",
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

# -- owner invitations (crate_owner_invitation.rs) ----------------------------------------
INVITATIONS = [
    C(
        "GET", "/api/v1/me/crate_owner_invitations", 200, "/api/v1/me/crate_owner_invitations",
        "", "session:judy", setup=lambda w: invite(w, "owned", "judy"),
    ),
    C(
        "GET", "/api/v1/me/crate_owner_invitations", 403, "/api/v1/me/crate_owner_invitations",
        "no auth", detail=NO_AUTH,
    ),
    C(
        "GET", "/api/private/crate_owner_invitations", 200,
        "/api/private/crate_owner_invitations?crate_name=owned", "by crate", "session:owner",
        setup=lambda w: invite(w, "owned", "judy"),
    ),
    C(
        "GET", "/api/private/crate_owner_invitations", 200,
        "/api/private/crate_owner_invitations?invitee_id={judy_id}", "by invitee",
        "session:judy", setup=lambda w: invite(w, "owned", "judy"),
    ),
    C(
        "GET", "/api/private/crate_owner_invitations", 400,
        "/api/private/crate_owner_invitations", "no filter", "session:owner",
        detail="missing or invalid filter",
    ),
    C(
        "GET", "/api/private/crate_owner_invitations", 403,
        "/api/private/crate_owner_invitations?invitee_id={judy_id}", "another's", "session:bob",
        detail="only the invitee can query their pending invitations",
    ),
    C(
        "GET", "/api/private/crate_owner_invitations", 403,
        "/api/private/crate_owner_invitations?crate_name=owned", "not an owner", "session:bob",
        detail="only crate owners can query pending invitations for their crate",
    ),
    C(
        "GET", "/api/private/crate_owner_invitations", 403,
        "/api/private/crate_owner_invitations?crate_name=owned", "no auth", detail=NO_AUTH,
    ),
    C(
        "PUT", "/api/v1/me/crate_owner_invitations/{crate_id}", 200,
        "/api/v1/me/crate_owner_invitations/{invited_crate_id}", "accept", "token:erin",
        body=_answer("invited", True), setup=lambda w: invite(w, "invited", "erin"),
    ),
    C(
        "PUT", "/api/v1/me/crate_owner_invitations/{crate_id}", 200,
        "/api/v1/me/crate_owner_invitations/{declined_crate_id}", "decline", "session:frank",
        body=_answer("declined", False), setup=lambda w: invite(w, "declined", "frank"),
    ),
    C(
        "PUT", "/api/v1/me/crate_owner_invitations/{crate_id}", 404,
        "/api/v1/me/crate_owner_invitations/{alpha_crate_id}", "not invited", "token:bob",
        body=_answer("alpha", True), detail=NOT_FOUND,
    ),
    C(
        "PUT", "/api/v1/me/crate_owner_invitations/{crate_id}", 403,
        "/api/v1/me/crate_owner_invitations/{alpha_crate_id}", "no auth",
        body=_answer("alpha", True), detail=NO_AUTH,
    ),
    C(
        "PUT", "/api/v1/me/crate_owner_invitations/{crate_id}", 422,
        "/api/v1/me/crate_owner_invitations/{alpha_crate_id}", "wrong shape", "token:bob",
        body={"crate_owner_invite": {"crate_id": "alpha"}},
    ),
    C(
        "PUT", "/api/v1/me/crate_owner_invitations/accept/{token}", 200,
        "/api/v1/me/crate_owner_invitations/accept/{invite_token}", "",
        setup=_keep("invite_token", _invite_token),
    ),
    C(
        "PUT", "/api/v1/me/crate_owner_invitations/accept/{token}", 404,
        "/api/v1/me/crate_owner_invitations/accept/no-such-token", "unknown token",
        detail=NOT_FOUND,
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

# -- users and their settings (user/*.rs) -------------------------------------------------
ACCOUNTS = [
    C("GET", "/api/v1/me", 200, "/api/v1/me", "", "session:owner"),
    C("GET", "/api/v1/me", 403, "/api/v1/me", "no auth", detail=NO_AUTH),
    C(
        "GET", "/api/v1/me", 403, "/api/v1/me", "a token", "token:owner", detail=COOKIE_ONLY,
        needs_sessions=True,
    ),
    C("GET", "/api/v1/users/{user}", 200, "/api/v1/users/bob"),
    C("GET", "/api/v1/users/{user}", 200, "/api/v1/users/fakereg-user", "an owner"),
    C("GET", "/api/v1/users/{user}", 404, "/api/v1/users/nobody-at-all"),
    C("GET", "/api/v1/users/{id}/stats", 200, "/api/v1/users/{owner_id}/stats"),
    C("GET", "/api/v1/users/{id}/stats", 400, "/api/v1/users/abc/stats", "not a number"),
    C("GET", "/api/v1/teams/{team}", 404, "/api/v1/teams/github:acme:owners", "no teams"),
    C(
        "PUT", "/api/v1/users/{user}", 200, "/api/v1/users/{grace_id}", "email", "token:grace",
        body={"user": {"email": "grace@example.com"}},
    ),
    C(
        "PUT", "/api/v1/users/{user}", 200, "/api/v1/users/{bob_id}", "notifications",
        "session:bob", body={"user": {"publish_notifications": True}},
    ),
    C(
        "PUT", "/api/v1/users/{user}", 400, "/api/v1/users/{grace_id}", "another user",
        "token:bob", body={"user": {"publish_notifications": False}},
        detail="current user does not match requested user",
    ),
    C(
        "PUT", "/api/v1/users/{user}", 400, "/api/v1/users/{bob_id}", "bad email", "token:bob",
        body={"user": {"email": "not an address"}}, detail="invalid email address",
    ),
    C(
        "PUT", "/api/v1/users/{user}", 403, "/api/v1/users/{bob_id}", "no auth",
        body={"user": {"publish_notifications": True}}, detail=NO_AUTH,
    ),
    C(
        "PUT", "/api/v1/users/{user}", 422, "/api/v1/users/{bob_id}", "wrong shape", "token:bob",
        body={"user": {"email": 5}},
    ),
    C(
        "PUT", "/api/v1/users/{id}/resend", 200, "/api/v1/users/{grace_id}/resend", "",
        "token:grace", setup=_set_email("grace"),
    ),
    C(
        "PUT", "/api/v1/users/{id}/resend", 400, "/api/v1/users/{grace_id}/resend", "another",
        "token:bob", detail="current user does not match requested user",
    ),
    C(
        "PUT", "/api/v1/users/{id}/resend", 403, "/api/v1/users/{grace_id}/resend", "no auth",
        detail=NO_AUTH,
    ),
    C(
        "PUT", "/api/v1/confirm/{email_token}", 200, "/api/v1/confirm/{email_token}", "",
        setup=_keep("email_token", _confirm_token),
    ),
    C(
        "PUT", "/api/v1/confirm/{email_token}", 400, "/api/v1/confirm/no-such-token", "unknown",
        detail="Email belonging to token not found.",
    ),
    C(
        "PUT", "/api/v1/me/email_notifications", 200, "/api/v1/me/email_notifications", "",
        "token:owner",
        body=lambda w: [{"id": w.values["alpha_crate_id"], "email_notifications": False}],
    ),
    C(
        "PUT", "/api/v1/me/email_notifications", 403, "/api/v1/me/email_notifications",
        "no auth", body=[], detail=NO_AUTH,
    ),
    C(
        "PUT", "/api/v1/me/email_notifications", 422, "/api/v1/me/email_notifications",
        "wrong shape", "token:owner", body={"id": 1},
    ),
]

# -- API tokens (token.rs) ----------------------------------------------------------------
TOKENS = [
    C("GET", "/api/v1/me/tokens", 200, "/api/v1/me/tokens", "", "session:owner"),
    C(
        "GET", "/api/v1/me/tokens", 200, "/api/v1/me/tokens?expired_days=30", "expired_days",
        "session:bob",
    ),
    C("GET", "/api/v1/me/tokens", 403, "/api/v1/me/tokens", "no auth", detail=NO_AUTH),
    C(
        "GET", "/api/v1/me/tokens", 403, "/api/v1/me/tokens", "a token", "token:owner",
        detail=COOKIE_ONLY, needs_sessions=True,
    ),
    C(
        "PUT", "/api/v1/me/tokens", 200, "/api/v1/me/tokens", "scoped", "session:owner",
        body={
            "api_token": {
                "name": "ci",
                "crate_scopes": ["alpha", "beta*"],
                "endpoint_scopes": ["publish-update", "yank"],
                "expired_at": "2100-01-01T00:00:00Z",
            }
        },
    ),
    C(
        "PUT", "/api/v1/me/tokens", 400, "/api/v1/me/tokens", "no name", "session:owner",
        body={"api_token": {"name": ""}}, detail="name must have a value",
    ),
    C(
        "PUT", "/api/v1/me/tokens", 400, "/api/v1/me/tokens", "by a token", "token:owner",
        body={"api_token": {"name": "again"}},
        detail="cannot use an API token to create a new API token", needs_sessions=True,
    ),
    C(
        "PUT", "/api/v1/me/tokens", 400, "/api/v1/me/tokens", "bad scope", "session:owner",
        body={"api_token": {"name": "bad", "endpoint_scopes": ["everything"]}},
        detail="invalid endpoint scope",
    ),
    C(
        "PUT", "/api/v1/me/tokens", 403, "/api/v1/me/tokens", "no auth",
        body={"api_token": {"name": "anon"}}, detail=NO_AUTH,
    ),
    C(
        "PUT", "/api/v1/me/tokens", 422, "/api/v1/me/tokens", "wrong shape", "session:owner",
        body={"api_token": {"name": 5}},
    ),
    C(
        "GET", "/api/v1/me/tokens/{id}", 200, "/api/v1/me/tokens/{shown_token}", "",
        "token:owner", setup=_keep("shown_token", _new_token("owner")),
    ),
    C(
        "GET", "/api/v1/me/tokens/{id}", 404, "/api/v1/me/tokens/999999", "", "token:owner",
        detail=NOT_FOUND,
    ),
    C("GET", "/api/v1/me/tokens/{id}", 403, "/api/v1/me/tokens/1", "no auth", detail=NO_AUTH),
    C(
        "DELETE", "/api/v1/me/tokens/{id}", 200, "/api/v1/me/tokens/{dropped_token}", "",
        "token:owner", setup=_keep("dropped_token", _new_token("owner")),
    ),
    C("DELETE", "/api/v1/me/tokens/{id}", 400, "/api/v1/me/tokens/abc", "", "token:owner"),
    C("DELETE", "/api/v1/me/tokens/{id}", 403, "/api/v1/me/tokens/1", "", detail=NO_AUTH),
    C(
        "DELETE", "/api/v1/tokens/current", 204, "/api/v1/tokens/current", "", "value:current",
        setup=_keep("current", lambda w: w.reg.add_token("bob")),
    ),
    C("DELETE", "/api/v1/tokens/current", 403, "/api/v1/tokens/current", "", detail=NO_AUTH),
    C(
        "DELETE", "/api/v1/tokens/current", 400, "/api/v1/tokens/current", "a session",
        "session:owner", detail="token not provided", needs_sessions=True,
    ),
]

# -- trusted publishing (trustpub/*) ------------------------------------------------------
GITHUB = "/api/v1/trusted_publishing/github_configs"
GITLAB = "/api/v1/trusted_publishing/gitlab_configs"
TP_TOKENS = "/api/v1/trusted_publishing/tokens"
NEW_GITHUB = {
    "github_config": {
        "crate": "alpha",
        "repository_owner": "acme",
        "repository_name": "alpha",
        "workflow_filename": "release.yml",
        "environment": "release",
    }
}
NEW_GITLAB = {
    "gitlab_config": {
        "crate": "alpha",
        "namespace": "acme",
        "project": "alpha",
        "workflow_filepath": ".gitlab-ci.yml",
        "environment": None,
    }
}


def _github_config(world: World) -> int:
    config = world.reg.add_trusted_publisher(
        "patchy", repository_owner="acme", repository_name="patchy", workflow_filename="ci.yml"
    )
    return config.id


def _gitlab_config(world: World) -> int:
    body = {"gitlab_config": dict(NEW_GITLAB["gitlab_config"], crate="patchy")}
    return int(world.ok("POST", GITLAB, auth="token:owner", body=body)["gitlab_config"]["id"])


TRUSTED = [
    C("GET", GITHUB, 200, f"{GITHUB}?crate=alpha", "", "token:owner"),
    C(
        "GET", GITHUB, 400, GITHUB, "no filter", "token:owner",
        detail="Must specify either `crate` or `user_id` query parameter",
    ),
    C("GET", GITHUB, 403, f"{GITHUB}?crate=alpha", "no auth", detail=NO_AUTH),
    C("POST", GITHUB, 200, GITHUB, "", "token:owner", body=NEW_GITHUB),
    C("POST", GITHUB, 403, GITHUB, "no auth", body=NEW_GITHUB, detail=NO_AUTH),
    C("POST", GITHUB, 422, GITHUB, "wrong shape", "token:owner", body={"github_config": {}}),
    C(
        "DELETE", f"{GITHUB}/{{id}}", 204, f"{GITHUB}/{{github_config}}", "", "token:owner",
        setup=_keep("github_config", _github_config),
    ),
    C("DELETE", f"{GITHUB}/{{id}}", 404, f"{GITHUB}/999999", "", detail=NOT_FOUND),
    C(
        "DELETE", f"{GITHUB}/{{id}}", 403, f"{GITHUB}/{{alpha_github_config}}", "no auth",
        detail=NO_AUTH,
    ),
    C("GET", GITLAB, 200, f"{GITLAB}?crate=alpha", "", "token:owner"),
    C(
        "GET", GITLAB, 400, GITLAB, "no filter", "token:owner",
        detail="Must specify either `crate` or `user_id` query parameter",
    ),
    C("GET", GITLAB, 403, f"{GITLAB}?crate=alpha", "no auth", detail=NO_AUTH),
    C("POST", GITLAB, 200, GITLAB, "", "token:owner", body=NEW_GITLAB),
    C("POST", GITLAB, 403, GITLAB, "no auth", body=NEW_GITLAB, detail=NO_AUTH),
    C("POST", GITLAB, 422, GITLAB, "wrong shape", "token:owner", body={"gitlab_config": {}}),
    C(
        "DELETE", f"{GITLAB}/{{id}}", 204, f"{GITLAB}/{{dropped_gitlab_config}}", "", "token:owner",
        setup=_keep("dropped_gitlab_config", _gitlab_config),
    ),
    C("DELETE", f"{GITLAB}/{{id}}", 404, f"{GITLAB}/999999", "", detail=NOT_FOUND),
    C(
        "DELETE", f"{GITLAB}/{{id}}", 403, f"{GITLAB}/{{kept_gitlab_config}}", "no auth",
        setup=_keep("kept_gitlab_config", _gitlab_config), detail=NO_AUTH,
    ),
    C(
        "POST", TP_TOKENS, 200, TP_TOKENS, "exchange", body=_jwt,
        setup=_keep("jwt", lambda w: id_token(w, "acme/alpha", "ci.yml")),
    ),
    C("POST", TP_TOKENS, 400, TP_TOKENS, "not a JWT", body={"jwt": "not-a-jwt"}),
    C("POST", TP_TOKENS, 422, TP_TOKENS, "wrong shape", body={"token": "x"}),
    C(
        "DELETE", TP_TOKENS, 204, TP_TOKENS, "revoke", "value:tp_token",
        setup=_keep("tp_token", exchanged_token),
    ),
    C(
        "DELETE", TP_TOKENS, 401, TP_TOKENS, "no header",
        detail="Missing `Authorization` header",
    ),
    C(
        "DELETE", TP_TOKENS, 401, TP_TOKENS, "not one", "wrong",
        detail="Invalid `Authorization` header: Failed to parse token",
    ),
]

# -- the session (session.rs): signing out; signing in is out of scope -------------------
SESSION = [
    C("DELETE", "/api/private/session", 200, "/api/private/session", "sign out", "session:kim"),
]

# fmt: on

CASES: list[Case] = [
    *TAGS,
    *CRATES,
    *FOLLOWS,
    *OWNERS,
    *INVITATIONS,
    *VERSIONS,
    *PUBLISH,
    *ACCOUNTS,
    *TOKENS,
    *TRUSTED,
    *SESSION,
]
