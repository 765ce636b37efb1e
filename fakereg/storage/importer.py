"""Turning ``.crate`` files and unpacked crate folders into versions ready to store."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ..domain.cratebuild import read_folder, tar_gz
from ..domain.cratefile import parse_manifest
from ..errors import InvalidError, SeedError
from .store import NewVersion

#: Called after each crate is read: (crates read so far, crates in all).
Progress = Callable[[int, int], None]


def pack_folder(folder: Path) -> bytes:
    """The ``.crate`` of an unpacked crate folder (a vendored or distribution crate)."""
    try:
        files = read_folder(folder)
    except (OSError, ValueError) as exc:
        raise SeedError(str(exc)) from None
    if "Cargo.toml" not in files:
        raise SeedError(f"{folder}: no Cargo.toml")
    try:
        package: Any = parse_manifest(files["Cargo.toml"]).get("package")
    except InvalidError as exc:
        raise SeedError(f"{folder}: {exc}") from None
    if not isinstance(package, dict) or not all(
        isinstance(package.get(key), str) for key in ("name", "version")
    ):
        raise SeedError(
            f"{folder}/Cargo.toml: no literal package name and version (a workspace, or a "
            "crate not packaged yet: run `cargo package` or `cargo vendor` first)"
        )
    return tar_gz(f"{package['name']}-{package['version']}", files)


#: How a ``.crate`` (a gzip stream) begins, whatever its file is named.
_GZIP_MAGIC = b"\x1f\x8b"
#: The name a static registry's archives have at ``…/{version}/download`` (an export by an
#: older fakereg; exports now name them ``{name}-{version}.crate``, as crates.io's CDN).
_STATIC_ARCHIVE = "download"


def _is_archive(path: Path) -> bool:
    """True when the file at *path* starts as a gzip stream does (a ``.crate`` file)."""
    try:
        with path.open("rb") as fh:
            return fh.read(2) == _GZIP_MAGIC
    except OSError:
        return False


def find_crate_sources(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Crate archives and crate folders (holding a ``Cargo.toml``) at or under *paths*.

    A file given by name is an archive when its content says so, whatever its name; in a
    folder, ``*.crate`` files and a static registry's ``…/{version}/download`` files are
    (so a registry's ``export()`` folder, new or old, imports whole)."""
    found: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_file():
            if path.suffix != ".crate" and not _is_archive(path):
                raise SeedError(f"{path}: not a .crate file (no gzip archive in it)")
            found.append(path)
        elif (path / "Cargo.toml").is_file():
            found.append(path)
        elif path.is_dir():
            before = len(found)
            for directory, subdirs, names in os.walk(path):
                subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
                here = Path(directory)
                for sub in list(subdirs):
                    if (here / sub / "Cargo.toml").is_file():
                        found.append(here / sub)
                        subdirs.remove(sub)
                found += [
                    here / name
                    for name in sorted(names)
                    if name.endswith(".crate")
                    or (name == _STATIC_ARCHIVE and _is_archive(here / name))
                ]
            if len(found) == before:
                raise SeedError(f"{path}: no .crate files or crate folders in it")
        else:
            raise SeedError(f"{path}: no such file or directory")
    return found


#: Checks one crate's bytes (named by its source) and makes the version to store.
Prepare = Callable[[bytes, str], NewVersion]


def load_crates(
    sources: list[Path], prepare: Prepare, progress: Progress | None = None
) -> list[NewVersion]:
    """Every source read and checked by *prepare*; one :class:`SeedError` lists every
    failure."""
    versions: list[NewVersion] = []
    failures: list[str] = []
    for done, source in enumerate(sources, 1):
        try:
            data = pack_folder(source) if source.is_dir() else source.read_bytes()
            versions.append(prepare(data, str(source)))
        except SeedError as exc:
            failures.append(str(exc))
        except OSError as exc:
            failures.append(f"{source}: {exc.strerror or exc}")
        if progress is not None:
            progress(done, len(sources))
    if failures:
        shown = "\n  ".join(failures[:20])
        more = f"\n  ... and {len(failures) - 20} more" if len(failures) > 20 else ""
        raise SeedError(
            f"{len(failures)} of {len(sources)} crates could not be imported (nothing was "
            f"imported):\n  {shown}{more}"
        )
    return versions
