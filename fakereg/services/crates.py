"""Changes to an existing crate by its owners: yank and unyank, adding (or inviting) and
removing owners."""

from __future__ import annotations

from collections.abc import Sequence

from ..domain.asymmetric import Operation
from ..errors import ConflictError, ForbiddenError, InvalidError, NotFoundError
from ..storage.accounts import Accounts, Credential, User
from ..storage.store import CrateStore
from ..storage.teams import Rights, Team, Teams, is_team, team_parts
from .access import TokenChecks
from .invitations import OwnerInvitations


class CrateChanges:
    """Yanks and owners of one registry's crates, under crates.io's rules."""

    def __init__(
        self,
        store: CrateStore,
        accounts: Accounts,
        checks: TokenChecks,
        teams: Teams,
        invitations: OwnerInvitations | None = None,
    ) -> None:
        self._store = store
        self._accounts = accounts
        self._checks = checks
        self._teams = teams
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

    def owners(self, name: str) -> list[User | Team]:
        """The users who own *name*, then the teams (as crates.io lists them)."""
        logins = self._store.owners(name)
        users = (self._accounts.user(login) for login in logins if not is_team(login))
        teams = (self._teams.find(login) for login in logins if is_team(login))
        return [*(u for u in users if u is not None), *(t for t in teams if t is not None)]

    def may_change_owners(self, credential: Credential, name: str) -> str:
        """The canonical name of *name*, whose owners *credential* may change."""
        canonical = self._canonical(name)
        self._checks.allow(credential, "change-owners", canonical)
        self._checks.bind(credential, Operation("owners", name))
        return canonical

    def change_owners(
        self, credential: Credential, name: str, logins: Sequence[str], *, add: bool
    ) -> str:
        """Add (or remove) the users and teams (``github:org:team``) named by *logins* as
        owners of *name*; crates.io's message for it (controllers/krate/owners.rs). With
        owner invitations, users are invited; teams are always added at once."""
        canonical = self.may_change_owners(credential, name)
        by = credential.user.login
        owners = self._store.owners(canonical)
        rights = self._teams.rights(by, owners)
        if rights is Rights.PUBLISH:
            raise ForbiddenError("team members don't have permission to modify owners")
        if rights is Rights.NONE:
            raise ForbiddenError("only owners have permission to modify owners")
        if not add:
            gone = [self._owner_login(login) for login in logins]
            self._store.change_owners(canonical, gone, add=False, by=by)
            return "owners successfully removed"
        held = {owner.lower() for owner in owners}
        resolved = []
        for login in logins:
            if login.lower() in held:
                raise ConflictError(f"`{login}` is already an owner")
            resolved.append(self._new_owner(login, by))
        teams = [login for login in resolved if is_team(login)]
        if teams:
            self._store.change_owners(canonical, teams, add=True, by=by)
        users = [login for login in resolved if not is_team(login)]
        invited = {}
        if self._invitations is not None:
            invited = self._invitations.invite(by, canonical, users)
        elif users:
            self._store.change_owners(canonical, users, add=True, by=by)
        return ",".join(
            invited.get(login)
            or f"{'team' if is_team(login) else 'user'} {login} has been added as an owner "
            f"of crate {canonical}"
            for login in resolved
        )

    def _new_owner(self, login: str, by: str) -> str:
        """The owner login *login* names: a user's, or a team's that *by* is in."""
        if not is_team(login):
            found = self._accounts.user(login)
            if found is None:
                raise InvalidError(f"could not find user with login `{login}`")
            return found.login
        org, name = team_parts(login)
        team = self._teams.find(login)
        if team is None:
            raise InvalidError(
                f"could not find the github team {org}/{name}. Make sure that you have the "
                "right permissions in GitHub. See "
                "https://doc.rust-lang.org/cargo/reference/publishing.html#github-permissions"
            )
        if by.lower() not in team.members:
            raise ForbiddenError(
                "only members of a team or organization owners can add it as an owner"
            )
        return team.login

    def _owner_login(self, login: str) -> str:
        """The login an owner to remove is kept under (a user's own case; teams'
        lowercase)."""
        if is_team(login):
            return login.lower()
        found = self._accounts.user(login)
        if found is None:
            raise InvalidError(f"could not find user with login `{login}`")
        return found.login
