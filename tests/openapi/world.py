"""One seeded registry for the OpenAPI cases, and the requests they make to it.

The registry holds crates with versions, dependencies, keywords, categories, a README, a
yanked version and one published over HTTP (so that ``published_by`` and ``audit_actions``
are filled); users with tokens; an owner following a crate; a trusted publishing config.
Each case that changes something changes a crate, user or token of its own, so the cases
may run in any order (pytest-randomly shuffles them) against the same registry.

Two things a test of crates.io reaches through a browser or a mailbox, each one function
here: :func:`signed_in` (crates.io's cookie-only routes need a signed-in browser: fakereg's
page session, from its sign-in form) and :func:`emailed_token` (the secrets crates.io sends
by email: an owner invitation's token, an email address's confirmation token). The
registry has ``owner_invitations=True``, as crates.io.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from fakereg import FakeRegistry
from tests.crates import crate, metadata, publish_body

#: fakereg's API tells a browser session from an API token: the cases that send a token
#: where crates.io wants a cookie (a 403) run.
SESSIONS_WIRED = True

#: The users the cases act as, besides the registry's own (``owner``).
USERS = ("bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "kim")

#: Crates with a single version 1.0.0, each for the cases that change it.
PLAIN_CRATES = (
    "new",  # GET /api/v1/crates/new: crates.io's route for a crate named `new`
    "yankee",
    "patchy",
    "doomed",
    "owned",
    "shared",
    "solo",
    "invited",
    "declined",
    "tokened",
    "followed",
)

#: A token of no user (crates.io: 403 "authentication failed").
WRONG_TOKEN = "cio" + "0" * 32


@dataclass
class World:
    """The registry, an HTTP client to it, each user's API token, and the values the
    seeding and the cases' setups found (ids, tokens), by name."""

    reg: FakeRegistry
    client: httpx.Client
    tokens: dict[str, str] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)

    def login(self, who: str) -> str:
        """The login of *who* (``owner`` is the registry's own user)."""
        return self.reg.login if who == "owner" else who

    def auth_headers(self, auth: str) -> dict[str, str]:
        """The headers of an *auth* spec: ``none``, ``wrong`` (a token of nobody),
        ``token:<who>`` (an API token), ``session:<who>`` (a signed-in browser) or
        ``value:<name>`` (a token a setup kept, say an exchanged trusted publishing one)."""
        kind, _, who = auth.partition(":")
        if kind == "none":
            return {}
        if kind == "wrong":
            return {"Authorization": WRONG_TOKEN}
        if kind == "token":
            return {"Authorization": self.tokens[who]}
        if kind == "session":
            return signed_in(self, who)
        if kind == "value":
            return {"Authorization": f"Bearer {self.values[who]}"}
        raise ValueError(f"unknown auth spec {auth!r}")

    def send(
        self,
        method: str,
        target: str,
        *,
        auth: str = "none",
        body: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """One request over loopback; *body* (when not None) is sent as JSON."""
        sent = self.auth_headers(auth) | dict(headers or {})
        if body is not None:
            content = json.dumps(body).encode()
            sent.setdefault("Content-Type", "application/json")
        return self.client.request(method, target, content=content, headers=sent)

    def ok(self, method: str, target: str, **options: Any) -> Any:
        """A request that must succeed; its JSON (None for an empty body)."""
        answer = self.send(method, target, **options)
        assert answer.status_code < 300, (method, target, answer.status_code, answer.text[:300])
        return answer.json() if answer.content else None


def signed_in(world: World, who: str) -> dict[str, str]:
    """The headers of *who*'s signed-in browser session (crates.io's ``cargo_session``
    cookie): fakereg's page session, signed in once with *who*'s token."""
    key = f"session:{who}"
    if key not in world.values:
        answer = world.client.post("/session", data={"token": world.tokens[who], "next": "/"})
        assert answer.status_code == 303, answer.text
        world.values[key] = answer.headers["Set-Cookie"].split(";", 1)[0]
        world.client.cookies.clear()  # each request names its own session
    return {"Cookie": str(world.values[key])}


def emailed_token(world: World, kind: str, who: str) -> str:
    """The secret crates.io would have emailed *who*: ``owner_invite`` (the invitation
    token of ``PUT /api/v1/me/crate_owner_invitations/accept/{token}``) or
    ``user_confirm`` (the token of ``PUT /api/v1/confirm/{email_token}``)."""
    if kind == "owner_invite":
        (invitation,) = world.reg.invitations(login=world.login(who))
        return invitation.token
    if kind == "user_confirm":
        return world.reg.email_token(world.login(who))
    raise ValueError(f"crates.io mails no {kind} token")


# -- the seeding -------------------------------------------------------------------------


def seed(world: World) -> None:
    """Fill the registry (see the module's doc) and note the ids the cases need."""
    reg = world.reg
    with reg.batch():
        reg.add_crate(
            "beta", "0.1.0", keywords=["parsing"], categories=["parsing"], description="Beta"
        )
        reg.add_crate("alpha", "0.9.0", yanked=True)
        reg.add_crate(
            "alpha",
            "1.0.0",
            deps=["beta@0.1"],
            features={"default": ["fast"], "fast": []},
            keywords=["parsing", "fast"],
            categories=["parsing", "development-tools::testing"],
            readme="# Alpha\n\nThe *alpha* crate.\n",
            rust_version="1.70",
            description="The alpha crate",
            license="MIT OR Apache-2.0",
            repository="https://github.com/acme/alpha",
            homepage="https://example.com/alpha",
            documentation="https://docs.example.com/alpha",
        )
        reg.add_crate("alpha", "1.2.0-beta.1")
        for name in PLAIN_CRATES:
            reg.add_crate(name, "1.0.0")
        reg.add_crate("unyankee", "1.0.0", yanked=True)
    world.tokens["owner"] = reg.token
    for login in USERS:
        world.tokens[login] = reg.add_user(login, login.title())
    # A version published over HTTP and yanked with a message: published_by, audit_actions.
    body = publish_body(metadata("alpha", "1.1.0", deps=[]), crate("alpha", "1.1.0"))
    world.ok("PUT", "/api/v1/crates/new", auth="token:owner", content=body)
    yank = {"version": {"yanked": True, "yank_message": "broken build"}}
    world.ok("PATCH", "/api/v1/crates/alpha/1.1.0", auth="token:owner", body=yank)
    downloaded = world.client.get(
        f"{reg.url}/api/v1/crates/alpha/1.0.0/download", follow_redirects=True
    )
    assert downloaded.status_code == 200, downloaded.status_code  # a download count
    world.ok("PUT", "/api/v1/crates/followed/follow", auth="token:owner")
    config = reg.add_trusted_publisher(
        "alpha", repository_owner="acme", repository_name="alpha", workflow_filename="ci.yml"
    )
    world.values["alpha_github_config"] = config.id
    # A version published through trusted publishing: trustpub_data, no published_by.
    trusted = {"Authorization": f"Bearer {exchanged_token(world)}"}
    body = publish_body(metadata("alpha", "1.3.0", deps=[]), crate("alpha", "1.3.0"))
    world.ok("PUT", "/api/v1/crates/new", content=body, headers=trusted)
    for who in ("owner", *USERS):
        user = world.ok("GET", f"/api/v1/users/{world.login(who)}")["user"]
        world.values[f"{who}_id"] = user["id"]
    me = world.ok("GET", "/api/v1/me", auth="session:owner")
    for owned in me["owned_crates"]:
        world.values[f"{owned['name']}_crate_id"] = owned["id"]


# -- steps the cases' setups share -------------------------------------------------------


def make_owner(world: World, name: str, who: str) -> None:
    """Make *who* an owner of crate *name*: the owner's invitation, then (where
    invitations exist) *who*'s acceptance."""
    login = world.login(who)
    world.ok("PUT", f"/api/v1/crates/{name}/owners", auth="token:owner", body={"owners": [login]})
    if login in world.reg.owners(name):
        return  # added at once
    accept = {
        "crate_owner_invite": {"crate_id": world.values[f"{name}_crate_id"], "accepted": True}
    }
    world.ok(
        "PUT",
        f"/api/v1/me/crate_owner_invitations/{world.values[f'{name}_crate_id']}",
        auth=f"token:{who}",
        body=accept,
    )


def invite(world: World, name: str, who: str) -> None:
    """The owner invites *who* to own crate *name* (unless *who* owns it already)."""
    if world.login(who) in world.reg.owners(name):
        return
    body = {"owners": [world.login(who)]}
    world.ok("PUT", f"/api/v1/crates/{name}/owners", auth="token:owner", body=body)


def id_token(world: World, repository: str, workflow: str) -> str:
    """A GitHub Actions ID token from the registry's fake GitHub, for *repository*'s
    *workflow*, with the audience the official action asks for."""
    env = world.reg.github_actions_env(repository=repository, workflow=workflow)
    audience = world.reg.url.split("://", 1)[1]
    answer = world.client.get(
        env["ACTIONS_ID_TOKEN_REQUEST_URL"] + f"&audience={audience}",
        headers={"Authorization": f"Bearer {env['ACTIONS_ID_TOKEN_REQUEST_TOKEN']}"},
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["value"])


def exchanged_token(world: World) -> str:
    """A trusted publishing token for alpha, exchanged from a fresh ID token."""
    jwt = id_token(world, "acme/alpha", "ci.yml")
    answer = world.ok("POST", "/api/v1/trusted_publishing/tokens", body={"jwt": jwt})
    return str(answer["token"])


def open_world() -> Iterator[World]:
    """A started, seeded registry and a client to it, for one test module."""
    with (
        FakeRegistry(owner_invitations=True) as reg,
        httpx.Client(base_url=reg.url, timeout=30) as client,
    ):
        world = World(reg, client)
        seed(world)
        yield world
        reg.check_errors()
