"""Trusted publishing end to end: the fake GitHub's ID token, the exchange, real cargo
publishing with the short-lived token, revocation, and every refusal in crates.io's words."""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from fakereg import FakeRegistry
from tests.helpers import (
    JSON,
    HttpAnswer,
    MakePackage,
    assert_cargo_error,
    http,
    publish,
    try_publish,
)

TOKENS = "/api/v1/trusted_publishing/tokens"


def audience(reg: FakeRegistry) -> str:
    """What the official action asks for: the registry URL without its scheme."""
    return reg.url.split("://", 1)[1]


def id_token(reg: FakeRegistry, env: dict[str, str], aud: str | None = None) -> str:
    """``core.getIDToken(aud)`` as @actions/core does it on a runner."""
    url = env["ACTIONS_ID_TOKEN_REQUEST_URL"] + f"&audience={aud or audience(reg)}"
    headers = {"Authorization": f"Bearer {env['ACTIONS_ID_TOKEN_REQUEST_TOKEN']}"}
    context = reg.ssl_context() if reg.tls else None
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=10, context=context) as answer:
        return str(json.load(answer)["value"])


def exchange(reg: FakeRegistry, token: str) -> HttpAnswer:
    body = json.dumps({"jwt": token}).encode()
    return http(reg, "POST", TOKENS, body=body, headers={"Content-Type": "application/json"})


@pytest.fixture
def released(fake_registry: FakeRegistry, package: MakePackage) -> FakeRegistry:
    """``released`` 0.1.0 published by hand, trusted from acme/released's release.yml."""
    publish(fake_registry, package("released", "0.1.0"))
    fake_registry.add_trusted_publisher(
        "released",
        repository_owner="acme",
        repository_name="released",
        workflow_filename="release.yml",
    )
    return fake_registry


def test_a_ci_run_publishes_with_an_exchanged_token_until_it_is_revoked(
    released: FakeRegistry, package: MakePackage
) -> None:
    reg = released
    env = reg.github_actions_env(repository="acme/released", workflow="release.yml")
    claims = jwt.decode(id_token(reg, env), options={"verify_signature": False})
    assert claims["repository"] == "acme/released"
    assert claims["workflow_ref"] == "acme/released/.github/workflows/release.yml@refs/heads/main"
    assert claims["aud"] == audience(reg)
    answer = exchange(reg, id_token(reg, env))
    assert answer.status == 200, answer.body
    token = answer.json()["token"]
    assert token.startswith("cio_tp_")
    assert token not in repr(reg.requests)  # the record of the exchange keeps no token
    cargo_env = {"CARGO_REGISTRIES_FAKEREG_TOKEN": token}
    result = try_publish(reg, package("released", "0.2.0"), env=cargo_env)
    assert result.returncode == 0, result.stderr
    record = reg.publishes[-1]
    assert record.accepted
    assert record.login is None
    assert record.trusted_publishing == {
        "provider": "github",
        "repository": "acme/released",
        "run_id": env["GITHUB_RUN_ID"],
        "sha": env["GITHUB_SHA"],
    }
    version = http(reg, "GET", "/api/v1/crates/released/0.2.0").json()["version"]
    assert version["trustpub_data"] == record.trusted_publishing
    assert version["published_by"] is None
    revoked = http(reg, "DELETE", TOKENS, headers={"Authorization": f"Bearer {token}"})
    assert revoked.status == 204
    refused = try_publish(reg, package("released", "0.3.0"), env=cargo_env)
    assert refused.returncode != 0
    assert "Invalid authentication token" in refused.stderr
    reg.check_errors()


def _refusal(reg: FakeRegistry, token: str) -> str:
    return assert_cargo_error(exchange(reg, token), 400)


@pytest.mark.parametrize(
    ("job", "words"),
    [
        ({"repository": "acme/other"}, "No Trusted Publishing config found for repository"),
        ({"workflow": "ci.yml"}, "does not match the workflow filename `ci.yml`"),
        (
            {"repository_owner_id": "1"},
            "does not match the repository owner ID (1) in the JWT",
        ),
        (
            {"event_name": "pull_request_target"},
            "does not support the `pull_request_target` event trigger",
        ),
        ({"exp": int(time.time()) - 600}, "Failed to decode JWT"),
        ({"iat": int(time.time()) + 600}, "Failed to decode JWT"),
        ({"nbf": int(time.time()) + 600}, "Failed to decode JWT"),
        ({"workflow_ref": "nonsense"}, "Unexpected `workflow_ref` value"),
    ],
)
def test_an_exchange_refuses_what_crates_io_refuses(
    released: FakeRegistry, job: dict[str, Any], words: str
) -> None:
    reg = released
    options = {"repository": "acme/released", "workflow": "release.yml", **job}
    env = reg.github_actions_env(**options)
    assert words in _refusal(reg, id_token(reg, env))


