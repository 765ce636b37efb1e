"""The control API's description (``fakereg/web/control_api.json``) against the server: its
routes, the keys its handlers accept, and the keys of its answers, called for real."""

from __future__ import annotations

import json
import re
from dataclasses import fields
from pathlib import Path
from typing import Any
from unittest.mock import MagicMock

import pytest

import fakereg
from fakereg import FakeRegistry
from fakereg.domain.cratebuild import CrateOptions
from fakereg.testing.faults import FaultOptions
from fakereg.web import control, control_api_doc, control_owners, control_traffic
from fakereg.web.routes import CONTROL, Handlers, registry_routes
from tests.control_api_calls import call_every_route
from tests.helpers import JSON, http

DESCRIPTION = Path(fakereg.__file__).parent / "web" / "control_api.json"


def description() -> dict[str, Any]:
    """The description, parsed."""
    loaded: dict[str, Any] = json.loads(DESCRIPTION.read_text(encoding="utf-8"))
    return loaded


def described() -> dict[tuple[str, str], dict[str, Any]]:
    """(method, path) → the route's description."""
    return {(r["method"], r["path"]): r for r in description()["routes"]}


def server_routes() -> set[tuple[str, str]]:
    """(method, path) of every control route of the route table, ``{param}`` style."""
    table = registry_routes(Handlers(**{f.name: MagicMock() for f in fields(Handlers)}))
    found = set()
    for route in table.routes:
        if route.rule.startswith(CONTROL) and not route.fallback:
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route.rule[len(CONTROL) :])
            found |= {(method, path) for method in route.methods}
    return found


#: What each handler accepts, from its own allow-list (query keys for GETs).
ACCEPTED: dict[tuple[str, str], tuple[str, ...]] = {
    ("POST", "/reset"): control.RESET_KEYS,
    ("POST", "/crates"): (
        "name",
        "version",
        *CrateOptions.__annotations__,
        *control._ADD_CRATE_EXTRAS,
    ),
    ("POST", "/users"): control.USER_KEYS,
    ("POST", "/tokens"): control.TOKEN_KEYS,
    ("DELETE", "/tokens"): control.REVOKE_KEYS,
    ("POST", "/public-keys"): control.PUBLIC_KEY_KEYS,
    ("GET", "/invitations"): control_owners.INVITATION_QUERY,
    ("POST", "/invitations"): control_owners.INVITATION_ANSWER_KEYS,
    ("POST", "/teams"): control_owners.TEAM_KEYS,
    ("POST", "/faults"): ("kind", *FaultOptions.__annotations__),
    ("POST", "/index-delay"): control_traffic.INDEX_DELAY_KEYS,
    ("GET", "/requests"): control_traffic.REQUESTS_QUERY,
    ("GET", "/publishes"): control_traffic.PUBLISHES_QUERY,
    ("POST", "/wait"): control_traffic.WAIT_KEYS,
    ("GET", "/trusted-publishers"): ("crate",),
    ("POST", "/trusted-publishers"): (
        *control.GITHUB_PUBLISHER_KEYS,
        *control.GITLAB_PUBLISHER_KEYS,
        *control.PUBLISHER_EXTRAS,
    ),
    ("POST", "/github-actions-env"): (*control.GITHUB_JOB_KEYS, *control.JOB_EXTRAS),
    ("POST", "/gitlab-ci-env"): (*control.GITLAB_JOB_KEYS, *control.JOB_EXTRAS),
}


def request_keys(route: dict[str, Any]) -> set[str]:
    """The keys the description gives a route's request (its JSON body's, or its query's)."""
    body = route.get("body") or {}
    return set(body.get("keys", {})) | set(route.get("query", {}))


def test_every_control_route_is_described_and_every_description_is_a_route() -> None:
    routes, written = server_routes(), set(described())
    assert sorted(routes - written) == [], "routes the description lacks"
    assert sorted(written - routes) == [], "described routes the server lacks"


def test_the_request_keys_are_those_the_handlers_accept() -> None:
    for key, route in described().items():
        assert request_keys(route) == set(ACCEPTED.get(key, ())), key
        for name, spec in (route.get("body") or {}).get("keys", {}).items():
            assert set(spec) <= {"type", "required", "doc"}, name
            assert isinstance(spec["type"], str), name


def test_each_route_names_its_python_node_and_rust_method_or_says_why_not() -> None:
    for key, route in described().items():
        for side in ("python", "node", "rust"):
            assert side in route, (key, side)
            if route[side] is None:
                assert route.get(f"{side}_reason"), (key, side)
        if route["python"] is not None:
            owner, _, name = route["python"].partition(".")
            assert hasattr(getattr(fakereg, owner), name), route["python"]


