"""add_crate, batch, import_crates and export, checked on what they store (no cargo)."""

from __future__ import annotations

import io
import json
import tarfile
from datetime import datetime, timezone
from pathlib import Path

import pytest
from dulwich.repo import Repo

from fakereg import (
    CrateVersion,
    Dependency,
    FakeRegistry,
    RegistryFactory,
    SeedError,
    UnknownDependencyWarning,
)
from fakereg.domain.cratefile import parse_manifest
from tests.crates import crate, dependency, metadata, publish_body
from tests.helpers import http


def crate_files(data: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        return {
            member.name: tar.extractfile(member).read()  # type: ignore[union-attr]
            for member in tar
        }


def commits(reg: FakeRegistry) -> list[str]:
    with Repo(str(reg.git_path)) as repo:
        return [entry.commit.message.decode().strip() for entry in repo.get_walker()]


def _add_seeded(reg: FakeRegistry, other: str) -> CrateVersion:
    return reg.add_crate(
        "seeded",
        "1.2.3",
        deps=[
            "plain",
            "careted@1.0",
            Dependency("exact", "=2.0.1", features=["x"], default_features=False),
            Dependency("opt", ">=1, <3", optional=True),
            Dependency("tool", "0.5", kind="build"),
            Dependency("tester", "1", kind="dev"),
            Dependency("winapi", "0.3", target="cfg(windows)"),
            Dependency("real", "1", rename="alias"),
            Dependency("faraway", "1", registry=other),
            Dependency("upstream", "1", registry="crates-io"),
        ],
        features={"default": ["fast"], "fast": [], "with-opt": ["dep:opt", "alias?/std"]},
        links="seeded",
        rust_version="1.70",
        pubtime=datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone.utc),
        description="A seeded crate",
    )


def test_add_crate_stores_the_line_a_publish_would(fake_registry: FakeRegistry) -> None:
    reg = fake_registry
    other = "sparse+http://127.0.0.1:1/index/"
    with pytest.warns(UnknownDependencyWarning) as warned:
        added = _add_seeded(reg, other)
    # Said once per dependency on this registry (by its real name), none for the others.
    named = sorted(str(w.message).split("`")[1] for w in warned)
    assert named == ["careted", "exact", "opt", "plain", "real", "tester", "tool", "winapi"]
    assert all(w.filename == __file__ for w in warned)  # (the test's line, not ours)
    (line,) = reg.index_entries("seeded")
    assert added.name == "seeded"
    assert added.version == "1.2.3"
    assert line["cksum"] == added.cksum
    deps = {dep["name"]: dep for dep in line["deps"]}
    assert deps["plain"]["req"] == "*"
    assert deps["careted"]["req"] == "^1.0"
    assert deps["exact"] | {} == {
        "name": "exact",
        "req": "=2.0.1",
        "features": ["x"],
        "optional": False,
        "default_features": False,
        "target": None,
        "kind": "normal",
    }
    assert deps["opt"]["req"] == ">=1, <3"
    assert deps["opt"]["optional"] is True
    assert deps["tool"]["kind"] == "build"
    assert deps["tester"]["kind"] == "dev"
    assert deps["winapi"]["target"] == "cfg(windows)"
    assert deps["alias"]["package"] == "real"
    assert deps["faraway"]["registry"] == other
    assert deps["upstream"]["registry"] == "https://github.com/rust-lang/crates.io-index"
    assert "registry" not in deps["plain"]
    assert line["features"] == {"default": ["fast"], "fast": []}
    assert line["features2"] == {"with-opt": ["dep:opt", "alias?/std"]}
    assert line["v"] == 2
    assert line["links"] == "seeded"
    assert line["rust_version"] == "1.70"
    assert line["pubtime"] == "2024-05-06T07:08:09Z"
    assert line["yanked"] is False
    assert reg.owners("seeded") == [reg.login]
    found = http(reg, "GET", "/api/v1/crates?q=seeded").json()
    assert found["crates"][0]["description"] == "A seeded crate"


