"""The git index kept in step with the index files: made on first use, one commit per change."""

from __future__ import annotations

from collections.abc import Sequence

from .events import IndexChange
from .fsutil import RootLock
from .gitindex import GitIndex
from .store import CrateStore
from .visibility import DeferredCommits, IndexVisibility

Files = list[tuple[str, bytes | None]]  # None: the file was removed


class GitSync:
    """Commits the store's index changes to the git index, creating it when first needed.

    Creating a repository costs several files and folders, so it waits for its first use (a
    git request, ``git_path``, an index delay): a registry nobody fetches through git pays
    nothing. Until then, a registry that serves git (``history=True``) on a fresh root keeps
    its changes in memory and replays them as one commit each, so git's history is the same
    as if the repository had existed from the start; otherwise the first use imports every
    index file in one commit. On an existing repository, the first use after a start commits
    whatever index files git lacks (a process on this root that died between writing an
    index file and committing it), then config.json (the port changed).
    """

    def __init__(
        self,
        git: GitIndex,
        store: CrateStore,
        lock: RootLock,
        config: bytes,
        visibility: IndexVisibility,
    ) -> None:
        self.git = git
        self._store = store
        self._lock = lock
        self._config = config  # config.json as this registry serves it
        self._visibility = visibility
        self._synced = False
        self._replay: list[tuple[Files, str]] | None = None
        self._config_checked_at: bytes | None = None  # the branch's commit when last checked
        self.deferred = DeferredCommits(self._commit_held)

    def start(self, *, history: bool) -> None:
        """Called at the registry's start; *history*: its clients read git from the start."""
        self._synced = False
        self._replay = None
        if history:
            index = self._store.root / "index"
            if self.git.exists() or (index.is_dir() and any(index.iterdir())):
                self.ready()
            else:
                self._replay = []

    def ready(self, *, pending: Sequence[str] = ()) -> GitIndex:
        """The git index, made or brought up to date if this is its first use since start.

        *pending*: index paths the caller is about to commit with their own message.
        """
        if not self._synced:
            with self._lock():
                if not self._synced:
                    self._sync(pending)
                    self._synced = True
        return self.git

    def serving(self) -> GitIndex:
        """:meth:`ready`, with a ``config.json`` that names this registry's URLs.

        Another process serving the same root commits its own ``config.json``; each git
        request here checks, when the branch has moved since the last check, that the
        committed one is this registry's, and commits it back if not. A root no other
        process knows (a temporary one) needs no check.
        """
        self.ready()
        if self._lock.shared and self.git.branch_commit() != self._config_checked_at:
            with self._lock():
                config = self._config
                if self.git.read("config.json") != config:
                    self.git.commit([("config.json", config)], "Update config.json")
                self._config_checked_at = self.git.branch_commit()
        return self.git

    def _sync(self, pending: Sequence[str]) -> None:
        config = ("config.json", self._config)
        if self.git.head() is None:
            replay, self._replay = self._replay, None
            if replay is not None:
                self.git.commit([config], "Import index")
                for files, message in replay:
                    self.git.commit(files, message)
                # Another process on the same root may have changed files meanwhile: a
                # commit only when something differs (none in the usual case).
                self.git.commit(self._store.index_files(), "Import index changes made elsewhere")
            else:
                self.git.commit([config, *self._store.index_files()], "Import index")
        else:
            missed = [
                (path, data) for path, data in self._store.index_files() if path not in pending
            ]
            self.git.commit(missed, "Commit index changes git had missed")
            self.git.commit([config], "Update config.json")

    def on_change(self, changes: Sequence[IndexChange], message: str) -> None:
        """The store's listener (called under the root lock): one commit per change."""
        files = [(change.path, change.data) for change in changes]
        if not self._synced:
            if self._replay is not None:
                self._replay.append((files, message))
                return
            if not self.git.exists():
                return  # made at first use, from the index files as they are then
            self.ready(pending=[path for path, _ in files])
        delay = self._visibility.delay()
        if delay is not None and len(changes) == 1 and changes[0].published is not None:
            self.deferred.hold(changes[0].path, message, *delay)
        else:
            self.git.commit(files, message)

    def _commit_held(self, path: str, message: str) -> None:
        """Make a commit that an index delay held back, with the file as it is now."""
        with self._lock():
            try:
                data: bytes | None = (self._store.root / "index" / path).read_bytes()
            except FileNotFoundError:  # removed since
                data = None
            self.git.commit([(path, data)], message)