def test_environments_must_match(released: FakeRegistry) -> None:
    reg = released
    reg.add_trusted_publisher(
        "released",
        repository_owner="acme",
        repository_name="staged",
        workflow_filename="release.yml",
        environment="production",
    )
    none = reg.github_actions_env(repository="acme/staged")
    assert "requires an environment, but the JWT does not specify one" in _refusal(
        reg, id_token(reg, none)
    )
    other = reg.github_actions_env(repository="acme/staged", environment="staging")
    assert "does not match the environment `staging`" in _refusal(reg, id_token(reg, other))
    right = reg.github_actions_env(repository="acme/staged", environment="Production")
    assert exchange(reg, id_token(reg, right)).status == 200  # names compare without case


def test_a_jwt_is_exchanged_once_and_only_for_this_audience(released: FakeRegistry) -> None:
    reg = released
    env = reg.github_actions_env(repository="acme/released")
    token = id_token(reg, env)
    assert exchange(reg, token).status == 200
    assert _refusal(reg, token) == "JWT has already been used"
    assert _refusal(reg, id_token(reg, env, aud="crates.io")) == "Failed to decode JWT"


def test_jwts_not_from_the_fake_github_are_refused(released: FakeRegistry) -> None:
    reg = released
    genuine = id_token(reg, reg.github_actions_env(repository="acme/released"))
    claims = jwt.decode(genuine, options={"verify_signature": False})
    header = jwt.get_unverified_header(genuine)
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(claims, stranger, algorithm="RS256", headers={"kid": header["kid"]})
    assert _refusal(reg, forged) == "Failed to decode JWT"
    elsewhere = {**claims, "iss": "https://token.actions.githubusercontent.com"}
    foreign = jwt.encode(elsewhere, stranger, algorithm="RS256", headers={"kid": "k"})
    assert _refusal(reg, foreign) == (
        "Unsupported JWT issuer: https://token.actions.githubusercontent.com"
    )
    unknown_key = jwt.encode(claims, stranger, algorithm="RS256", headers={"kid": "other"})
    assert _refusal(reg, unknown_key) == "Invalid JWT key ID"
    no_key = jwt.encode(claims, stranger, algorithm="RS256")
    assert _refusal(reg, no_key) == "Missing JWT key ID"
    assert _refusal(reg, "not.a.jwt") == "Failed to decode JWT"
    bad_body = http(reg, "POST", TOKENS, body=b'{"token": 1}', headers=JSON)
    assert "jwt" in assert_cargo_error(bad_body, 422)
    untyped = http(reg, "POST", TOKENS, body=b'{"jwt": "x"}')
    assert "Content-Type: application/json" in assert_cargo_error(untyped, 415)


def test_the_token_publishes_only_its_crates_and_never_a_new_one(
    released: FakeRegistry, package: MakePackage
) -> None:
    reg = released
    publish(reg, package("unrelated", "0.1.0"))
    token = exchange(reg, id_token(reg, reg.github_actions_env(repository="acme/released")))
    cargo_env = {"CARGO_REGISTRIES_FAKEREG_TOKEN": token.json()["token"]}
    other = try_publish(reg, package("unrelated", "0.2.0"), env=cargo_env)
    assert "The provided access token is not valid for crate `unrelated`" in other.stderr
    new = try_publish(reg, package("brand-new", "0.1.0"), env=cargo_env)
    assert "Trusted Publishing tokens do not support creating new crates" in new.stderr
    bad = {"CARGO_REGISTRIES_FAKEREG_TOKEN": "cio_tp_short"}
    malformed = try_publish(reg, package("released", "0.9.0"), env=bad)
    assert "401" in malformed.stderr
    assert "Failed to parse token" in malformed.stderr
    assert reg.versions("released") == ["0.1.0"]


