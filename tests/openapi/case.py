"""What a case is: one real request, the operation of crates.io's document it exercises,
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
    invite,
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

C = Case
CRATE = "/api/v1/crates/{name}"
VERSION = "/api/v1/crates/{name}/{version}"
JSON_ACCEPT = {"Accept": "application/json"}
