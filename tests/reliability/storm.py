"""Registry servers in other processes, publish storms against them, and checks of a root."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from fakereg import FakeRegistry
from fakereg.domain.names import index_path
from fakereg.registry import Protocol
from tests.crates import crate, metadata, publish_body

TOKEN = "fakereg_storm_token"
_SERVING = re.compile(r"fakereg serving registry '[^']*' at (https?://\S+)")


@dataclass
class ServerProcess:
    """``python -m fakereg --root ROOT`` in a process of its own."""

    process: subprocess.Popen[str]
    url: str

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
        self.process.wait(timeout=30)
        if self.process.stdout is not None:
            self.process.stdout.close()

    def kill(self) -> None:
        self.process.kill()  # SIGKILL: no handler, no cleanup, no flush
        self.process.wait(timeout=30)
        if self.process.stdout is not None:
            self.process.stdout.close()


def start_server(root: Path, *args: str) -> ServerProcess:
    """Start the CLI on *root* and wait for its banner."""
    with tempfile.TemporaryFile() as errors:
        command = [sys.executable, "-m", "fakereg", "--root", str(root), "--token", TOKEN]
        process = subprocess.Popen(
            [*command, "--quiet", *args],
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert process.stdout is not None
        for line in process.stdout:
            found = _SERVING.search(line)
            if found:
                return ServerProcess(process, found.group(1))
        process.wait(timeout=30)
        process.stdout.close()
        errors.seek(0)
        message = errors.read().decode("utf-8", "replace")
    raise RuntimeError(f"fakereg exited with {process.returncode} before serving: {message}")


@dataclass
class Storm:
    """Publishes of distinct versions, and which of them were acknowledged."""

    crates: Sequence[str]
    acknowledged: set[tuple[str, str]] = field(default_factory=set)
    attempted: set[tuple[str, str]] = field(default_factory=set)
    refused: list[tuple[str, str, int, bytes]] = field(default_factory=list)
    interrupted: int = 0  # publishes sent whose connection broke before an answer
    unconnected: int = 0  # publishes that found no server listening
    lock: threading.Lock = field(default_factory=threading.Lock)

    def publish(self, url: str, number: int) -> bool:
        """Publish version ``1.0.<number // len(crates)>`` of crate ``number % len(crates)``."""
        name = self.crates[number % len(self.crates)]
        version = f"1.0.{number // len(self.crates)}"
        body = publish_body(metadata(name, version), crate(name, version))
        with self.lock:
            self.attempted.add((name, version))
        request = urllib.request.Request(
            f"{url}/api/v1/crates/new", data=body, method="PUT", headers={"Authorization": TOKEN}
        )
        status: int
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status, answer = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, answer = error.code, error.read()
        except (OSError, http.client.HTTPException) as error:  # the server went away
            with self.lock:
                if isinstance(getattr(error, "reason", error), ConnectionRefusedError):
                    self.unconnected += 1
                else:
                    self.interrupted += 1
            return False
        with self.lock:
            if status == 200:
                self.acknowledged.add((name, version))
            else:
                self.refused.append((name, version, status, answer))
        return status == 200


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        data: bytes = response.read()
        return data


def check_index_file(data: bytes) -> list[dict[str, object]]:
    """The lines of an index file: whole JSON lines, newline-terminated, no version twice."""
    assert data.endswith(b"\n"), data[-200:]
    lines = [json.loads(line) for line in data.decode().splitlines()]
    versions = [line["vers"] for line in lines]
    assert len(versions) == len(set(versions)), versions
    return lines


def check_served(
    url: str,
    crates: Iterable[str],
    acknowledged: set[tuple[str, str]],
    attempted: set[tuple[str, str]] | None = None,
) -> set[tuple[str, str]]:
    """What *url* serves: every acknowledged version, nothing beyond the attempted ones.

    Each version's download matches its index checksum, and each crate's owner is the
    storm's user. Returns the versions served.
    """
    attempted = acknowledged if attempted is None else attempted
    served: set[tuple[str, str]] = set()
    for name in crates:
        try:
            data = get(f"{url}/index/{index_path(name)}")
        except urllib.error.HTTPError as error:
            missing = error.code
        else:
            missing = 0
        if missing:
            assert missing == 404
            assert not any(crate_name == name for crate_name, _ in acknowledged)
            continue
        for line in check_index_file(data):
            version = str(line["vers"])
            served.add((name, version))
            archive = get(f"{url}/dl/{name}/{version}/download")
            assert hashlib.sha256(archive).hexdigest() == line["cksum"], (name, version)
        owners = json.loads(get(f"{url}/api/v1/crates/{name}/owners"))
        assert [user["login"] for user in owners["users"]] == ["fakereg-user"]
    assert acknowledged <= served, sorted(acknowledged - served)
    assert served <= attempted, sorted(served - attempted)
    return served


def check_git(url: str, clone: Path, crates: Iterable[str], expected: set[tuple[str, str]]) -> int:
    """A fresh ``git clone`` holds *expected*, on a linear history; return its commit count."""
    subprocess.run(["git", "clone", "-q", f"{url}/git/index", str(clone)], check=True)

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(clone), *args], check=True, capture_output=True, text=True
        ).stdout

    assert git("rev-list", "--min-parents=2", "HEAD") == ""  # no merges: linear
    git("fsck", "--strict", "--no-progress")
    for name in crates:
        wanted = {version for crate_name, version in expected if crate_name == name}
        path = clone / index_path(name)
        if not wanted:
            assert not path.exists()
            continue
        lines = check_index_file(path.read_bytes())
        assert {line["vers"] for line in lines} == wanted, name
    published = [
        message
        for message in git("log", "--format=%s").splitlines()
        if message.startswith("Update crate")
    ]
    assert len(published) == len(set(published))  # one commit per publish, none twice
    return len(git("rev-list", "HEAD").split())


def check_cargo_resolves(root: Path, work: Path, newest: dict[str, str]) -> None:
    """Real cargo, on a registry opened on *root*, resolves and downloads *newest* versions.

    Over both protocols: ``cargo fetch`` checks each download against its index checksum.
    """
    protocols: tuple[Protocol, ...] = ("sparse", "git")
    for protocol in protocols:
        with FakeRegistry(root, protocol=protocol, name=f"check-{protocol}") as reg:
            package = work / f"consumer-{protocol}"
            (package / "src").mkdir(parents=True)
            (package / "src" / "lib.rs").write_text("")
            deps = "".join(
                f'{name} = {{ version = "1", registry = "{reg.name}" }}\n' for name in newest
            )
            (package / "Cargo.toml").write_text(
                '[package]\nname = "consumer"\nversion = "0.1.0"\nedition = "2021"\n\n'
                f"[dependencies]\n{deps}"
            )
            reg.cargo("fetch", cwd=package, check=True)
            described = reg.cargo("metadata", "--format-version=1", cwd=package, check=True)
            packages = json.loads(described.stdout)["packages"]
            resolved = {p["name"]: p["version"] for p in packages if p["name"] in newest}
            assert resolved == newest, protocol