def test_tokens_expire_after_thirty_minutes(released: FakeRegistry, package: MakePackage) -> None:
    reg = released
    before = time.time()
    token = exchange(reg, id_token(reg, reg.github_actions_env(repository="acme/released")))
    path = Path(reg.root) / "meta" / "trustpub.json"
    state = json.loads(path.read_text())
    (record,) = state["tokens"].values()
    assert before + 1800 <= record["expires"] <= time.time() + 1800
    assert token.json()["token"] not in path.read_text()  # only its digest is kept
    record["expires"] = time.time() - 1  # as the clock would have it 30 minutes later
    path.write_text(json.dumps(state))
    cargo_env = {"CARGO_REGISTRIES_FAKEREG_TOKEN": token.json()["token"]}
    expired = try_publish(reg, package("released", "0.2.0"), env=cargo_env)
    assert "Invalid authentication token" in expired.stderr


def test_revoking_needs_a_well_formed_bearer_token(released: FakeRegistry) -> None:
    reg = released
    missing = http(reg, "DELETE", TOKENS)
    assert assert_cargo_error(missing, 401) == "Missing `Authorization` header"
    garbage = http(reg, "DELETE", TOKENS, headers={"Authorization": "Bearer cio_tp_nope"})
    assert "Failed to parse token" in assert_cargo_error(garbage, 401)