def test_handlers_refuse_what_the_description_does_not_name(
    fake_registry: FakeRegistry,
) -> None:
    """Each JSON body route answers 400 naming a key the description lacks (or, for the
    routes whose refusal shows the whole shape, naming the described keys)."""
    headers = {**JSON, "Authorization": f"Bearer {fake_registry.admin_token}"}
    valid = {"/crates": {"name": "a", "version": "1.0.0"}, "/faults": {"kind": "index"}}
    for (method, path), route in described().items():
        if "keys" not in (route.get("body") or {}):
            continue
        body = {**valid.get(path, {}), "not_described": "x"}
        data = json.dumps(body).encode()
        answer = http(fake_registry, method, CONTROL + path, body=data, headers=headers)
        assert answer.status == 400, (method, path, answer.body)
        detail = answer.json()["errors"][0]["detail"]
        named = all(f'"{key}"' in detail for key in route["body"]["keys"])
        assert "not_described" in detail or named, (method, path, detail)


@pytest.fixture(scope="module")
def answers() -> dict[tuple[str, str], Any]:
    with FakeRegistry(owner_invitations=True) as reg:
        return call_every_route(reg)


def _assert_keys(found: Any, wanted: list[str], where: object) -> None:
    assert isinstance(found, dict), where
    assert list(found) == wanted, (where, sorted(set(found) ^ set(wanted)))


def test_every_answer_has_the_described_keys(answers: dict[tuple[str, str], Any]) -> None:
    routes = described()
    assert set(routes) <= set(answers), "call_every_route misses a route"
    for key, route in routes.items():
        answer = answers[key]
        if route["answer"] == "env":
            assert answer, key
            assert all(isinstance(v, str) for v in answer.values()), key
            continue
        _assert_keys(answer, route["answer"], key)
        for field, item_keys in route.get("items", {}).items():
            for item in answer[field]:
                _assert_keys(item, item_keys, (key, field))
    gitlab = routes[("POST", "/trusted-publishers")]["answer_gitlab"]
    _assert_keys(answers[("POST", "/trusted-publishers gitlab")], gitlab, "gitlab publisher")


CLIENTS = Path(__file__).parent.parent / "clients"
_NODE_CALL = re.compile(r'call\("(\w+)",\s*[`"](/[^`"?]*)')
_RUST_CALL = re.compile(
    r'(?:control|typed(?:::<\w+>)?|call_with)\(\s*"(\w+)",\s*(?:&format!\()?"(/[^"?]*)'
)


def _template(path: str) -> str:
    """A client's path with its interpolations as ``{}`` (one appending a query dropped)."""
    return re.sub(r"(?<!/)\{\}$", "", re.sub(r"\$\{[^}]*\}|\{[^}]*\}", "{}", path))


def _body(source: str, definition: str) -> str:
    """The text of the method *definition* matches, up to the next one at its indentation."""
    found = re.search(definition, source, re.MULTILINE)
    assert found, definition
    indent = re.match(r"\s*", found.group(0).lstrip("\n")).group(0)  # type: ignore[union-attr]
    rest = source[found.end() :]
    end = re.search(rf"^{indent}(?:pub |async |fn |\w+\().*$|^}}", rest, re.MULTILINE)
    return rest[: end.start() if end else len(rest)]


def _client_check(side: str, source: str, calls: re.Pattern[str], definition: str) -> None:
    routes = described()
    paths = {(m, _template(p)): (m, p) for m, p in routes}
    made = {(m, _template(p)) for m, p in calls.findall(source)}
    assert sorted(made - set(paths)) == [], f"{side} calls routes the description lacks"
    for (method, path), route in routes.items():
        name = route[side]
        if name is None:
            continue
        body = _body(source, definition.format(name=re.escape(name.split(".")[-1])))
        paths_named = {_template(p) for p in re.findall(r'[`"](/[^`"?]*)', body)}
        assert f'"{method}"' in body, f"{side} {name} does not call {method} {path}"
        assert _template(path) in paths_named, f"{side} {name} does not call {method} {path}"


def test_the_node_client_has_a_method_for_every_described_route() -> None:
    source = (CLIENTS / "node" / "index.js").read_text(encoding="utf-8")
    _client_check("node", source, _NODE_CALL, r"^  (?:async )?{name}\(")
    declared = (CLIENTS / "node" / "index.d.ts").read_text(encoding="utf-8")
    for route in described().values():
        if route["node"] is not None:
            assert re.search(rf"^  {route['node'].split('.')[-1]}\(", declared, re.M), route["node"]


def test_the_rust_client_has_a_method_for_every_described_route() -> None:
    source = "\n".join(
        path.read_text(encoding="utf-8") for path in sorted((CLIENTS / "rust" / "src").glob("*.rs"))
    )
    _client_check("rust", source, _RUST_CALL, r"^    pub fn {name}\b")


def test_the_reference_page_is_what_the_description_makes() -> None:
    page = Path(__file__).parent.parent / "docs" / "reference" / "control-api.md"
    assert page.read_text(encoding="utf-8") == control_api_doc.render(), (
        "run python -m fakereg.web.control_api_doc docs/reference/control-api.md"
    )
