"""Who is looking at a page."""

from __future__ import annotations

from dataclasses import dataclass

from ...storage.accounts import Credential
from ..sessions import Session


@dataclass(frozen=True)
class Viewer:
    """Who is looking at a page: their session, on a private registry the read credential
    it holds (None for an admin, or on a public registry: everything shows), and the user
    it signed in as."""

    session: Session | None
    credential: Credential | None = None
    #: The user the browser signed in as (with a token, in the sign-in form), if it did.
    login: str | None = None

    @property
    def admin(self) -> bool:
        return self.session is not None and self.session.admin

    def covers(self, crate: str | None) -> bool:
        """True when the viewer may see *crate* (None: not about a crate)."""
        return crate is None or self.credential is None or self.credential.covers(crate)
