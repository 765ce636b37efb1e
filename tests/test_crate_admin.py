"""An owner's changes to the crate itself, through curl and real cargo against the real
server: ``PATCH /api/v1/crates/{name}`` (``trustpub_only``, and what it means for cargo's
publishes), ``DELETE /api/v1/crates/{name}`` (crates.io's rules; the crate gone from
cargo's resolution, its name reserved) and ``…/rebuild_docs``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from fakereg import FakeRegistry, Protocol, UnprocessableError
from fakereg.domain.deletion import DeletionFacts, check_deletion, max_downloads
from fakereg.services.crate_admin import CrateAdmin
from tests.helpers import Curl, MakePackage, publish, try_publish, write_package
from tests.read_api.conftest import CRATE_FIELDS
from tests.test_account_api import NO_AUTH, WEBSITE_ONLY, Answer, detail
from tests.trusted.test_trusted_publishing import exchange, id_token

PERMISSIONS = "this token does not have the required permissions to perform this action"
LEGACY = "This endpoint cannot be used with legacy API tokens. Use a scoped API token instead."
ONLY_TRUSTED = (
    "New versions of this crate can only be published using Trusted Publishing "
    "(see https://crates.io/docs/trusted-publishing)."
)


@pytest.fixture
def reg(tmp_path: Path) -> Iterator[FakeRegistry]:
    with FakeRegistry(cargo_home=tmp_path / "home") as registry:
        yield registry
        registry.check_errors()


def test_trustpub_only_refuses_api_tokens_and_takes_trusted_publishing(
    reg: FakeRegistry, tmp_path: Path, package: MakePackage
) -> None:
    publish(reg, package("guarded", "0.1.0"))
    curl = Curl(reg, tmp_path / "jar")
    scoped = reg.add_token(reg.login, scopes=["trusted-publishing"], crates=["guarded"])

    def patch(body: Any, token: str | None = scoped, name: str = "guarded") -> Answer:
        return curl("PATCH", f"/api/v1/crates/{name}", body=body, token=token, cookie=False)

    status, answer, _ = patch({"crate": {"trustpub_only": True}})
    assert status == 200, answer
    crate = answer["crate"]
    assert list(crate) == CRATE_FIELDS
    assert crate["trustpub_only"] is True
    assert (crate["versions"], crate["max_version"], crate["newest_version"]) == (
        None,
        "0.0.0",
        "0.0.0",
    )  # as crates.io's answer, made without the top versions
    assert crate["links"]["versions"] == "/api/v1/crates/guarded/versions"
    assert curl("GET", "/api/v1/crates/guarded")[1]["crate"]["trustpub_only"] is True
    assert curl("GET", "/api/v1/crates?q=guarded")[1]["crates"][0]["trustpub_only"] is True
    assert reg.requests.filter(path="/api/v1/crates/guarded", method="PATCH")[0].kind == (
        "update_crate"
    )

    refused = try_publish(reg, package("guarded", "0.2.0"))
    assert refused.returncode != 0
    assert ONLY_TRUSTED in refused.stderr
    assert reg.publishes[-1].status == 403
    reg.add_trusted_publisher(
        "guarded",
        repository_owner="acme",
        repository_name="guarded",
        workflow_filename="release.yml",
    )
    env = reg.github_actions_env(repository="acme/guarded", workflow="release.yml")
    token = exchange(reg, id_token(reg, env)).json()["token"]
    trusted = try_publish(
        reg, package("guarded", "0.3.0"), env={"CARGO_REGISTRIES_FAKEREG_TOKEN": token}
    )
    assert trusted.returncode == 0, trusted.stderr
    assert reg.versions("guarded") == ["0.1.0", "0.3.0"]

    curl.sign_in(reg.token)  # a signed-in browser (crates.io's cookie) turns it off
    answer = curl("PATCH", "/api/v1/crates/guarded", body={"crate": {"trustpub_only": False}})
    assert answer[0] == 200
    assert answer[1]["crate"]["trustpub_only"] is False
    assert patch({"crate": {}})[1]["crate"]["trustpub_only"] is False  # (nothing asked)
    publish(reg, package("guarded", "0.4.0"))


def test_crate_settings_refuse_what_crates_io_refuses(reg: FakeRegistry, tmp_path: Path) -> None:
    reg.add_crate("mine", "1.0.0")
    reg.add_user("bob")
    curl = Curl(reg, tmp_path / "jar")
    body = {"crate": {"trustpub_only": True}}

    def patch(token: str | None, name: str = "mine", sent: Any = body) -> Answer:
        return curl("PATCH", f"/api/v1/crates/{name}", body=sent, token=token, cookie=False)

    assert detail(patch(reg.token)) == (403, LEGACY)
    yank_only = reg.add_token(reg.login, scopes=["yank"])
    assert detail(patch(yank_only)) == (403, PERMISSIONS)
    elsewhere = reg.add_token(reg.login, scopes=["trusted-publishing"], crates=["other*"])
    assert detail(patch(elsewhere)) == (403, PERMISSIONS)
    crates_only = reg.add_token(reg.login, crates=["mine"])
    assert detail(patch(crates_only)) == (403, LEGACY)
    bobs = reg.add_token("bob", scopes=["trusted-publishing"])
    assert detail(patch(bobs)) == (403, "only owners have permission to modify crate settings")
    assert detail(patch(None)) == (403, NO_AUTH)
    assert detail(patch(None, name="nope")) == (404, "crate `nope` does not exist")  # first
    assert patch(None, sent={"crate": {"trustpub_only": "yes"}})[0] == 422  # the body first
    assert patch(None, sent={"trustpub_only": True})[0] == 422
    # a name that cannot be a crate's is crates.io's 404 before anything (its CratePath)
    assert detail(patch(None, name="no%20such", sent=[])) == (404, "crate `no such` does not exist")
    assert curl("DELETE", "/api/v1/crates/-x", cookie=False)[0] == 404
    assert curl("POST", "/api/v1/crates/-x/1.0.0/rebuild_docs", cookie=False)[0] == 404
    new = curl("PATCH", "/api/v1/crates/new", body=body, cookie=False)
    assert new[0] == 405  # the static route wins, as on crates.io
    assert curl("GET", "/api/v1/crates/mine")[1]["crate"]["trustpub_only"] is False


@pytest.mark.parametrize("protocol", ["sparse", "git"])
def test_an_owner_deletes_a_new_crate_and_cargo_no_longer_finds_it(
    protocol: Protocol, tmp_path: Path, package: MakePackage
) -> None:
    with FakeRegistry(cargo_home=tmp_path / "home", protocol=protocol) as reg:
        _delete_and_resolve(reg, tmp_path, package)
        reg.check_errors()


def _delete_and_resolve(reg: FakeRegistry, tmp_path: Path, package: MakePackage) -> None:
    publish(reg, package("gone", "0.1.0"))
    app = write_package(
        tmp_path / "app",
        "app",
        dependencies=f'gone = {{ version = "0.1", registry = "{reg.name}" }}',
    )
    reg.cargo("generate-lockfile", cwd=app, check=True)
    curl = Curl(reg, tmp_path / "jar")
    assert detail(curl("DELETE", "/api/v1/crates/gone", token=reg.token, cookie=False)) == (
        403,
        WEBSITE_ONLY,
    )
    assert detail(curl("DELETE", "/api/v1/crates/gone", cookie=False)) == (403, NO_AUTH)
    curl.sign_in(reg.token)
    assert curl("PUT", "/api/v1/crates/gone/follow")[0] == 200
    status, body, _ = curl("DELETE", "/api/v1/crates/gone?message=a+mistake")
    assert (status, body) == (204, None)
    assert reg.requests.last.kind == "delete_crate"

    assert curl("GET", "/api/v1/crates/gone")[0] == 404
    assert curl("GET", "/index/go/ne/gone", cookie=False)[0] == 404
    assert reg.versions("gone") == []
    assert curl("GET", "/api/v1/crates?following=1")[1]["crates"] == []
    (app / "Cargo.lock").unlink()
    resolved = reg.cargo("generate-lockfile", cwd=app)
    assert resolved.returncode != 0
    assert "no matching package named `gone` found" in resolved.stderr
    again = try_publish(reg, package("gone", "0.2.0"))
    assert again.returncode != 0
    assert "A crate with the name `gone` was recently deleted." in again.stderr
    available = datetime.now(timezone.utc) + timedelta(hours=24)
    assert f"Reuse of this name will be available after {available:%Y-%m-%dT%H}" in again.stderr
    assert detail(curl("DELETE", "/api/v1/crates/gone")) == (404, "crate `gone` does not exist")
    assert curl("DELETE", "/api/v1/crates/new")[0] == 405


def test_an_old_or_depended_on_crate_is_kept(reg: FakeRegistry, tmp_path: Path) -> None:
    long_ago = datetime.now(timezone.utc) - timedelta(days=10)
    reg.add_crate("shared", "1.0.0", pubtime=long_ago)
    reg.add_user("bob")
    reg.cargo("owner", "--registry", reg.name, "--add", "bob", "shared", check=True)
    reg.add_crate("base", "1.0.0")
    reg.add_crate("user", "2.0.0", deps=["base@1"])
    reg.add_crate("selfish", "1.0.0")
    reg.add_crate("selfish", "1.1.0", deps=["selfish@1.0"])  # (depends on itself: no matter)
    curl = Curl(reg, tmp_path / "jar")
    curl.sign_in(reg.token)
    assert detail(curl("DELETE", "/api/v1/crates/shared")) == (
        422,
        "only crates with a single owner can be deleted after 72 hours",
    )
    assert detail(curl("DELETE", "/api/v1/crates/base")) == (
        422,
        "only crates without reverse dependencies can be deleted "
        "(e.g. user@2.0.0 depends on this crate)",
    )
    assert curl("DELETE", "/api/v1/crates/selfish")[0] == 204
    bob = Curl(reg, tmp_path / "bob-jar")
    bob.sign_in(reg.add_user("carol"))
    assert detail(bob("DELETE", "/api/v1/crates/base")) == (
        403,
        "only owners have permission to delete crates",
    )
    assert reg.versions("shared") == ["1.0.0"]
    assert reg.versions("base") == ["1.0.0"]


def test_rebuild_docs_is_queued_for_an_owners_browser(reg: FakeRegistry, tmp_path: Path) -> None:
    reg.add_crate("docs", "1.0.0")
    curl = Curl(reg, tmp_path / "jar")
    path = "/api/v1/crates/docs/1.0.0/rebuild_docs"
    assert detail(curl("POST", path, token=reg.token, cookie=False)) == (403, WEBSITE_ONLY)
    assert detail(curl("POST", path, cookie=False)) == (403, NO_AUTH)
    assert curl("POST", "/api/v1/crates/docs/one/rebuild_docs", cookie=False)[0] in (400, 404)
    curl.sign_in(reg.token)
    assert curl("POST", path)[:2] == (201, None)
    assert reg.requests.last.kind == "rebuild_docs"
    assert detail(curl("POST", "/api/v1/crates/nope/1.0.0/rebuild_docs")) == (
        404,
        "crate `nope` does not exist",
    )
    assert detail(curl("POST", "/api/v1/crates/docs/9.9.9/rebuild_docs")) == (
        404,
        "crate `docs` does not have a version `9.9.9`",
    )
    other = Curl(reg, tmp_path / "other-jar")
    other.sign_in(reg.add_user("bob"))
    assert detail(other("POST", path)) == (
        403,
        "user doesn't have permission to trigger a docs rebuild",
    )


def test_deletion_rules_count_downloads_per_month_of_age() -> None:
    assert max_downloads(timedelta(days=3)) == 1000
    assert max_downloads(timedelta(days=30)) == 1000
    assert max_downloads(timedelta(days=31)) == 2000
    young = DeletionFacts(age=timedelta(hours=71), owners=3, downloads=10**6, dependent=None)
    check_deletion(young)  # within 72 hours anything goes
    busy = DeletionFacts(age=timedelta(days=40), owners=1, downloads=2001, dependent=None)
    with pytest.raises(UnprocessableError, match="less than 1000 downloads per month"):
        check_deletion(busy)
    check_deletion(DeletionFacts(age=timedelta(days=40), owners=1, downloads=2000, dependent=None))


def test_the_download_rule_applies_to_a_served_crate(reg: FakeRegistry) -> None:
    """The service counts the downloads the registry served (here, with a clock 10 days
    on: 1,000 allowed; the 1,001st download keeps the crate)."""
    reg.add_crate("popular", "1.0.0")
    parts = reg._running()
    admin = CrateAdmin(parts.store, parts.downloads, parts.teams)
    later = datetime.now(timezone.utc) + timedelta(days=10)
    for _ in range(1001):
        parts.downloads.count("popular", "1.0.0")
    with pytest.raises(UnprocessableError, match="downloads per month"):
        admin.delete(reg.login, "popular", now=later)
    assert admin.delete(reg.login, "popular") == "popular"  # young: it goes
