"""Checking an OIDC ID token as crates.io checks GitHub's and GitLab's: the registry's side
of trusted publishing (the fake providers that sign them are test-facing, in
``testing/oidc.py`` and ``testing/gitlab.py``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from ..errors import InvalidError
from .rules import JWT_LEEWAY

#: The signing keys an issuer publishes (its JWKS), by key id.
KeySet = Callable[[], dict[str, rsa.RSAPublicKey]]

_FAILED = "Failed to decode JWT"


def unverified_issuer(token: str) -> str:
    """The ``iss`` of a JWT, read without checking it (only to pick the issuer's keys, as
    crates.io's ``UnverifiedClaims`` does); InvalidError when it does not decode."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
        jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise InvalidError(_FAILED) from None
    issuer = claims.get("iss") if isinstance(claims, dict) else None
    if not isinstance(issuer, str):
        raise InvalidError(_FAILED)
    return issuer


class JwtVerifier:
    """Verifies ID tokens of one issuer (a *provider*: ``github``, ``gitlab``) against the
    keys it publishes."""

    def __init__(
        self, provider: str, issuer: str, keys: KeySet, *, strings: tuple[str, ...] = ()
    ) -> None:
        self.provider = provider
        self.issuer = issuer
        self._keys = keys
        #: The claims crates.io's claims struct for this provider requires as strings.
        self._strings = ("jti", *strings)

    def verify(self, token: str, audience: str) -> dict[str, Any]:
        """The claims of a JWT the issuer signed for *audience*, checked as crates.io
        checks them (key id, signature, issuer, ``aud`` a string, ``exp``, ``nbf``,
        ``iat``, 60 s of leeway, the provider's claims present as strings, ``environment``
        absent or a string); InvalidError with crates.io's words otherwise."""
        issuer = unverified_issuer(token)
        if issuer != self.issuer:
            raise InvalidError(f"Unsupported JWT issuer: {issuer}")
        kid = jwt.get_unverified_header(token).get("kid")
        if kid is None:
            raise InvalidError("Missing JWT key ID")
        key = self._keys().get(kid)
        if key is None:
            raise InvalidError("Invalid JWT key ID")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                audience=audience,
                issuer=self.issuer,
                leeway=JWT_LEEWAY,
                options={"require": ["iss", "exp", "aud", "iat", "jti"]},
            )
        except jwt.PyJWTError:
            raise InvalidError(_FAILED) from None
        if not isinstance(claims.get("iat"), int) or claims["iat"] > time.time() + JWT_LEEWAY:
            raise InvalidError(_FAILED)
        if not isinstance(claims["aud"], str):  # crates.io's `aud: String`: one audience
            raise InvalidError(_FAILED)
        if not all(isinstance(claims.get(name), str) for name in self._strings):
            raise InvalidError(_FAILED)
        if not isinstance(claims.get("environment"), (str, type(None))):
            raise InvalidError(_FAILED)
        return claims
