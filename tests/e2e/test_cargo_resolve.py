"""A dependent project resolves, downloads and builds against the registry."""

from __future__ import annotations

from fakereg import FakeRegistry
from tests.helpers import MakePackage, greeting_app, publish


def test_dependent_project_builds_and_runs(
    fake_registry: FakeRegistry, package: MakePackage
) -> None:
    reg = fake_registry
    publish(reg, package("greeting"))
    app = greeting_app(package, reg.name)
    run = reg.cargo("run", "--quiet", cwd=app, check=True)
    assert run.stdout.strip() == "answer=42"
    lock = (app / "Cargo.lock").read_text()
    assert reg.index_url in lock
    (download,) = [r for r in reg.requests if r.kind == "download"]
    # From the static path config.json's `dl` names, in cargo's default form of it.
    assert download.path == "/dl/greeting/0.1.0/download"
    assert (download.status, download.crate, download.version) == (200, "greeting", "0.1.0")
    assert reg.downloads("greeting", "0.1.0") == 1
    assert not reg.requests.filter("download_redirect")
    if reg.protocol == "sparse":
        index_paths = {r.path for r in reg.requests if r.kind == "index"}
        assert "/index/gr/ee/greeting" in index_paths
        assert not [r for r in reg.requests if r.kind == "git"]
    else:
        fetches = [r for r in reg.requests if r.kind == "git"]
        assert {r.path for r in fetches} >= {"/git/index/info/refs", "/git/index/git-upload-pack"}
        assert not [r for r in reg.requests if r.kind == "index"]


def test_yanked_version_is_refused_for_new_resolutions(
    fake_registry: FakeRegistry, package: MakePackage
) -> None:
    reg = fake_registry
    publish(reg, package("greeting"))
    reg.cargo("yank", "--registry", reg.name, "greeting@0.1.0", check=True)
    app = greeting_app(package, reg.name)
    result = reg.cargo("generate-lockfile", cwd=app)
    assert result.returncode != 0
    assert "yanked" in result.stderr
    assert not [r for r in reg.requests if r.kind == "download"]


def test_update_moves_to_newest_unyanked_version(
    fake_registry: FakeRegistry, package: MakePackage
) -> None:
    reg = fake_registry
    publish(reg, package("greeting"))
    app = greeting_app(package, reg.name)
    reg.cargo("generate-lockfile", cwd=app, check=True)
    publish(reg, package("greeting", "0.1.1"))
    publish(reg, package("greeting", "0.1.2"))
    reg.cargo("yank", "--registry", reg.name, "greeting@0.1.2", check=True)
    reg.cargo("update", cwd=app, check=True)
    lock = (app / "Cargo.lock").read_text()
    assert 'name = "greeting"\nversion = "0.1.1"' in lock


def test_cargo_reuses_its_connections(fake_registry: FakeRegistry, package: MakePackage) -> None:
    reg = fake_registry
    names = ("alpha", "beta", "gamma")
    for name in names:
        publish(reg, package(name))
    dependencies = "".join(
        f'{name} = {{ version = "0.1", registry = "{reg.name}" }}\n' for name in names
    )
    app = package("app", dependencies=dependencies)
    before = reg.connections.accepted
    reg.clear()
    reg.cargo("fetch", cwd=app, check=True)
    fetches = [r for r in reg.requests if r.kind in ("index", "config", "download", "git")]
    assert len(fetches) >= 4  # the index (its files, or a git fetch), three downloads
    assert reg.connections.accepted - before < len(fetches)
    assert reg.connections.open <= reg.connections.accepted
