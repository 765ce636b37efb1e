"""GitLab CI/CD trusted publishing end to end: a job's ID token from the fake GitLab, the
exchange by crates.io's documented script (curl and jq), real cargo publishing with the
token, the GitLab configs' routes through curl, and every refusal in crates.io's words."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from fakereg import FakeRegistry, LimitError
from tests.helpers import MakePackage, publish, require

TOKENS = "/api/v1/trusted_publishing/tokens"
CONFIGS = "/api/v1/trusted_publishing/gitlab_configs"
#: A new config for crate ``tool``, as crates.io's ``gitlab_configs`` route takes it.
NEW_CONFIG = {
    "crate": "tool",
    "namespace": "rust-lang",
    "project": "foo-rs",
    "workflow_filepath": ".gitlab-ci.yml",
    "environment": None,
}

#: crates.io's ``exchange-token.sh`` (its trusted publishing docs, GitLab CI/CD setup),
#: with this registry's URL for ``https://crates.io``.
EXCHANGE_TOKEN_SH = r"""#!/bin/bash
set -e

# Exchange JWT token
echo "Exchanging OIDC token..." >&2
RESPONSE=$(curl -s -X POST {url}/api/v1/trusted_publishing/tokens \
  -H "Content-Type: application/json" \
  -H "User-Agent: gitlab-trusted-publishing (your@email.com)" \
  -d "{{\"jwt\": \"$CRATES_IO_ID_TOKEN\"}}")

# Extract publish token
CRATES_IO_PUBLISH_TOKEN=$(echo "$RESPONSE" | jq -r '.token')

if [ "$CRATES_IO_PUBLISH_TOKEN" = "null" ] || [ -z "$CRATES_IO_PUBLISH_TOKEN" ]; then
  echo "Failed to get upload token" >&2
  echo "$RESPONSE" >&2
  exit 1
fi

echo "$CRATES_IO_PUBLISH_TOKEN"
"""

#: The job's ``script:`` lines. On crates.io ``cargo publish`` reads the token from
#: ``CARGO_REGISTRY_TOKEN`` (crates-io's own); here the registry is named ``fakereg``, and
#: cargo reads a named registry's token from ``CARGO_REGISTRIES_FAKEREG_TOKEN``.
JOB_SCRIPT = """set -e
CARGO_REGISTRY_TOKEN=$(bash exchange-token.sh)
CARGO_REGISTRIES_{env_name}_TOKEN="$CARGO_REGISTRY_TOKEN" \\
  "{cargo}" publish --registry {name} --no-verify
