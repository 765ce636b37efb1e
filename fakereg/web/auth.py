"""Who may do what: tokens on the Web API, and reading a private registry."""

from __future__ import annotations

import base64
import binascii

from werkzeug.wrappers import Request

from ..errors import ApiError
from ..settings import Settings
from ..storage.accounts import Accounts, Credential

FORBIDDEN_SCOPE = "this token does not have the required permissions to perform this action"


def request_token(request: Request) -> str | None:
    """The token in ``Authorization``: bare (as cargo sends it), ``Bearer``, or the password
    of ``Basic`` credentials (as git sends them)."""
    return token_in(request.headers.get("Authorization"))


def token_in(authorization: str | None) -> str | None:
    """The token an ``Authorization`` header value carries (see :func:`request_token`)."""
    value = (authorization or "").strip()
    scheme, _, rest = value.partition(" ")
    if scheme.lower() == "bearer":
        value = rest.strip()
    elif scheme.lower() == "basic" and rest:
        try:
            decoded = base64.b64decode(rest.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        value = decoded.partition(":")[2]
    return value or None


class Authorizer:
    """Checks tokens: crates.io's rules for changes, and read access when auth is required."""

    def __init__(self, accounts: Accounts, settings: Settings, *, login_url: str) -> None:
        self._accounts = accounts
        self._settings = settings
        self._login_url = login_url

    @property
    def private(self) -> bool:
        """True when reading needs a token (``auth_required``)."""
        return self._settings.auth_required

    def _credential(self, request: Request) -> Credential | str | None:
        """The credential, None without a token, or the reason a token is refused."""
        return self.credential_of(request_token(request))

    def credential_of(self, token: str | None) -> Credential | str | None:
        """What *token* gives: its credential, None for no token, or why it is refused."""
        if token is None:
            return None
        credential = self._accounts.authenticate(token) if token.isprintable() else None
        if credential is None:
            return "authentication failed"
        if credential.expired:
            assert credential.expires is not None
            return f"authentication failed: the token expired at {credential.expires.isoformat()}"
        return credential

    def token(self, request: Request) -> Credential:
        """The credential of a request that changes something; 403 without a valid one."""
        credential = self._credential(request)
        if credential is None:
            raise ApiError(403, "this action requires authentication")
        if isinstance(credential, str):
            raise ApiError(403, credential)
        return credential

    @staticmethod
    def scope(credential: Credential, scope: str, crate: str) -> None:
        """403 unless the token's scopes and crate patterns allow *scope* on *crate*."""
        if not (credential.allows(scope) and credential.covers(crate)):
            raise ApiError(403, FORBIDDEN_SCOPE)

    def read(self, request: Request, crate: str | None = None) -> Credential | None:
        """Let a read through: always on a public registry (None); with a token that may
        read (*crate*, when given) on a private one (its credential). 401 without a valid
        token, 403 otherwise."""
        return self.read_by(request.headers.get("Authorization"), crate)

    def read_by(self, authorization: str | None, crate: str | None = None) -> Credential | None:
        """:meth:`read`'s rules for an ``Authorization`` header value (the pipeline's
        ``READ`` access rule, for answers made and replayed alike)."""
        if not self._settings.auth_required:
            return None
        return self.read_with(self.credential_of(token_in(authorization)), crate)

    def read_with(
        self, credential: Credential | str | None, crate: str | None = None
    ) -> Credential:
        """:meth:`read`'s rules for a credential found elsewhere (a web page's session)."""
        if credential is None or isinstance(credential, str):
            detail = "this registry requires a token to read" if credential is None else credential
            header = ("WWW-Authenticate", f'Cargo login_url="{self._login_url}"')
            raise ApiError(401, detail, headers=[header])
        if not credential.user.read:
            raise ApiError(403, f"user `{credential.user.login}` may not read this registry")
        if crate is not None and not credential.covers(crate):
            raise ApiError(403, f"this token may not read crate `{crate}`")
        return credential
