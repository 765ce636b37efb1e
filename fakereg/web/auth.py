"""Tokens on the wire: the ``Authorization`` header read, and the token checks' refusals
given their statuses and headers."""

from __future__ import annotations

import base64
import binascii
import dataclasses

from werkzeug.wrappers import Request

from ..errors import ApiError, ForbiddenError, UnauthenticatedError
from ..services.access import FORBIDDEN_SCOPE, TokenChecks
from ..storage.accounts import Credential
from .sessions import Sessions

#: crates.io's refusal of an API token on a route for its website (src/auth.rs).
WEBSITE_ONLY = "this action can only be performed on the crates.io website"


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
    """The web side of the token checks (:class:`~fakereg.services.access.TokenChecks`):
    reads the token off a request, or the signed-in browser off its session cookie (the
    page's sessions play crates.io's cookie sessions), and gives a refused read of a private
    registry its 401 and the ``WWW-Authenticate`` header naming where to log in."""

    def __init__(self, checks: TokenChecks, sessions: Sessions, *, login_url: str) -> None:
        self.checks = checks
        self.sessions = sessions
        self._login_url = login_url

    @property
    def private(self) -> bool:
        """True when reading needs a token (``auth_required``)."""
        return self.checks.private

    def token(self, request: Request) -> Credential:
        """Who makes a request that changes something, as crates.io's ``AuthCheck``
        finds out (src/auth.rs): a browser signed in on the page first, else the API token
        in ``Authorization``; 403 without either, or from another site's page."""
        _check_origin(request)
        signed_in = self.browser_session(request)
        if signed_in is not None:
            return signed_in
        return self.checks.credential(request_token(request))

    def browser(self, request: Request) -> Credential:
        """Who makes a request of a route crates.io keeps for its website (``only_cookie``):
        a browser signed in on the page; an API token, even a valid one, is refused."""
        credential = self.token(request)
        if not credential.session:
            raise ForbiddenError(WEBSITE_ONLY)
        return credential

    def unscoped(self, request: Request) -> Credential:
        """Who makes a request of a route that has no endpoint scope of its own, as
        crates.io's plain ``AuthCheck::default()`` finds out: as :meth:`token`, but a token
        limited to some scopes or crates (or a browser signed in with one) is refused."""
        credential = self.token(request)
        if credential.scopes is not None or credential.crates:
            raise ForbiddenError(FORBIDDEN_SCOPE)
        return credential

    def browser_session(self, request: Request) -> Credential | None:
        """The credential of the page session *request*'s cookie names, when its browser
        signed in (with the token's limits: signing in never widens a token); None for no
        session, or one that did not sign in."""
        session = self.sessions.of(request)
        if session is None or session.token is None:
            return None
        credential = self.checks.credential(session.token)
        return dataclasses.replace(credential, session=True)

    def scope(self, credential: Credential, scope: str, crate: str) -> None:
        """403 unless the token's scopes and crate patterns allow *scope* on *crate*."""
        self.checks.allow(credential, scope, crate)

    def read(self, request: Request, crate: str | None = None) -> Credential | None:
        """Let a read through (see :meth:`read_by`)."""
        return self.read_by(request.headers.get("Authorization"), crate)

    def read_by(self, authorization: str | None, crate: str | None = None) -> Credential | None:
        """The ``READ`` access rule for an ``Authorization`` header value (the pipeline's,
        for answers made and replayed alike): None on a public registry, the reader's
        credential on a private one; 401 without a valid token, 403 otherwise."""
        return self.read_token(token_in(authorization), crate)

    def read_token(self, token: str | None, crate: str | None = None) -> Credential | None:
        """:meth:`read_by` for a token found elsewhere (a web page's session)."""
        try:
            return self.checks.reader(token, crate)
        except UnauthenticatedError as exc:
            header = ("WWW-Authenticate", f'Cargo login_url="{self._login_url}"')
            raise ApiError(401, exc.detail, headers=[header]) from None


def foreign_origin(request: Request) -> tuple[str, str] | None:
    """The ``Origin`` *request* names and this site's own, when they differ (the site as
    it was addressed: a registry bound to every interface may be opened under any of its
    names); None for a request from this site, or one naming no origin (not a browser's)."""
    origin, own = request.headers.get("Origin"), request.host_url.rstrip("/")
    return None if origin is None or origin == own else (origin, own)


def _check_origin(request: Request) -> None:
    """crates.io's ``verify_origin``: an authenticated request that names an ``Origin``
    must come from this site's pages (controllers/util.rs), in crates.io's words."""
    if foreign_origin(request) is not None:
        raise ForbiddenError("invalid origin header")
