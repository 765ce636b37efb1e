"""The index as a bare git repository, written with dulwich, one commit per change."""

from __future__ import annotations

import inspect
import io
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from dulwich.object_store import BaseObjectStore, MemoryObjectStore, commit_tree_changes
from dulwich.objects import Blob, Commit, ShaFile, Tree
from dulwich.pack import write_pack_index_v2, write_pack_objects
from dulwich.repo import Repo

from .fsutil import atomic_write
from .gitpack import OBJ_COMMIT, PackedObject, pack_bytes, tree_objects

if TYPE_CHECKING:  # dulwich's typed names, absent from older releases at run time
    from dulwich.objects import ObjectID
    from dulwich.refs import Ref

BRANCH = cast("Ref", b"refs/heads/master")
IDENTITY = b"fakereg <fakereg@localhost>"
FILE_MODE = 0o100644
#: A commit making this many objects or more writes them as one pack, not loose files.
PACK_THRESHOLD = 1000

_PACK_OPTIONS: dict[str, Any] = {"deltify": False}
if "object_format" in inspect.signature(write_pack_objects).parameters:  # dulwich >= 1.0
    from dulwich.object_format import DEFAULT_OBJECT_FORMAT

    _PACK_OPTIONS["object_format"] = DEFAULT_OBJECT_FORMAT

_CONFIG = b"[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = true\n"


class GitIndex:
    """A bare repository whose ``master`` holds ``config.json`` and the index files.

    Callers serialise :meth:`commit` (the registry root's lock); readers open the
    repository on their own and see whole commits only. The repository is created by the
    first commit.
    """

    def __init__(self, path: Path, *, durable: bool = False) -> None:
        self.path = path
        #: fsync objects and the branch (a root that outlives its process).
        self.durable = durable

    def exists(self) -> bool:
        """True once the repository has been created."""
        return (self.path / "HEAD").exists()

    def _create(self) -> None:
        """The few files and folders git and dulwich need of a bare repository."""
        for folder in ("info", "objects/info", "objects/pack", "refs/heads", "refs/tags"):
            (self.path / folder).mkdir(parents=True, exist_ok=True)
        atomic_write(self.path / "config", _CONFIG, mode=0o644, durable=self.durable)
        atomic_write(
            self.path / "HEAD", b"ref: " + BRANCH + b"\n", mode=0o644, durable=self.durable
        )

    def open(self) -> Repo:
        """A fresh handle on the repository (dulwich handles are not shared across threads)."""
        return Repo(str(self.path))

    def head(self) -> ObjectID | None:
        """The commit ``master`` points at, or None before the first commit."""
        if not self.exists():
            return None
        with self.open() as repo:
            return repo.refs.as_dict().get(BRANCH)

    def branch_commit(self) -> bytes | None:
        """The commit id ``master`` names, read straight from its file (cheap), or None."""
        try:
            return (self.path / BRANCH.decode()).read_bytes().strip()
        except FileNotFoundError:
            return None

    def read(self, path: str) -> bytes | None:
        """One file of ``master``'s tree, or None."""
        if not self.exists():
            return None
        with self.open() as repo:
            head = repo.refs.as_dict().get(BRANCH)
            if head is None:
                return None
            commit = repo.object_store[head]
            assert isinstance(commit, Commit)
            tree = repo.object_store[commit.tree]
            for part in path.encode().split(b"/"):
                if not isinstance(tree, Tree) or part not in tree:
                    return None
                tree = repo.object_store[tree[part][1]]
            return tree.data if isinstance(tree, Blob) else None

    def commit(self, files: Sequence[tuple[str, bytes | None]], message: str) -> ObjectID | None:
        """Commit *files* (path, content; None removes the file) on ``master``; None when
        nothing changed."""
        if not self.exists():
            self._create()
        with self.open() as repo:
            parent = repo.refs.as_dict().get(BRANCH)
            commit_id: ObjectID | None
            present = [(path, data) for path, data in files if data is not None]
            if parent is None and len(present) >= PACK_THRESHOLD:
                commit_id = self._import(present, message)
            else:
                commit_id = self._commit_on(repo, parent, files, message)
            if commit_id is None:
                return None
            if repo.refs.as_dict().get(BRANCH) != parent:
                raise RuntimeError("the git index moved during a commit: is the root lock held?")
            # The branch moves last, once every object it reaches is written. Temporary
            # files stay out of refs/ and objects/: a crash leaves no stray name there.
            atomic_write(
                self.path / BRANCH.decode(),
                commit_id + b"\n",
                mode=0o644,
                durable=self.durable,
                temp_dir=self.path,
            )
            return commit_id

    def _commit_on(
        self,
        repo: Repo,
        parent: ObjectID | None,
        files: Sequence[tuple[str, bytes | None]],
        message: str,
    ) -> ObjectID | None:
        """Write the objects of a commit of *files* on *parent*; None when nothing changed."""
        disk = repo.object_store
        new = _NewObjects(disk)
        old_tree: ObjectID | Tree
        if parent is None:
            old_tree = Tree()  # the first commit starts from an empty tree
        else:
            parent_commit = disk[parent]
            assert isinstance(parent_commit, Commit)
            old_tree = parent_commit.tree
        changes: list[tuple[bytes, int | None, ObjectID | None]] = []
        for path, data in files:
            if data is None:
                changes.append((path.encode(), None, None))
                continue
            blob = Blob.from_string(data)
            new.add_object(blob)
            changes.append((path.encode(), FILE_MODE, blob.id))
        new_tree = commit_tree_changes(new, old_tree, changes)
        if parent is not None and new_tree == old_tree:
            return None
        commit = _new_commit(new_tree, parent, message)
        new.add_object(commit)
        objects = new.objects()
        if len(objects) >= PACK_THRESHOLD:
            self._write_pack(objects)
        else:
            for obj in objects:
                self._write_object(obj)
        return commit.id

    def _write_object(self, obj: ShaFile) -> None:
        """Write a loose object atomically (dulwich's lock files outlive a killed process)."""
        hexsha = obj.id.decode("ascii")
        path = self.path / "objects" / hexsha[:2] / hexsha[2:]
        if not path.exists():
            data = obj.as_legacy_object()
            atomic_write(path, data, durable=self.durable, temp_dir=self.path)

    def _write_pack(self, objects: Sequence[ShaFile]) -> None:
        """Write many objects as one pack (a big commit): a file per object would cost
        more than all the rest."""
        data = io.BytesIO()
        entries, checksum = write_pack_objects(data, objects, **_PACK_OPTIONS)
        index = io.BytesIO()
        write_pack_index_v2(
            index, sorted((sha, offset, crc) for sha, (offset, crc) in entries.items()), checksum
        )
        self._store_pack(data.getvalue(), index.getvalue(), checksum)

    def _store_pack(self, pack: bytes, index: bytes, checksum: bytes) -> None:
        """Put a pack in place. The index comes last: until it exists, git and dulwich do
        not see the pack."""
        # The loose objects of later commits go to objects/xx/: make the 256 folders now
        # (in one go here costs less than a first file in a new folder each commit).
        for i in range(256):
            (self.path / "objects" / f"{i:02x}").mkdir(exist_ok=True)
        base = self.path / "objects" / "pack" / f"pack-{checksum.hex()}"
        for suffix, content in ((".pack", pack), (".idx", index)):
            atomic_write(
                base.with_suffix(suffix),
                content,
                mode=0o444,
                durable=self.durable,
                temp_dir=self.path,
            )

    def _import(self, files: Sequence[tuple[str, bytes]], message: str) -> ObjectID:
        """The first commit of many files, packed by :mod:`.gitpack` (see there why)."""
        objects, tree = tree_objects(files)
        commit = _new_commit(cast("ObjectID", tree.hex().encode()), None, message)
        objects.append(PackedObject(OBJ_COMMIT, commit.as_raw_string()))
        self._store_pack(*pack_bytes(objects))
        return commit.id

    def files(self) -> dict[str, bytes]:
        """Every file of ``master``'s tree (for tests and checks; walks the whole tree)."""
        if not self.exists():
            return {}
        with self.open() as repo:
            head = repo.refs.as_dict().get(BRANCH)
            if head is None:
                return {}
            commit = repo.object_store[head]
            assert isinstance(commit, Commit)
            return dict(_walk(repo, commit.tree, ""))


