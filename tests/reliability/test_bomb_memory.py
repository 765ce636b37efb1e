"""A gzip bomb costs the registry bounded memory: archives are inflated as they are walked,
never whole (and a view of a refused publish's files walks it the same way)."""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
import zlib
from pathlib import Path

from tests.crates import metadata, publish_body

MiB = 1024 * 1024
LIMIT = 64 * MiB  # the registry's max_unpacked_size here
BOMB = 160 * MiB  # what the archive unpacks to

SERVER = f"""
import json, sys
from fakereg import FakeRegistry
with FakeRegistry(max_unpacked_size={LIMIT}) as reg:
    print(json.dumps({{"url": reg.url, "token": reg.token}}), flush=True)
    sys.stdin.read()
"""


def _bomb(path: Path) -> None:
    """A .crate whose one file is BOMB bytes of zeros, written in pieces (never whole)."""
    header = tarfile.TarInfo("bomb-1.0.0/src/zeros.bin")
    header.size = BOMB
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    with path.open("wb") as out:
        out.write(compressor.compress(header.tobuf(format=tarfile.USTAR_FORMAT)))
        zeros = bytes(MiB)
        for _ in range(BOMB // MiB):
            out.write(compressor.compress(zeros))
        out.write(compressor.compress(bytes(1024)))  # the end-of-archive marker
        out.write(compressor.flush())


def _peak_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(line.split()[1])


def test_a_gzip_bomb_is_refused_within_bounded_memory(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.crate"
    _bomb(bomb)
    body = tmp_path / "publish.bin"
    body.write_bytes(publish_body(metadata("bomb", "1.0.0"), bomb.read_bytes()))
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        started = json.loads(server.stdout.readline())
        before = _peak_kib(server.pid)
        answer = subprocess.run(
            [
                "curl", "-sS", "-X", "PUT", f"{started['url']}/api/v1/crates/new",
                "-H", f"Authorization: {started['token']}", "--data-binary", f"@{body}",
            ],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        detail = json.loads(answer.stdout)["errors"][0]["detail"]
        assert f"it unpacks to more than {LIMIT} bytes" in detail
        grown = (_peak_kib(server.pid) - before) * 1024
        # The whole archive, or even the limit's worth of it, never sits in memory.
        assert grown < LIMIT // 2, f"the peak grew by {grown // MiB} MiB"
    finally:
        assert server.stdin is not None
        server.stdin.close()
        server.wait(30)
        if server.stdout is not None:
            server.stdout.close()
