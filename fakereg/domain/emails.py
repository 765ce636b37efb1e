"""Email addresses as crates.io takes them for a user's account
(``controllers/user/update.rs``): trimmed, not empty, and an address ``lettre`` parses.

lettre's ``Address`` (with the ``email_address`` crate's rules) splits at the last ``@``;
the part before is a dot-atom (Unicode letters allowed, RFC 6532) or a quoted string of at
most 64 characters, the part after a host name (labels of letters, digits and ``-``, not
at either end, up to 63 characters each; Unicode labels are taken in their IDNA form) or an
address literal such as ``[127.0.0.1]``. This module checks the same shape.
"""

from __future__ import annotations

import ipaddress
import re

from ..errors import InvalidError

#: One atom of a dot-atom local part: RFC 5322's ``atext``, and any non-ASCII character.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~\-\u0080-\U0010ffff]+"
_DOT_ATOM = re.compile(rf"{_ATOM}(?:\.{_ATOM})*\Z")
_QUOTED = re.compile(r'"(?:[^"\\\r\n]|\\[^\r\n])*"\Z')
_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)\Z")
_MAX_LOCAL = 64
_MAX_DOMAIN = 255


def check_email(raw: str) -> str:
    """*raw* trimmed, as crates.io stores it; :class:`InvalidError` with crates.io's
    words for an empty one or one that is not an address."""
    email = raw.strip()
    if not email:
        raise InvalidError("empty email rejected")
    if not is_address(email):
        raise InvalidError("invalid email address")
    return email


def is_address(text: str) -> bool:
    """Whether *text* is an address lettre parses (see the module)."""
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain:
        return False
    if len(local) > _MAX_LOCAL or not (_DOT_ATOM.match(local) or _QUOTED.match(local)):
        return False
    return _is_domain(domain)


def _is_domain(domain: str) -> bool:
    if domain.startswith("[") and domain.endswith("]"):
        literal = domain[1:-1]
        try:
            ipaddress.ip_address(literal.removeprefix("IPv6:"))
        except ValueError:
            return False
        return True
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    if len(ascii_domain) > _MAX_DOMAIN:
        return False
    return all(_LABEL.match(label) for label in ascii_domain.split("."))