def _new_commit(tree: ObjectID, parent: ObjectID | None, message: str) -> Commit:
    commit = Commit()
    commit.tree = tree
    commit.parents = [] if parent is None else [parent]
    commit.author = commit.committer = IDENTITY
    commit.author_time = commit.commit_time = int(time.time())
    commit.author_timezone = commit.commit_timezone = 0
    commit.message = message.encode() + b"\n"
    return commit


class _NewObjects(MemoryObjectStore):
    """The objects one commit makes, held in memory; reads fall back to the repository."""

    def __init__(self, disk: BaseObjectStore) -> None:
        super().__init__()
        self._disk = disk

    def __getitem__(self, name: Any) -> ShaFile:
        try:
            return super().__getitem__(name)
        except KeyError:
            return self._disk[name]

    def add_object(self, obj: ShaFile) -> None:
        """Keep *obj* itself (not a copy: a copy costs a parse, a first import makes
        100,000 of them); callers add an object once they are done changing it."""
        self._data[obj.id] = obj

    def objects(self) -> list[ShaFile]:
        """The new objects, in the order they were made (children before parents)."""
        return list(self._data.values())


def _walk(repo: Repo, tree_id: ObjectID, prefix: str) -> Iterable[tuple[str, bytes]]:
    tree = repo.object_store[tree_id]
    assert isinstance(tree, Tree)
    for entry in tree.iteritems():
        path = prefix + entry.path.decode()
        if entry.mode & 0o040000:
            yield from _walk(repo, entry.sha, path + "/")
        else:
            blob = repo.object_store[entry.sha]
            assert isinstance(blob, Blob)
            yield path, blob.data
