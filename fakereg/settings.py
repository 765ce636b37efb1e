"""A registry's settings: one validated, immutable object, and the attributes that show it."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any, Generic, Literal, TypedDict, TypeVar, overload

from .errors import SettingError

Protocol = Literal["sparse", "git"]
PROTOCOLS: tuple[str, ...] = ("sparse", "git")
DEFAULT_LOGIN = "fakereg-user"
#: Seconds a connection may stay silent (no request bytes, or no reading of the answer).
DEFAULT_IDLE_TIMEOUT = 30.0
_REGISTRY_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*\Z")


@dataclass(frozen=True)
class Settings:
    """What a :class:`~fakereg.FakeRegistry` was configured with; checked when made.

    The one declaration of every setting: its name, type and default. ``durable``: fsync
    what is written, so that a crash loses nothing acknowledged (None: durable when the
    registry was given a root to keep, not for a temporary one nor for the per-test roots
    of ``RegistryFactory`` and the pytest fixtures).
    """

    name: str = "fakereg"
    protocol: Protocol = "sparse"
    host: str = "127.0.0.1"
    port: int = 0
    login: str = DEFAULT_LOGIN
    strict: bool = False
    owner_invitations: bool = False
    max_upload_size: int = 10 * 1024 * 1024
    max_unpacked_size: int = 512 * 1024 * 1024
    git_index: bool = True
    retry_sleep_ms: int | None = 10
    publish_timeout: float | None = None
    auth_required: bool = False
    replace_crates_io: bool = False
    idle_timeout: float = DEFAULT_IDLE_TIMEOUT
    tls: bool = False
    http2: bool = True
    max_concurrent_streams: int = 100
    allowed_hosts: tuple[str, ...] = ()
    max_recorded: int = 100_000
    max_recorded_body: int = 1024 * 1024
    durable: bool | None = None

    def __post_init__(self) -> None:
        if not _REGISTRY_NAME_RE.match(self.name) or self.name == "crates-io":
            raise ValueError(
                f"invalid registry name {self.name!r}: use ASCII letters, digits, '-' and '_' "
                "(and not 'crates-io')"
            )
        if self.protocol not in PROTOCOLS:
            raise ValueError(
                f"unsupported protocol {self.protocol!r}: choose one of {', '.join(PROTOCOLS)}"
            )
        if self.protocol == "git" and not self.git_index:
            raise ValueError("protocol='git' needs git_index=True")
        if not 0 <= self.port <= 65535:
            raise ValueError(f"invalid port {self.port}")
        if self.max_upload_size < 1:
            raise ValueError("max_upload_size must be positive")
        if self.max_unpacked_size < 1:
            raise ValueError("max_unpacked_size must be positive")
        if self.retry_sleep_ms is not None and self.retry_sleep_ms < 0:
            raise ValueError("retry_sleep_ms cannot be negative")
        if self.publish_timeout is not None and self.publish_timeout <= 0:
            raise ValueError("publish_timeout must be positive")
        if not self.idle_timeout > 0:
            raise ValueError("idle_timeout must be positive")
        if isinstance(self.allowed_hosts, str) or not all(
            isinstance(host, str) and host for host in self.allowed_hosts
        ):
            raise ValueError("allowed_hosts must be a sequence of host names")
        object.__setattr__(self, "allowed_hosts", tuple(self.allowed_hosts))
        if self.max_recorded < 1:
            raise ValueError("max_recorded must be positive")
        if self.max_recorded_body < 0:
            raise ValueError("max_recorded_body cannot be negative")
        if not 1 <= self.max_concurrent_streams <= 2**31 - 1:
            raise ValueError("max_concurrent_streams must be between 1 and 2**31 - 1")


#: The names of the settings (the fields of :class:`Settings`).
SETTING_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Settings))


class Options(TypedDict, total=False):
    """:class:`~fakereg.FakeRegistry`'s keyword-only arguments: :class:`Settings`' fields
    (but ``name`` and ``protocol``, which may also be given by position), and where the
    registry meets cargo. Typed here for ``**options``; a test checks them against
    :class:`Settings`."""

    host: str
    port: int
    login: str
    strict: bool
    #: Adding an owner invites them, as on crates.io (they accept or decline); without
    #: it an owner is added at once, as alternative registries do.
    owner_invitations: bool
    max_upload_size: int
    max_unpacked_size: int
    git_index: bool
    retry_sleep_ms: int | None
    publish_timeout: float | None
    auth_required: bool
    replace_crates_io: bool
    idle_timeout: float
    tls: bool
    #: Speak HTTP/2: by ALPN over TLS, and in cleartext to clients that ask for it.
    http2: bool
    #: HTTP/2's ``SETTINGS_MAX_CONCURRENT_STREAMS``: streams a client may have open at once.
    max_concurrent_streams: int
    #: Host names requests may name besides the registry's own (127.0.0.1, localhost,
    #: ::1, the bound host): any other ``Host`` gets 421 (a DNS rebinding defence).
    allowed_hosts: tuple[str, ...]
    #: Requests the journal keeps (the oldest are dropped, and counted).
    max_recorded: int
    #: Bodies over this many bytes are kept as their size and sha256 only.
    max_recorded_body: int
    durable: bool | None
    #: The cargo home to register in (default: ``<root>/cargo-home``).
    cargo_home: str | os.PathLike[str] | None
    #: Write the default token into the cargo home's ``credentials.toml``.
    write_credentials: bool
    #: The cargo that ``reg.cargo()`` runs (default: ``$FAKEREG_CARGO``, then PATH).
    cargo_bin: str | os.PathLike[str] | None


class RegistryOptions(Options, total=False):
    """Every keyword :class:`~fakereg.FakeRegistry` takes: what ``RegistryFactory``, its
    calls and the ``fake_registry`` marker accept."""

    root: str | os.PathLike[str] | None
    name: str
    protocol: Protocol
    token: str | None


#: Every keyword :class:`RegistryOptions` names.
OPTION_NAMES: frozenset[str] = frozenset(RegistryOptions.__annotations__) | frozenset(
    Options.__annotations__
)


def check_options(options: Mapping[str, object], where: str) -> None:
    """TypeError naming the valid keywords when *options* has one FakeRegistry does not
    take (a misspelt ``@pytest.mark.fake_registry(prtocol=…)``, say)."""
    unknown = sorted(set(options) - OPTION_NAMES)
    if unknown:
        raise TypeError(
            f"{where}: unknown FakeRegistry option(s) {', '.join(unknown)}; "
            f"choose from {', '.join(sorted(OPTION_NAMES))}"
        )


#: Settings that only shape :attr:`FakeRegistry.env`, read afresh each time: they may
#: change at any moment. Every other setting is fixed once the registry has started.
LIVE_SETTINGS = frozenset({"retry_sleep_ms", "publish_timeout"})

T = TypeVar("T")


class Setting(Generic[T]):
    """A :class:`FakeRegistry` attribute that shows one of its :class:`Settings` (whose
    field of the same name declares it) and, before start, replaces it."""

    def __set_name__(self, owner: type, name: str) -> None:
        if name not in SETTING_NAMES:
            raise TypeError(f"{owner.__name__}.{name} shows no field of Settings")
        self.name = name

    @overload
    def __get__(self, obj: None, objtype: type | None = None) -> Setting[T]: ...

    @overload
    def __get__(self, obj: object, objtype: type | None = None) -> T: ...

    def __get__(self, obj: object | None, objtype: type | None = None) -> Any:
        if obj is None:
            return self
        settings: Settings = getattr(obj, "settings")  # noqa: B009 - any holder of settings
        return getattr(settings, self.name)

    def __set__(self, obj: Any, value: T) -> None:
        if obj.running and self.name not in LIVE_SETTINGS:
            raise SettingError(
                f"FakeRegistry.{self.name} cannot change while the registry is running "
                "(cargo, the index and the API would disagree): pass it to FakeRegistry() "
                "or set it before start()"
            )
        change: dict[str, Any] = {self.name: value}
        obj._settings = replace(obj.settings, **change)
