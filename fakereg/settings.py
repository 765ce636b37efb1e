"""A registry's settings: one validated, immutable object, and the attributes that show it."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar, overload

from .errors import SettingError

if TYPE_CHECKING:
    from .registry import FakeRegistry

Protocol = Literal["sparse", "git"]
PROTOCOLS: tuple[str, ...] = ("sparse", "git")
DEFAULT_LOGIN = "fakereg-user"
#: Seconds a connection may stay silent (no request bytes, or no reading of the answer).
DEFAULT_IDLE_TIMEOUT = 30.0
_REGISTRY_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*\Z")


@dataclass(frozen=True)
class Settings:
    """What a :class:`~fakereg.FakeRegistry` was configured with; checked when made."""

    name: str = "fakereg"
    protocol: Protocol = "sparse"
    host: str = "127.0.0.1"
    port: int = 0
    login: str = DEFAULT_LOGIN
    strict: bool = False
    max_upload_size: int = 10 * 1024 * 1024
    max_unpacked_size: int = 512 * 1024 * 1024
    git_index: bool = True
    retry_sleep_ms: int | None = 10
    publish_timeout: float | None = None
    auth_required: bool = False
    replace_crates_io: bool = False
    idle_timeout: float = DEFAULT_IDLE_TIMEOUT
    tls: bool = False

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


#: Settings that only shape :attr:`FakeRegistry.env`, read afresh each time: they may
#: change at any moment. Every other setting is fixed once the registry has started.
LIVE_SETTINGS = frozenset({"retry_sleep_ms", "publish_timeout"})

T = TypeVar("T")


class Setting(Generic[T]):
    """A :class:`FakeRegistry` attribute that reads, and before start replaces, its settings."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, objtype: type | None = None) -> Setting[T]: ...

    @overload
    def __get__(self, obj: FakeRegistry, objtype: type | None = None) -> T: ...

    def __get__(self, obj: FakeRegistry | None, objtype: type | None = None) -> Any:
        if obj is None:
            return self
        return getattr(obj.settings, self.name)

    def __set__(self, obj: FakeRegistry, value: T) -> None:
        if obj.running and self.name not in LIVE_SETTINGS:
            raise SettingError(
                f"FakeRegistry.{self.name} cannot change while the registry is running "
                "(cargo, the index and the API would disagree): pass it to FakeRegistry() "
                "or set it before start()"
            )
        change: dict[str, Any] = {self.name: value}
        obj._settings = replace(obj.settings, **change)
