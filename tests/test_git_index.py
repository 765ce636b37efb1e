"""The git index with real git and real cargo: clones, fetches, history, pushes refused."""

from __future__ import annotations

import json
import os
import re
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest

from fakereg import FakeRegistry
from fakereg.storage.gitindex import GitIndex
from tests.crates import crate, metadata, publish_body
from tests.helpers import MakePackage, greeting_app, http, publish, require, write_package

pytestmark = pytest.mark.fake_registry(protocol="git")


def git(*args: str | Path, cwd: Path | None = None, **env: str) -> str:
    """Run real git; fail the test with git's own words if it fails."""
    result = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "GIT_TERMINAL_PROMPT": "0", **env},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _publish_raw(reg: FakeRegistry, name: str, version: str) -> int:
    body = publish_body(metadata(name, version), crate(name, version))
    return http(reg, "PUT", "/api/v1/crates/new", body=body, token=reg.token).status


def _tree(checkout: Path) -> dict[str, bytes]:
    return {
        p.relative_to(checkout).as_posix(): p.read_bytes()
        for p in checkout.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(checkout).parts
    }


def _sparse_view(reg: FakeRegistry, names: list[str]) -> dict[str, bytes]:
    from fakereg.domain.names import index_path

    view = {"config.json": http(reg, "GET", "/index/config.json").body}
    for name in names:
        view[index_path(name)] = http(reg, "GET", "/index/" + index_path(name)).body
    return view


def test_history_one_commit_per_change_and_tree_equals_sparse_view(
    fake_registry: FakeRegistry, tmp_path: Path
) -> None:
    reg = fake_registry
    assert _publish_raw(reg, "foo", "0.1.0") == 200
    assert _publish_raw(reg, "foo", "0.2.0") == 200
    assert _publish_raw(reg, "ab", "1.0.0") == 200
    http(reg, "DELETE", "/api/v1/crates/foo/0.1.0/yank", token=reg.token)
    http(reg, "PUT", "/api/v1/crates/foo/0.1.0/unyank", token=reg.token)
    checkout = tmp_path / "clone"
    git("clone", "-q", reg.git_index_url, checkout)
    log = git("log", "--format=%s", cwd=checkout).splitlines()
    assert log == [
        "Unyank crate `foo#0.1.0`",
        "Yank crate `foo#0.1.0`",
        "Update crate `ab#1.0.0`",
        "Update crate `foo#0.2.0`",
        "Update crate `foo#0.1.0`",
        "Import index",
    ]
    changed = git("show", "--name-only", "--format=", "HEAD~2", cwd=checkout).split()
    assert changed == ["2/ab"]
    assert git("symbolic-ref", "HEAD", cwd=checkout).strip() == "refs/heads/master"
    assert _tree(checkout) == _sparse_view(reg, ["foo", "ab"])
    assert all(data.endswith(b"\n") for data in _tree(checkout).values())


def test_shallow_clone_and_fetch_after_more_publishes(
    fake_registry: FakeRegistry, tmp_path: Path
) -> None:
    reg = fake_registry
    _publish_raw(reg, "foo", "0.1.0")
    full, shallow = tmp_path / "full", tmp_path / "shallow"
    git("clone", "-q", reg.git_index_url, full)
    git("clone", "-q", "--depth", "1", reg.git_index_url, shallow)
    assert git("rev-list", "--count", "HEAD", cwd=shallow).strip() == "1"
    assert (shallow / "3/f/foo").read_bytes() == (full / "3/f/foo").read_bytes()
    _publish_raw(reg, "foo", "0.2.0")
    _publish_raw(reg, "bar", "0.1.0")
    for checkout in (full, shallow):
        git("pull", "-q", "--ff-only", cwd=checkout)
        assert _tree(checkout) == _sparse_view(reg, ["foo", "bar"])


def test_dumb_http_and_file_url_clones(fake_registry: FakeRegistry, tmp_path: Path) -> None:
    reg = fake_registry
    _publish_raw(reg, "foo", "0.1.0")
    dumb, local = tmp_path / "dumb", tmp_path / "local"
    git("clone", "-q", reg.git_index_url, dumb, GIT_SMART_HTTP="0")
    assert "/git/index/info/refs" in {r.path for r in reg.requests if r.kind == "git"}
    assert not [r for r in reg.requests if r.path.endswith("git-upload-pack")]
    git("clone", "-q", reg.git_file_url, local)
    assert _tree(dumb) == _tree(local) == _sparse_view(reg, ["foo"])


