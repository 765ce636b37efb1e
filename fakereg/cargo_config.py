"""The isolated CARGO_HOME a registry hands to cargo: config.toml, credentials.toml, env."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w
from filelock import FileLock

from .errors import CargoError, CargoNotFoundError
from .storage.fsutil import atomic_write
from .tomlcompat import tomllib

# Variables that would point cargo at another registry or token than ours.
_FOREIGN_PREFIXES = ("CARGO_REGISTRIES_", "CARGO_REGISTRY_")
_FOREIGN_NAMES = frozenset({"CARGO_HOME", "CARGO_HTTP_PROXY"})
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def registry_config(name: str, index_url: str) -> str:
    """The lines of ``.cargo/config.toml`` that name the registry."""
    return tomli_w.dumps({"registries": {name: {"index": index_url}}})


def credentials_config(name: str, token: str) -> str:
    """The lines of ``credentials.toml`` that hold the token."""
    return tomli_w.dumps({"registries": {name: {"token": token}}})


@dataclass(frozen=True)
class CargoHomeEntry:
    """One registry as a cargo home knows it."""

    name: str
    index_url: str
    token: str | None  # written to credentials.toml when not None
    replace_crates_io: bool = False
    ca_pem: str | None = None  # the CA of a registry served over HTTPS


def register_in_cargo_home(cargo_home: Path, entry: CargoHomeEntry, *, shared: bool = True) -> None:
    """Add (or update) *entry* in *cargo_home*'s ``config.toml`` and ``credentials.toml``.

    Several registries may share a cargo home; each keeps its entry until it is removed
    with :func:`unregister_from_cargo_home`. Only one of them may replace crates.io. The
    files themselves are the list: other registries already named there are kept.
    ``shared=False`` (a cargo home private to one registry) skips the lock file.
    """
    cargo_home.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(cargo_home / ".fakereg-home.lock")) if shared else nullcontext()
    with lock:
        entries = _entries(cargo_home)
        replacing = [
            e.name for e in entries.values() if e.replace_crates_io and e.name != entry.name
        ]
        if entry.replace_crates_io and replacing:
            raise ValueError(
                f"registry {replacing[0]!r} already replaces crates-io in {cargo_home}; "
                "only one registry of a cargo home can"
            )
        entries[entry.name] = entry
        ca_file = _ca_file(cargo_home, entry.name)
        if entry.ca_pem is not None:
            atomic_write(ca_file, entry.ca_pem.encode())
        else:
            ca_file.unlink(missing_ok=True)
        _write_cargo_home(cargo_home, entries)


def unregister_from_cargo_home(cargo_home: Path, name: str) -> None:
    """Remove the registry called *name* from *cargo_home*'s configuration (if present)."""
    if not cargo_home.is_dir():
        return
    with FileLock(str(cargo_home / ".fakereg-home.lock")):
        entries = _entries(cargo_home)
        _ca_file(cargo_home, name).unlink(missing_ok=True)
        if entries.pop(name, None) is not None:
            _write_cargo_home(cargo_home, entries)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return {}
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return {}  # not ours to repair: it is rewritten whole


def _entries(cargo_home: Path) -> dict[str, CargoHomeEntry]:
    """The registries *cargo_home*'s config.toml and credentials.toml name now."""
    config = _read_toml(cargo_home / "config.toml")
    tokens = _read_toml(cargo_home / "credentials.toml").get("registries", {})
    replaced_by = config.get("source", {}).get("crates-io", {}).get("replace-with")
    return {
        name: CargoHomeEntry(
            name=name,
            index_url=table["index"],
            token=tokens.get(name, {}).get("token"),
            replace_crates_io=name == replaced_by,
        )
        for name, table in config.get("registries", {}).items()
        if isinstance(table, dict) and isinstance(table.get("index"), str)
    }


def registries_config(entries: Iterable[CargoHomeEntry]) -> str:
    """The ``config.toml`` text that names *entries* (and the one replacing crates.io).

    A replacement is a ``[source.NAME]`` table of the same name and index as the registry,
    since older cargo (1.65 among them) takes only a source as a ``replace-with`` target;
    ``registry.default`` sends a plain ``cargo publish`` to the registry. Every cargo from
    1.65 on reads both.
    """
    listed = sorted(entries, key=lambda e: e.name)
    replacing = [e for e in listed if e.replace_crates_io]
    config = "".join(registry_config(e.name, e.index_url) + "\n" for e in listed)
    config += (
        "[registry]\n"
        "# cargo needs a credential provider to send tokens to alternative registries.\n"
        'global-credential-providers = ["cargo:token"]\n'
    )
    if replacing:
        name, index = replacing[0].name, replacing[0].index_url
        config += tomli_w.dumps({"default": name}) + "\n"
        sources = {name: {"registry": index}, "crates-io": {"replace-with": name}}
        config += tomli_w.dumps({"source": sources})
    return config


def credentials_toml(entries: Iterable[CargoHomeEntry]) -> str:
    """The ``credentials.toml`` text holding the tokens of *entries* ('' when none has one)."""
    listed = sorted((e for e in entries if e.token is not None), key=lambda e: e.name)
    return "\n".join(credentials_config(e.name, e.token or "") for e in listed)


def _ca_file(cargo_home: Path, name: str) -> Path:
    """Where *cargo_home* keeps the CA of its HTTPS registry *name*."""
    return cargo_home / "fakereg-ca" / f"{name}.pem"


