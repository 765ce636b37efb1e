"""``python -m fakereg --root DIR`` killed with SIGKILL mid publish-storm, then restarted.

Each round starts the server on the same root, lets eight threads publish new versions
without pause, and kills the process (no handler runs, nothing is flushed) after a random
number of acknowledgements, with publishes in flight. The restarted server must serve
every acknowledged version, whole and consistent (download matching its checksum, owner,
git index equal to the sparse one on a linear history), and nothing it never received.
"""

from __future__ import annotations

import itertools
import os
import random
import threading
import time
from pathlib import Path

from fakereg import FakeRegistry
from tests.reliability.storm import (
    Storm,
    check_cargo_resolves,
    check_git,
    check_served,
    start_server,
)

KILLS = int(os.environ.get("FAKEREG_CRASH_KILLS", "5"))
THREADS = 8
CRATES = [f"crash-{i}" for i in range(4)]


def _storm_until_killed(root: Path, storm: Storm, numbers: itertools.count[int]) -> None:
    """One round: publish from THREADS threads, SIGKILL after a random number of answers."""
    server = start_server(root, "--protocol", "git")
    target = len(storm.acknowledged) + random.randint(5, 30)
    enough = threading.Event()
    take = threading.Lock()

    def publish_until_gone() -> None:
        while True:
            with take:
                number = next(numbers)
            if not storm.publish(server.url, number):
                return
            if len(storm.acknowledged) >= target:
                enough.set()

    threads = [threading.Thread(target=publish_until_gone) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    try:
        assert enough.wait(60), "the storm stalled"
        time.sleep(random.uniform(0, 0.05))  # a random moment of the storm
    finally:
        server.kill()
        for thread in threads:
            thread.join(60)


def test_sigkill_mid_storm_loses_nothing_acknowledged(tmp_path: Path) -> None:
    root = tmp_path / "root"
    with FakeRegistry(root, protocol="git") as reg:
        reg.git_path  # noqa: B018 - the git index exists from the start
    storm = Storm(CRATES)
    numbers = itertools.count()
    for kill in range(KILLS):
        _storm_until_killed(root, storm, numbers)
        assert storm.refused == []
        server = start_server(root, "--protocol", "git")
        try:
            served = check_served(server.url, CRATES, storm.acknowledged, storm.attempted)
            check_git(server.url, tmp_path / f"clone-{kill}", CRATES, served)
        finally:
            server.stop()
    print(
        f"crash storm: {KILLS} kills, {len(storm.attempted)} publishes sent, "
        f"{len(storm.acknowledged)} acknowledged, {storm.interrupted} cut by a kill, "
        f"{storm.unconnected} after it, "
        f"{len(served - storm.acknowledged)} stored without an answer"
    )
    # Kills caught publishes in flight (cut connections), not only an idle server.
    assert storm.interrupted >= KILLS
    assert len(storm.attempted) == len(storm.acknowledged) + storm.interrupted + storm.unconnected
    assert len(storm.acknowledged) >= KILLS * 5
    served_by_crate: dict[str, list[str]] = {}
    for name, version in sorted(served, key=lambda nv: int(nv[1].rsplit(".", 1)[1])):
        served_by_crate.setdefault(name, []).append(version)
    check_cargo_resolves(root, tmp_path, {name: vs[-1] for name, vs in served_by_crate.items()})