def test_push_is_refused(fake_registry: FakeRegistry, tmp_path: Path) -> None:
    reg = fake_registry
    checkout = tmp_path / "clone"
    git("clone", "-q", reg.git_index_url, checkout)
    (checkout / "evil").write_text("x\n")
    git("add", "evil", cwd=checkout)
    git("commit", "-qm", "evil", cwd=checkout)
    result = subprocess.run(
        ["git", "push", "origin", "HEAD:master"],
        cwd=checkout,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "403" in result.stderr
    assert "evil" not in reg.git_path.joinpath("refs/heads/master").read_text()
    refused = [r for r in reg.requests if "git-receive-pack" in r.path + r.query]
    assert refused
    assert refused[0].status == 403


def test_chunked_fetch_request_bodies(fake_registry: FakeRegistry, tmp_path: Path) -> None:
    """Many local commits make git's negotiation exceed http.postBuffer: it then sends the
    request chunked, which werkzeug de-chunks before dulwich sees it."""
    reg = fake_registry
    _publish_raw(reg, "foo", "0.1.0")
    checkout = tmp_path / "clone"
    git("clone", "-q", reg.git_index_url, checkout)
    commits = "".join(
        f"commit refs/heads/local\ncommitter t <t@example.com> {1700000000 + i} +0000\n"
        f"data 5\nc{i:04}\n" + ("from refs/heads/master\n" if i == 0 else "") + "\n"
        for i in range(3000)
    )
    subprocess.run(
        ["git", "fast-import", "--quiet"], cwd=checkout, input=commits, text=True, check=True
    )
    _publish_raw(reg, "foo", "0.2.0")
    git("-c", "http.postBuffer=65536", "fetch", "-q", "origin", cwd=checkout)
    assert git("show", "origin/master:3/f/foo", cwd=checkout).count("\n") == 2
    chunked = [
        r
        for r in reg.requests
        if r.path.endswith("git-upload-pack")
        and "chunked" in r.headers.get("Transfer-Encoding", "")
    ]
    assert chunked, "git sent no chunked request: the test no longer covers the case"
    assert all(r.status == 200 for r in chunked)


def test_concurrent_publishes_make_a_linear_history(
    fake_registry: FakeRegistry, tmp_path: Path
) -> None:
    reg = fake_registry
    statuses: list[int] = []

    def worker(n: int) -> None:
        for v in range(5):
            statuses.append(_publish_raw(reg, f"crate{n}", f"0.{v}.0"))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 40
    checkout = tmp_path / "clone"
    git("clone", "-q", reg.git_index_url, checkout)
    assert git("rev-list", "--merges", "--count", "HEAD", cwd=checkout).strip() == "0"
    subjects = git("log", "--format=%s", cwd=checkout).splitlines()
    assert len([s for s in subjects if s.startswith("Update crate")]) == 40
    assert _tree(checkout) == _sparse_view(reg, [f"crate{n}" for n in range(8)])


@pytest.mark.parametrize("fetch_with_cli", [False, True], ids=["libgit2", "git-cli"])
def test_cargo_builds_through_git_index(
    fake_registry: FakeRegistry, package: MakePackage, fetch_with_cli: bool
) -> None:
    reg = fake_registry
    publish(reg, package("greeting"))
    app = greeting_app(package, reg.name)
    env = {"CARGO_NET_GIT_FETCH_WITH_CLI": "true" if fetch_with_cli else "false"}
    seen = len(reg.requests)
    run = reg.cargo("run", "--quiet", cwd=app, env=env, check=True)
    assert run.stdout.strip() == "answer=42"
    agents = {r.headers.get("User-Agent", "") for r in reg.requests[seen:] if r.kind == "git"}
    assert agents
    assert all(("libgit2" in agent) != fetch_with_cli for agent in agents), agents


def test_cargo_reads_the_index_from_a_file_url(
    fake_registry: FakeRegistry, package: MakePackage
) -> None:
    reg = fake_registry
    publish(reg, package("greeting"))
    app = greeting_app(package, "ondisk")
    env: dict[str, Any] = {"CARGO_REGISTRIES_ONDISK_INDEX": reg.git_file_url}
    run = reg.cargo("run", "--quiet", cwd=app, env=env, check=True)
    assert run.stdout.strip() == "answer=42"
    assert reg.git_file_url in (app / "Cargo.lock").read_text()


@pytest.mark.fake_registry(protocol="sparse")
def test_a_sparse_registry_is_served_as_git_too(
    fake_registry: FakeRegistry, package: MakePackage
) -> None:
    reg = fake_registry
    assert reg.index_url == reg.sparse_index_url
    publish(reg, package("greeting"))
    app = greeting_app(package, "viagit")
    env = {"CARGO_REGISTRIES_VIAGIT_INDEX": reg.git_index_url}
    run = reg.cargo("run", "--quiet", cwd=app, env=env, check=True)
    assert run.stdout.strip() == "answer=42"
    assert [r for r in reg.requests if r.kind == "git"]


def test_first_git_start_on_an_existing_root_imports_the_index(tmp_path: Path) -> None:
    root = tmp_path / "state"
    with FakeRegistry(root=root, git_index=False) as sparse_only:
        assert _publish_raw(sparse_only, "foo", "0.1.0") == 200
        assert _publish_raw(sparse_only, "bar", "0.1.0") == 200
        assert http(sparse_only, "GET", "/git/index/info/refs").status == 404
        with pytest.raises(RuntimeError, match="git_index=False"):
            _ = sparse_only.git_index_url
    with FakeRegistry(root=root, protocol="git") as reg:
        checkout = tmp_path / "clone"
        git("clone", "-q", reg.git_index_url, checkout)
        assert git("log", "--format=%s", cwd=checkout).splitlines() == ["Import index"]
        assert _tree(checkout) == _sparse_view(reg, ["foo", "bar"])
    with FakeRegistry(root=root, protocol="git") as again:
        subjects = git("--git-dir", again.git_path, "log", "--format=%s")
        # A new port changes config.json, and only that.
        assert subjects.splitlines() == ["Update config.json", "Import index"]


def test_a_root_whose_git_index_names_the_old_dl_is_updated_at_its_next_start(
    tmp_path: Path, package: MakePackage
) -> None:
    """A root an older fakereg served keeps its committed config.json (``dl`` the API route)
    until the next start's first git use commits this registry's: no migration step."""
    root = tmp_path / "state"
    with FakeRegistry(root=root, protocol="git") as older:
        older.add_crate("greeting", "0.1.0")
        old = {"dl": f"{older.url}/api/v1/crates", "api": older.url}
        GitIndex(older.git_path).commit([("config.json", json.dumps(old).encode())], "old")
    with FakeRegistry(root=root, protocol="git") as reg:
        clone = tmp_path / "clone"
        git("clone", "-q", reg.git_index_url, clone)
        config = json.loads((clone / "config.json").read_text())
        assert config == {"dl": f"{reg.url}/dl", "api": reg.url}
        reg.cargo("fetch", cwd=greeting_app(package, reg.name), check=True)
        (download,) = reg.requests.filter("download")
        assert download.path == "/dl/greeting/0.1.0/download"
        assert not reg.requests.filter("download_redirect")


def test_git_request_bodies_are_bounded_and_recorded_as_sent(fake_registry: FakeRegistry) -> None:
    import gzip

    from fakereg.web.gitserve import MAX_UPLOAD_PACK_REQUEST

    headers = {
        "Content-Type": "application/x-git-upload-pack-request",
        "Content-Encoding": "gzip",
    }
    bomb = gzip.compress(bytes(MAX_UPLOAD_PACK_REQUEST + 1))
    answer = http(fake_registry, "POST", "/git/index/git-upload-pack", body=bomb, headers=headers)
    assert answer.status == 400
    assert "inflates to more than" in answer.json()["errors"][0]["detail"]
    garbage = http(
        fake_registry, "POST", "/git/index/git-upload-pack", body=b"not gzip", headers=headers
    )
    assert garbage.status == 400
    want = b"0032want " + b"0" * 40 + b"\n" + b"00000009done\n"
    plain = {"Content-Type": "application/x-git-upload-pack-request"}
    wrong = http(fake_registry, "POST", "/git/index/git-upload-pack", body=want, headers=plain)
    assert wrong.status == 400  # no side-band capability asked: a client error, not a 500
    assert "git protocol error" in wrong.json()["errors"][0]["detail"]
    assert fake_registry.requests.last.body == want
    assert fake_registry.errors == []


def test_a_sparse_registry_makes_its_git_index_on_first_use(tmp_path: Path) -> None:
    with FakeRegistry(root=tmp_path / "state") as reg:
        assert _publish_raw(reg, "early", "0.1.0") == 200
        assert not (tmp_path / "state" / "git").exists()
        assert http(reg, "GET", "/git/index/info/refs").status == 200
        assert _publish_raw(reg, "late", "0.1.0") == 200
        subjects = git("--git-dir", reg.git_path, "log", "--format=%s")
        assert subjects.splitlines() == ["Update crate `late#0.1.0`", "Import index"]
        assert set(GitIndex(reg.git_path).files()) == {"config.json", "ea/rl/early", "la/te/late"}


def test_processes_sharing_a_root_each_serve_their_own_config_json(tmp_path: Path) -> None:
    """Another registry on the root commits its config.json; a fetch here restores ours."""
    root = tmp_path / "root"
    with FakeRegistry(root, protocol="git", name="first") as first:
        first.add_crate("shared", "1.0.0")
        first.git_path  # noqa: B018 - first's git index is in use before second starts
        with FakeRegistry(root, protocol="git", name="second") as second:
            committed = GitIndex(second.git_path).read("config.json") or b"{}"
            assert json.loads(committed)["api"] == second.url
        # second has stopped: cargo, fetching through first, must download from first.
        app = write_package(
            tmp_path / "app",
            "app",
            dependencies='shared = { version = "1", registry = "first" }',
        )
        first.cargo("fetch", cwd=app, check=True)
        clone = tmp_path / "clone"
        subprocess.run(["git", "clone", "-q", first.git_index_url, str(clone)], check=True)
        assert json.loads((clone / "config.json").read_text())["api"] == first.url


def test_repeated_clones_get_the_same_pack_and_then_the_new_one(
    fake_registry: FakeRegistry, tmp_path: Path
) -> None:
    """Upload-pack answers are kept by commit and request: a repeat is the same answer,
    and a publish (a new commit) is never answered from before it."""
    reg = fake_registry
    _publish_raw(reg, "foo", "0.1.0")
    for i in range(2):
        git("clone", "-q", reg.git_index_url, tmp_path / f"first-{i}")
    packs = [r for r in reg.requests if r.path.endswith("/git-upload-pack")]
    assert len(packs) == 2
    assert packs[0].response_body == packs[1].response_body
    assert packs[0].body == packs[1].body
    _publish_raw(reg, "bar", "0.1.0")
    git("clone", "-q", reg.git_index_url, tmp_path / "second")
    assert _tree(tmp_path / "second") == _sparse_view(reg, ["foo", "bar"])
    git("pull", "-q", "--ff-only", cwd=tmp_path / "first-0")
    assert _tree(tmp_path / "first-0") == _sparse_view(reg, ["foo", "bar"])


def test_a_large_first_import_is_one_pack_that_every_client_reads(
    tmp_path: Path, package: MakePackage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first git use of a big registry writes one pack (here from 5 objects up)."""
    monkeypatch.setattr("fakereg.storage.gitindex.PACK_THRESHOLD", 5)
    with FakeRegistry(root=tmp_path / "state") as reg:  # sparse: git is made on first use
        for name in ("greeting", "alpha", "beta", "gamma"):
            publish(reg, package(name))
        assert not (tmp_path / "state" / "git").exists()
        smart, dumb = tmp_path / "smart", tmp_path / "dumb"
        git("clone", "-q", reg.git_index_url, smart)
        packs = sorted(p.suffix for p in (reg.git_path / "objects" / "pack").iterdir())
        assert packs == [".idx", ".pack"]
        loose = [p for p in (reg.git_path / "objects").glob("??/*")]
        assert loose == []
        git("clone", "-q", reg.git_index_url, dumb, GIT_SMART_HTTP="0")
        names = ["greeting", "alpha", "beta", "gamma"]
        assert _tree(smart) == _tree(dumb) == _sparse_view(reg, names)
        _publish_raw(reg, "delta", "0.1.0")  # a small commit on top: loose objects
        git("pull", "-q", "--ff-only", cwd=smart)
        assert _tree(smart) == _sparse_view(reg, [*names, "delta"])
        git("--git-dir", reg.git_path, "fsck", "--full", "--strict")
    with FakeRegistry(root=tmp_path / "state", protocol="git") as reg:
        app = greeting_app(package, reg.name)
        run = reg.cargo("run", "--quiet", cwd=app, check=True)
        assert run.stdout.strip() == "answer=42"


def test_packed_trees_are_the_trees_dulwich_makes() -> None:
    """gitpack's hand-made trees hash as dulwich's (git's ordering of folders included)."""
    from dulwich.object_store import MemoryObjectStore, commit_tree_changes
    from dulwich.objects import Blob, Tree

    from fakereg.storage.gitpack import tree_objects

    files = [
        ("config.json", b"{}\n"),
        ("a", b"file a\n"),
        ("a-b", b"file a-b\n"),
        ("a.b/c", b"in a.b\n"),
        ("ab/cd/abcd", b"deep\n"),
        ("ab/cd/abce", b"deep\n"),  # the same content twice: one blob
        ("ab/c", b"beside\n"),
        ("ab/c-d/x", b"x\n"),
        ("3/f/foo", b"foo\n"),
        ("2/ab", b"ab\n"),
        ("twin-a/f", b"same\n"),  # two identical folders: one tree object
        ("twin-b/f", b"same\n"),
    ]
    store = MemoryObjectStore()
    changes = []
    for path, data in files:
        blob = Blob.from_string(data)
        store.add_object(blob)
        changes.append((path.encode(), 0o100644, blob.id))
    expected = commit_tree_changes(store, Tree(), changes)
    objects, root = tree_objects(files)
    expected_id = expected.id if isinstance(expected, Tree) else expected
    assert root.hex().encode() == expected_id
    assert len({obj.id for obj in objects}) == len(objects)


def test_gitoxide_shallow_index_fetches_again_after_a_publish(
    fake_registry: FakeRegistry, package: MakePackage
) -> None:
    """gix (``cargo +nightly -Zgitoxide -Zgit=shallow-index``) sends ``deepen 1`` before
    its ``shallow`` lines on its second fetch; git's upload-pack takes that order, and so
    does fakereg (issue 27, item 14: it answered 400 "unexpected command shallow")."""
    reg = fake_registry
    nightly = subprocess.run(["cargo", "+nightly", "--version"], capture_output=True, text=True)
    require(nightly.returncode == 0, "cargo +nightly is missing (rustup toolchain install nightly)")
    publish(reg, package("greeting", version="0.1.0"))
    app = greeting_app(package, reg.name)
    gix = ("+nightly", "-Zgitoxide", "-Zgit=shallow-index")
    reg.cargo(*gix, "generate-lockfile", cwd=app, check=True)
    assert 'version = "0.1.0"' in (app / "Cargo.lock").read_text()
    publish(reg, package("greeting", version="0.1.1"))
    seen = len(reg.requests)
    reg.cargo(*gix, "update", cwd=app, check=True)
    assert 'version = "0.1.1"' in (app / "Cargo.lock").read_text()
    fetches = [r for r in reg.requests[seen:] if r.path.endswith("/git-upload-pack")]
    assert fetches
    assert all(r.status == 200 for r in fetches), [(r.status, r.response_body) for r in fetches]
    # The order gix sent: deepen before shallow (what this test is about).
    sent = b"".join(r.body for r in fetches)
    deepen = re.search(rb"[0-9a-f]{4}deepen 1\n", sent)
    shallow = re.search(rb"[0-9a-f]{4}shallow [0-9a-f]{40}\n", sent)
    assert deepen is not None
    assert shallow is not None
    assert deepen.start() < shallow.start()
