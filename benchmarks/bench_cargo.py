"""Cargo end to end: cold ``cargo generate-lockfile`` + ``cargo fetch`` against fakereg and
against the same registry exported with ``reg.export()`` and served by nginx.

A deterministic corpus of 320 crates (1 to 4 versions each, dependencies on lower-numbered
crates, some optional behind features, some target-specific) is added with ``add_crate``; a
project depends on 20 of them. Every run uses a new CARGO_HOME (a cold cache). Sparse:
fakereg against nginx serving ``index/`` and the ``.crate`` files. Git: fakereg's smart HTTP
against ``git daemon`` serving the exported bare repository (both read by cargo's libgit2;
libgit2 cannot read nginx's "dumb" git), downloads from nginx. nginx comes from the
machine's package manager (Debian: ``nginx-light``) and is started and stopped here.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.common import Result
from benchmarks.servers import GitDaemon, Nginx, nginx_certificate
from fakereg import Dependency, FakeRegistry
from fakereg.cargo_config import cargo_env

TARGET = 1.10
CRATES = 320
TOP = 20


def seed_corpus(reg: FakeRegistry) -> list[str]:
    """The corpus; returns the names the project depends on."""
    with reg.batch():
        for i in range(CRATES):
            deps: list[Dependency] = []
            for k in range(i % 4):
                j = (i * 31 + k * 17) % max(i, 1)
                if j < i and all(d.name != f"c{j}" for d in deps):
                    deps.append(
                        Dependency(
                            f"c{j}",
                            "1",
                            optional=k == 2,
                            target="cfg(unix)" if k == 1 else None,
                        )
                    )
            features = {"extra": [f"dep:{d.name}" for d in deps if d.optional]}
            for v in range(i % 4 + 1):
                reg.add_crate(f"c{i}", f"1.{v}.0", deps=deps, features=features)
    return [f"c{i}" for i in range(CRATES - 1, 0, -(CRATES // TOP))][:TOP]


def write_project(folder: Path, names: list[str]) -> None:
    (folder / "src").mkdir(parents=True)
    (folder / "src" / "lib.rs").write_text("")
    deps = "".join(
        f'{n} = {{ version = "1", registry = "bench", features = ["extra"] }}\n' for n in names
    )
    (folder / "Cargo.toml").write_text(
        f'[package]\nname = "project"\nversion = "0.1.0"\nedition = "2021"\n[dependencies]\n{deps}'
    )


def cargo_round(
    cargo: str, project: Path, index_url: str, scratch: Path, cainfo: Path | None = None
) -> Callable[[], float]:
    def once() -> float:
        home = Path(tempfile.mkdtemp(dir=scratch))
        (home / "config.toml").write_text(f'[registries.bench]\nindex = "{index_url}"\n')
        lock = project / "Cargo.lock"
        lock.unlink(missing_ok=True)
        env = cargo_env(home)
        if cainfo is not None:
            env["CARGO_HTTP_CAINFO"] = str(cainfo)
        started = time.perf_counter()
        for command in ("generate-lockfile", "fetch"):
            done = subprocess.run(
                [cargo, command, "--quiet"], cwd=project, env=env, capture_output=True, text=True
            )
            if done.returncode != 0:
                raise RuntimeError(f"cargo {command} against {index_url} failed:\n{done.stderr}")
        elapsed = time.perf_counter() - started
        shutil.rmtree(home)
        return elapsed

    return once


def run(quick: bool = False) -> list[Result]:
    """Median of 5 cold rounds each (2 with *quick*), fakereg and the reference taking turns."""
    rounds = 2 if quick else 5
    cargo = shutil.which("cargo")
    if cargo is None:
        raise SystemExit("cargo is not on PATH")
    results = []
    with tempfile.TemporaryDirectory(prefix="fakereg-bench-cargo-") as tmp:
        scratch = Path(tmp)
        for protocol in ("sparse", "git", "https"):
            tls = protocol == "https"
            with FakeRegistry(protocol="git" if protocol == "git" else "sparse", tls=tls) as reg:
                names = seed_corpus(reg)
                project = scratch / f"project-{protocol}"
                write_project(project, names)
                site = scratch / f"site-{protocol}"
                pems = nginx_certificate(scratch / "nginx-tls") if tls else None
                nginx = Nginx(
                    site, scratch / f"nginx-{protocol}", None if pems is None else pems[:2]
                )
                daemon = None
                try:
                    scheme = "https" if tls else "http"
                    reg.export(site, url=f"{scheme}://127.0.0.1:{nginx.port}")
                    if tls:
                        reference_url = f"sparse+https://127.0.0.1:{nginx.port}/index/"
                        reference_name = "nginx ssl http2 serving reg.export()"
                    elif protocol == "sparse":
                        reference_url = f"sparse+http://127.0.0.1:{nginx.port}/index/"
                        reference_name = "nginx serving reg.export()"
                    else:
                        daemon = GitDaemon(site / "git")
                        reference_url = f"git://127.0.0.1:{daemon.port}/index"
                        reference_name = "git daemon + nginx, reg.export()"
                    ours = cargo_round(
                        cargo, project, reg.index_url, scratch, reg.ca_path if tls else None
                    )
                    ca = None if pems is None else pems[2]
                    theirs = cargo_round(cargo, project, reference_url, scratch, ca)
                    ours(), theirs()  # warm the OS caches and cargo's binary, not cargo's cache
                    times: tuple[list[float], list[float]] = ([], [])
                    for _ in range(rounds):
                        times[0].append(ours())
                        times[1].append(theirs())
                finally:
                    nginx.stop()
                    if daemon is not None:
                        daemon.stop()
            results.append(
                Result(
                    "cargo",
                    f"fakereg {'sparse, HTTPS+HTTP/2' if tls else protocol}: lockfile+fetch",
                    statistics.median(times[0]),
                    reference_name,
                    statistics.median(times[1]),
                    "s",
                    TARGET,
                    note=f"{CRATES} crates, {TOP} direct deps, cold CARGO_HOME",
                )
            )
    return results
