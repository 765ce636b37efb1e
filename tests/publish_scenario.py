"""One fixed run through every road to a stored version (web publish, trusted publish,
add_crate, import, the control API's seeding, yanks, owners, refused publishes), and what
it leaves: index lines and read API JSON with times and random values masked. Recorded in
``tests/golden/publish_scenario.json`` before the publish use case became a service."""

from __future__ import annotations

import json
import re
import tempfile
import urllib.request
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from fakereg import Dependency, FakeRegistry

from .crates import crate, dependency, metadata, publish_body
from .helpers import JSON, http

GOLDEN = Path(__file__).parent / "golden" / "publish_scenario.json"
_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?")
_MASKED = {"cksum", "run_id", "sha", "checksum"}


def _mask(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: "*" if k in _MASKED else _mask(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask(v) for v in value]
    if isinstance(value, str):
        return _TIME.sub("<time>", value)
    return value


def _put(reg: FakeRegistry, body: bytes, token: str) -> int:
    return http(reg, "PUT", "/api/v1/crates/new", body=body, token=token).status


def run(reg: FakeRegistry) -> dict[str, Any]:
    """The scenario on a fresh registry; what it left, masked."""
    token = reg.token
    reg.add_crate(
        "alpha",
        "1.0.0",
        deps=["serde@1", Dependency("log", "0.4", optional=True)],
        features={"default": ["std"], "std": [], "logging": ["dep:log"]},
        description="Alpha",
        license="MIT",
        keywords=["a"],
        readme="# Alpha\n",
    )
    reg.add_crate("alpha", "1.1.0", yanked=True)
    reg.add_crate("beta", "0.1.0", owner="someone", pubtime="2020-01-02T03:04:05Z")
    reg.add_crate(
        "beta", "0.2.0", pubtime=datetime(2021, 1, 1, tzinfo=timezone.utc), rust_version="1.70"
    )
    with reg.batch():
        reg.add_crate("gamma", "1.0.0")
        reg.add_crate("gamma", "2.0.0", links="z")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "iota-1.0.0.crate"
        path.write_bytes(crate("iota", "1.0.0"))
        reg.import_crates(path, owner="someone")
        reg.import_crates(path)  # the same version again: skipped
    admin = {"Authorization": f"Bearer {reg.admin_token}"}
    control = [
        http(reg, "PUT", "/__fakereg/crates", body=crate("kappa", "1.0.0"), headers=admin).json(),
        http(
            reg,
            "POST",
            "/__fakereg/crates",
            body=json.dumps([{"name": "lambda", "version": "1.0.0", "yanked": True}]).encode(),
            headers={**admin, "Content-Type": "application/json"},
        ).json(),
    ]
    statuses = [
        _put(reg, publish_body(metadata("delta", "1.0.0"), crate("delta", "1.0.0")), token),
        _put(
            reg,
            publish_body(
                metadata(
                    "delta",
                    "1.1.0",
                    deps=[dependency("alpha", "^1", explicit_name_in_toml="a2")],
                    features={"x": ["a2?/std"]},
                    rust_version="1.60",
                ),
                crate("delta", "1.1.0", {"README.md": b"# Delta"}),
            ),
            token,
        ),
        _put(reg, publish_body(metadata("delta", "1.0.0"), crate("delta", "1.0.0")), token),
        _put(reg, publish_body(metadata("epsilon", "1.0.0"), crate("epsilon", "1.0.0")), "bad"),
        _put(reg, publish_body(metadata("Alpha", "9.0.0"), crate("Alpha", "9.0.0")), token),
        _put(reg, publish_body(metadata("beta", "9.0.0"), crate("beta", "9.0.0")), token),
        _put(reg, b"\x01", token),
        _put(reg, publish_body(metadata("zeta", "1.0.0", vers=1), b""), token),
    ]
    http(reg, "DELETE", "/api/v1/crates/delta/1.0.0/yank", token=token)
    reg.add_user("carol")
    owners = http(
        reg,
        "PUT",
        "/api/v1/crates/delta/owners",
        body=json.dumps({"users": ["carol"]}).encode(),
        headers=JSON,
        token=token,
    )
    # a trusted publish
    reg.add_trusted_publisher(
        "delta", repository_owner="acme", repository_name="delta", workflow_filename="r.yml"
    )
    env = reg.github_actions_env(repository="acme/delta", workflow="r.yml")
    aud = reg.url.split("://", 1)[1]
    request = urllib.request.Request(
        env["ACTIONS_ID_TOKEN_REQUEST_URL"] + f"&audience={aud}",
        headers={"Authorization": f"Bearer {env['ACTIONS_ID_TOKEN_REQUEST_TOKEN']}"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        jwt = json.load(answer)["value"]
    exchanged = http(
        reg,
        "POST",
        "/api/v1/trusted_publishing/tokens",
        body=json.dumps({"jwt": jwt}).encode(),
        headers={"Content-Type": "application/json"},
    ).json()["token"]
    statuses += [
        _put(reg, publish_body(metadata("delta", "2.0.0"), crate("delta", "2.0.0")), exchanged),
        _put(reg, publish_body(metadata("alpha", "3.0.0"), crate("alpha", "3.0.0")), exchanged),
    ]
    names = ["alpha", "beta", "gamma", "delta", "iota", "kappa", "lambda"]
    result: dict[str, Any] = {
        "statuses": statuses,
        "owners": owners.json(),
        "control": control,
        "index": {name: reg.index_entries(name) for name in names},
        "api": {
            name: {
                "crate": http(reg, "GET", f"/api/v1/crates/{name}").json(),
                "versions": http(reg, "GET", f"/api/v1/crates/{name}/versions").json(),
            }
            for name in names
        },
        "publishes": [
            {
                "status": r.status,
                "error": r.error,
                "login": r.login,
                "name": r.name,
                "version": r.version,
                "crate": len(r.crate),
                "files": list(r.files),
                "manifest": r.manifest is not None,
                "trusted": r.trusted_publishing is not None,
            }
            for r in reg.publishes
        ],
    }
    masked: dict[str, Any] = _mask(result)
    return masked
