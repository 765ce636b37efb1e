"""``python -m fakereg``: the registry as a standing local server."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn

from . import __version__
from .cargo_config import CargoHomeEntry, cainfo_config, credentials_toml, registries_config
from .errors import FakeRegError
from .registry import FakeRegistry
from .settings import PROTOCOLS
from .storage.fsutil import atomic_write

PREFIX = "fakereg:"


class _Parser(argparse.ArgumentParser):
    """Reports bad arguments on one line, without the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{PREFIX} error: {message} (see --help)\n")


class Interrupted(BaseException):
    """SIGINT or SIGTERM arrived: unwind whatever runs (start, seeding, serving) and stop."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid port {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port {port} is out of range 0-65535")
    return port


def _public_key(text: str) -> tuple[str, str]:
    login, sep, key = text.partition("=")
    if not sep or not login or not key:
        raise argparse.ArgumentTypeError(f"expected LOGIN=KEY (a k3.public.… key), got {text!r}")
    return login, key


def _folder(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty path names no folder")
    return text


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m fakereg",
        description="Serve a fake Cargo registry until Ctrl-C.",
    )
    parser.add_argument("--version", action="version", version=f"fakereg {__version__}")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
    parser.add_argument("--port", type=_port, default=0, help="port to bind (0: a free one)")
    parser.add_argument(
        "--root", type=_folder, help="directory that keeps the state (default: temporary)"
    )
    parser.add_argument("--protocol", choices=PROTOCOLS, default="sparse", help="index protocol")
    parser.add_argument("--name", default="fakereg", help="registry name in cargo's config")
    parser.add_argument(
        "--token", help="API token of the default user (default: generated, kept in --root)"
    )
    parser.add_argument(
        "--user",
        action="append",
        default=[],
        metavar="LOGIN",
        help="create this user at start and print its token (repeatable)",
    )
    parser.add_argument(
        "--public-key",
        action="append",
        default=[],
        type=_public_key,
        metavar="LOGIN=KEY",
        help="let LOGIN (created if need be) sign cargo's asymmetric tokens with KEY, the "
        "k3.public.… key `cargo login` prints with cargo:paseto (repeatable)",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="apply crates.io's metadata and dependency rules",
    )
    parser.add_argument(
        "--auth-required", action="store_true", help="a private registry: reading needs a token"
    )
    parser.add_argument(
        "--owner-invitations",
        action="store_true",
        help="adding an owner invites them (they accept or decline), as on crates.io",
    )
    parser.add_argument(
        "--tls",
        action="store_true",
        help="serve HTTPS with a certificate from a CA made for this registry (its PEM "
        "is printed as ca_path)",
    )
    parser.add_argument(
        "--no-http2",
        dest="http2",
        action="store_false",
        help="speak HTTP/1.1 only (by default HTTP/2 is offered by ALPN with --tls, and "
        "spoken in cleartext to clients that ask for it)",
    )
    parser.add_argument(
        "--max-concurrent-streams",
        type=int,
        default=100,
        metavar="N",
        help="HTTP/2 streams a client may have open at once (100)",
    )
    parser.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        metavar="NAME",
        help="a host name requests may name besides 127.0.0.1 and localhost (repeatable)",
    )
    parser.add_argument(
        "--max-recorded",
        type=int,
        default=100_000,
        metavar="N",
        help="requests the journal keeps, the oldest dropped (100000)",
    )
    parser.add_argument(
        "--max-recorded-body",
        type=int,
        default=1024 * 1024,
        metavar="BYTES",
        help="bodies over this size are recorded as size and sha256 only (1048576)",
    )
    parser.add_argument(
        "--replace-crates-io",
        action="store_true",
        help="the printed cargo configuration makes this registry stand in for crates.io",
    )
    parser.add_argument(
        "--seed",
        action="append",
        default=[],
        metavar="PATH",
        help="import .crate files or unpacked crate folders at start (repeatable)",
    )
    parser.add_argument(
        "--local-registry",
        action="append",
        default=[],
        metavar="URL",
        help="index URL whose dependencies --seed takes from this registry (repeatable)",
    )
    parser.add_argument("--quiet", action="store_true", help="do not log each request")
    parser.add_argument(
        "--ready-file",
        metavar="PATH",
        help="once serving, write the registry's addresses and tokens there as one JSON "
        "object (removed at stop): what a harness in another language waits for",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print that JSON object as the first line of stdout instead of the banner",
    )
    return parser


def _cargo_entry(registry: FakeRegistry) -> CargoHomeEntry:
    """The registry as cargo's config and credentials name it."""
    return CargoHomeEntry(
        name=registry.name,
        index_url=registry.index_url,
        token=registry.token,
        replace_crates_io=registry.replace_crates_io,
    )


def ready_document(registry: FakeRegistry, users: dict[str, str] | None = None) -> dict[str, Any]:
    """Everything a harness needs of a started registry, for ``--ready-file``/``--json``."""
    entry = _cargo_entry(registry)
    return {
        "url": registry.url,
        "name": registry.name,
        "protocol": registry.protocol,
        "index_url": registry.index_url,
        "sparse_index_url": registry.sparse_index_url,
        "git_index_url": registry.git_index_url,
        "token": registry.token,
        "login": registry.login,
        "users": dict(users or {}),
        "admin_url": registry.admin_url,
        "admin_token": registry.admin_token,
        "page_url": registry.page_url,
        "admin_page_url": registry.admin_page_url,
        "pid": os.getpid(),
        "root": str(registry.root),
        "cargo_home": str(registry.cargo_home),
        "ca_path": str(registry.ca_path) if registry.tls else None,
        "config_toml": registries_config([entry]) + _cainfo(registry),
        "credentials_toml": credentials_toml([entry]),
    }


