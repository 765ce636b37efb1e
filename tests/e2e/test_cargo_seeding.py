"""Seeded registries, driven by real cargo over both index protocols."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fakereg import Dependency, FakeRegistry, RegistryFactory
from tests.helpers import MakePackage, publish, write_package

ALL_KINDS_MAIN = """\
fn main() {
    println!("macro={}", macros_made::version!());
    println!("build={}", with_build::BUILD_SCRIPT);
    println!("all={}", app_core::everything());
    println!("extra={}", app_core::extra());
}
"""

CORE_LIB = """\
pub fn everything() -> String {
    let target = {
        #[cfg(unix)]
        { unix_only::version() }
        #[cfg(not(unix))]
        { "not unix" }
    };
    format!("{} | {} | {}", target, alias::version(), macros_made::version!())
}

#[cfg(feature = "extra")]
pub fn extra() -> &'static str { optional_extra::version() }

#[cfg(not(feature = "extra"))]
pub fn extra() -> &'static str { "off" }
"""


INTERNAL_LIB = 'pub fn id() -> String { format!("internal on {}", base64x::version()) }\n'


def seed_all_kinds(reg: FakeRegistry) -> None:
    """A proc-macro, a build script, a target-specific, an optional and a renamed dependency."""
    with reg.batch():
        reg.add_crate("macros-made", "1.0.0", proc_macro=True)
        reg.add_crate("with-build", "0.3.0", build_rs=True, links="with_build")
        reg.add_crate("unix-only", "0.2.1")
        reg.add_crate("optional-extra", "2.0.0")
        reg.add_crate("real-name", "1.1.0")
        reg.add_crate(
            "app-core",
            "1.0.0",
            deps=[
                "macros-made@1",
                Dependency("unix-only", "0.2", target="cfg(unix)"),
                Dependency("optional-extra", "2", optional=True),
                Dependency("real-name", "1", rename="alias"),
            ],
            features={"extra": ["dep:optional-extra"]},
            files={"src/lib.rs": CORE_LIB},
        )


def test_seeded_crates_of_every_kind_build_and_run(
    fake_registry: FakeRegistry, package: MakePackage
) -> None:
    reg = fake_registry
    seed_all_kinds(reg)
    core = reg.index_entries("app-core")[0]
    assert core["features2"] == {"extra": ["dep:optional-extra"]}
    assert core["v"] == 2
    assert {"name": "alias", "package": "real-name"}.items() <= core["deps"][-2].items()
    registry = f'registry = "{reg.name}"'
    app = package(
        "app",
        dependencies=(
            f'app-core = {{ version = "1", {registry}, features = ["extra"] }}\n'
            f'macros-made = {{ version = "1", {registry} }}\n'
            f'with-build = {{ version = "0.3", {registry} }}\n'
        ),
        main_rs=ALL_KINDS_MAIN,
    )
    run = reg.cargo("run", "--quiet", cwd=app, check=True)
    assert run.stdout.splitlines() == [
        "macro=macros-made 1.0.0",
        "build=with-build 0.3.0",
        "all=unix-only 0.2.1 | real-name 1.1.0 | macros-made 1.0.0",
        "extra=optional-extra 2.0.0",
    ]
    downloaded = {r.crate for r in reg.requests if r.kind == "download"}
    assert downloaded == {
        "app-core",
        "macros-made",
        "with-build",
        "unix-only",
        "optional-extra",
        "real-name",
    }


def _locked(app: Path, name: str) -> str:
    lock = (app / "Cargo.lock").read_text()
    block = lock.split(f'name = "{name}"\nversion = "', 1)[1]
    return block.split('"', 1)[0]


def test_update_picks_newest_unyanked_seeded_version(
    fake_registry: FakeRegistry, package: MakePackage
) -> None:
    reg = fake_registry
    reg.add_crate("evolving", "1.0.0")
    app = package("app", dependencies=f'evolving = {{ version = "1", registry = "{reg.name}" }}')
    reg.cargo("generate-lockfile", cwd=app, check=True)
    assert _locked(app, "evolving") == "1.0.0"
    with reg.batch():
        reg.add_crate("evolving", "1.1.0")
        reg.add_crate("evolving", "1.2.0")
        reg.add_crate("evolving", "1.3.0", yanked=True)
        reg.add_crate("evolving", "2.0.0")
        reg.add_crate("evolving", "1.4.0-beta.1")
    reg.cargo("update", cwd=app, check=True)
    assert _locked(app, "evolving") == "1.2.0"


def rich_package(directory: Path, home: str, other: str) -> Path:
    """A package using every dependency form cargo normalizes, from two registries."""
    deps = f"""\
