"""FakeRegistry: a complete Cargo registry served from a background thread."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from .cargo_config import (
    CargoHomeEntry,
    cargo_env,
    publish_timeout_env,
    register_in_cargo_home,
    unregister_from_cargo_home,
)
from .errors import CargoError, CargoNotFoundError, RootError, ServerError
from .settings import DEFAULT_LOGIN, Setting, Settings
from .settings import PROTOCOLS as PROTOCOLS  # (importable from here, as before)
from .settings import Protocol as Protocol
from .storage.accounts import Accounts, redact
from .storage.fsutil import RootLock
from .storage.gitindex import GitIndex
from .storage.gitsync import GitSync
from .storage.store import CrateStore
from .testing.inspection import Inspection
from .testing.seeding import Seeding
from .web.api import ApiSettings, WebApi
from .web.app import RegistryApp
from .web.auth import Authorizer
from .web.fault_effects import with_malicious_checksums
from .web.gitserve import GitHttp
from .web.server import DEFAULT_IDLE_TIMEOUT, ServerThread
from .web.sparse import SparseIndex

#: cargo's own knob for a fixed sleep between retries (read by its retry logic).
RETRY_SLEEP_VARIABLE = "__CARGO_TEST_FIXED_RETRY_SLEEP_MS"

log = logging.getLogger("fakereg")


class FakeRegistry(Inspection, Seeding):
    """A real Cargo registry on ``127.0.0.1`` for the length of a ``with`` block.

    ``root=None`` keeps state in a temporary directory removed by :meth:`stop`; a given
    *root* keeps it there for the next registry opened on it. ``replace_crates_io=True``
    makes it stand in for crates.io in its cargo home: plain dependencies resolve from it
    and ``cargo publish`` without ``--registry`` publishes to it. A connection silent for
    *idle_timeout* seconds is closed.
    """

    name = Setting[str]()
    protocol = Setting[Protocol]()
    host = Setting[str]()
    login = Setting[str]()
    auth_required = Setting[bool]()
    replace_crates_io = Setting[bool]()
    idle_timeout = Setting[float]()
    retry_sleep_ms = Setting[int | None]()
    publish_timeout = Setting[float | None]()

    def __init__(
        self,
        root: str | os.PathLike[str] | None = None,
        name: str = "fakereg",
        protocol: Protocol = "sparse",
        token: str | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        login: str = DEFAULT_LOGIN,
        strict: bool = False,
        max_upload_size: int = 10 * 1024 * 1024,
        max_unpacked_size: int = 512 * 1024 * 1024,
        cargo_home: str | os.PathLike[str] | None = None,
        write_credentials: bool = True,
        cargo_bin: str | os.PathLike[str] | None = None,
        git_index: bool = True,
        retry_sleep_ms: int | None = 10,
        publish_timeout: float | None = None,
        auth_required: bool = False,
        replace_crates_io: bool = False,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
    ) -> None:
        Inspection.__init__(self)
        Seeding.__init__(self)
        self._settings = Settings(
            name=name,
            protocol=protocol,
            host=host,
            port=port,
            login=login,
            strict=strict,
            max_upload_size=max_upload_size,
            max_unpacked_size=max_unpacked_size,
            git_index=git_index,
            retry_sleep_ms=retry_sleep_ms,
            publish_timeout=publish_timeout,
            auth_required=auth_required,
            replace_crates_io=replace_crates_io,
            idle_timeout=idle_timeout,
        )
        if root is not None and not str(root):
            raise ValueError("root='' names no folder: pass a path, or None for a temporary root")
        self._given_root = None if root is None else Path(root)
        self._given_cargo_home = None if cargo_home is None else Path(cargo_home)
        self._given_token = token
        self._write_credentials = write_credentials
        self._cargo_bin = None if cargo_bin is None else str(cargo_bin)
        self._gitsync: GitSync | None = None
        self._errors: list[BaseException] = []
        self._errors_lock = threading.Lock()
        self._server: ServerThread | None = None
        self._tempdir: tempfile.TemporaryDirectory[str] | None = None
        self._root: Path | None = None
        self._lock: RootLock | None = None
        self._token: str | None = None
        self._store: CrateStore | None = None
        self._accounts: Accounts | None = None
        self._port = 0
        self._registered = False

    @property
    def settings(self) -> Settings:
        """Every setting of this registry, validated; the attributes above read it."""
        return self._settings

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> FakeRegistry:
        """Open the store, bind the port, write the cargo home and start serving."""
        if self._server is not None:
            raise RuntimeError("this FakeRegistry is already running")
        if self._given_root is None:
            self._tempdir = tempfile.TemporaryDirectory(prefix="fakereg-")
            self._root = Path(self._tempdir.name)
        else:
            self._root = self._given_root.resolve()
        try:
            try:
                self._root.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                reason = exc.strerror or type(exc).__name__
                raise RootError(f"cannot use {self._root} as a registry root: {reason}") from None
            # A given root outlives the process and may be shared: lock across processes
            # and fsync what is written. A temporary one needs neither.
            lasting = self._given_root is not None
            lock = self._lock = RootLock(self._root, interprocess=lasting)
            self._store = store = CrateStore(self._root, lock, durable=lasting)
            if self.settings.git_index:
                git = GitIndex(self._root / "git" / "index.git", durable=lasting)
                self._gitsync = GitSync(git, store, lock, self._config_json, self._visibility)
                store.on_change = self._gitsync.on_change
            self._accounts = Accounts(self._root, lock, durable=lasting)
            self._token = self._accounts.start_token(self.login, self._given_token)
            server = ServerThread(
                self._make_app(), self.host, self.settings.port, idle_timeout=self.idle_timeout
            )
            self._port = server.port
            self._server = server
            if self._gitsync is not None:
                self._gitsync.start(history=self.protocol == "git")
            register_in_cargo_home(
                self.cargo_home,
                CargoHomeEntry(
                    name=self.name,
                    index_url=self.index_url,
                    token=self._token if self._write_credentials else None,
                    replace_crates_io=self.replace_crates_io,
                ),
                shared=lasting or self._given_cargo_home is not None,
            )
            self._registered = True
        except BaseException:
            self._cleanup()
            raise
        server.start()
        log.debug("fakereg %r serving at %s", self.name, self.url)
        return self

    def _make_app(self) -> RegistryApp:
        assert self._store is not None
        assert self._accounts is not None
        auth = Authorizer(
            self._accounts, auth_required=self.auth_required, login_url=lambda: f"{self.url}/me"
        )
        api = WebApi(
            self._store,
            self._accounts,
            auth,
            ApiSettings(
                max_upload_size=self.settings.max_upload_size,
                max_unpacked_size=self.settings.max_unpacked_size,
                strict=self.settings.strict,
            ),
            lambda: self._token,
            lambda: self.url,
            self._publish_log,
            self._visibility.published,
        )
        return RegistryApp(
            SparseIndex(self._store, self._config_json, auth, self._index_view),
            api,
            self._log,
            self._record_error,
            git=None
            if self._gitsync is None
            else GitHttp(
                self._gitsync.git, auth, self._gitsync.deferred.poll, self._gitsync.serving
            ),
            faults=self._faults,
        )

    def _index_view(self, crate: str, data: bytes) -> bytes:
        """The sparse index file as served now: delayed versions hidden, faults applied."""
        data = self._visibility.view(crate, data)
        malicious = self._faults.malicious_versions(crate)
        return with_malicious_checksums(data, malicious) if malicious and data else data

    def stop(self) -> None:
        """Stop serving and release the port; a temporary root is removed. Idempotent."""
        self._cleanup()

    def _cleanup(self) -> None:
        if self._registered:
            self._registered = False
            if self._tempdir is None or self._given_cargo_home is not None:
                # (a cargo home inside a temporary root goes with it)
                unregister_from_cargo_home(self.cargo_home, self.name)
        server, self._server = self._server, None
        if server is not None:
            server.stop()
        if self._gitsync is not None:
            self._gitsync.deferred.cancel()
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

    @property
    def running(self) -> bool:
        """True between :meth:`start` and :meth:`stop`."""
        return self._server is not None

    def _require_running(self) -> None:
        if self._server is None:
            raise RuntimeError("this FakeRegistry is not running: call start() or use `with`")

    # -- addresses and configuration ---------------------------------------------------

    @property
    def port(self) -> int:
        self._require_running()
        return self._port

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``: the base of every route, and the API URL."""
        self._require_running()
        host = self.host
        if host in ("0.0.0.0", ""):  # noqa: S104 - not a bind, the URL of one
            host = "127.0.0.1"
        elif host == "::":
            host = "::1"
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self._port}"

    @property
    def sparse_index_url(self) -> str:
        """``sparse+http://127.0.0.1:PORT/index/``."""
        return f"sparse+{self.url}/index/"

    @property
    def index_url(self) -> str:
        """The index URL cargo's config names, for this registry's protocol."""
        return self.git_index_url if self.protocol == "git" else self.sparse_index_url

    @property
    def root(self) -> Path:
        """Where the registry keeps its state."""
        self._require_running()
        assert self._root is not None
        return self._root

    @property
    def cargo_home(self) -> Path:
        """An isolated ``CARGO_HOME`` holding ``config.toml`` and ``credentials.toml``."""
        if self._given_cargo_home is not None:
            return self._given_cargo_home
        return self.root / "cargo-home"

    @property
    def token(self) -> str:
        """The API token of the default user (:attr:`login`)."""
        self._require_running()
        assert self._token is not None
        return self._token

    @property
    def env(self) -> dict[str, str]:
        """A copy of ``os.environ`` that points cargo at this registry only.

        With ``retry_sleep_ms`` set (10 by default), cargo waits that long between retries
        of spurious network errors instead of its 0.5 s to 10 s schedule, so tests that
        inject failures stay fast; a ``Retry-After`` header still wins. ``None`` keeps
        cargo's own schedule. With ``publish_timeout`` set, ``cargo publish`` waits that
        many seconds (instead of 60) for the new version to show in the index.
        """
        env = cargo_env(self.cargo_home)
        if self.retry_sleep_ms is not None:
            env[RETRY_SLEEP_VARIABLE] = str(self.retry_sleep_ms)
        if self.publish_timeout is not None:
            env.update(publish_timeout_env(self.publish_timeout))
        return env

    @property
    def git_index_url(self) -> str:
        """``http://127.0.0.1:PORT/git/index``: the same index as a git repository."""
        self._require_git()
        return f"{self.url}/git/index"

    @property
    def git_path(self) -> Path:
        """The bare git repository of the index on disk."""
        self._require_git()
        return self._git_ready().path

    @property
    def git_file_url(self) -> str:
        """``file:///…/index.git``, for tools that read the git index from disk."""
        return self.git_path.as_uri()

    def _own_index_urls(self) -> set[str]:
        urls = {self.sparse_index_url}
        return urls | {self.git_index_url} if self._gitsync is not None else urls

    def _has_git_index(self) -> bool:
        self._require_running()
        return self._gitsync is not None

    def _require_git(self) -> None:
        self._require_running()
        if self._gitsync is None:
            raise RuntimeError("this FakeRegistry was started with git_index=False")

    def _config_json(self) -> bytes:
        config: dict[str, object] = {"dl": f"{self.url}/api/v1/crates", "api": self.url}
        if self.auth_required:
            config["auth-required"] = True
        return (json.dumps(config, indent=2) + "\n").encode()

    def _git_ready(self) -> GitIndex:
        assert self._gitsync is not None
        return self._gitsync.serving()

    def delay_index_updates(self, seconds: float | None = None, polls: int | None = None) -> None:
        if self._gitsync is not None and self.running:
            self._gitsync.ready()  # held-back commits need the repository to exist already
        super().delay_index_updates(seconds, polls)

    delay_index_updates.__doc__ = Inspection.delay_index_updates.__doc__

    # -- running cargo -----------------------------------------------------------------

    def cargo_path(self) -> str:
        """The cargo binary :meth:`cargo` runs (``cargo_bin=``, ``$FAKEREG_CARGO`` or PATH)."""
        found = self._cargo_bin or os.environ.get("FAKEREG_CARGO") or shutil.which("cargo")
        if not found:
            raise CargoNotFoundError(
                "cargo was not found on PATH; install Rust (rustup) or pass cargo_bin="
            )
        return found

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
        result = subprocess.run(
            command,
            cwd=cwd,
            input=input,
            env=full_env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and result.returncode != 0:
            raise CargoError(result.returncode, command, result.stdout, result.stderr)
        return result

    # -- state for assertions ----------------------------------------------------------

    def _stores(self) -> tuple[CrateStore, Accounts]:
        self._require_running()
        assert self._store is not None
        assert self._accounts is not None
        return self._store, self._accounts

    def versions(self, crate: str) -> list[str]:
        """Versions of *crate* in publish order ([] for an unknown crate)."""
        return [entry["vers"] for entry in self.index_entries(crate)]

    def index_entries(self, crate: str) -> list[dict[str, Any]]:
        """The parsed JSON lines exactly as the index serves them."""
        return self._stores()[0].entries(crate)

    def crate_file(self, crate: str, version: str) -> bytes:
        """The stored ``.crate`` bytes; KeyError when there are none."""
        store = self._stores()[0]
        canonical = store.canonical(crate) or crate
        data = store.crate_bytes(canonical, version)
        if data is None:
            raise KeyError(f"no .crate stored for {crate}@{version}")
        return data

    def owners(self, crate: str) -> list[str]:
        """Logins of *crate*'s owners; KeyError for an unknown crate."""
        store = self._stores()[0]
        if store.canonical(crate) is None:
            raise KeyError(f"no crate {crate!r}")
        return store.owners(crate)

    def add_user(self, login: str, name: str | None = None, *, read: bool = True) -> str:
        """Create a user (or reuse an existing one) and return a new token for it.

        ``read=False`` makes a user who may not read a private (``auth_required``) registry.
        """
        accounts = self._stores()[1]
        accounts.ensure_user(login, name, read=read)
        return accounts.add_token(login)

    def lasting_token(self, login: str) -> str:
        """A token for *login* (created if need be) that stays the same on every start.

        It is made once per root and kept there, as the default user's :attr:`token` is:
        pasted credentials stay valid across restarts of a registry on a given root, until
        the token is revoked.
        """
        return self._stores()[1].start_token(login)

    def add_token(
        self,
        login: str,
        *,
        scopes: Iterable[str] | None = None,
        crates: Iterable[str] | None = None,
        expires: datetime | None = None,
    ) -> str:
        """A new token for an existing user, limited like a crates.io token.

        *scopes*: some of ``publish-new``, ``publish-update``, ``yank``, ``change-owners``
        (None: all); *crates*: crate name patterns such as ``foo`` or ``foo*`` (None: all);
        *expires*: an aware datetime after which the token is refused.
        """
        accounts = self._stores()[1]
        if accounts.user(login) is None:
            raise KeyError(f"no user {login!r}")
        return accounts.add_token(login, scopes=scopes, crates=crates, expires=expires)

    def revoke(self, token: str) -> None:
        """Make *token* invalid from now on; KeyError when no user holds it."""
        if not self._stores()[1].revoke(token):
            raise KeyError("no user holds that token")

    # -- errors of the server thread ---------------------------------------------------

    def _record_error(self, error: BaseException) -> None:
        log.error("fakereg server error", exc_info=error)
        with self._errors_lock:
            self._errors.append(error)

    @property
    def errors(self) -> list[BaseException]:
        """Exceptions raised inside the server thread (each answered with a 500)."""
        with self._errors_lock:
            return list(self._errors)

    def clear_errors(self) -> None:
        """Forget server-thread errors (for a test that provoked them on purpose)."""
        with self._errors_lock:
            self._errors.clear()

    def check_errors(self) -> None:
        """Raise :class:`ServerError` if the server thread raised anything."""
        errors = self.errors
        if errors:
            raise ServerError(errors)

    def __repr__(self) -> str:
        state = f"url={self.url!r}" if self.running else "stopped"
        token = f", token={redact(self._token)}" if self._token else ""
        return f"<FakeRegistry {self.name!r} {state}{token}>"
