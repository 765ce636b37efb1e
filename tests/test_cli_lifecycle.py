"""The standing server's life: bad roots, signals at any moment, lasting tokens, users, logs."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from filelock import FileLock

from fakereg import FakeRegistry, __version__
from tests.helpers import write_package
from tests.test_cli import _cargo_home, run_cargo, serving

#: A signalled CLI must be gone within this many seconds.
PROMPT = 3.0


def cli(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fakereg", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )


def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "fakereg", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_line(stream: object, prefix: str) -> str:
    for line in stream:  # type: ignore[attr-defined]
        if line.startswith(prefix):
            return str(line)
    raise AssertionError(f"the CLI ended without printing {prefix!r}")


def stopped(process: subprocess.Popen[str], signum: int) -> tuple[int, str, float]:
    """Send *signum*; the exit code, what stderr said, and how long it took to end."""
    sent = time.monotonic()
    process.send_signal(signum)
    _, err = process.communicate(timeout=PROMPT + 10)
    return process.returncode, err, time.monotonic() - sent


def test_version() -> None:
    result = cli("--version")
    assert (result.returncode, result.stdout.strip()) == (0, f"fakereg {__version__}")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--root", ""], "fakereg: error: argument --root: an empty path names no folder"),
        (["--port", "x"], "fakereg: error: argument --port: invalid port 'x'"),
        (["--root", "/proc/1"], "fakereg: error: cannot use /proc/1 as a registry root: "),
    ],
)
def test_errors_are_one_prefixed_line_and_quick(args: list[str], message: str) -> None:
    began = time.monotonic()
    result = cli(*args, timeout=10)
    assert time.monotonic() - began < 5  # /proc/1 used to wait for its lock forever
    assert result.returncode in (1, 2)
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith(message), line


def test_root_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    result = cli("--root", str(tmp_path / "file"))
    assert result.returncode == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"fakereg: error: cannot use {tmp_path / 'file'} as a registry root")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_signal_while_serving_stops_promptly(signum: int) -> None:
    process = start("--quiet")
    assert process.stdout is not None
    wait_for_line(process.stdout, "Press Ctrl-C")
    code, err, took = stopped(process, signum)
    assert (code, err.splitlines()[-1]) == (0, "fakereg: stopped")
    assert took < PROMPT


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_signal_while_waiting_for_the_root_lock_stops_promptly(tmp_path: Path, signum: int) -> None:
    root = tmp_path / "root"
    root.mkdir()
    with FileLock(str(root / ".fakereg.lock")):  # another process is busy with the root
        process = start("--root", str(root), "--quiet")
        try:
            _wait_for_handlers(process)
            time.sleep(0.5)
            assert process.poll() is None  # waiting, as it should while the lock is held
        except BaseException:
            process.kill()  # (never left waiting for a lock nobody will release)
            process.communicate(timeout=10)
            raise
        code, err, took = stopped(process, signum)
    assert code == 128 + signum
    name = signal.Signals(signum).name
    assert err.splitlines()[-1] == f"fakereg: interrupted by {name} before the registry was ready"
    assert "Traceback" not in err
    assert took < PROMPT


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_signal_during_a_seed_import_stops_promptly(tmp_path: Path, signum: int) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    os.mkfifo(seeds / "endless.crate")  # reading it blocks until the test writes: a long import
    process = start("--seed", str(seeds), "--quiet")
    assert process.stderr is not None
    wait_for_line(process.stderr, "fakereg: importing")
    time.sleep(0.3)
    code, err, took = stopped(process, signum)
    assert code == 128 + signum
    assert err.splitlines()[-1].startswith(f"fakereg: interrupted by {signal.Signals(signum).name}")
    assert took < PROMPT


def test_root_keeps_the_token_across_restarts(tmp_path: Path) -> None:
    root = tmp_path / "state"
    with serving("--root", str(root), "--quiet") as (_, banner):
        first = re.search(r"token:  (\S+)  \(user fakereg-user\)", banner)
        assert first, banner
        env = _cargo_home(banner)
        credentials = (Path(env["CARGO_HOME"]) / "credentials.toml").read_text()
    with serving("--root", str(root), "--quiet") as (_, banner):
        assert f"token:  {first[1]}  (user fakereg-user)" in banner
        # The credentials pasted from the first start publish to the second.
        home = tmp_path / "pasted-home"
        home.mkdir()
        (home / "config.toml").write_text(
            (Path(_cargo_home(banner)["CARGO_HOME"]) / "config.toml").read_text()
        )
        (home / "credentials.toml").write_text(credentials)
        crate = write_package(tmp_path / "kept", "kept")
        run_cargo(env | {"CARGO_HOME": str(home)}, "publish", "--no-verify", "--registry",
                  "fakereg", cwd=crate)  # fmt: skip
    with serving("--root", str(root), "--token", "given-token", "--quiet") as (_, banner):
        assert "token:  given-token  (user fakereg-user)" in banner


def test_users_are_created_at_start_and_can_be_made_owners(tmp_path: Path) -> None:
    root = tmp_path / "state"
    with serving("--root", str(root), "--user", "alice", "--user", "bob", "--quiet") as (_, b):
        alice = re.search(r"token:  (\S+)  \(user alice\)", b)
        assert alice, b
        assert re.search(r"token:  \S+  \(user bob\)", b), b
        env = _cargo_home(b)
        crate = write_package(tmp_path / "owned", "owned")
        run_cargo(env, "publish", "--registry", "fakereg", "--no-verify", cwd=crate)
        run_cargo(env, "owner", "--registry", "fakereg", "--add", "alice", "owned", cwd=crate)
        listed = run_cargo(env, "owner", "--registry", "fakereg", "--list", "owned", cwd=crate)
        assert "alice" in listed
        # alice's own token works for her, as an owner now.
        as_alice = run_cargo(
            env, "yank", "--registry", "fakereg", "--token", alice[1], "--version", "0.1.0",
            "owned", cwd=crate,
        )  # fmt: skip
        assert as_alice is not None
    with serving("--root", str(root), "--user", "alice", "--quiet") as (_, banner):
        assert f"token:  {alice[1]}  (user alice)" in banner


def test_request_log_has_fakereg_lines_with_duration_and_size(tmp_path: Path) -> None:
    with serving("--protocol", "git") as (process, banner):
        url = re.search(r"at (http://127\.0\.0\.1:\d+)", banner)
        assert url, banner
        subprocess.run(["git", "ls-remote", f"{url[1]}/git/index"], check=True, capture_output=True)
    assert process.stderr is not None
    log = process.stderr.read()
    assert "Sending capabilities" not in log
    assert "dulwich" not in log.lower()
    lines = [line for line in log.splitlines() if '"GET /git/index/info/refs' in line]
    assert lines, log
    assert re.fullmatch(
        r'127\.0\.0\.1 "GET /git/index/info/refs\?service=git-upload-pack HTTP/1\.1" 200 '
        r"\d+ B \d+\.\d ms",
        lines[0],
    ), lines[0]
    assert int(lines[0].split()[-4]) > 0


def test_local_registry_seeds_crates_packaged_against_another_registry(tmp_path: Path) -> None:
    other = "https://registry.example/index"
    seeds = tmp_path / "vendor"
    for name, deps in (
        ("helper", ""),
        ("user", f'helper = {{ version = "1", registry-index = "{other}" }}'),
    ):
        folder = seeds / name
        (folder / "src").mkdir(parents=True)
        (folder / "src" / "lib.rs").write_text("")
        (folder / "Cargo.toml").write_text(
            f'[package]\nname = "{name}"\nversion = "1.0.0"\n[dependencies]\n{deps}\n'
        )  # fmt: skip
    args = ("--seed", str(seeds), "--local-registry", other, "--replace-crates-io", "--quiet")
    with serving(*args) as (_, banner):
        env = _cargo_home(banner)
        app = write_package(tmp_path / "app", "app", dependencies='user = "1"')
        run_cargo(env, "generate-lockfile", cwd=app)
        lock = (app / "Cargo.lock").read_text()
        assert 'name = "helper"' in lock
    # Without it the dependency points at the other registry.
    with FakeRegistry() as reg:
        reg.import_crates(seeds)
        (dep,) = reg.index_entries("user")[0]["deps"]
        assert dep["registry"] == other


def _wait_for_handlers(process: subprocess.Popen[str], seconds: float = 30) -> None:
    """Wait until *process* catches SIGTERM (the CLI installs its handlers once its imports
    are done): however slow its start, a signal from then on is the CLI's to handle."""
    status = Path(f"/proc/{process.pid}/status")
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            for line in status.read_text().splitlines():
                if (
                    line.startswith("SigCgt:")
                    and int(line.split()[1], 16) >> (signal.SIGTERM - 1) & 1
                ):
                    return
        assert process.poll() is None, "the CLI exited before it handled signals"
        time.sleep(0.05)
    raise AssertionError(f"the CLI did not install its signal handlers within {seconds} s")


