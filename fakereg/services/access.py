"""Who a token is, and what it may do: crates.io's rules for changes, and reading a private
registry. Refusals are domain errors; the web layer gives them their statuses."""

from __future__ import annotations

from ..errors import ForbiddenError, UnauthenticatedError
from ..storage.accounts import Accounts, Credential

FORBIDDEN_SCOPE = "this token does not have the required permissions to perform this action"


class TokenChecks:
    """Checks tokens against the accounts; *private*: reading needs a token too."""

    def __init__(self, accounts: Accounts, *, private: bool) -> None:
        self._accounts = accounts
        self.private = private

    def credential(self, token: str | None) -> Credential:
        """The credential *token* gives; :class:`UnauthenticatedError` for no token, an
        unknown one or an expired one."""
        if token is None:
            raise UnauthenticatedError("this action requires authentication")
        credential = self._accounts.authenticate(token) if token.isprintable() else None
        if credential is None:
            raise UnauthenticatedError("authentication failed")
        if credential.expired:
            assert credential.expires is not None
            raise UnauthenticatedError(
                f"authentication failed: the token expired at {credential.expires.isoformat()}"
            )
        return credential

    @staticmethod
    def allow(credential: Credential, scope: str, crate: str) -> None:
        """ForbiddenError unless the token's scopes and crate patterns allow *scope* on
        *crate*."""
        if not (credential.allows(scope) and credential.covers(crate)):
            raise ForbiddenError(FORBIDDEN_SCOPE)

    def reader(self, token: str | None, crate: str | None = None) -> Credential | None:
        """Let a read through: always on a public registry (None); with a token that may
        read (*crate*, when given) on a private one (its credential)."""
        if not self.private:
            return None
        if token is None:
            raise UnauthenticatedError("this registry requires a token to read")
        return self.may_read(self.credential(token), crate)

    @staticmethod
    def may_read(credential: Credential, crate: str | None = None) -> Credential:
        """*credential*, if its user may read the registry (and *crate*, when given)."""
        if not credential.user.read:
            raise ForbiddenError(f"user `{credential.user.login}` may not read this registry")
        if crate is not None and not credential.covers(crate):
            raise ForbiddenError(f"this token may not read crate `{crate}`")
        return credential