def test_add_crate_builds_a_real_crate_file(fake_registry: FakeRegistry) -> None:
    reg = fake_registry
    reg.add_crate("plainlib", "0.1.0", files={"src/extra.rs": "pub fn x() {}\n"}, readme="hi")
    files = crate_files(reg.crate_file("plainlib", "0.1.0"))
    assert sorted(files) == [
        "plainlib-0.1.0/Cargo.toml",
        "plainlib-0.1.0/README.md",
        "plainlib-0.1.0/src/extra.rs",
        "plainlib-0.1.0/src/lib.rs",
    ]
    assert b'pub const VERSION: &str = "plainlib 0.1.0";' in files["plainlib-0.1.0/src/lib.rs"]
    manifest = parse_manifest(files["plainlib-0.1.0/Cargo.toml"])
    assert manifest["package"]["name"] == "plainlib"
    assert manifest["package"]["readme"] == "README.md"

    reg.add_crate("procky", "1.0.0", proc_macro=True, build_rs=True, deps=["plainlib@0.1"])
    files = crate_files(reg.crate_file("procky", "1.0.0"))
    manifest = parse_manifest(files["procky-1.0.0/Cargo.toml"])
    assert manifest["lib"] == {"proc-macro": True}
    assert manifest["package"]["build"] == "build.rs"
    assert manifest["dependencies"]["plainlib"] == {"version": "^0.1"}
    assert b"#[proc_macro]" in files["procky-1.0.0/src/lib.rs"]
    assert b"cargo:rustc-env=FAKEREG_BUILD_PROCKY=procky 1.0.0" in files["procky-1.0.0/build.rs"]

    reg.add_crate("nolib", "1.0.0", files={"src/lib.rs": None, "src/main.rs": "fn main() {}"})
    assert "nolib-1.0.0/src/lib.rs" not in crate_files(reg.crate_file("nolib", "1.0.0"))


def test_add_crate_is_reproducible(fake_registry_factory: RegistryFactory) -> None:
    first = fake_registry_factory()
    second = fake_registry_factory()
    first.add_crate("dep", "1.0.0")
    second.add_crate("dep", "1.0.0")
    one = first.add_crate("same", "1.0.0", deps=["dep@1"])
    two = second.add_crate("same", "1.0.0", deps=["dep@1"])
    assert one.cksum == two.cksum


def test_a_given_cargo_toml_decides_the_index_line(fake_registry: FakeRegistry) -> None:
    manifest = (
        '[package]\nname = "handmade"\nversion = "0.2.0"\nedition = "2021"\n'
        '[dependencies]\nserde = "1.0.100"\n'
        '[target."cfg(unix)".build-dependencies.cc]\nversion = "1"\n'
    )
    with pytest.warns(UnknownDependencyWarning) as warned:
        fake_registry.add_crate("handmade", "0.2.0", files={"Cargo.toml": manifest})
    assert [str(w.message).split("`")[1] for w in warned] == ["serde", "cc"]
    (line,) = fake_registry.index_entries("handmade")
    assert [(d["name"], d["req"], d["kind"], d["target"]) for d in line["deps"]] == [
        ("serde", "^1.0.100", "normal", None),
        ("cc", "^1", "build", "cfg(unix)"),
    ]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "std"}, "reserved name"),
        ({"name": "1abc"}, "must start with an ASCII letter"),
        ({"version": "1.0"}, "invalid semver version `1.0`"),
        ({"deps": ["serde@not a version"]}, "invalid version requirement"),
        ({"deps": ["serde@"]}, "empty version requirement"),
        ({"deps": ["a@1", "a@2"]}, "appears twice"),
        ({"features": {"f": ["dep:missing"]}}, "not an optional dependency"),
        ({"features": {"f": ["missing/std"]}}, "is not a dependency"),
        ({"features": {"f": ["nothing"]}}, "neither a feature nor an optional dependency"),
        ({"features": {"bad name": []}}, "invalid feature name"),
        ({"files": {"../escape.rs": "x"}}, "invalid file path"),
        ({"files": {"/abs.rs": "x"}}, "invalid file path"),
        ({"edition": "2020"}, "unknown edition"),
        ({"pubtime": datetime(2024, 1, 1)}, "aware datetime"),
        ({"deps": [Dependency("x", registry="nonsense")]}, "registry must be"),
    ],
)
def test_add_crate_refuses_what_cargo_would(
    fake_registry: FakeRegistry, kwargs: dict[str, object], message: str
) -> None:
    arguments: dict[str, object] = {"name": "good", "version": "1.0.0"} | kwargs
    with pytest.raises(ValueError, match=message):
        fake_registry.add_crate(**arguments)  # type: ignore[arg-type]
    assert fake_registry.versions(str(arguments["name"])) == []


