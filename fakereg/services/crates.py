"""Changes to an existing crate by its owners: yank and unyank, adding (or inviting) and
removing owners."""

from __future__ import annotations

from collections.abc import Sequence

from ..domain.asymmetric import Operation
from ..errors import InvalidError, NotFoundError
from ..storage.accounts import Accounts, Credential, User
from ..storage.store import CrateStore
from .access import TokenChecks
from .invitations import OwnerInvitations


class CrateChanges:
    """Yanks and owners of one registry's crates, under crates.io's rules."""

    def __init__(
        self,
        store: CrateStore,
        accounts: Accounts,
        checks: TokenChecks,
        invitations: OwnerInvitations | None = None,
    ) -> None:
        self._store = store
        self._accounts = accounts
        self._checks = checks
        #: With ``owner_invitations=True``: adding an owner invites them.
        self._invitations = invitations

    def _canonical(self, name: str) -> str:
        canonical = self._store.canonical(name)
        if canonical is None:
            raise NotFoundError(f"crate `{name}` does not exist")
        return canonical

    def set_yanked(self, credential: Credential, name: str, version: str, yanked: bool) -> None:
        """Yank or unyank *version* of *name*, as a token with the ``yank`` scope may."""
        canonical = self._canonical(name)
        self._checks.allow(credential, "yank", canonical)
        mutation = "yank" if yanked else "unyank"
        self._checks.bind(credential, Operation(mutation, name, version))
        self._store.set_yanked(canonical, version, yanked, credential.user.login)

    def owners(self, name: str) -> list[User]:
        """The users who own *name*."""
        found = (self._accounts.user(login) for login in self._store.owners(name))
        return [user for user in found if user is not None]

    def may_change_owners(self, credential: Credential, name: str) -> str:
        """The canonical name of *name*, whose owners *credential* may change."""
        canonical = self._canonical(name)
        self._checks.allow(credential, "change-owners", canonical)
        self._checks.bind(credential, Operation("owners", name))
        return canonical

    def change_owners(
        self, credential: Credential, name: str, logins: Sequence[str], *, add: bool
    ) -> str:
        """Add (or remove) the users named by *logins* as owners of *name*; crates.io's
        message for it."""
        canonical = self.may_change_owners(credential, name)
        if add and self._invitations is not None:
            return self._invitations.invite(credential.user.login, canonical, logins)
        resolved = []
        for login in logins:
            found = self._accounts.user(login)
            if found is None:
                raise InvalidError(f"could not find user with login `{login}`")
            resolved.append(found.login)
        self._store.change_owners(canonical, resolved, add=add, by=credential.user.login)
        if add:
            return f"user {' and '.join(resolved)} has been added as an owner of crate {canonical}"
        return "owners successfully removed"
