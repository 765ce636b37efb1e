"""Every route of the control API called once, for real, with a request that succeeds:
what tests/test_control_api_description.py checks the description's answers against."""

from __future__ import annotations

import json
from typing import Any

from fakereg import FakeRegistry
from tests.crates import crate
from tests.helpers import JSON, http
from tests.test_asymmetric_tokens import _key_pair


def _call(reg: FakeRegistry, method: str, route: str, body: Any = None, raw: bytes = b"") -> Any:
    headers = {"Authorization": f"Bearer {reg.admin_token}"}
    data = raw or None
    if body is not None:
        headers.update(JSON)
        data = json.dumps(body).encode()
    answer = http(reg, method, f"/__fakereg{route}", body=data, headers=headers)
    assert answer.status == 200, (method, route, answer.body)
    return answer.json()


def call_every_route(reg: FakeRegistry) -> dict[tuple[str, str], Any]:
    """(method, described path) → the answer, for every route; *reg* has owner invitations."""
    out: dict[tuple[str, str], Any] = {}

    def call(method: str, path: str, route: str | None = None, **kw: Any) -> Any:
        out[(method, path)] = _call(reg, method, route or path, **kw)
        return out[(method, path)]

    call("GET", "/health")
    call("POST", "/crates", body={"name": "shared", "version": "1.0.0", "owner": reg.login})
    call("PUT", "/crates", raw=crate("imported", "0.1.0"))
    call("GET", "/crates")
    call("POST", "/users", body={"login": "erin", "name": "Erin"})
    token = call("POST", "/tokens", body={"login": "erin", "scopes": ["publish-update"]})["token"]
    call("DELETE", "/tokens", body={"token": token})
    me = http(reg, "GET", f"/api/v1/users/{reg.login}", token=reg.token).json()["user"]
    change = json.dumps({"user": {"email": "mango@mangos.mango"}}).encode()
    user_path = f"/api/v1/users/{me['id']}"
    assert http(reg, "PUT", user_path, body=change, headers=JSON, token=reg.token).status == 200
    call("GET", "/users/{login}/email-token", f"/users/{reg.login}/email-token")
    call("POST", "/public-keys", body={"login": reg.login, "key": _key_pair()[1]})
    invite = json.dumps({"users": ["erin"]}).encode()
    owners = "/api/v1/crates/shared/owners"
    assert http(reg, "PUT", owners, body=invite, headers=JSON, token=reg.token).status == 200
    call("GET", "/invitations", "/invitations?crate=shared")
    call("POST", "/invitations", body={"crate": "shared", "login": "erin", "action": "accept"})
    call("POST", "/teams", body={"login": "github:acme:ops", "members": ["erin"], "name": "Ops"})
    call("GET", "/teams")
    fault = call("POST", "/faults", body={"kind": "index", "status": 503, "times": 1})
    call("GET", "/faults")
    call("DELETE", "/faults/{fault_id}", f"/faults/{fault['id']}")
    call("POST", "/index-delay", body={"seconds": 0.1})
    http(reg, "GET", "/index/config.json", token=reg.token)
    call("GET", "/requests", "/requests?kind=config")
    call("GET", "/publishes")
    call("POST", "/wait", body={"kind": "config", "timeout": 5})
    publisher = {
        "crate": "shared",
        "repository_owner": "acme",
        "repository_name": "shared",
        "workflow_filename": "release.yml",
    }
    call("POST", "/trusted-publishers", body=publisher)
    gitlab = {"provider": "gitlab", "crate": "shared", "namespace": "acme", "project": "shared"}
    out[("POST", "/trusted-publishers gitlab")] = _call(
        reg, "POST", "/trusted-publishers", {**gitlab, "workflow_filepath": ".gitlab-ci.yml"}
    )
    call("GET", "/trusted-publishers", "/trusted-publishers?crate=shared")
    call("POST", "/github-actions-env", body={"repository": "acme/shared"})
    call("POST", "/gitlab-ci-env", body={"project": "acme/shared"})
    call("POST", "/reset", body={})
    return out
