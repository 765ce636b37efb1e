"""What a test reads and sets of a running registry's state: versions, lines, owners, users."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, TypedDict

from ..domain.names import canonical_name
from ..domain.shapes import IndexLine
from ..errors import NotFoundError
from ..storage.accounts import Accounts, TokenInfo
from ..storage.downloads import DownloadCounter, crate_total, version_total
from ..storage.profiles import Profiles
from ..storage.store import CrateStore

if TYPE_CHECKING:
    from typing_extensions import Unpack


class TokenLimits(TypedDict, total=False):
    """How a token is limited, as on crates.io: *scopes* (some of ``publish-new``,
    ``publish-update``, ``yank``, ``change-owners``, ``trusted-publishing``; None: all),
    *crates* (name patterns such as ``foo`` or ``foo*``; None: all), *expires* (an aware
    datetime); and *name*, what token lists show (``token {id}`` by default)."""

    scopes: Iterable[str] | None
    crates: Iterable[str] | None
    expires: datetime | None
    name: str | None


class StateView:
    """The store and the accounts of one running registry, as ``FakeRegistry`` shows them."""

    def __init__(
        self,
        store: CrateStore,
        accounts: Accounts,
        downloads: DownloadCounter,
        profiles: Profiles,
    ) -> None:
        self._store = store
        self._accounts = accounts
        self._downloads = downloads
        self._profiles = profiles

    def downloads(self, crate: str, version: str | None = None) -> int:
        """What `FakeRegistry.downloads` does (documented there)."""
        counts = self._downloads.of_crate(canonical_name(crate))
        return crate_total(counts) if version is None else version_total(counts.get(version))

    def versions(self, crate: str) -> list[str]:
        """Versions of *crate* in publish order ([] for an unknown crate)."""
        return [entry["vers"] for entry in self.index_entries(crate)]

    def index_entries(self, crate: str) -> list[IndexLine]:
        """What `FakeRegistry.index_entries` does (documented there)."""
        return self._store.entries(crate)

    def crate_file(self, crate: str, version: str) -> bytes:
        """What `FakeRegistry.crate_file` does (documented there)."""
        store = self._store
        canonical = store.canonical(crate) or crate
        data = store.crate_bytes(canonical, version)
        if data is None:
            raise NotFoundError(f"no .crate stored for {crate}@{version}")
        return data

    def owners(self, crate: str) -> list[str]:
        """What `FakeRegistry.owners` does (documented there)."""
        store = self._store
        if store.canonical(crate) is None:
            raise NotFoundError(f"no crate {crate!r}")
        return store.owners(crate)

    def add_user(self, login: str, name: str | None = None, *, read: bool = True) -> str:
        """What `FakeRegistry.add_user` does (documented there)."""
        accounts = self._accounts
        accounts.ensure_user(login, name, read=read)
        return accounts.add_token(login)

    def lasting_token(self, login: str) -> str:
        """What `FakeRegistry.lasting_token` does (documented there)."""
        return self._accounts.start_token(login)

    def add_token(self, login: str, **limits: Unpack[TokenLimits]) -> str:
        """What `FakeRegistry.add_token` does (documented there)."""
        accounts = self._accounts
        if accounts.user(login) is None:
            raise NotFoundError(f"no user {login!r}")
        return accounts.add_token(
            login,
            scopes=limits.get("scopes"),
            crates=limits.get("crates"),
            expires=limits.get("expires"),
            name=limits.get("name"),
        )

    def tokens(self, login: str, expired_days: int) -> list[TokenInfo]:
        """What `FakeRegistry.tokens` does (documented there)."""
        if self._accounts.user(login) is None:
            raise NotFoundError(f"no user {login!r}")
        return self._accounts.tokens(login, expired_days=expired_days)

    def add_public_key(self, login: str, key: str) -> str:
        """What `FakeRegistry.add_public_key` does (documented there)."""
        if self._accounts.user(login) is None:
            raise NotFoundError(f"no user {login!r}")
        return self._accounts.add_public_key(login, key)

    def email_token(self, login: str) -> str:
        """What `FakeRegistry.email_token` does (documented there)."""
        if self._accounts.user(login) is None:
            raise NotFoundError(f"no user {login!r}")
        token = self._profiles.email_token(login)
        if token is None:
            raise NotFoundError(f"user {login!r} has set no email address")
        return token

    def revoke(self, token: str) -> None:
        """What `FakeRegistry.revoke` does (documented there)."""
        if not self._accounts.revoke(token):
            raise NotFoundError("no user holds that token")

    def catalogue(self) -> list[dict[str, object]]:
        """Every crate: its name, owners and versions (``num``, ``yanked``, ``cksum``)."""
        store = self._store
        return [
            {
                "name": name,
                "owners": store.owners(name),
                "versions": [
                    {"num": line["vers"], "yanked": line["yanked"], "cksum": line["cksum"]}
                    for line in store.entries(name)
                ],
            }
            for name in store.crate_names()
        ]
