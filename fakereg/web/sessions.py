"""The web page's sessions: who opened it (a read token, the admin URL), in a cookie.

A session is a random id in an ``HttpOnly``, ``SameSite=Strict`` cookie; what it grants
stays on the server. Its read token is checked again on every page (it may have been
revoked or expired meanwhile); its CSRF token must come with every form it posts. The
cookie's name carries the port: browsers share cookies between the ports of one host, and
two registries on 127.0.0.1 must not sign each other out.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from werkzeug.wrappers import Request, Response

from ..storage.tokens import redact

#: Sessions kept at most (the oldest is forgotten first).
MAX_SESSIONS = 1000


@dataclass
class Session:
    """One browser's standing with one registry."""

    id: str = field(repr=False)
    csrf: str = field(repr=False)
    #: Opened from the admin URL: the page may change faults and delays.
    admin: bool = False
    #: The read token given on a private registry (checked again on every page).
    token: str | None = field(default=None, repr=False)
    started: float = field(default_factory=time.time)

    def __repr__(self) -> str:
        return f"Session(admin={self.admin}, token={redact(self.token)})"

    def checks(self, csrf: str | None) -> bool:
        """True when *csrf* is this session's form token."""
        return csrf is not None and hmac.compare_digest(csrf, self.csrf)


class Sessions:
    """The sessions of one registry's page, in memory (a restart signs everyone out)."""

    def __init__(self, port: int, *, secure: bool) -> None:
        self.cookie_name = f"fakereg-{port}"
        self._secure = secure
        self._lock = threading.Lock()
        self._sessions: OrderedDict[str, Session] = OrderedDict()

    def of(self, request: Request) -> Session | None:
        """The session *request*'s cookie names, if it is still known."""
        sid = request.cookies.get(self.cookie_name)
        if not sid:
            return None
        with self._lock:
            return self._sessions.get(sid)

    def start(self, *, admin: bool = False, token: str | None = None) -> Session:
        """A new session (a fresh id: one given before signing in is never reused)."""
        session = Session(secrets.token_urlsafe(24), secrets.token_urlsafe(24), admin, token)
        with self._lock:
            self._sessions[session.id] = session
            while len(self._sessions) > MAX_SESSIONS:
                self._sessions.popitem(last=False)
        return session

    def end(self, session: Session) -> None:
        with self._lock:
            self._sessions.pop(session.id, None)

    def set_cookie(self, response: Response, session: Session | None) -> None:
        """Make the browser keep *session* (None: forget the cookie)."""
        if session is None:
            response.delete_cookie(self.cookie_name, path="/", httponly=True, samesite="Strict")
            return
        response.set_cookie(
            self.cookie_name,
            session.id,
            path="/",
            httponly=True,
            samesite="Strict",
            secure=self._secure,
        )
