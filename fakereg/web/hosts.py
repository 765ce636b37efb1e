"""Which ``Host`` a request may name: the registry's own names and those allowed, so that a
page whose name was rebound to 127.0.0.1 (DNS rebinding) cannot read or change the
registry from a browser."""

from __future__ import annotations

from collections.abc import Iterable

#: The names of the loopback registry, whatever it was told.
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def host_name(header: str) -> str:
    """The host of a ``Host`` value: no port, no brackets, lower case, no trailing dot."""
    value = header.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    if value.count(":") == 1:
        value = value.split(":", 1)[0]
    return value.rstrip(".")


def allowed_hosts(bound: str, extra: Iterable[str]) -> frozenset[str]:
    """The host names a registry bound to *bound* answers: loopback's, *bound*, *extra*."""
    names = {host_name(name) for name in extra} | {host_name(bound)}
    names.discard("0.0.0.0")  # noqa: S104 - (a wildcard bind names no host)
    names.discard("::")
    return LOOPBACK | names


def misdirected(host: str) -> str:
    """The detail of the 421 a request naming *host* gets."""
    return (
        f"this registry does not answer for host {host!r}: its own names are 127.0.0.1 and "
        "localhost (allow more with FakeRegistry(allowed_hosts=[...]) or --allowed-host)"
    )
