"""FakeRegistry: a complete Cargo registry served from a background thread."""

from __future__ import annotations

import logging
import os
import ssl
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from .assembly import assemble, git_index_url, sparse_index_url
from .cargo_config import (
    CargoHomeEntry,
    find_cargo,
    register_in_cargo_home,
    registry_env,
    run_cargo,
    unregister_from_cargo_home,
)
from .errors import UnavailableError
from .facade.filling import Filling
from .facade.observing import Observing
from .settings import PROTOCOLS as PROTOCOLS  # (importable from here, as before)
from .settings import SETTING_NAMES, Options, Setting, Settings, check_options
from .settings import Protocol as Protocol
from .storage.accounts import redact
from .storage.gitsync import GitSync
from .testing.inspection import Observer
from .transport.certificates import TestCa
from .transport.server import ConnectionCount

if TYPE_CHECKING:
    from typing_extensions import Unpack

log = logging.getLogger("fakereg")


class FakeRegistry(Filling, Observing):
    """A real Cargo registry on ``127.0.0.1`` for the length of a ``with`` block.

    ``root=None`` keeps state in a temporary directory removed by :meth:`stop`; a given
    *root* keeps it there for the next registry opened on it. ``replace_crates_io=True``
    makes it stand in for crates.io in its cargo home: plain dependencies resolve from it
    and ``cargo publish`` without ``--registry`` publishes to it. A connection silent for
    *idle_timeout* seconds is closed. ``tls=True`` serves everything over
    ``https://127.0.0.1:PORT`` with a certificate from a CA made for this registry
    (:attr:`ca_path`); its cargo home and :attr:`env` trust that CA.
    """

    name = Setting[str]()
    protocol = Setting[Protocol]()
    host = Setting[str]()
    login = Setting[str]()
    auth_required = Setting[bool]()
    owner_invitations = Setting[bool]()
    replace_crates_io = Setting[bool]()
    idle_timeout = Setting[float]()
    tls = Setting[bool]()
    http2 = Setting[bool]()
    max_concurrent_streams = Setting[int]()
    allowed_hosts = Setting[tuple[str, ...]]()
    max_recorded = Setting[int]()
    max_recorded_body = Setting[int]()
    retry_sleep_ms = Setting[int | None]()
    publish_timeout = Setting[float | None]()

    def __init__(
        self,
        root: str | os.PathLike[str] | None = None,
        name: str = "fakereg",
        protocol: Protocol = "sparse",
        token: str | None = None,
        **options: Unpack[Options],
    ) -> None:
        """*options* are :class:`~fakereg.Settings`' fields (``host``, ``port``,
        ``login``, ``strict``, ``owner_invitations``, ``max_upload_size``,
        ``max_unpacked_size``, ``git_index``, ``retry_sleep_ms``, ``publish_timeout``,
        ``auth_required``, ``replace_crates_io``,
        ``idle_timeout``, ``tls``, ``http2``, ``max_concurrent_streams``,
        ``allowed_hosts``, ``max_recorded``, ``max_recorded_body``, ``durable``) and
        ``cargo_home``, ``write_credentials``, ``cargo_bin``
        (:class:`~fakereg.settings.Options`)."""
        check_options(options, "FakeRegistry()")
        given: dict[str, Any] = dict(options)
        self._settings = Settings(
            name=name,
            protocol=protocol,
            **{key: given.pop(key) for key in SETTING_NAMES if key in given},
        )
        if root is not None and not str(root):
            raise ValueError("root='' names no folder: pass a path, or None for a temporary root")
        cargo_home, cargo_bin = given.get("cargo_home"), given.get("cargo_bin")
        self._given_root = None if root is None else Path(root)
        self._given_cargo_home = None if cargo_home is None else Path(cargo_home)
        self._given_token = token
        self._write_credentials: bool = given.get("write_credentials", True)
        self._cargo_bin = None if cargo_bin is None else str(cargo_bin)
        self._observer = Observer()
        self._tempdir: tempfile.TemporaryDirectory[str] | None = None
        self._parts = None
        self._registered = False

    @property
    def settings(self) -> Settings:
        """Every setting of this registry, validated; the attributes above read it."""
        return self._settings

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> FakeRegistry:
        """Open the store, bind the port, write the cargo home and start serving."""
        if self._parts is not None:
            raise RuntimeError("this FakeRegistry is already running")
        if self._given_root is None:
            self._tempdir = tempfile.TemporaryDirectory(prefix="fakereg-")
            root = Path(self._tempdir.name)
        else:
            root = self._given_root.resolve()
        # A given root outlives the process and may be shared; a temporary one is ours.
        lasting = self._given_root is not None
        durable = lasting if self.settings.durable is None else self.settings.durable
        try:
            parts = self._parts = assemble(
                self.settings,
                root,
                shared=lasting,
                durable=durable,
                token=self._given_token,
                observed=self._observer,
            )
            register_in_cargo_home(
                self.cargo_home,
                CargoHomeEntry(
                    name=self.name,
                    index_url=self.index_url,
                    token=parts.token if self._write_credentials else None,
                    replace_crates_io=self.replace_crates_io,
                    ca_pem=None if parts.ca is None else parts.ca.ca_path.read_text(),
                ),
                shared=lasting or self._given_cargo_home is not None,
            )
            self._registered = True
        except BaseException:
            self._cleanup()
            raise
        parts.server.start()
        log.debug("fakereg %r serving at %s", self.name, self.url)
        return self

    def stop(self) -> None:
        """Stop serving and release the port; a temporary root is removed. Idempotent."""
        self._cleanup()

    def _cleanup(self) -> None:
        if self._registered:
            self._registered = False
            if self._tempdir is None or self._given_cargo_home is not None:
                # (a cargo home inside a temporary root goes with it)
                unregister_from_cargo_home(self.cargo_home, self.name)
        parts, self._parts = self._parts, None
        if parts is not None:
            parts.control.close()
            parts.server.stop()
            parts.downloads.close()
            parts.delay.stop()
        if self._tempdir is not None:
            self._tempdir.cleanup()
            self._tempdir = None

    def __enter__(self) -> FakeRegistry:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- addresses and configuration ---------------------------------------------------

    @property
    def port(self) -> int:
        """The port the registry listens on (chosen at start when ``port=0``)."""
        return self._running().port

    @property
    def admin_url(self) -> str:
        """``<url>/__fakereg``: the control API, for a harness in any language."""
        return f"{self._running().url}/__fakereg"

    @property
    def page_url(self) -> str:
        """``<url>/``: the web page (crates, live traffic, faults), read-only."""
        return f"{self._running().url}/"

    @property
    def admin_page_url(self) -> str:
        """The web page opened as admin (``<url>/?admin=<admin token>``): its faults view
        gets forms to add and remove faults and delays. Keep it as secret as the token."""
        return f"{self._running().url}/?admin={self.admin_token}"

    @property
    def admin_token(self) -> str:
        """The control API's bearer token (kept with a given root across restarts)."""
        return self._running().admin_token

    @property
    def connections(self) -> ConnectionCount:
        """Connections open now and accepted since start: did a client reuse its own?"""
        return self._running().server.connections

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (``https`` with ``tls=True``): the base of every
        route, and the API URL."""
        return self._running().url

    @property
    def ca_path(self) -> Path:
        """The PEM of the CA that signed this registry's certificate (``tls=True`` only)."""
        return self._ca().ca_path

    def ssl_context(self) -> ssl.SSLContext:
        """A client TLS context that trusts this registry's CA, for Python clients
        (``urllib.request.urlopen(url, context=reg.ssl_context())``)."""
        return self._ca().client_context()

    def _ca(self) -> TestCa:
        ca = self._running().ca
        if ca is None:
            raise UnavailableError("this registry serves plain HTTP (start it with tls=True)")
        return ca

    @property
    def sparse_index_url(self) -> str:
        """``sparse+http://127.0.0.1:PORT/index/``."""
        return sparse_index_url(self.url)

    @property
    def index_url(self) -> str:
        """The index URL cargo's config names, for this registry's protocol."""
        return self.git_index_url if self.protocol == "git" else self.sparse_index_url

    @property
    def root(self) -> Path:
        """Where the registry keeps its state."""
        return self._running().root

    @property
    def cargo_home(self) -> Path:
        """An isolated ``CARGO_HOME`` holding ``config.toml`` and ``credentials.toml``."""
        if self._given_cargo_home is not None:
            return self._given_cargo_home
        return self.root / "cargo-home"

    @property
    def token(self) -> str:
        """The API token of the default user (:attr:`login`)."""
        return self._running().token

    @property
    def env(self) -> dict[str, str]:
        """A copy of ``os.environ`` that points cargo at this registry only.

        With ``retry_sleep_ms`` set (10 by default), cargo waits that long between retries
        of spurious network errors instead of its 0.5 s to 10 s schedule, so tests that
        inject failures stay fast; a ``Retry-After`` header still wins. ``None`` keeps
        cargo's own schedule. With ``publish_timeout`` set, ``cargo publish`` waits that
        many seconds (instead of 60) for the new version to show in the index.
        """
        return registry_env(
            self.cargo_home,
            retry_sleep_ms=self.retry_sleep_ms,
            publish_timeout=self.publish_timeout,
        )

    @property
    def git_index_url(self) -> str:
        """``http://127.0.0.1:PORT/git/index``: the same index as a git repository."""
        self._git()
        return git_index_url(self.url)

    @property
    def git_path(self) -> Path:
        """The bare git repository of the index on disk."""
        return self._git().serving().path

    @property
    def git_file_url(self) -> str:
        """``file:///…/index.git``, for tools that read the git index from disk."""
        return self.git_path.as_uri()

    def _git(self) -> GitSync:
        git = self._running().git
        if git is None:
            raise UnavailableError("this FakeRegistry was started with git_index=False")
        return git

    # -- running cargo -----------------------------------------------------------------

    def cargo_path(self) -> str:
        """The cargo binary :meth:`cargo` runs (``cargo_bin=``, ``$FAKEREG_CARGO`` or PATH)."""
        return find_cargo(self._cargo_bin)

    def cargo(
        self,
        *args: str | os.PathLike[str],
        cwd: str | os.PathLike[str] | None = None,
        input: str | None = None,
        env: Mapping[str, str] | None = None,
        check: bool = False,
        timeout: float | None = 600,
    ) -> subprocess.CompletedProcess[str]:
        """Run real cargo with :attr:`env` (plus *env*); output is captured as text.

        With ``check=True`` a non-zero exit raises :class:`CargoError` showing cargo's output.
        """
        command = [self.cargo_path(), *map(str, args)]
        full_env = self.env | dict(env or {})
        return run_cargo(command, full_env, cwd=cwd, input=input, check=check, timeout=timeout)

    def __repr__(self) -> str:
        state = f"url={self.url!r}" if self.running else "stopped"
        token = f", token={redact(self._parts.token)}" if self._parts else ""
        return f"<FakeRegistry {self.name!r} {state}{token}>"