"""


def run_job(
    reg: FakeRegistry, package: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """A GitLab job's script in *package*: exchange the ID token, then ``cargo publish``."""
    require(reg.url.startswith("http://"), "the script's curl runs against plain HTTP")
    require(shutil.which("jq") is not None, "jq, which crates.io's exchange-token.sh runs")
    (package / "exchange-token.sh").write_text(EXCHANGE_TOKEN_SH.format(url=reg.url))
    script = JOB_SCRIPT.format(
        env_name=reg.name.upper().replace("-", "_"), cargo=reg.cargo_path(), name=reg.name
    )
    return subprocess.run(
        ["bash", "-c", script],
        cwd=package,
        env=reg.env | env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def curl(
    reg: FakeRegistry,
    method: str,
    path: str,
    body: Any = None,
    *,
    token: str | None = None,
    json_type: bool = True,
) -> tuple[int, dict[str, str], Any]:
    """One request by curl: the status, the header fields (lowercase) and the JSON body
    (None when empty)."""
    require(shutil.which("curl") is not None, "curl")
    command = ["curl", "-s", "-i", "-X", method, reg.url + path]
    if token is not None:
        command += ["-H", f"Authorization: {token}"]
    if body is not None:
        data = body if isinstance(body, str) else json.dumps(body)
        command += ["--data-binary", data]
        command += ["-H", "Content-Type: application/json" if json_type else "Content-Type:"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=30, check=True)
    head, _, text = done.stdout.replace("\r\n", "\n").partition("\n\n")
    status_line, *fields = head.split("\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (f.partition(":") for f in fields)}
    return int(status_line.split()[1]), headers, json.loads(text) if text else None


def detail(answer: tuple[int, dict[str, str], Any], status: int) -> str:
    """The answer has *status* and Cargo's error shape; its detail."""
    got, headers, body = answer
    assert got == status, (got, body)
    assert headers["content-type"].startswith("application/json")
    (error,) = body["errors"]
    return str(error["detail"])


def exchange(reg: FakeRegistry, id_token: str) -> tuple[int, dict[str, str], Any]:
    return curl(reg, "POST", TOKENS, {"jwt": id_token})


def claims_of(env: dict[str, str]) -> dict[str, Any]:
    decoded: dict[str, Any] = jwt.decode(
        env["CRATES_IO_ID_TOKEN"], options={"verify_signature": False}
    )
    return decoded


@pytest.fixture
def tool(fake_registry: FakeRegistry, package: MakePackage) -> FakeRegistry:
    """``tool`` 1.0.0 published by hand, trusted from acme/tool's ``.gitlab-ci.yml``."""
    publish(fake_registry, package("tool", "1.0.0"))
    fake_registry.add_gitlab_publisher(
        "tool", namespace="acme", project="tool", workflow_filepath=".gitlab-ci.yml"
    )
    return fake_registry


def test_a_gitlab_job_publishes_with_the_token_its_script_exchanges(
    tool: FakeRegistry, package: MakePackage
) -> None:
    reg = tool
    env = reg.gitlab_ci_env(project="acme/tool", workflow_filepath=".gitlab-ci.yml")
    claims = claims_of(env)
    assert claims["iss"] == env["CI_SERVER_URL"] == f"{reg.url}/_gitlab"
    assert claims["aud"] == reg.url.split("://", 1)[1]
    assert claims["sub"] == "project_path:acme/tool:ref_type:branch:ref:main"
    assert claims["ci_config_ref_uri"].endswith("/acme/tool//.gitlab-ci.yml@refs/heads/main")
    assert claims["namespace_id"] == env["CI_PROJECT_NAMESPACE_ID"]
    assert claims["ref"] == env["CI_COMMIT_BRANCH"] == "main"
    done = run_job(reg, package("tool", "1.1.0"), env)
    assert done.returncode == 0, done.stderr
    record = reg.publishes[-1]
    assert record.accepted
    assert record.login is None
    assert record.trusted_publishing == {
        "provider": "gitlab",
        "project_path": "acme/tool",
        "job_id": env["CI_JOB_ID"],
        "sha": env["CI_COMMIT_SHA"],
    }
    version = curl(reg, "GET", "/api/v1/crates/tool/1.1.0")[2]["version"]
    assert version["trustpub_data"] == record.trusted_publishing
    assert version["published_by"] is None
    (config,) = reg.gitlab_publishers("tool")
    assert config.namespace_id == env["CI_PROJECT_NAMESPACE_ID"]  # bound by the exchange
    exchanged = next(r for r in reg.requests if r.kind == "trusted_publishing")
    assert env["CRATES_IO_ID_TOKEN"] not in repr(exchanged)
    assert exchanged.headers["User-Agent"].startswith("gitlab-trusted-publishing")
    again = run_job(reg, package("tool", "1.2.0"), env)  # the job's one token, used twice
    assert "JWT has already been used" in again.stderr
    assert reg.versions("tool") == ["1.0.0", "1.1.0"]
    reg.check_errors()


@pytest.mark.parametrize(
    ("job", "words"),
    [
        (
            {"project": "acme/other"},
            "No Trusted Publishing config found for repository `acme/other`.",
        ),
        (
            {"workflow_filepath": "ci/release.yml"},
            "The Trusted Publishing config for repository `acme/tool` does not match the "
            "workflow filepath `ci/release.yml` in the JWT. Expected workflow filepaths: "
            "`.gitlab-ci.yml`",
        ),
        (
            {"namespace_id": "1"},
            "The Trusted Publishing config for repository `acme/tool` does not match the "
            "namespace ID (1) in the JWT. Expected namespace IDs: {bound}. Please recreate "
            "the Trusted Publishing config to update the namespace ID.",
        ),
    ],
)
def test_a_job_of_another_project_or_file_is_refused(
    tool: FakeRegistry, package: MakePackage, job: dict[str, Any], words: str
) -> None:
    reg = tool
    first = reg.gitlab_ci_env(project="acme/tool")
    assert exchange(reg, first["CRATES_IO_ID_TOKEN"])[0] == 200  # binds the namespace id
    options = {"project": "acme/tool", **job}
    done = run_job(reg, package("tool", "1.1.0"), reg.gitlab_ci_env(**options))
    assert done.returncode != 0
    assert "Failed to get upload token" in done.stderr
    (error,) = json.loads(done.stderr.splitlines()[-1])["errors"]
    assert error["detail"] == words.format(bound=first["CI_PROJECT_NAMESPACE_ID"])
    assert reg.versions("tool") == ["1.0.0"]
    assert not any(r.kind == "publish" and r.version == "1.1.0" for r in reg.requests)


def test_environments_must_match(tool: FakeRegistry, package: MakePackage) -> None:
    reg = tool
    reg.add_gitlab_publisher(
        "tool",
        namespace="acme",
        project="staged",
        workflow_filepath=".gitlab-ci.yml",
        environment="production",
    )
    none = run_job(reg, package("tool", "1.1.0"), reg.gitlab_ci_env(project="acme/staged"))
    assert (
        "The Trusted Publishing config for repository `acme/staged` requires an environment, "
        "but the JWT does not specify one. Expected environments: `production`"
    ) in none.stderr
    staging = reg.gitlab_ci_env(project="acme/staged", environment="staging")
    assert staging["CI_ENVIRONMENT_NAME"] == "staging"
    other = run_job(reg, package("tool", "1.1.0"), staging)
    assert (
        "does not match the environment `staging` in the JWT. Expected environments: `production`"
    ) in other.stderr
    right = reg.gitlab_ci_env(project="acme/staged", environment="Production")
    done = run_job(reg, package("tool", "1.1.0"), right)  # names compare without case
    assert done.returncode == 0, done.stderr
    assert reg.versions("tool") == ["1.0.0", "1.1.0"]


def test_a_refused_exchange_binds_no_namespace_id(tool: FakeRegistry) -> None:
    """crates.io binds it in the exchange's transaction, which a mismatch rolls back."""
    reg = tool
    wrong = reg.gitlab_ci_env(project="acme/tool", workflow_filepath="other.yml")
    assert "workflow filepath `other.yml`" in detail(
        exchange(reg, wrong["CRATES_IO_ID_TOKEN"]), 400
    )
    assert reg.gitlab_publishers("tool")[0].namespace_id is None
    squatter = reg.gitlab_ci_env(project="ACME/Tool", namespace_id="777")  # case is ignored
    assert exchange(reg, squatter["CRATES_IO_ID_TOKEN"])[0] == 200
    assert reg.gitlab_publishers("tool")[0].namespace_id == "777"


def test_subgroups_belong_to_the_namespace(fake_registry: FakeRegistry) -> None:
    reg = fake_registry
    reg.add_crate("deep", "1.0.0")
    reg.add_gitlab_publisher(
        "deep", namespace="acme/tools", project="deep", workflow_filepath="ci/publish.yaml"
    )
    env = reg.gitlab_ci_env(
        project="acme/tools/deep", workflow_filepath="ci/publish.yaml", ref="refs/tags/v1.1.0"
    )
    claims = claims_of(env)
    assert claims["namespace_path"] == env["CI_PROJECT_NAMESPACE"] == "acme/tools"
    assert claims["ref_type"] == "tag"
    assert env["CI_COMMIT_TAG"] == "v1.1.0"
    assert "CI_COMMIT_BRANCH" not in env
    assert claims["sub"] == "project_path:acme/tools/deep:ref_type:tag:ref:v1.1.0"
    assert exchange(reg, env["CRATES_IO_ID_TOKEN"])[0] == 200


@pytest.mark.parametrize(
    ("claims", "words"),
    [
        ({"aud": "crates.io"}, "Failed to decode JWT"),
        ({"exp": int(time.time()) - 600}, "Failed to decode JWT"),
        ({"nbf": int(time.time()) + 600}, "Failed to decode JWT"),
        ({"job_id": 302}, "Failed to decode JWT"),  # crates.io's claims are strings
        ({"aud": ["x", "y"]}, "Failed to decode JWT"),
        ({"project_path": "no-slash"}, "Unexpected `project_path` value"),
        ({"ci_config_ref_uri": "nonsense"}, "Unexpected `ci_config_ref_uri` value"),
    ],
)
def test_an_exchange_refuses_what_crates_io_refuses(
    tool: FakeRegistry, claims: dict[str, Any], words: str
) -> None:
    env = tool.gitlab_ci_env(project="acme/tool", **claims)
    assert detail(exchange(tool, env["CRATES_IO_ID_TOKEN"]), 400) == words


def test_tokens_not_from_the_fake_gitlab_are_refused(tool: FakeRegistry) -> None:
    reg = tool
    claims = claims_of(reg.gitlab_ci_env(project="acme/tool"))
    kid = jwt.get_unverified_header(reg.gitlab_ci_env()["CRATES_IO_ID_TOKEN"])["kid"]
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(claims, stranger, algorithm="RS256", headers={"kid": kid})
    assert detail(exchange(reg, forged), 400) == "Failed to decode JWT"
    real = {**claims, "iss": "https://gitlab.com"}
    foreign = jwt.encode(real, stranger, algorithm="RS256", headers={"kid": kid})
    assert detail(exchange(reg, foreign), 400) == "Unsupported JWT issuer: https://gitlab.com"
    unknown = jwt.encode(claims, stranger, algorithm="RS256", headers={"kid": "other"})
    assert detail(exchange(reg, unknown), 400) == "Invalid JWT key ID"
    assert detail(exchange(reg, "broken"), 400) == "Failed to decode JWT"
    reg.add_trusted_publisher(  # a GitHub config names no GitLab project
        "tool", repository_owner="acme", repository_name="gh", workflow_filename=".gitlab-ci.yml"
    )
    gitlab_job = reg.gitlab_ci_env(project="acme/gh")["CRATES_IO_ID_TOKEN"]
    assert detail(exchange(reg, gitlab_job), 400) == (
        "No Trusted Publishing config found for repository `acme/gh`."
    )


def test_the_issuer_publishes_its_keys_as_gitlab_does(tool: FakeRegistry) -> None:
    reg = tool
    token = reg.gitlab_ci_env(project="acme/tool")["CRATES_IO_ID_TOKEN"]
    issuer = claims_of({"CRATES_IO_ID_TOKEN": token})["iss"]
    with urllib.request.urlopen(f"{issuer}/.well-known/openid-configuration") as answer:
        discovery = json.load(answer)
    assert discovery["issuer"] == issuer
    assert discovery["jwks_uri"] == f"{issuer}/oauth/discovery/keys"
    assert "ci_config_ref_uri" in discovery["claims_supported"]
    key = jwt.PyJWKClient(discovery["jwks_uri"]).get_signing_key_from_jwt(token)
    aud = reg.url.split("://", 1)[1]
    verified = jwt.decode(token, key.key, algorithms=["RS256"], audience=aud, issuer=issuer)
    assert verified["project_path"] == "acme/tool"
    kinds = [r.kind for r in reg.requests if r.path.startswith("/_gitlab/")]
    assert kinds == ["oidc", "oidc"]


def test_gitlab_configs_through_crates_io_routes(tool: FakeRegistry) -> None:
    reg = tool
    reg.add_trusted_publisher(  # GitHub's configs are numbered on their own
        "tool", repository_owner="acme", repository_name="tool", workflow_filename="r.yml"
    )
    status, headers, listed = curl(reg, "GET", f"{CONFIGS}?crate=tool", token=reg.token)
    assert status == 200
    assert headers["cache-control"] == "no-store"
    assert [c["project"] for c in listed["gitlab_configs"]] == ["tool"]
    assert listed["meta"] == {"total": 1, "next_page": None}
    status, _, created = curl(reg, "POST", CONFIGS, {"gitlab_config": NEW_CONFIG}, token=reg.token)
    assert status == 200, created
    config = created["gitlab_config"]
    assert list(config) == [
        "id",
        "crate",
        "namespace",
        "namespace_id",
        "project",
        "workflow_filepath",
        "environment",
        "created_at",
    ]
    assert config["id"] == 2
    assert config["namespace_id"] is None
    assert config["created_at"].endswith("Z")
    mallory = reg.add_user("mallory")
    delete = f"{CONFIGS}/{config['id']}"
    refused = curl(reg, "DELETE", delete, token=mallory)
    assert detail(refused, 400) == "You are not an owner of this crate"
    assert detail(curl(reg, "DELETE", delete), 403) == "this action requires authentication"
    assert curl(reg, "DELETE", delete, token=reg.token)[0] == 204
    assert detail(curl(reg, "DELETE", delete, token=reg.token), 404) == "Not Found"
    assert [c.id for c in reg.gitlab_publishers("tool")] == [1]
    mallory_list = curl(reg, "GET", f"{CONFIGS}?crate=tool", token=mallory)
    assert detail(mallory_list, 400) == "You are not an owner of this crate"
    missing = curl(reg, "GET", f"{CONFIGS}?crate=nothing", token=reg.token)
    assert detail(missing, 404) == "crate `nothing` does not exist"
    no_crate = curl(reg, "GET", CONFIGS, token=reg.token)
    assert detail(no_crate, 400) == "Must specify either `crate` or `user_id` query parameter"
    reg.check_errors()


def test_config_refusals_have_crates_io_statuses_and_words(tool: FakeRegistry) -> None:
    reg = tool
    for bad, words in [
        ({"namespace": "§$%&"}, "Invalid GitLab namespace"),
        ({"namespace": "end-"}, "Invalid GitLab namespace"),
        ({"namespace": "foo.git"}, "GitLab namespace cannot end with .atom or .git"),
        ({"namespace": ""}, "GitLab namespace may not be empty"),
        ({"project": "@foo"}, "Invalid GitLab project name"),
        ({"project": "a/b"}, "Invalid GitLab project name"),
        ({"project": "x" * 256}, "GitLab project name is too long (maximum is 255 characters)"),
        ({"workflow_filepath": "ci.json"}, "Workflow filepath must end with `.yml` or `.yaml`"),
        ({"workflow_filepath": "/ci.yml"}, "Workflow filepath cannot start with /"),
        ({"workflow_filepath": "ci/"}, "Workflow filepath cannot end with /"),
        ({"environment": ""}, "Environment name may not be empty (use `null` to omit)"),
        ({"environment": "prod.eu"}, "Environment name contains invalid characters"),
    ]:
        body = {"gitlab_config": {**NEW_CONFIG, **bad}}
        assert detail(curl(reg, "POST", CONFIGS, body, token=reg.token), 400) == words, bad
        # the fields are checked before the token, as on crates.io
        assert detail(curl(reg, "POST", CONFIGS, body), 400) == words, bad
    ok = {"gitlab_config": NEW_CONFIG}
    unauthenticated = curl(reg, "POST", CONFIGS, ok)
    assert detail(unauthenticated, 403) == "this action requires authentication"
    bogus = curl(reg, "POST", CONFIGS, ok, token="not-a-token")
    assert detail(bogus, 403) == "authentication failed"
    limited = reg.add_token(reg.login, scopes=["publish-update"])
    assert detail(curl(reg, "POST", CONFIGS, ok, token=limited), 403) == (
        "this token does not have the required permissions to perform this action"
    )
    elsewhere = reg.add_token(reg.login, scopes=["trusted-publishing"], crates=["other"])
    assert detail(curl(reg, "POST", CONFIGS, ok, token=elsewhere), 403).startswith("this token")
    scoped = reg.add_token(reg.login, scopes=["trusted-publishing"], crates=["tool"])
    assert curl(reg, "POST", CONFIGS, ok, token=scoped)[0] == 200
    nothing = {"gitlab_config": {**NEW_CONFIG, "crate": "nothing"}}
    assert detail(curl(reg, "POST", CONFIGS, nothing, token=reg.token), 404) == (
        "crate `nothing` does not exist"
    )
    mallory = reg.add_user("mallory")
    assert detail(curl(reg, "POST", CONFIGS, ok, token=mallory), 400) == (
        "You are not an owner of this crate"
    )
    untyped = curl(reg, "POST", CONFIGS, ok, token=reg.token, json_type=False)
    assert detail(untyped, 415) == "Expected request with `Content-Type: application/json`"
    assert detail(curl(reg, "POST", CONFIGS, "{", token=reg.token), 400).startswith(
        "Failed to parse the request body as JSON"
    )
    assert detail(curl(reg, "POST", CONFIGS, {}, token=reg.token), 422) == (
        "Failed to deserialize the JSON body into the target type: missing field `gitlab_config`"
    )
    for shape in (
        {"gitlab_config": {**NEW_CONFIG, "project": 7}},
        {"gitlab_config": {k: v for k, v in NEW_CONFIG.items() if k != "namespace"}},
        {"gitlab_config": {**NEW_CONFIG, "environment": ["prod"]}},
        {"gitlab_config": "tool"},
    ):
        answer = curl(reg, "POST", CONFIGS, shape, token=reg.token)
        assert detail(answer, 422).startswith("Failed to deserialize the JSON body"), shape
    for i in range(3):  # tool had 2 GitLab configs: 5 is the most
        reg.add_gitlab_publisher(
            "tool", namespace="acme", project=f"more{i}", workflow_filepath=".gitlab-ci.yml"
        )
    full = curl(reg, "POST", CONFIGS, ok, token=reg.token)
    assert detail(full, 409) == (
        "This crate already has the maximum number of GitLab Trusted Publishing configurations (5)"
    )
    assert detail(curl(reg, "POST", CONFIGS, ok, token=mallory), 409)  # counted before owners
    with pytest.raises(LimitError):
        reg.add_gitlab_publisher(
            "tool", namespace="acme", project="six", workflow_filepath=".gitlab-ci.yml"
        )
    missing_header = curl(reg, "DELETE", TOKENS)
    assert detail(missing_header, 401) == "Missing `Authorization` header"
    kinds = {r.kind for r in reg.requests if r.path.startswith(CONFIGS)}
    assert kinds == {"trustpub_config"}
    reg.check_errors()


def test_the_exchanged_token_is_revoked_and_limited_to_its_crates(
    tool: FakeRegistry, package: MakePackage
) -> None:
    reg = tool
    publish(reg, package("unrelated", "0.1.0"))
    env = reg.gitlab_ci_env(project="acme/tool")
    token = exchange(reg, env["CRATES_IO_ID_TOKEN"])[2]["token"]
    assert token.startswith("cio_tp_")
    cargo_env = {"CARGO_REGISTRIES_FAKEREG_TOKEN": token}
    other = reg.cargo(
        "publish", "--registry", reg.name, "--no-verify",
        cwd=package("unrelated", "0.2.0"), env=cargo_env,
    )  # fmt: skip
    assert "The provided access token is not valid for crate `unrelated`" in other.stderr
    assert curl(reg, "DELETE", TOKENS, token=f"Bearer {token}")[0] == 204
    revoked = reg.cargo(
        "publish", "--registry", reg.name, "--no-verify",
        cwd=package("tool", "1.1.0"), env=cargo_env,
    )  # fmt: skip
    assert "Invalid authentication token" in revoked.stderr
    assert reg.versions("tool") == ["1.0.0"]


def test_python_api_checks_its_arguments(fake_registry: FakeRegistry) -> None:
    reg = fake_registry
    with pytest.raises(LookupError, match="does not exist"):
        reg.add_gitlab_publisher(
            "nothing", namespace="a", project="b", workflow_filepath=".gitlab-ci.yml"
        )
    reg.add_crate("here", "1.0.0")
    with pytest.raises(ValueError, match=r"must end with `\.yml` or `\.yaml`"):
        reg.add_gitlab_publisher("here", namespace="a", project="b", workflow_filepath="ci")
    with pytest.raises(ValueError, match="Invalid GitLab namespace"):
        reg.add_gitlab_publisher("here", namespace="-a", project="b", workflow_filepath="c.yml")
    with pytest.raises(ValueError, match="namespace/name"):
        reg.gitlab_ci_env(project="no-slash")
    named = reg.gitlab_ci_env(id_token_variable="MY_ID_TOKEN", ref="release")
    assert "CRATES_IO_ID_TOKEN" not in named
    claims = jwt.decode(named["MY_ID_TOKEN"], options={"verify_signature": False})
    assert claims["ref_path"] == "refs/heads/release"
    assert claims["project_path"] == named["CI_PROJECT_PATH"] == "group/project"
    assert reg.gitlab_publishers() == []


def test_the_control_api_adds_gitlab_publishers_and_jobs(fake_registry: FakeRegistry) -> None:
    reg = fake_registry
    reg.add_crate("tool", "1.0.0")
    admin = f"Bearer {reg.admin_token}"
    publishers = "/__fakereg/trusted-publishers"
    new = {
        "provider": "gitlab",
        "crate": "tool",
        "namespace": "acme",
        "project": "tool",
        "workflow_filepath": ".gitlab-ci.yml",
    }
    status, _, config = curl(reg, "POST", publishers, new, token=admin)
    assert status == 200, config
    assert config["namespace"] == "acme"
    assert config["environment"] is None
    github = {
        "crate": "tool",
        "repository_owner": "acme",
        "repository_name": "tool",
        "workflow_filename": "release.yml",
    }
    assert curl(reg, "POST", publishers, github, token=admin)[0] == 200  # provider: github
    listed = curl(reg, "GET", f"{publishers}?crate=tool", token=admin)[2]
    assert [c["id"] for c in listed["gitlab_configs"]] == [1]
    assert [c["repository_name"] for c in listed["github_configs"]] == ["tool"]
    wrong = curl(reg, "POST", publishers, {**new, "provider": "bitbucket"}, token=admin)
    assert "provider" in detail(wrong, 400)
    mixed = curl(reg, "POST", publishers, {**new, "repository_owner": "x"}, token=admin)
    assert "repository_owner" in detail(mixed, 400)
    short = {k: v for k, v in new.items() if k != "project"}
    assert "project" in detail(curl(reg, "POST", publishers, short, token=admin), 400)
    job = {"project": "acme/tool", "environment": "release", "claims": {"pipeline_source": "web"}}
    status, _, env = curl(reg, "POST", "/__fakereg/gitlab-ci-env", job, token=admin)
    assert status == 200
    assert env["CI_ENVIRONMENT_NAME"] == "release"
    assert env["CI_PIPELINE_SOURCE"] == "web"
    assert exchange(reg, env["CRATES_IO_ID_TOKEN"])[0] == 200
    unknown = curl(reg, "POST", "/__fakereg/gitlab-ci-env", {"repo": "x"}, token=admin)
    assert "unknown keys" in detail(unknown, 400)
    assert not any(r.path.startswith("/__fakereg") for r in reg.requests)
    assert curl(reg, "POST", "/__fakereg/reset", {"crates": True}, token=admin)[0] == 200
    assert reg.gitlab_publishers() == []  # a crate removed takes its configs with it
    assert reg.trusted_publishers() == []


def test_a_trustpub_file_from_before_gitlab_still_loads(fake_registry: FakeRegistry) -> None:
    reg = fake_registry
    reg.add_crate("tool", "1.0.0")
    reg.add_trusted_publisher(
        "tool", repository_owner="acme", repository_name="tool", workflow_filename="r.yml"
    )
    path = Path(reg.root) / "meta" / "trustpub.json"
    state = json.loads(path.read_text())
    del state["gitlab_configs"], state["next_gitlab_id"]
    path.write_text(json.dumps(state))
    assert reg.gitlab_publishers() == []
    added = reg.add_gitlab_publisher(
        "tool", namespace="acme", project="tool", workflow_filepath=".gitlab-ci.yml"
    )
    assert added.id == 1
    assert [c.repository_name for c in reg.trusted_publishers()] == ["tool"]
