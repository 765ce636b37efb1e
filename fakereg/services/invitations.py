"""Owner invitations under crates.io's rules (controllers/krate/owners.rs and
controllers/crate_owner_invitation.rs): with ``owner_invitations=True``, adding an owner
invites them, and they become an owner when they accept (before it expires)."""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import ExpiredError, ForbiddenError, NotFoundError
from ..storage.accounts import Accounts
from ..storage.invitations import Invitation, Invitations
from ..storage.store import CrateStore


class OwnerInvitations:
    """Invites, and answers to invitations, of one registry's crates."""

    def __init__(self, store: CrateStore, accounts: Accounts, invitations: Invitations) -> None:
        self._store = store
        self._accounts = accounts
        self.records = invitations

    def invite(self, by: str, crate: str, logins: Sequence[str]) -> dict[str, str]:
        """Invite the users *logins* (checked by the caller: users, not yet owners) to own
        *crate* (its canonical name), as its owner *by*; crates.io's message for each."""
        crate_id = self._store.crate_id(crate) or 0
        messages = {}
        for login in logins:
            if self.records.invite(crate, crate_id, login, by) is None:
                messages[login] = (
                    f"user {login} already has a pending invitation to be an owner of crate {crate}"
                )
            else:
                messages[login] = f"user {login} has been invited to be an owner of crate {crate}"
        return messages

    def canonical(self, crate: str) -> str:
        """*crate*'s canonical name (as given when there is no such crate)."""
        return self._store.canonical(crate) or crate

    def pending(self, *, crate: str | None = None, invitee: str | None = None) -> list[Invitation]:
        """The invitations not yet expired of *crate* and/or *invitee*."""
        found = self.records.listed(crate=crate, invitee=invitee)
        return [invitation for invitation in found if not invitation.expired]

    def for_owner(self, login: str, crate_name: str) -> tuple[str, list[Invitation]]:
        """The pending invitations of the crate *crate_name*, for one of its owners
        (crates.io: 404 for no such crate, 403 for someone else)."""
        crate = self._store.canonical(crate_name)
        if crate is None:
            raise NotFoundError("Not Found")
        if login.lower() not in (owner.lower() for owner in self._store.owners(crate)):
            raise ForbiddenError("only crate owners can query pending invitations for their crate")
        return crate, self.pending(crate=crate)

    def respond(self, login: str, crate: int | str, *, accepted: bool) -> Invitation:
        """*login* accepts (or declines) their invitation to *crate* (its id, as the API
        names it, or its name): :class:`NotFoundError` without one; accepting an expired
        one is crates.io's 410 (:class:`ExpiredError`), declining it is not refused."""
        if isinstance(crate, str):
            name = self._store.canonical(crate)
            found = [i for i in self.records.listed(invitee=login) if i.crate == name]
        else:
            found = [i for i in self.records.listed(invitee=login) if i.crate_id == crate]
        if not found:
            raise NotFoundError(
                "Not Found" if isinstance(crate, int) else f"no invitation of {login} to {crate}"
            )
        if accepted:
            self._accept(found[0])
        else:
            self.records.remove(found[0].crate, found[0].invitee)
        return found[0]

    def accept_token(self, token: str) -> int:
        """Accept the invitation whose token is *token* (the link crates.io emails); the
        crate's id."""
        found = self.records.by_token(token)
        if found is None:
            raise NotFoundError("Not Found")
        self._accept(found)
        return found.crate_id

    def _accept(self, invitation: Invitation) -> None:
        if invitation.expired:
            raise ExpiredError(
                f"The invitation to become an owner of the {invitation.crate} crate expired. "
                "Please reach out to an owner of the crate to request a new invitation."
            )
        user = self._accounts.user(invitation.invitee)
        owners = self._store.owners(invitation.crate)
        if user is not None and user.login not in owners:
            self._store.change_owners(invitation.crate, [user.login], add=True, by=None)
        self.records.remove(invitation.crate, invitation.invitee)