def _frames_of_ours(traceback: str) -> list[str]:
    """The source files of a printed traceback's frames that are fakereg's."""
    package = f"{os.sep}fakereg{os.sep}"
    return [path for path in re.findall(r'File "([^"]+)"', traceback) if package in path]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_while_the_package_imports_is_a_quiet_stop(signum: int) -> None:
    """Ctrl-C in the first moments (the modules still importing) prints one line, no
    traceback, whenever it lands."""
    for delay in (0.05, 0.1, 0.15, 0.2, 0.3):
        process = start("--quiet")
        time.sleep(delay)
        code, err, _ = stopped(process, signum)
        assert process.stdout is not None
        process.stdout.close()
        if "Traceback" in err and not _frames_of_ours(err):
            continue  # it landed in Python's own start-up (site, runpy): not yet ours
        assert "Traceback" not in err, (delay, err)
        if code == -signum:
            continue  # it came before the interpreter itself was up: no output at all
        if code == 0:  # it came once the registry was serving: a clean stop
            assert err.strip().splitlines()[-1] == "fakereg: stopped", err
            continue
        assert code == 128 + signum, (delay, code, err)
        name = signal.Signals(signum).name
        assert err.strip().splitlines()[-1].startswith(f"fakereg: interrupted by {name}"), err


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_while_importing_lets_the_import_clean_up(tmp_path: Path, signum: int) -> None:
    """The quiet stop unwinds the import it interrupts: filelock, for one, probes links in a
    temporary folder while it imports, and a stop that skipped its ``with`` left that folder
    behind (the suite's leak check saw ``tmp…`` folders after the test above)."""
    name = signal.Signals(signum).name
    script = (
        "import os, signal, tempfile\n"
        "from fakereg import __main__ as entry\n"
        "entry._quiet_stop()\n"
        f"with tempfile.TemporaryDirectory(dir={str(tmp_path)!r}) as folder:\n"
        f"    os.kill(os.getpid(), signal.{name})\n"
        "    signal.pause()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 128 + signum, result.stderr
    assert result.stderr == f"fakereg: interrupted by {name} before the registry was ready\n"
    assert list(tmp_path.iterdir()) == [], "the interrupted import's folder was removed"