dep-a = {{ version = "1.2", default-features = false, registry = "{home}" }}
renamed = {{ package = "dep-b", version = "1", registry = "{home}" }}
dep-c = {{ version = "1", optional = true, registry = "{home}" }}
far = {{ version = "1", registry = "{other}" }}

[dev-dependencies]
dev-x = {{ version = "1", registry = "{home}" }}

[build-dependencies]
build-y = {{ version = "1", registry = "{home}" }}

[target.'cfg(windows)'.dependencies]
win-only = {{ version = "1", registry = "{home}" }}

[features]
default = ["c"]
c = ["dep:dep-c", "renamed/std"]
"""
    package = write_package(
        directory,
        "rich",
        "0.4.0",
        dependencies=deps,
        manifest_extra='links = "rich"\nrust-version = "1.70"\n',
        lib_rs='pub fn rich() -> String { format!("rich with {}", dep_a::version()) }\n',
    )
    (package / "build.rs").write_text(
        'fn main() { println!("cargo:rerun-if-changed=build.rs"); }\n'
    )
    return package


def test_vendored_crates_import_like_a_publish_and_build(
    fake_registry_factory: RegistryFactory,
    fake_registry_options: dict[str, Any],
    tmp_path: Path,
) -> None:
    origin = fake_registry_factory(**fake_registry_options)
    other = fake_registry_factory(**fake_registry_options, name="other")
    other.add_crate("far", "1.0.0")
    with origin.batch():
        for name in ("dep-a", "dep-b", "dep-c", "dev-x", "build-y", "win-only"):
            origin.add_crate(name, "1.2.0", features={"std": []})
    publish(origin, rich_package(tmp_path / "rich", origin.name, other.name))
    consumer = write_package(
        tmp_path / "consumer",
        "consumer",
        dependencies=f'rich = {{ version = "0.4", registry = "{origin.name}" }}',
        main_rs='fn main() { println!("{}", rich::rich()); }\n',
    )
    origin.cargo("vendor", cwd=consumer, check=True)
    vendored = sorted(path.name for path in (consumer / "vendor").iterdir())
    assert vendored == ["build-y", "dep-a", "dep-b", "dep-c", "far", "rich", "win-only"]

    mirror = fake_registry_factory(**fake_registry_options, name="mirror", replace_crates_io=True)
    added = mirror.import_crates(consumer / "vendor", local_registries=[origin])
    assert len(added) == 7
    published = origin.index_entries("rich")[0]
    imported = mirror.index_entries("rich")[0]
    differing = {
        key for key in published.keys() | imported.keys() if published.get(key) != imported.get(key)
    }
    assert differing <= {"cksum", "pubtime"}, (published, imported)
    (far,) = [dep for dep in imported["deps"] if dep["name"] == "far"]
    assert far == {
        "name": "far",
        "req": "^1",
        "features": [],
        "optional": False,
        "default_features": True,
        "target": None,
        "kind": "normal",
        "registry": other.index_url,
    }

    app = write_package(
        tmp_path / "app",
        "app",
        dependencies='rich = "0.4"',
        main_rs='fn main() { println!("{}", rich::rich()); }\n',
    )
    run = mirror.cargo("run", "--quiet", cwd=app, check=True)
    assert run.stdout.strip() == "rich with dep-a 1.2.0"
    assert {r.crate for r in mirror.requests if r.kind == "download"} == {
        "rich",
        "dep-a",
        "dep-b",
        "dep-c",
        "build-y",
    }


def test_replacing_crates_io_serves_plain_dependencies_and_publishes(
    fake_registry_factory: RegistryFactory,
    fake_registry_options: dict[str, Any],
    package: MakePackage,
) -> None:
    reg = fake_registry_factory(**fake_registry_options, replace_crates_io=True)
    with reg.batch():
        reg.add_crate("serde", "1.0.200", features={"derive": [], "std": []})
        reg.add_crate("serde", "1.0.210", features={"derive": [], "std": []})
        reg.add_crate("itoa", "1.0.11")
    lib = package(
        "mylib",
        dependencies='serde = { version = "1", features = ["derive"] }\nitoa = "1"',
    )
    result = reg.cargo("publish", "--allow-dirty", cwd=lib, check=True)
    assert f"Uploaded mylib v0.1.0 to registry `{reg.name}`" in result.stderr, result.stderr
    assert reg.versions("mylib") == ["0.1.0"]
    assert reg.index_entries("mylib")[0]["deps"][1]["registry"] == (
        "https://github.com/rust-lang/crates.io-index"
    )
    app = package(
        "app",
        dependencies='mylib = "0.1"\nserde = "1"',
        main_rs='fn main() { println!("{}", serde::version()); }\n',
    )
    run = reg.cargo("run", "--quiet", cwd=app, check=True)
    assert run.stdout.strip() == "serde 1.0.210"
    lock = (app / "Cargo.lock").read_text()
    assert 'source = "registry+https://github.com/rust-lang/crates.io-index"' in lock


def test_dependencies_across_registries_resolve(
    fake_registry_factory: RegistryFactory,
    fake_registry_options: dict[str, Any],
    package: MakePackage,
) -> None:
    upstream = fake_registry_factory(**fake_registry_options, name="upstream")
    company = fake_registry_factory(**fake_registry_options, name="company")
    upstream.add_crate("base64x", "0.21.7")
    company.add_crate(
        "internal",
        "3.0.0",
        deps=[Dependency("base64x", "0.21", registry=upstream)],
        files={"src/lib.rs": INTERNAL_LIB},
    )
    assert company.index_entries("internal")[0]["deps"][0]["registry"] == upstream.index_url
    assert company.cargo_home == upstream.cargo_home
    app = package(
        "app",
        dependencies='internal = { version = "3", registry = "company" }',
        main_rs='fn main() { println!("{}", internal::id()); }\n',
    )
    run = company.cargo("run", "--quiet", cwd=app, check=True)
    assert run.stdout.strip() == "internal on base64x 0.21.7"
    upstream.assert_requested("download", crate="base64x", count=1)
    company.assert_requested("download", crate="internal", count=1)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def static_server(directory: Path) -> Iterator[tuple[str, list[str]]]:
    """Python's static file server on loopback: (base URL, paths requested)."""
    requested: list[str] = []

    class Handler(_QuietHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(directory), **kwargs)

        def do_GET(self) -> None:
            requested.append(self.path)
            super().do_GET()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requested
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_export_is_served_by_a_static_web_server(
    fake_registry: FakeRegistry, package: MakePackage, tmp_path: Path
) -> None:
    reg = fake_registry
    reg.add_crate("exported", "1.0.0")
    reg.add_crate("helper", "0.1.0")
    reg.add_crate("exported", "1.1.0", deps=["helper@0.1"])
    site = tmp_path / "site"
    site.mkdir()
    with static_server(site) as (url, requested):
        reg.export(site, url=url)
        if reg.protocol == "sparse":
            index = f"sparse+{url}/index/"
            env = {"CARGO_REGISTRIES_STATIC_INDEX": index}
        else:
            index = f"{url}/git/index"
            # libgit2 speaks only git's smart protocol; the git CLI also fetches "dumb" HTTP.
            env = {"CARGO_REGISTRIES_STATIC_INDEX": index, "CARGO_NET_GIT_FETCH_WITH_CLI": "true"}
        app = package("app", dependencies='exported = { version = "1", registry = "static" }')
        reg.cargo("generate-lockfile", cwd=app, env=env, check=True)
        reg.cargo("fetch", cwd=app, env=env, check=True)
    assert _locked(app, "exported") == "1.1.0"
    assert _locked(app, "helper") == "0.1.0"
    assert "/dl/exported/exported-1.1.0.crate" in requested
    assert not [r for r in reg.requests if r.kind in ("index", "download", "git")]


def test_export_without_url_is_read_by_cargo_where_it_lies(
    fake_registry: FakeRegistry, package: MakePackage, tmp_path: Path
) -> None:
    reg = fake_registry
    reg.add_crate("helper", "0.1.0")
    reg.add_crate("exported", "1.0.0", deps=["helper@0.1"])
    copy = reg.export(tmp_path / "copy")
    config = json.loads((copy / "index" / "config.json").read_text())
    assert config["dl"] == f"{copy.as_uri()}/dl/{{crate}}/{{crate}}-{{version}}.crate"
    reg.clear()
    index = (copy / "git" / "index").as_uri()
    env = {"CARGO_REGISTRIES_COPY_INDEX": index}
    app = package("app", dependencies='exported = { version = "1", registry = "copy" }')
    reg.cargo("generate-lockfile", cwd=app, env=env, check=True)
    reg.cargo("fetch", cwd=app, env=env, check=True)
    assert _locked(app, "exported") == "1.0.0"
    assert _locked(app, "helper") == "0.1.0"
    assert not reg.requests  # all of it came from the copy on disk
