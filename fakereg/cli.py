"""``python -m fakereg``: the registry as a standing local server."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import time
from collections.abc import Sequence
from types import FrameType
from typing import NoReturn

from .cargo_config import credentials_config, registry_config
from .errors import FakeRegError
from .registry import PROTOCOLS, FakeRegistry


class _Parser(argparse.ArgumentParser):
    """Reports bad arguments on one line, without the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid port {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port {port} is out of range 0-65535")
    return port


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m fakereg",
        description="Serve a fake Cargo registry until Ctrl-C.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
    parser.add_argument("--port", type=_port, default=0, help="port to bind (0: a free one)")
    parser.add_argument("--root", help="directory that keeps the state (default: temporary)")
    parser.add_argument("--protocol", choices=PROTOCOLS, default="sparse", help="index protocol")
    parser.add_argument("--name", default="fakereg", help="registry name in cargo's config")
    parser.add_argument("--token", help="API token of the default user (default: generated)")
    parser.add_argument("--strict", action="store_true", help="apply crates.io's metadata rules")
    parser.add_argument(
        "--auth-required", action="store_true", help="a private registry: reading needs a token"
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
    parser.add_argument("--quiet", action="store_true", help="do not log each request")
    return parser


def banner(registry: FakeRegistry) -> str:
    """What the CLI prints at start: URLs, token and the cargo configuration to use."""
    replacement = (
        f'default = "{registry.name}"\n\n[source.crates-io]\nreplace-with = "{registry.name}"\n'
        if registry.replace_crates_io
        else ""
    )
    return (
        f"fakereg serving registry {registry.name!r} at {registry.url}\n"
        f"  index:  {registry.index_url}\n"
        f"  api:    {registry.url}\n"
        f"  token:  {registry.token}  (user {registry.login})\n"
        f"  root:   {registry.root}\n"
        "\n"
        "# Add to .cargo/config.toml:\n"
        f"{registry_config(registry.name, registry.index_url)}"
        "\n[registry]\n"
        'global-credential-providers = ["cargo:token"]\n'
        f"{replacement}"
        "\n"
        "# Add to $CARGO_HOME/credentials.toml:\n"
        f"{credentials_config(registry.name, registry.token)}"
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
            print(f"fakereg:   read {done}/{total} crates", file=sys.stderr, flush=True)


def seed(registry: FakeRegistry, path: str) -> None:
    """Import *path* into *registry*, reporting progress and the outcome on stderr."""
    print(f"fakereg: importing {path}", file=sys.stderr, flush=True)
    started = time.monotonic()
    added = registry.import_crates(path, progress=ProgressPrinter())
    print(
        f"fakereg: imported {len(added)} crate versions from {path} "
        f"in {time.monotonic() - started:.1f} s",
        file=sys.stderr,
        flush=True,
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not args.quiet:
        logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        registry = FakeRegistry(
            root=args.root,
            name=args.name,
            protocol=args.protocol,
            token=args.token,
            host=args.host,
            port=args.port,
            strict=args.strict,
            auth_required=args.auth_required,
            replace_crates_io=args.replace_crates_io,
        )
        registry.start()
    except (FakeRegError, ValueError, OSError) as exc:
        print(f"fakereg: error: {exc}", file=sys.stderr)
        return 1
    try:
        for path in args.seed:
            seed(registry, path)
    except FakeRegError as exc:
        registry.stop()
        print(f"fakereg: error: {exc}", file=sys.stderr)
        return 1
    try:
        print(banner(registry), flush=True)
        while not stop.wait(3600):
            pass
    finally:
        registry.stop()
    print("fakereg: stopped", file=sys.stderr)
    return 0
