"""crates.io's rules for deleting a crate (``controllers/krate/delete.rs``).

Within 72 hours of its first publish an owner may delete a crate whatever its downloads
and owners; after that only a crate with a single owner and fewer than 1,000 downloads for
each month (of 30 days, started months counted) it has existed. A crate that another
crate's version depends on is never deleted. A deleted crate's name stays reserved for 24
hours (``controllers/krate/publish.rs`` refuses it until then).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from ..errors import UnprocessableError

DOWNLOADS_PER_MONTH_LIMIT = 1000
#: Until then, any owner may delete a crate.
FREE_DELETION = timedelta(hours=72)
#: How long a deleted crate's name is refused to a new publish.
AVAILABLE_AFTER = timedelta(hours=24)


@dataclass(frozen=True)
class DeletionFacts:
    """What the rules look at: the crate's age, its owners, its downloads, and a version
    of another crate that depends on it (``(crate, version)``), if any."""

    age: timedelta
    owners: int
    downloads: int
    dependent: tuple[str, str] | None


def max_downloads(age: timedelta) -> int:
    """The downloads a crate of *age* may have and still be deleted: 1,000 a month."""
    months = -(-max(age.days, 0) // 30)
    return DOWNLOADS_PER_MONTH_LIMIT * months


def check_deletion(facts: DeletionFacts) -> None:
    """:class:`UnprocessableError` with crates.io's words unless the crate may go."""
    if facts.age > FREE_DELETION:
        if facts.owners > 1:
            raise UnprocessableError(
                "only crates with a single owner can be deleted after 72 hours"
            )
        if facts.downloads > max_downloads(facts.age):
            raise UnprocessableError(
                f"only crates with less than {DOWNLOADS_PER_MONTH_LIMIT} downloads per month "
                "can be deleted after 72 hours"
            )
    if facts.dependent is not None:
        crate, version = facts.dependent
        raise UnprocessableError(
            "only crates without reverse dependencies can be deleted "
            f"(e.g. {crate}@{version} depends on this crate)"
        )


def reserved_message(name: str, available_at: str) -> str:
    """crates.io's refusal of a publish under a name deleted less than 24 hours ago."""
    return (
        f"A crate with the name `{name}` was recently deleted. Reuse of this name will be "
        f"available after {available_at}."
    )


def rfc3339(moment: datetime) -> str:
    """*moment* in UTC to the second, ``Z`` (chrono's ``SecondsFormat::Secs, true``)."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