def cainfo_config(path: Path) -> str:
    """The ``[http]`` table of ``config.toml`` that makes cargo trust the CAs in *path*."""
    return "\n" + tomli_w.dumps({"http": {"cainfo": str(path)}})


def ca_bundle(cargo_home: Path) -> Path:
    """The CAs of every HTTPS registry of *cargo_home*, in one file (``http.cainfo``)."""
    return cargo_home / "fakereg-ca.pem"


def _write_cargo_home(cargo_home: Path, entries: Mapping[str, CargoHomeEntry]) -> None:
    config = registries_config(entries.values())
    config += '\n[term]\ncolor = "never"\nprogress.when = "never"\n'
    cas = [_ca_file(cargo_home, name) for name in sorted(entries)]
    cas = [path for path in cas if path.is_file()]
    bundle = ca_bundle(cargo_home)
    if cas:
        atomic_write(bundle, b"".join(path.read_bytes() for path in cas))
        config += cainfo_config(bundle)
    else:
        bundle.unlink(missing_ok=True)
    atomic_write(cargo_home / "config.toml", config.encode())
    credentials = cargo_home / "credentials.toml"
    text = credentials_toml(entries.values())
    if text:
        atomic_write(credentials, text.encode(), mode=0o600)
    else:
        credentials.unlink(missing_ok=True)


def _rustup_home(env: Mapping[str, str]) -> str | None:
    """Where rustup keeps toolchains, found even when a test has moved ``$HOME``."""
    homes = [env.get("HOME")]
    try:
        import pwd

        homes.append(pwd.getpwuid(os.getuid()).pw_dir)
    except (ImportError, KeyError):  # pragma: no cover - not a POSIX system
        pass
    for home in homes:
        if home and (Path(home) / ".rustup").is_dir():
            return str(Path(home) / ".rustup")
    return None


def cargo_env(cargo_home: Path, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """A copy of *base* (``os.environ``) with cargo pointed at *cargo_home* only."""
    env = dict(os.environ if base is None else base)
    for key in list(env):
        if key in _FOREIGN_NAMES or key.startswith(_FOREIGN_PREFIXES):
            del env[key]
    env["CARGO_HOME"] = str(cargo_home)
    # Our CARGO_HOME holds no toolchains: keep rustup's proxies finding theirs.
    if "RUSTUP_HOME" not in env:
        rustup_home = _rustup_home(env)
        if rustup_home is not None:
            env["RUSTUP_HOME"] = rustup_home
    # A proxy configured for the internet must not swallow requests to loopback.
    for key in ("NO_PROXY", "no_proxy"):
        present = [h for h in env.get(key, "").split(",") if h]
        env[key] = ",".join(present + [h for h in _LOOPBACK if h not in present])
    env["CARGO_TERM_COLOR"] = "never"
    if ca_bundle(cargo_home).is_file():  # git, run by cargo or by a test, trusts it too
        env["GIT_SSL_CAINFO"] = str(ca_bundle(cargo_home))
    return env


def publish_timeout_env(seconds: float) -> dict[str, str]:
    """Variables that make ``cargo publish`` wait *seconds* for the index (default 60).

    ``publish.timeout`` is an unstable cargo setting; cargo's own test suite enables such
    settings on a stable toolchain with its channel override, as done here.
    """
    return {
        "__CARGO_TEST_CHANNEL_OVERRIDE_DO_NOT_USE_THIS": "nightly",
        "CARGO_UNSTABLE_PUBLISH_TIMEOUT": "true",
        "CARGO_PUBLISH_TIMEOUT": str(max(1, round(seconds))),
    }


#: cargo's own knob for a fixed sleep between retries (read by its retry logic).
RETRY_SLEEP_VARIABLE = "__CARGO_TEST_FIXED_RETRY_SLEEP_MS"


def registry_env(
    cargo_home: Path, *, retry_sleep_ms: int | None, publish_timeout: float | None
) -> dict[str, str]:
    """:func:`cargo_env`, with cargo's retry sleep and publish timeout set when given."""
    env = cargo_env(cargo_home)
    if retry_sleep_ms is not None:
        env[RETRY_SLEEP_VARIABLE] = str(retry_sleep_ms)
    if publish_timeout is not None:
        env.update(publish_timeout_env(publish_timeout))
    return env


def find_cargo(given: str | None) -> str:
    """The cargo binary to run: *given*, ``$FAKEREG_CARGO``, or the one on PATH."""
    found = given or os.environ.get("FAKEREG_CARGO") or shutil.which("cargo")
    if not found:
        raise CargoNotFoundError(
            "cargo was not found on PATH; install Rust (rustup) or pass cargo_bin="
        )
    return found


def run_cargo(
    command: list[str],
    env: Mapping[str, str],
    *,
    cwd: str | os.PathLike[str] | None,
    input: str | None,
    check: bool,
    timeout: float | None,
) -> subprocess.CompletedProcess[str]:
    """Run *command* (cargo and its arguments), output captured as text; with *check*, a
    non-zero exit raises :class:`CargoError` showing cargo's output."""
    result = subprocess.run(
        command,
        cwd=cwd,
        input=input,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if check and result.returncode != 0:
        raise CargoError(result.returncode, command, result.stdout, result.stderr)
    return result
