"""What a crate's owners do to the crate itself on crates.io's website: its settings
(``trustpub_only``), deleting it, and asking docs.rs for a rebuild."""

from __future__ import annotations

from datetime import datetime, timezone

from ..domain.crateview import summarize
from ..domain.deletion import AVAILABLE_AFTER, DeletionFacts, check_deletion, rfc3339
from ..domain.names import canonical_name
from ..errors import ForbiddenError, NotFoundError
from ..storage.downloads import DownloadCounter, crate_total
from ..storage.store import CrateStore
from ..storage.teams import Rights, Teams


class CrateAdmin:
    """The crate-wide changes of one registry, under crates.io's rules."""

    def __init__(self, store: CrateStore, downloads: DownloadCounter, teams: Teams) -> None:
        self._store = store
        self._downloads = downloads
        self._teams = teams

    def _owners(self, name: str) -> tuple[str, list[str]]:
        """The crate's name as published and its owners; crates.io's 404 without it."""
        canonical = self._store.canonical(name)
        if canonical is None:
            raise NotFoundError(f"crate `{name}` does not exist")
        return canonical, self._store.owners(canonical)

    def set_trustpub_only(self, login: str, name: str, value: bool | None) -> str:
        """As owner *login*, let only trusted publishing publish *name* (or not again; None
        leaves it); the crate's name (``controllers/krate/update.rs``)."""
        canonical, owners = self._owners(name)
        if login not in owners:  # user owners only (krate/update.rs), never a team's members
            raise ForbiddenError("only owners have permission to modify crate settings")
        if value is not None:
            self._store.set_trustpub_only(canonical, value, by=login)
        return canonical

    def delete(self, login: str, name: str, *, now: datetime | None = None) -> str:
        """As owner *login*, delete crate *name* under crates.io's rules
        (``controllers/krate/delete.rs``, :mod:`fakereg.domain.deletion`): its index
        file, archives, READMEs, downloads, follows and trusted publishers go, and its name
        is refused to a new crate for 24 hours. The crate's name."""
        canonical, owners = self._owners(name)
        rights = self._teams.rights(login, owners)
        if rights is Rights.PUBLISH:
            raise ForbiddenError("team members don't have permission to delete crates")
        if rights is Rights.NONE:
            raise ForbiddenError("only owners have permission to delete crates")
        state = self._store.crate_state(canonical_name(canonical))
        if state is None:  # removed meanwhile
            raise NotFoundError(f"crate `{name}` does not exist")
        now = now or datetime.now(timezone.utc)
        created = summarize(*state).created_at.replace("Z", "+00:00")
        facts = DeletionFacts(
            age=now - datetime.fromisoformat(created),
            owners=len(owners),
            downloads=crate_total(self._downloads.of_crate(canonical_name(canonical))),
            dependent=self._store.first_dependent(canonical),
        )
        check_deletion(facts)
        return self._store.remove(
            canonical,
            f"Delete crate `{canonical}`",
            reserved_until=rfc3339(now + AVAILABLE_AFTER),
        )

    def may_rebuild_docs(self, login: str, name: str, version: str) -> None:
        """Whether *login* may have docs.rs rebuild *name* *version*
        (``controllers/version/docs.rs``): the 404s for a missing crate or version, then
        the 403 for anyone but an owner or a member of a team that owns it."""
        canonical, owners = self._owners(name)
        if version not in (line["vers"] for line in self._store.entries(canonical)):
            raise NotFoundError(f"crate `{name}` does not have a version `{version}`")
        if self._teams.rights(login, owners) is Rights.NONE:
            raise ForbiddenError("user doesn't have permission to trigger a docs rebuild")