def _cainfo(registry: FakeRegistry) -> str:
    """The ``[http]`` table that makes cargo trust an HTTPS registry's CA ('' for HTTP)."""
    if not registry.tls:
        return ""
    return cainfo_config(registry.ca_path)


def check_ready_file(path: Path) -> None:
    """ValueError unless *path* can be written: its folder must exist (no folder is made for
    it: a misspelt path is an error, not a new tree)."""
    parent = path.parent
    if parent.is_dir():
        return
    what = "is not a folder" if parent.exists() else "does not exist"
    raise ValueError(f"--ready-file {path}: {parent} {what}")


def write_ready_file(path: Path, document: dict[str, Any]) -> None:
    """The document, whole or not at all (written aside, then renamed), for its owner only."""
    atomic_write(path, (json.dumps(document, indent=1) + "\n").encode(), mode=0o600)


def banner(registry: FakeRegistry, users: dict[str, str] | None = None) -> str:
    """What the CLI prints at start: URLs, tokens and the cargo configuration to use."""
    entry = _cargo_entry(registry)
    others = (
        "".join(f"  token:  {token}  (user {login})\n" for login, token in (users or {}).items())
        or "  more users: start with --user LOGIN (repeatable), e.g. for `cargo owner --add`\n"
    )
    return (
        f"fakereg serving registry {registry.name!r} at {registry.url}\n"
        f"  index:  {registry.index_url}\n"
        f"  api:    {registry.url}\n"
        f"  token:  {registry.token}  (user {registry.login})\n"
        f"{others}"
        f"  root:   {registry.root}\n"
        f"  control API: {registry.admin_url}  (Authorization: Bearer {registry.admin_token})\n"
        f"  web page: {registry.page_url}  (as admin, with forms: {registry.admin_page_url})\n"
        "\n"
        "# Add to .cargo/config.toml:\n"
        f"{registries_config([entry])}{_cainfo(registry)}"
        "\n"
        "# Add to $CARGO_HOME/credentials.toml:\n"
        f"{credentials_toml([entry])}"
        "\n"
        f"# Or try it at once: CARGO_HOME={registry.cargo_home} cargo search --registry "
        f"{registry.name} ''\n"
        "Press Ctrl-C to stop.\n"
    )


class ProgressPrinter:
    """Prints ``read N/M crates`` to stderr at most every *interval* seconds, and at the end."""

    def __init__(self, interval: float = 1.0) -> None:
        self._interval = interval
        self._last = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done == total or now - self._last >= self._interval:
            self._last = now
            say(f"  read {done}/{total} crates")


def say(message: str) -> None:
    """One line on stderr, with the prefix every line of the CLI has."""
    print(f"{PREFIX} {message}", file=sys.stderr, flush=True)


def seed(registry: FakeRegistry, path: str, local_registries: Sequence[str] = ()) -> None:
    """Import *path* into *registry*, reporting progress and the outcome on stderr."""
    say(f"importing {path}")
    started = time.monotonic()
    added = registry.import_crates(
        path, progress=ProgressPrinter(), local_registries=local_registries
    )
    elapsed = time.monotonic() - started
    say(f"imported {len(added)} crate versions from {path} in {elapsed:.1f} s")


def _log_requests() -> None:
    """fakereg's own request lines on stderr; dulwich's and werkzeug's chatter stays out."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("fakereg")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    # Ignore a second signal while the first one unwinds and stops the registry.
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, signal.SIG_IGN)
    raise Interrupted(signum)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not args.quiet:
        _log_requests()
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    registry: FakeRegistry | None = None
    serving = False
    ready_file = Path(args.ready_file) if args.ready_file else None
    try:
        if ready_file is not None:
            check_ready_file(ready_file)
            ready_file.unlink(missing_ok=True)  # a harness must never read a stale one
        registry = FakeRegistry(
            root=args.root,
            name=args.name,
            protocol=args.protocol,
            token=args.token,
            host=args.host,
            port=args.port,
            strict=args.strict,
            auth_required=args.auth_required,
            owner_invitations=args.owner_invitations,
            replace_crates_io=args.replace_crates_io,
            tls=args.tls,
            http2=args.http2,
            max_concurrent_streams=args.max_concurrent_streams,
            allowed_hosts=tuple(args.allowed_host),
            max_recorded=args.max_recorded,
            max_recorded_body=args.max_recorded_body,
        )
        registry.start()
        users = {login: registry.lasting_token(login) for login in args.user}
        for login, key in args.public_key:
            registry.lasting_token(login)  # (the user, made if need be)
            registry.add_public_key(login, key)
        for path in args.seed:
            seed(registry, path, args.local_registry)
        serving = True  # (a signal right after the banner is a stop, not an abort)
        document = ready_document(registry, users)
        if args.json:
            print(json.dumps(document), flush=True)
        else:
            print(banner(registry, users), flush=True)
        if ready_file is not None:
            write_ready_file(ready_file, document)
        while True:
            time.sleep(3600)
    except Interrupted as stop:
        if registry is not None:
            registry.stop()
        name = signal.Signals(stop.signum).name
        if not serving:
            say(f"interrupted by {name} before the registry was ready")
            return 128 + stop.signum
        say("stopped")
        return 0
    except (FakeRegError, ValueError, OSError) as exc:
        if registry is not None:
            registry.stop()
        say(f"error: {exc}")
        return 1
    finally:
        if ready_file is not None and serving:
            ready_file.unlink(missing_ok=True)  # the registry it describes is gone