def test_dependency_objects_check_themselves() -> None:
    with pytest.raises(ValueError, match="cannot be optional"):
        Dependency("t", "1", kind="dev", optional=True)
    with pytest.raises(ValueError, match="kind must be one of"):
        Dependency("t", "1", kind="runtime")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="invalid crate name"):
        Dependency("no spaces")
    with pytest.raises(TypeError, match="list of strings"):
        Dependency("t", features="std")
    assert Dependency.parse("serde@ ~1.2 ").req == "~1.2"
    assert Dependency("x", "1.*").req == "1.*"
    assert Dependency("x", ">= 1.2, < 2").req == ">=1.2, <2"


def test_versions_clash_like_publishes(fake_registry: FakeRegistry) -> None:
    reg = fake_registry
    reg.add_crate("clash-me", "1.0.0")
    with pytest.raises(SeedError, match=r"`clash-me@1.0.0` .* is already uploaded"):
        reg.add_crate("clash-me", "1.0.0+build", description="different")
    with pytest.raises(SeedError, match="clashes with crate `clash-me`"):
        reg.add_crate("clash_me", "2.0.0")
    assert reg.versions("clash-me") == ["1.0.0"]


def test_batch_is_one_commit_and_all_or_nothing(fake_registry: FakeRegistry) -> None:
    reg = fake_registry
    before = len(commits(reg))
    with reg.batch():
        for i in range(20):
            reg.add_crate(f"batched{i}", "1.0.0")
        assert reg.versions("batched0") == []
    assert reg.versions("batched19") == ["1.0.0"]
    assert commits(reg)[0] == "Add 20 crate versions"
    assert len(commits(reg)) == before + 1

    def failing_block() -> None:
        with reg.batch():
            reg.add_crate("never", "1.0.0")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        failing_block()
    assert reg.versions("never") == []

    def clashing_block() -> None:
        with reg.batch():
            reg.add_crate("dup", "1.0.0")
            reg.add_crate("dup", "1.0.0", description="not the same crate")

    with pytest.raises(SeedError):
        clashing_block()
    assert reg.versions("dup") == []
    with pytest.raises(RuntimeError, match="do not nest"), reg.batch(), reg.batch():
        pass


def test_owner_and_yanked(fake_registry: FakeRegistry) -> None:
    reg = fake_registry
    reg.add_crate("owned", "1.0.0", owner="alice", yanked=True)
    assert reg.owners("owned") == ["alice"]
    assert reg.index_entries("owned")[0]["yanked"] is True
    reg.add_crate("owned", "1.0.1", owner="bob")
    assert reg.owners("owned") == ["alice"]


def test_import_of_crate_files_is_one_commit_and_idempotent(
    fake_registry_factory: RegistryFactory,
) -> None:
    source = fake_registry_factory()
    with source.batch():
        for i in range(30):
            source.add_crate(f"imp{i % 10}", f"1.{i // 10}.0", deps=[f"imp{(i + 1) % 10}@1"])
    target = fake_registry_factory(protocol="git")
    seen: list[tuple[int, int]] = []
    added = target.import_crates(source.root / "crates", progress=lambda d, t: seen.append((d, t)))
    assert len(added) == 30
    assert seen[-1] == (30, 30)
    assert len(seen) == 30
    assert target.index_entries("imp3") == [
        line | {"pubtime": target.index_entries("imp3")[i]["pubtime"]}
        for i, line in enumerate(source.index_entries("imp3"))
    ]
    assert commits(target)[0] == "Import 30 crate versions"
    assert target.import_crates(source.root / "crates") == []
    single = source.root / "crates" / "imp0" / "1.0.0.crate"
    assert target.import_crates(single) == []


