"""``python -m fakereg`` as a standing server."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from pyseto import Key

from fakereg import FakeRegistry
from tests.helpers import write_package
from tests.test_asymmetric_tokens import _key_pair, _token


@contextmanager
def serving(*args: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """Start the CLI, yield it with the banner it printed, stop it with Ctrl-C."""
    process = subprocess.Popen(
        [sys.executable, "-m", "fakereg", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    banner = []
    try:
        for line in process.stdout:
            banner.append(line)
            if line.startswith("Press Ctrl-C"):
                break
        yield process, "".join(banner)
    finally:
        process.send_signal(signal.SIGINT)
        # What it printed on stderr stays readable; the pipes themselves are closed.
        process.stdout.close()
        assert process.stderr is not None
        printed = process.stderr.read()
        process.stderr.close()
        process.stderr = io.StringIO(printed)
        process.wait(timeout=10)


def run_cargo(env: dict[str, str], *args: str, cwd: Path | None = None) -> str:
    """Run cargo as a user of the standing server would; its stdout, or a failed test."""
    result = subprocess.run(
        ["cargo", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _cargo_home(banner: str) -> dict[str, str]:
    match = re.search(r"CARGO_HOME=(\S+)", banner)
    assert match, banner
    return {**os.environ, "CARGO_HOME": match[1], "CARGO_TERM_COLOR": "never"}


def test_cli_serves_cargo_and_exits_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    with serving("--name", "demo", "--token", "demo-token", "--quiet") as (process, banner):
        url = re.search(r"at (http://127\.0\.0\.1:\d+)", banner)
        assert url, banner
        assert f'index = "sparse+{url[1]}/index/"' in banner
        assert "[registries.demo]" in banner
        assert 'token = "demo-token"' in banner
        assert 'global-credential-providers = ["cargo:token"]' in banner
        assert "start with --user LOGIN" in banner  # how to get the users owners need
        env = _cargo_home(banner)
        crate = write_package(tmp_path / "hello", "hello")
        run_cargo(env, "publish", "--registry", "demo", "--no-verify", cwd=crate)
        found = run_cargo(env, "search", "--registry", "demo", "hello")
        assert 'hello = "0.1.0"' in found
    assert process.returncode == 0
    assert process.stderr is not None
    assert "fakereg: stopped" in process.stderr.read()


def test_cli_root_keeps_state_between_runs(tmp_path: Path) -> None:
    root = tmp_path / "state"
    with serving("--root", str(root), "--quiet") as (_, banner):
        crate = write_package(tmp_path / "kept", "kept")
        run_cargo(_cargo_home(banner), "publish", "--registry", "fakereg", "--no-verify", cwd=crate)
    with serving("--root", str(root), "--quiet") as (_, banner):
        found = run_cargo(_cargo_home(banner), "search", "--registry", "fakereg", "kept")
        assert 'kept = "0.1.0"' in found


def test_cli_git_protocol_prints_the_git_url(tmp_path: Path) -> None:
    with serving("--protocol", "git", "--quiet") as (_, banner):
        url = re.search(r"at (http://127\.0\.0\.1:\d+)", banner)
        assert url, banner
        assert f'index = "{url[1]}/git/index"' in banner
        heads = subprocess.run(
            ["git", "ls-remote", f"{url[1]}/git/index"], capture_output=True, text=True, check=True
        )
        assert "refs/heads/master" in heads.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "x"], "invalid port 'x'"),
        (["--port", "99999"], "out of range"),
        (["--protocol", "ftp"], "invalid choice: 'ftp'"),
        (["--name", "bad name"], "invalid registry name"),
        (["--bogus"], "unrecognized arguments: --bogus"),
        (["--public-key", "alice"], "expected LOGIN=KEY"),
        (["--public-key", "alice=k3.public.AAAA"], "not a valid k3.public key"),
    ],
)
def test_bad_arguments_give_one_line_and_non_zero_exit(args: list[str], message: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "fakereg", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_busy_port_gives_one_line_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "fakereg", "--port", str(port)],
            capture_output=True,
            text=True,
            check=False,
        )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"fakereg: error: cannot listen on 127.0.0.1:{port}: Address already in use"
    )


def test_cli_seeds_crates_and_reports_progress(tmp_path: Path) -> None:
    with FakeRegistry(root=tmp_path / "source") as source, source.batch():
        source.add_crate("seeded-a", "1.0.0", description="first seed")
        source.add_crate("seeded-b", "2.0.0", deps=["seeded-a@1"])
    vendor = tmp_path / "vendor" / "unpacked"
    (vendor / "src").mkdir(parents=True)
    (vendor / "Cargo.toml").write_text('[package]\nname = "unpacked"\nversion = "0.3.0"\n')
    seeds = ["--seed", str(tmp_path / "source" / "crates"), "--seed", str(vendor)]
    with serving(*seeds, "--quiet", "--replace-crates-io") as (process, banner):
        assert '[source.crates-io]\nreplace-with = "fakereg"' in banner
        env = _cargo_home(banner)
        found = run_cargo(env, "search", "--registry", "fakereg", "seeded")
        assert 'seeded-a = "1.0.0"    # first seed' in found
        assert 'seeded-b = "2.0.0"' in found
        app = write_package(
            tmp_path / "app", "app", dependencies='seeded-b = "2"\nunpacked = "0.3"'
        )
        run_cargo(env, "generate-lockfile", cwd=app)
        lock = (app / "Cargo.lock").read_text()
        assert 'name = "seeded-a"' in lock
        assert 'name = "unpacked"' in lock
    assert process.stderr is not None
    log = process.stderr.read()
    assert f"fakereg: importing {tmp_path / 'source' / 'crates'}" in log
    assert "fakereg:   read 2/2 crates" in log
    assert f"fakereg: imported 1 crate versions from {vendor}" in log


def test_cli_bad_seed_is_one_error_and_exit_1(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "fakereg", "--quiet", "--seed", str(tmp_path / "nothing")],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        f"fakereg: error: {tmp_path / 'nothing'}: no such file or directory"
    )
    assert "Traceback" not in result.stderr


def test_cli_auth_required_makes_a_private_registry(tmp_path: Path) -> None:
    with serving("--auth-required", "--quiet") as (_, banner):
        url = re.search(r"at (http://127\.0\.0\.1:\d+)", banner)
        assert url, banner
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{url[1]}/index/config.json", timeout=10)
        assert refused.value.code == 401
        refused.value.close()
        found = run_cargo(_cargo_home(banner), "search", "--registry", "fakereg", "x")
        assert found == ""


def test_a_ready_file_in_a_missing_or_odd_folder_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    for ready, why in (
        (tmp_path / "nonexistent" / "dir" / "ready.json", "does not exist"),
        (tmp_path / "a-file" / "ready.json", "is not a folder"),
    ):
        result = subprocess.run(
            [sys.executable, "-m", "fakereg", "--quiet", "--ready-file", str(ready)],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        assert result.returncode == 1, result.stderr
        assert result.stderr.strip() == (
            f"fakereg: error: --ready-file {ready}: {ready.parent} {why}"
        ), result.stderr
    assert not (tmp_path / "nonexistent").exists()  # nothing made for a misspelt path


def test_cli_public_key_lets_its_user_sign_asymmetric_tokens() -> None:
    secret, public = _key_pair()
    with serving("--public-key", f"alice={public}", "--quiet") as (_, banner):
        url = re.search(r"at (http://127\.0\.0\.1:\d+)", banner)
        assert url, banner
        kid = str(Key.from_paserk(public).to_paserk_id())
        token = _token(secret, kid, f"sparse+{url[1]}/index/")
        # a browser signs in with it on the page, then asks crates.io's /me
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        form = urllib.parse.urlencode({"token": token, "next": "/"}).encode()
        browser.open(f"{url[1]}/session", data=form, timeout=10).close()
        with browser.open(f"{url[1]}/api/v1/me", timeout=10) as answer:
            assert json.loads(answer.read())["user"]["login"] == "alice"
