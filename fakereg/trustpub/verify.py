"""Checking an OIDC ID token as crates.io checks GitHub's: the registry's side of trusted
publishing (the fake GitHub that signs them is test-facing, in ``testing/oidc.py``)."""

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


class JwtVerifier:
    """Verifies ID tokens of one issuer against the keys it publishes."""

    def __init__(self, issuer: str, keys: KeySet) -> None:
        self.issuer = issuer
        self._keys = keys

    def verify(self, token: str, audience: str) -> dict[str, Any]:
        """The claims of a JWT the issuer signed for *audience*, checked as crates.io
        checks GitHub's (signature, issuer, audience, ``exp``, ``nbf``, ``iat``, 60 s of
        leeway); InvalidError with crates.io's words otherwise."""
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise InvalidError("Failed to decode JWT") from None
        issuer = unverified.get("iss") if isinstance(unverified, dict) else None
        if issuer != self.issuer:
            raise InvalidError(f"Unsupported JWT issuer: {issuer}")
        kid = header.get("kid")
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
            raise InvalidError("Failed to decode JWT") from None
        if not isinstance(claims.get("iat"), int) or claims["iat"] > time.time() + JWT_LEEWAY:
            raise InvalidError("Failed to decode JWT")
        return claims
