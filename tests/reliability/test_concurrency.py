"""200 publishes from 16 threads into 4 registry processes sharing one root.

Each process runs ``python -m fakereg --root ROOT`` (its state guarded by the root's file
lock). Afterwards every acknowledged publish must be in every process's sparse index,
download and owner list, and in the git index on a linear history, one commit each; real
cargo then resolves and downloads the newest version of every crate.
"""

from __future__ import annotations

import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

from fakereg import FakeRegistry
from tests.reliability.storm import (
    ServerProcess,
    Storm,
    check_cargo_resolves,
    check_git,
    check_served,
    start_server,
)

PUBLISHES = 200
THREADS = 16
PROCESSES = 4
CRATES = [f"storm-{i}" for i in range(8)]  # 25 versions each: publishes collide per crate


def test_threads_and_processes_publishing_on_one_root(tmp_path: Path) -> None:
    root = tmp_path / "root"
    with FakeRegistry(root, protocol="git") as reg:
        reg.git_path  # noqa: B018 - the git index exists before the storm: every commit counts
    storm = Storm(CRATES)
    with ExitStack() as stack:
        servers: list[ServerProcess] = []
        for i in range(PROCESSES):
            protocol = "git" if i % 2 else "sparse"
            server = start_server(root, "--protocol", protocol, "--name", f"p{i}")
            stack.callback(server.stop)
            servers.append(server)
        with ThreadPoolExecutor(THREADS) as pool:
            outcomes = list(
                pool.map(lambda n: storm.publish(servers[n % PROCESSES].url, n), range(PUBLISHES))
            )
        assert storm.refused == []
        assert all(outcomes)
        assert len(storm.acknowledged) == PUBLISHES
        for server in servers:
            check_served(server.url, CRATES, storm.acknowledged)
        commits = check_git(servers[0].url, tmp_path / "clone", CRATES, storm.acknowledged)
        assert commits >= PUBLISHES
        log = subprocess.run(
            ["git", "-C", str(tmp_path / "clone"), "log", "--format=%s"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        published = set(re.findall(r"Update crate `([^#]+)#([^`]+)`", log))
        assert published == storm.acknowledged

    # The root, opened again in this process: cargo resolves every crate's newest version.
    newest = f"1.0.{PUBLISHES // len(CRATES) - 1}"
    check_cargo_resolves(root, tmp_path, dict.fromkeys(CRATES, newest))
