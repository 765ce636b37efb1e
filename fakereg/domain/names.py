"""Crate names and versions: validation, normalisation, index paths and archive names."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import total_ordering

from ..errors import InvalidError, NameClashError, VersionExistsError

MAX_NAME_LENGTH = 64

_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_-]*\Z")

# Names crates.io refuses: Windows device names and names reserved for the Rust project.
RESERVED_NAMES = frozenset(
    {"con", "prn", "aux", "nul"}
    | {f"com{i}" for i in range(1, 10)}
    | {f"lpt{i}" for i in range(1, 10)}
    | {
        "alloc",
        "arena",
        "ast",
        "builtins",
        "collections",
        "compiler_builtins",
        "compiler_rt",
        "compiletest",
        "core",
        "coretest",
        "debug",
        "driver",
        "flate",
        "fmt_macros",
        "grammar",
        "graphviz",
        "macro",
        "macros",
        "proc_macro",
        "rbml",
        "rust_installer",
        "rustbook",
        "rustc",
        "rustc_back",
        "rustc_borrowck",
        "rustc_driver",
        "rustc_llvm",
        "rustc_resolve",
        "rustc_trans",
        "rustc_typeck",
        "rustdoc",
        "rustllvm",
        "rustuv",
        "serialize",
        "std",
        "syntax",
        "test",
        "unicode",
    }
)

# Semantic Versioning 2.0.0, as cargo's `semver` crate accepts it.
_NUM = r"(?:0|[1-9][0-9]*)"
_PRE_ID = r"(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)"
_VERSION_RE = re.compile(
    rf"(?P<major>{_NUM})\.(?P<minor>{_NUM})\.(?P<patch>{_NUM})"
    rf"(?:-(?P<pre>{_PRE_ID}(?:\.{_PRE_ID})*))?"
    r"(?:\+(?P<build>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?\Z"
)


def is_valid_crate_name(name: str) -> bool:
    """True when *name* has crates.io's shape (reserved names are not checked)."""
    return len(name) <= MAX_NAME_LENGTH and _NAME_RE.match(name) is not None


def check_crate_name(name: str, *, reserved: bool = True) -> None:
    """Raise :class:`InvalidError` unless *name* is a crate name crates.io would accept.

    ``reserved=False`` lets the names crates.io keeps from new crates through (a mirror of
    crates that exist already, such as ``compiler_builtins``, has them).
    """
    if not name:
        raise InvalidError("crate name cannot be empty")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidError(f"crate name `{name}` is too long (max {MAX_NAME_LENGTH} characters)")
    if not (name[0].isascii() and name[0].isalpha()):
        raise InvalidError(f"invalid crate name `{name}`: the name must start with an ASCII letter")
    if _NAME_RE.match(name) is None:
        raise InvalidError(
            f"invalid crate name `{name}`: only ASCII alphanumeric characters, "
            "`-` and `_` are allowed"
        )
    if reserved and canonical_name(name) in RESERVED_NAMES:
        raise InvalidError(f"cannot upload crate with reserved name `{name}`")


def canonical_name(name: str) -> str:
    """The key under which crates.io considers two names the same crate."""
    return name.lower().replace("-", "_")


def index_path(name: str) -> str:
    """The path of a crate's file inside the index, e.g. ``se/rd/serde``."""
    lower = name.lower()
    if len(lower) <= 2:
        return f"{len(lower)}/{lower}"
    if len(lower) == 3:
        return f"3/{lower[0]}/{lower}"
    return f"{lower[:2]}/{lower[2:4]}/{lower}"


#: Where a registry serves its ``.crate`` files, below its URL: ``config.json``'s ``dl``.
#: crates.io's is a static host (``https://static.crates.io/crates``), whose paths this
#: one's mirror: ``{dl}/{name}/{version}/download`` (the URL cargo makes of a ``dl``
#: without markers) and ``{dl}/{name}/{name}-{version}.crate`` (the file as stored). Not
#: ``/crates``: the web page has ``/crates/{name}`` and ``/crates/{name}/{version}``.
DOWNLOAD_PATH = "/dl"
_ARCHIVE_SUFFIX = ".crate"


def archive_file(name: str, version: str) -> str:
    """The file name of a crate's archive, as crates.io stores it: ``serde-1.0.0.crate``."""
    return f"{name}-{version}{_ARCHIVE_SUFFIX}"


def archive_version(name: str, file: str) -> str | None:
    """The version *file* names when it is *name*'s archive (``{name}-{version}.crate``),
    else None. The name is known, so a name or version holding ``-`` splits right."""
    prefix = f"{name}-"
    long_enough = len(file) > len(prefix) + len(_ARCHIVE_SUFFIX)
    if long_enough and file.startswith(prefix) and file.endswith(_ARCHIVE_SUFFIX):
        return file[len(prefix) : -len(_ARCHIVE_SUFFIX)]
    return None


def is_valid_version(text: str) -> bool:
    """True when *text* is a semantic version."""
    return _VERSION_RE.match(text) is not None


def check_version(text: str) -> None:
    """Raise :class:`InvalidError` unless *text* is a semantic version."""
    if not is_valid_version(text):
        raise InvalidError(f"invalid semver version `{text}`")


def check_same_crate(name: str, existing: str) -> None:
    """:class:`NameClashError` unless *name* is spelled as the crate *existing* already is."""
    if name != existing:
        raise NameClashError(name, existing)


def check_new_version(crate: str, version: str, existing: Iterable[str]) -> None:
    """:class:`VersionExistsError` when *version* is among *existing* but for build metadata
    (crates.io refuses ``1.0.0+b`` beside ``1.0.0``, yanked or not)."""
    bare = without_build_metadata(version)
    if any(without_build_metadata(other) == bare for other in existing):
        raise VersionExistsError(crate, bare)


def without_build_metadata(version: str) -> str:
    """``1.0.0+abc`` -> ``1.0.0``: crates.io refuses two versions equal but for this."""
    return version.split("+", 1)[0]


@total_ordering
class SemVer:
    """A parsed version ordered by semver precedence (build metadata ignored)."""

    __slots__ = ("core", "pre", "text")

    def __init__(self, text: str) -> None:
        match = _VERSION_RE.match(text)
        if match is None:
            raise ValueError(f"invalid semver version {text!r}")
        self.text = text
        self.core = (int(match["major"]), int(match["minor"]), int(match["patch"]))
        self.pre: tuple[tuple[int, int | str], ...] = tuple(
            (0, int(part)) if part.isdigit() else (1, part)
            for part in (match["pre"].split(".") if match["pre"] else ())
        )

    @property
    def is_prerelease(self) -> bool:
        return bool(self.pre)

    def _key(self) -> tuple[tuple[int, int, int], int, tuple[tuple[int, int | str], ...]]:
        # A release sorts after all of its pre-releases.
        return (self.core, 0 if self.pre else 1, self.pre)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SemVer) and self._key() == other._key()

    def __lt__(self, other: SemVer) -> bool:
        return self._key() < other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"SemVer({self.text!r})"