def test_import_of_unpacked_folders(fake_registry: FakeRegistry, tmp_path: Path) -> None:
    vendor = tmp_path / "vendor"
    for name, version, deps in (("lib-a", "1.0.0", ""), ("lib-b", "2.1.0", 'lib-a = "1"\n')):
        folder = vendor / name
        (folder / "src").mkdir(parents=True)
        (folder / "Cargo.toml").write_text(
            f'[package]\nname = "{name}"\nversion = "{version}"\n[dependencies]\n{deps}'
        )
        (folder / "src" / "lib.rs").write_text("")
        (folder / ".cargo-checksum.json").write_text('{"files": {}, "package": "x"}')
    added = fake_registry.import_crates(vendor)
    assert [(a.name, a.version) for a in added] == [("lib-a", "1.0.0"), ("lib-b", "2.1.0")]
    assert fake_registry.index_entries("lib-b")[0]["deps"][0]["req"] == "^1"
    files = crate_files(fake_registry.crate_file("lib-a", "1.0.0"))
    assert sorted(files) == ["lib-a-1.0.0/Cargo.toml", "lib-a-1.0.0/src/lib.rs"]
    assert fake_registry.import_crates(vendor / "lib-a") == []


def test_import_problems_are_listed_and_nothing_is_imported(
    fake_registry: FakeRegistry, tmp_path: Path
) -> None:
    folder = tmp_path / "mixed"
    (folder / "good" / "src").mkdir(parents=True)
    (folder / "good" / "Cargo.toml").write_text('[package]\nname = "good"\nversion = "1.0.0"\n')
    (folder / "workspace").mkdir()
    (folder / "workspace" / "Cargo.toml").write_text('[workspace]\nmembers = ["x"]\n')
    (folder / "inherits").mkdir()
    (folder / "inherits" / "Cargo.toml").write_text(
        '[package]\nname = "inherits"\nversion.workspace = true\n'
    )
    (folder / "broken.crate").write_bytes(b"not gzip")
    with pytest.raises(SeedError) as caught:
        fake_registry.import_crates(folder)
    message = str(caught.value)
    assert message.startswith("3 of 4 crates could not be imported (nothing was imported)")
    assert "broken.crate: invalid .crate file: not a gzip archive" in message
    assert "workspace/Cargo.toml: no literal package name and version" in message
    assert "inherits/Cargo.toml: no literal package name and version" in message
    assert fake_registry.versions("good") == []
    with pytest.raises(SeedError, match="no such file or directory"):
        fake_registry.import_crates(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(SeedError, match=r"no \.crate files or crate folders"):
        fake_registry.import_crates(tmp_path / "empty")
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(SeedError, match=r"not a \.crate file"):
        fake_registry.import_crates(tmp_path / "notes.txt")


def _unpacked(folder: Path, name: str, version: str = "1.0.0", extra: str = "") -> Path:
    (folder / "src").mkdir(parents=True)
    (folder / "src" / "lib.rs").write_text("")
    (folder / "Cargo.toml").write_text(
        f'[package]\nname = "{name}"\nversion = "{version}"\n{extra}'
    )
    return folder


@pytest.mark.fake_registry(strict=True)
def test_import_skips_the_rules_of_new_publishes(
    fake_registry: FakeRegistry, tmp_path: Path
) -> None:
    reg = fake_registry
    vendor = tmp_path / "vendor"
    # A reserved name and no description or license (strict=True would refuse a publish).
    _unpacked(vendor / "compiler_builtins", "compiler_builtins", "0.1.70")
    _unpacked(vendor / "core", "core", "1.0.0")
    # A crate another user owns gets new versions from an import all the same.
    reg.add_user("alice")
    reg.add_crate("theirs", "1.0.0", description="x", license="MIT", owner="alice")
    _unpacked(vendor / "theirs", "theirs", "1.1.0")
    added = reg.import_crates(vendor)
    assert sorted((a.name, a.version) for a in added) == [
        ("compiler_builtins", "0.1.70"),
        ("core", "1.0.0"),
        ("theirs", "1.1.0"),
    ]
    assert reg.owners("compiler_builtins") == [reg.login]
    assert reg.owners("theirs") == ["alice"]
    # A new crate made here is a new publish: the reserved name is still refused.
    with pytest.raises(ValueError, match="reserved name"):
        reg.add_crate("std", "1.0.0")


def test_import_still_refuses_what_would_break_cargo(
    fake_registry: FakeRegistry, tmp_path: Path
) -> None:
    vendor = tmp_path / "vendor"
    _unpacked(vendor / "a" / "Same-Name", "Same-Name")
    _unpacked(vendor / "b" / "same_name", "same_name", "2.0.0")
    _unpacked(vendor / "c" / "bad-version", "bad-version", "1.0")
    _unpacked(vendor / "d" / "bad-toml", "bad-toml", "1.0.0", extra="[dependencies\n")
    (vendor / "escape.crate").write_bytes(_escaping_crate())
    with pytest.raises(SeedError) as caught:
        fake_registry.import_crates(vendor)
    message = str(caught.value)
    assert message.startswith("3 of 5 crates could not be imported (nothing was imported)")
    assert "bad-version: invalid semver version `1.0`" in message
    assert "bad-toml: invalid .crate file: Cargo.toml is not valid TOML" in message
    assert "escape.crate: invalid .crate file: entry `escape-1.0.0/../../evil.rs`" in message
    with pytest.raises(SeedError, match="differ only in case or `-`/`_`"):
        fake_registry.import_crates(vendor / "a", vendor / "b")
    assert fake_registry.versions("same-name") == []


def _escaping_crate() -> bytes:
    """A .crate with an entry outside its folder: unsafe for cargo to unpack."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in (
            ("escape-1.0.0/Cargo.toml", b'[package]\nname = "escape"\nversion = "1.0.0"\n'),
            ("escape-1.0.0/../../evil.rs", b"x"),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_export_writes_a_static_registry(fake_registry: FakeRegistry, tmp_path: Path) -> None:
    reg = fake_registry
    reg.add_crate("Mixed_Case", "1.0.0")
    reg.add_crate("ab", "0.1.0")
    dest = reg.export(tmp_path / "site", url="http://static.test:8080/")
    config = json.loads((dest / "index" / "config.json").read_text())
    assert config == {"dl": "http://static.test:8080/dl/{crate}/{crate}-{version}.crate"}
    assert (dest / "index" / "mi" / "xe" / "mixed_case").read_bytes() == http(
        reg, "GET", "/index/mi/xe/mixed_case"
    ).body
    download = dest / "dl" / "Mixed_Case" / "Mixed_Case-1.0.0.crate"
    assert download.read_bytes() == reg.crate_file("Mixed_Case", "1.0.0")
    assert (dest / "index" / "2" / "ab").stat().st_mode & 0o044 == 0o044
    assert (dest / "git" / "index" / "info" / "refs").read_text().endswith("refs/heads/master\n")
    with pytest.raises(FileExistsError):
        reg.export(dest, url="http://static.test")
    with pytest.raises(ValueError, match="http:// or https://"):
        reg.export(tmp_path / "other", url="ftp://x")


def test_a_registry_imports_an_export_folder_whole_and_archives_by_content(
    tmp_path: Path,
) -> None:
    with FakeRegistry() as source:
        source.add_crate("alpha", "1.0.0")
        source.add_crate("beta", "1.0.0")
        source.add_crate("alpha", "1.1.0", deps=["beta@1"])
        exported = source.export(tmp_path / "static")
        lines = {name: source.index_entries(name) for name in ("alpha", "beta")}
        archive = source.crate_file("beta", "1.0.0")
    with FakeRegistry() as copy:
        added = copy.import_crates(exported)  # …/dl/{name}/{name}-{version}.crate
        assert sorted((v.name, v.version) for v in added) == [
            ("alpha", "1.0.0"),
            ("alpha", "1.1.0"),
            ("beta", "1.0.0"),
        ]
        for name, entries in lines.items():
            assert [e["cksum"] for e in copy.index_entries(name)] == [e["cksum"] for e in entries]
    # An export of an older fakereg: its archives at api/v1/crates/{name}/{version}/download.
    old = tmp_path / "old-static" / "api" / "v1" / "crates" / "beta" / "1.0.0" / "download"
    old.parent.mkdir(parents=True)
    old.write_bytes(archive)
    with FakeRegistry() as other:
        assert [v.name for v in other.import_crates(tmp_path / "old-static")] == ["beta"]
    renamed = tmp_path / "beta-archive.bin"
    renamed.write_bytes(archive)
    text = tmp_path / "notes.txt"
    text.write_text("not an archive")
    with FakeRegistry() as other:
        assert [v.name for v in other.import_crates(renamed)] == ["beta"]
        with pytest.raises(SeedError, match=r"not a \.crate file"):
            other.import_crates(text)


def test_a_seed_error_names_the_version_once() -> None:
    with FakeRegistry() as reg:
        reg.add_crate("ok", "1.0.0")
        with pytest.raises(SeedError) as refused:
            reg.add_crate("ok", "1.0.0", description="other")
        assert str(refused.value) == "`ok@1.0.0`: crate version `1.0.0` is already uploaded"


def test_add_crate_on_a_strict_registry_refuses_a_dependency_it_does_not_have(
    fake_registry_factory: RegistryFactory,
) -> None:
    """crates.io refuses a publish naming a crate it does not know; strict=True makes
    add_crate do the same (issue 27, item 16), and stores nothing."""
    reg = fake_registry_factory(strict=True)
    with pytest.raises(SeedError, match=r"^app@1\.0\.0: no known crate named `lib`$"):
        reg.add_crate("app", "1.0.0", deps=["lib@1"], description="d", license="MIT")
    assert reg.versions("app") == []
    reg.add_crate("lib", "1.0.0", description="d", license="MIT")
    reg.add_crate("app", "1.0.0", deps=["lib@1"], description="d", license="MIT")
    assert reg.versions("app") == ["1.0.0"]


def test_a_batch_checks_dependencies_when_it_ends(fake_registry_factory: RegistryFactory) -> None:
    """In a batch a crate may come after its dependents; what is still missing at the end
    is said (a warning naming the test's own line), or refused with strict=True."""
    reg = fake_registry_factory()
    with reg.batch():
        reg.add_crate("b", "1.0.0", deps=["c@1"])
        reg.add_crate("c", "1.0.0")
    with pytest.warns(UnknownDependencyWarning, match="`absent`") as warned, reg.batch():
        reg.add_crate("d", "1.0.0", deps=["absent@1"])
    assert warned[0].filename == __file__
    assert reg.versions("d") == ["1.0.0"]
    strict = fake_registry_factory(strict=True)
    with pytest.raises(SeedError, match="no known crate named `absent`"), strict.batch():
        strict.add_crate("d", "1.0.0", deps=["absent@1"], description="d", license="MIT")
    assert strict.versions("d") == []


def test_a_strict_registry_refuses_a_publish_naming_a_crate_it_does_not_have(
    fake_registry_factory: RegistryFactory,
) -> None:
    """The Web API's publish with strict=True, over real HTTP (cargo itself refuses such a
    package before it uploads: it resolves the dependency against the registry first)."""
    reg = fake_registry_factory(strict=True)
    deps = [dependency("absent"), dependency("elsewhere", registry="https://example.com/x")]
    body = publish_body(metadata("app", "1.0.0", deps=deps), crate("app", "1.0.0"))
    answer = http(reg, "PUT", "/api/v1/crates/new", body=body, token=reg.token)
    assert answer.status == 400
    assert answer.json() == {"errors": [{"detail": "no known crate named `absent`"}]}
    assert reg.versions("app") == []