def test_the_fake_github_answers_only_its_jobs(released: FakeRegistry) -> None:
    reg = released
    env = reg.github_actions_env(repository="acme/released")
    bad = {**env, "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "nope"}
    with pytest.raises(urllib.error.HTTPError) as refused:
        id_token(reg, bad)
    refused.value.close()
    assert refused.value.code == 401
    for key in ("GITHUB_REPOSITORY", "GITHUB_WORKFLOW_REF", "GITHUB_REF", "GITHUB_SHA"):
        assert env[key]


def test_the_issuer_publishes_its_keys_as_github_does(released: FakeRegistry) -> None:
    reg = released
    token = id_token(reg, reg.github_actions_env(repository="acme/released"))
    issuer = jwt.decode(token, options={"verify_signature": False})["iss"]
    with urllib.request.urlopen(f"{issuer}/.well-known/openid-configuration") as answer:
        discovery = json.load(answer)
    assert discovery["issuer"] == issuer
    assert discovery["id_token_signing_alg_values_supported"] == ["RS256"]
    keys = jwt.PyJWKClient(discovery["jwks_uri"])  # a verifier finding the key itself
    key = keys.get_signing_key_from_jwt(token)
    verified = jwt.decode(token, key.key, algorithms=["RS256"], audience=audience(reg))
    assert verified["repository_owner"] == "acme"


def test_github_configs_through_crates_io_routes(released: FakeRegistry) -> None:
    reg = released
    route = "/api/v1/trusted_publishing/github_configs"
    listed = http(reg, "GET", f"{route}?crate=released", token=reg.token).json()
    assert [c["repository_name"] for c in listed["github_configs"]] == ["released"]
    assert listed["meta"] == {"total": 1, "next_page": None}
    new = {
        "crate": "released",
        "repository_owner": "acme",
        "repository_name": "second",
        "workflow_filename": "publish.yaml",
        "environment": None,
    }
    created = http(
        reg,
        "POST",
        route,
        body=json.dumps({"github_config": new}).encode(),
        headers=JSON,
        token=reg.token,
    )
    assert created.status == 200, created.body
    config = created.json()["github_config"]
    assert list(config) == [
        "id",
        "crate",
        "repository_owner",
        "repository_owner_id",
        "repository_name",
        "workflow_filename",
        "environment",
        "created_at",
    ]
    mallory = reg.add_user("mallory")
    refused = http(reg, "DELETE", f"{route}/{config['id']}", token=mallory)
    assert assert_cargo_error(refused, 400) == "You are not an owner of this crate"
    assert http(reg, "DELETE", f"{route}/{config['id']}", token=reg.token).status == 204
    assert assert_cargo_error(http(reg, "DELETE", f"{route}/999", token=reg.token), 404)
    limited = reg.add_token(reg.login, scopes=["publish-update"])
    assert_cargo_error(http(reg, "GET", f"{route}?crate=released", token=limited), 403)
    assert_cargo_error(http(reg, "GET", route, token=reg.token), 400)
    for bad, words in [
        ({"workflow_filename": "release.txt"}, "must end with `.yml` or `.yaml`"),
        ({"workflow_filename": "a/release.yml"}, "without directories"),
        ({"repository_owner": "-acme"}, "Invalid GitHub repository owner name"),
        ({"repository_name": "re po"}, "Invalid GitHub repository name"),
        ({"environment": " prod"}, "may not start with whitespace"),
        ({"crate": "nothing"}, "crate `nothing` does not exist"),
    ]:
        body = json.dumps({"github_config": {**new, **bad}}).encode()
        detail = assert_cargo_error(
            http(reg, "POST", route, body=body, headers=JSON, token=reg.token), (400, 404)
        )
        assert words in detail, (bad, detail)
    for i in range(4):
        reg.add_trusted_publisher(
            "released",
            repository_owner="acme",
            repository_name=f"more{i}",
            workflow_filename="release.yml",
        )
    body = json.dumps({"github_config": new}).encode()
    full = http(reg, "POST", route, body=body, headers=JSON, token=reg.token)
    assert "maximum number of GitHub Trusted Publishing configurations (5)" in (
        assert_cargo_error(full, 409)
    )
    reg.check_errors()


def test_faults_and_the_journal_cover_the_new_routes(released: FakeRegistry) -> None:
    reg = released
    env = reg.github_actions_env(repository="acme/released")
    token = id_token(reg, env)
    reg.fail("trusted_publishing", status=503, errors="exchange down", times=1)
    assert assert_cargo_error(exchange(reg, token), 503) == "exchange down"
    assert exchange(reg, token).status == 200  # the fault took the request, not the JWT
    kinds = [r.kind for r in reg.requests]
    assert kinds.count("oidc") == 1
    assert kinds.count("trusted_publishing") == 2
    reg.fail("oidc", status=500, times=1)
    with pytest.raises(urllib.error.HTTPError) as failed:
        id_token(reg, env)
    failed.value.close()
    assert failed.value.code == 500


def test_add_trusted_publisher_checks_its_arguments(fake_registry: FakeRegistry) -> None:
    with pytest.raises(LookupError, match="does not exist"):
        fake_registry.add_trusted_publisher(
            "nothing", repository_owner="a", repository_name="b", workflow_filename="c.yml"
        )
    fake_registry.add_crate("here", "1.0.0")
    with pytest.raises(ValueError, match=r"must end with `\.yml` or `\.yaml`"):
        fake_registry.add_trusted_publisher(
            "here", repository_owner="a", repository_name="b", workflow_filename="c"
        )
    with pytest.raises(ValueError, match="owner/name"):
        fake_registry.github_actions_env(repository="no-slash")


def test_the_control_journal_redacts_jwts_and_tokens(released: FakeRegistry) -> None:
    reg = released
    jwt_text = id_token(reg, reg.github_actions_env(repository="acme/released"))
    token = exchange(reg, jwt_text).json()["token"]
    request = urllib.request.Request(
        f"{reg.admin_url}/requests", headers={"Authorization": f"Bearer {reg.admin_token}"}
    )
    with urllib.request.urlopen(request) as answer:
        shown = answer.read().decode()
    decoded = "".join(
        r[key] or base64.b64decode(r[f"{key}_base64"] or "").decode("utf-8", "replace")
        for r in json.loads(shown)["requests"]
        for key in ("body", "response_body")
    )
    assert jwt_text not in decoded
    assert token not in decoded
    with urllib.request.urlopen(
        urllib.request.Request(f"{reg.admin_url}/requests?secrets=1", headers=request.headers)
    ) as answer:
        revealed = json.loads(answer.read())["requests"]
    bodies = [r["response_body"] or "" for r in revealed]
    assert any(token in body for body in bodies)


def test_a_refused_jwt_may_be_exchanged_once_its_config_exists(released: FakeRegistry) -> None:
    """crates.io notes the jti in the transaction a config mismatch rolls back."""
    reg = released
    token = id_token(reg, reg.github_actions_env(repository="acme/later"))
    assert "No Trusted Publishing config found" in _refusal(reg, token)
    reg.add_trusted_publisher(
        "released",
        repository_owner="acme",
        repository_name="later",
        workflow_filename="release.yml",
    )
    assert exchange(reg, token).status == 200
    assert _refusal(reg, token) == "JWT has already been used"
