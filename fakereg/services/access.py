"""Who a token is, and what it may do: crates.io's rules for changes, and reading a private
registry. Refusals are domain errors; the web layer gives them their statuses."""

from __future__ import annotations

from ..domain import asymmetric
from ..domain.asymmetric import Operation
from ..errors import ForbiddenError, UnauthenticatedError
from ..storage.accounts import Accounts, Credential

FORBIDDEN_SCOPE = "this token does not have the required permissions to perform this action"


class TokenChecks:
    """Checks tokens against the accounts; *private*: reading needs a token too;
    *index_urls*: the URLs an asymmetric token may name as its registry."""

    def __init__(
        self, accounts: Accounts, *, private: bool, index_urls: frozenset[str] = frozenset()
    ) -> None:
        self._accounts = accounts
        self.private = private
        self._index_urls = index_urls

    def credential(self, token: str | None) -> Credential:
        """The credential *token* gives; :class:`UnauthenticatedError` for no token, an
        unknown one or an expired one."""
        if token is None:
            raise UnauthenticatedError("this action requires authentication")
        if token.startswith(asymmetric.PREFIX):
            return self._signed(token)
        credential = self._accounts.authenticate(token) if token.isprintable() else None
        if credential is None:
            raise UnauthenticatedError("authentication failed")
        if credential.expired:
            assert credential.expires is not None
            raise UnauthenticatedError(
                f"authentication failed: the token expired at {credential.expires.isoformat()}"
            )
        return credential

    def _signed(self, token: str) -> Credential:
        """The credential of an asymmetric token (RFC 3231), checked but for its operation
        (:meth:`bind` checks that where the operation is known)."""
        kid = asymmetric.key_id_of(token)
        found = None if kid is None else self._accounts.public_key(kid)
        if found is None:
            raise UnauthenticatedError(
                "authentication failed: no user has the key this asymmetric token names"
            )
        user, key = found
        signed = asymmetric.verify(token, key, self._index_urls)
        return Credential(user=user, scopes=None, crates=None, expires=None, signed=signed)

    @staticmethod
    def bind(credential: Credential, operation: Operation) -> None:
        """UnauthenticatedError unless *credential* may do *operation*: an asymmetric token
        only what it was signed for (a secret token, anything its scopes allow)."""
        if credential.signed is not None:
            asymmetric.check_operation(credential.signed, operation)

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
        credential = self.credential(token)
        self.bind(credential, Operation())
        return self.may_read(credential, crate)

    @staticmethod
    def may_read(credential: Credential, crate: str | None = None) -> Credential:
        """*credential*, if its user may read the registry (and *crate*, when given)."""
        if not credential.user.read:
            raise ForbiddenError(f"user `{credential.user.login}` may not read this registry")
        if crate is not None and not credential.covers(crate):
            raise ForbiddenError(f"this token may not read crate `{crate}`")
        return credential
