"""Publish throughput in process: the Web API's publish, called over HTTP by a Python client.

Publishes per second with 10 and with 10,000 crates already in the registry, without a git
index (``git_index=False``) and with one (``protocol="git"``: one commit per publish), and
with git on a given root, whose writes are fsynced, and with git on a root a
``RegistryFactory`` (the pytest fixtures) made, which is not. The publish bodies are built
before the clock starts; the client uses one keep-alive-less connection per request, as
cargo does against werkzeug's server. Targets: 10,000 crates within 1.2x of 10 crates; git
at most 1.5x the cost of sparse-only; a given root at most 3x the cost of a temporary one;
the fixture's root within 1.2x of a temporary one.
"""

from __future__ import annotations

import http.client
import json
import struct
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import Result
from fakereg import FakeRegistry, RegistryFactory
from fakereg.domain.cratebuild import CrateSpec, build_crate
from fakereg.domain.deps import Dependency


def publish_body(name: str, version: str) -> bytes:
    crate = build_crate(CrateSpec(name, version, deps=(Dependency("serde", "1"),)))
    metadata = {
        "name": name,
        "vers": version,
        "deps": [
            {
                "name": "serde",
                "version_req": "^1",
                "features": [],
                "optional": False,
                "default_features": True,
                "target": None,
                "kind": "normal",
                "registry": None,
                "explicit_name_in_toml": None,
            }
        ],
        "features": {},
        "authors": [],
        "description": "bench",
        "license": "MIT",
    }
    raw = json.dumps(metadata).encode()
    return struct.pack("<I", len(raw)) + raw + struct.pack("<I", len(crate)) + crate


def seed(reg: FakeRegistry, crates: int) -> None:
    with reg.batch():
        for i in range(crates):
            reg.add_crate(f"present-{i}", "1.0.0")


def rate(reg: FakeRegistry, bodies: list[bytes]) -> float:
    """Publishes per second of *bodies*, one request after another."""
    started = time.perf_counter()
    for body in bodies:
        connection = http.client.HTTPConnection("127.0.0.1", reg.port, timeout=30)
        connection.request(
            "PUT", "/api/v1/crates/new", body=body, headers={"Authorization": reg.token}
        )
        response = connection.getresponse()
        answer = response.read()
        connection.close()
        assert response.status == 200, answer
    return len(bodies) / (time.perf_counter() - started)


def run(quick: bool = False) -> list[Result]:
    """200 publishes per configuration (40 with *quick*), configurations taking turns."""
    count = 40 if quick else 200
    large = 1_000 if quick else 10_000
    setups: dict[tuple[str, int], dict[str, Any]] = {
        ("sparse", 10): {"git_index": False},
        ("sparse", large): {"git_index": False},
        ("git", 10): {"protocol": "git"},
        ("git", large): {"protocol": "git"},
        ("durable", 10): {"protocol": "git"},
    }
    rates: dict[tuple[str, int], list[float]] = {key: [] for key in setups}
    lasting_root = tempfile.TemporaryDirectory(prefix="fakereg-bench-")
    setups["durable", 10]["root"] = lasting_root.name
    registries = {key: FakeRegistry(**options).start() for key, options in setups.items()}
    factory_dir = tempfile.TemporaryDirectory(prefix="fakereg-bench-factory-")
    factory = RegistryFactory(Path(factory_dir.name))
    registries["fixture", 10] = factory(protocol="git", name="fakereg-fixture")
    rates["fixture", 10] = []
    try:
        for (_, crates), reg in registries.items():
            seed(reg, crates)
        turns = 4
        for turn in range(turns):
            for key, reg in registries.items():
                bodies = [
                    publish_body(f"new-crate-{i % 50}", f"{turn}.{i}.0")
                    for i in range(count // turns)
                ]
                rates[key].append(rate(reg, bodies))
                reg.clear()
    finally:
        for reg in registries.values():
            reg.stop()
        factory.stop_all()
        lasting_root.cleanup()
        factory_dir.cleanup()
    best = {key: max(values) for key, values in rates.items()}
    label = {
        "sparse": "sparse-only",
        "git": "with git",
        "durable": "with git, given root",
        "fixture": "with git, the fixture's root",
    }

    def compare(subject: tuple[str, int], reference: tuple[str, int], bound: float) -> Result:
        def name(key: tuple[str, int]) -> str:
            return f"{label[key[0]]}, {key[1]:,} crates present"

        return Result(
            "publish",
            name(subject),
            best[subject],
            name(reference),
            best[reference],
            "pub/s",
            1 / bound,
            higher_is_better=True,
        )

    return [
        compare(("sparse", large), ("sparse", 10), 1.2),
        compare(("git", large), ("git", 10), 1.2),
        compare(("git", 10), ("sparse", 10), 1.5),
        compare(("git", large), ("sparse", large), 1.5),
        compare(("durable", 10), ("git", 10), 3.0),
        compare(("fixture", 10), ("git", 10), 1.2),
    ]
