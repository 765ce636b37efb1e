"""Checks on an uploaded ``.crate``: a gzip tar holding ``name-version/Cargo.toml``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import InvalidError, TarError, TooLargeError
from ..tomlcompat import tomllib
from .tarscan import TarEntry, entries

MAX_ENTRIES = 50_000
MAX_MANIFEST_BYTES = 4 * 1024 * 1024
MAX_README_BYTES = 1024 * 1024
#: The README cargo picks when the manifest names none (``cargo::util::toml``).
DEFAULT_READMES = ("README.md", "README.txt", "README")


@dataclass(frozen=True)
class CrateContents:
    """What an accepted ``.crate`` holds: its files, its manifest, and its README."""

    files: tuple[str, ...]
    manifest: dict[str, Any]
    readme_file: str | None = None
    readme: str | None = None


def _invalid(reason: str) -> InvalidError:
    return InvalidError(f"invalid .crate file: {reason}")


def _check_member(member: TarEntry, prefix: str) -> None:
    path = member.path
    if path.startswith("/") or "\\" in path or (len(path) > 1 and path[1] == ":"):
        raise _invalid(f"entry `{path}` has an absolute or non-portable path")
    parts = path.rstrip("/").split("/")
    if ".." in parts:
        raise _invalid(f"entry `{path}` escapes the package folder")
    if "" in parts or "." in parts:
        raise _invalid(f"entry `{path}` has an empty or `.` path component")
    if not (path + "/").startswith(prefix):
        raise _invalid(f"entry `{path}` is outside the `{prefix}` folder")
    if not (member.is_file or member.is_dir):
        raise _invalid(f"entry `{path}` is not a regular file or directory")
    if member.is_file and path.rstrip("/") + "/" == prefix:
        raise _invalid(f"entry `{path}` is a file in place of the package folder")


def inspect_crate(
    data: bytes, name: str | None, version: str | None, *, max_unpacked: int
) -> CrateContents:
    """Validate a ``.crate`` for *name* *version* and return its file list and manifest.

    Raises :class:`InvalidError` for anything cargo would not have produced: not gzip,
    not tar, paths outside ``name-version/``, links or devices, duplicates, no
    ``Cargo.toml``, a manifest naming another package, or more than *max_unpacked* bytes.
    The archive is inflated as it is walked: memory stays bounded whatever it unpacks to.
    With *name* and *version* None, they are read from the archive's own manifest.
    """
    if not data.startswith(b"\x1f\x8b"):
        raise _invalid("not a gzip archive")
    prefix = None if name is None else f"{name}-{version}/"
    files: list[str] = []
    sizes: dict[str, int] = {}
    kept: dict[str, bytes] = {}
    seen: set[str] = set()

    def keep(path: str, size: int) -> bool:
        """The manifest, and a README cargo would find by default (at most their caps)."""
        root = prefix if prefix is not None else path.split("/", 1)[0] + "/"
        inner = path[len(root) :] if path.startswith(root) else None
        if inner == "Cargo.toml":
            return size <= MAX_MANIFEST_BYTES
        return inner in DEFAULT_READMES and size <= MAX_README_BYTES

    try:
        for member, content in entries(data, max_unpacked, keep):
            if prefix is None:
                prefix = member.path.split("/", 1)[0] + "/"
            _check_member(member, prefix)
            path = member.path.rstrip("/")
            if path in seen:
                raise _invalid(f"entry `{path}` appears twice")
            seen.add(path)
            if len(seen) > MAX_ENTRIES:
                raise _invalid(f"it holds more than {MAX_ENTRIES} entries")
            if member.is_dir:
                continue
            files.append(path[len(prefix) :])
            sizes[files[-1]] = member.size
            if content is not None:
                kept[files[-1]] = content
            elif path == prefix + "Cargo.toml":
                raise _invalid("Cargo.toml is too large")
    except TooLargeError as exc:
        raise _invalid(str(exc)) from None
    except TarError as exc:
        raise _invalid(f"not a readable gzip tar archive ({exc})") from None
    manifest_bytes = kept.get("Cargo.toml")
    if manifest_bytes is None:
        raise _invalid(f"no `{prefix or ''}Cargo.toml` in the archive")
    manifest = parse_manifest(manifest_bytes)
    package = manifest.get("package")
    if not isinstance(package, dict):
        raise _invalid("Cargo.toml has no [package] table")
    assert prefix is not None
    described = f"{package.get('name')}-{package.get('version')}/"
    if described != prefix:
        expected = (
            f"the upload is for `{name}@{version}`"
            if name is not None
            else f"the archive's folder is `{prefix.rstrip('/')}`"
        )
        raise _invalid(
            f"Cargo.toml describes `{package.get('name')}@{package.get('version')}`, but {expected}"
        )
    readme_file = _readme_file(package.get("readme"), sizes)
    readme = None
    if readme_file is not None and sizes[readme_file] <= MAX_README_BYTES:
        text = kept.get(readme_file)
        if text is None:  # a README elsewhere than cargo's defaults: one more walk for it
            text = _read_one(data, max_unpacked, prefix + readme_file)
        readme = text.decode("utf-8", errors="replace")
    return CrateContents(
        files=tuple(files), manifest=manifest, readme_file=readme_file, readme=readme
    )


def _read_one(archive: bytes, max_unpacked: int, wanted: str) -> bytes:
    """The data of the archive's file at *wanted* (the archive was checked already)."""
    for _member, data in entries(archive, max_unpacked, lambda path, size: path == wanted):
        if data is not None:
            return data
    raise _invalid(f"`{wanted}` vanished from the archive")  # (cannot happen: checked)


def _readme_file(declared: object, files: dict[str, Any]) -> str | None:
    """The archive's README as cargo finds it: the manifest's ``readme``, or the default."""
    if declared is False:
        return None
    if isinstance(declared, str):
        path = declared.removeprefix("./")
        return path if path in files else None
    return next((name for name in DEFAULT_READMES if name in files), None)


def parse_manifest(data: bytes) -> dict[str, Any]:
    """A ``Cargo.toml`` parsed; InvalidError when it is not UTF-8 TOML."""
    try:
        manifest: dict[str, Any] = tomllib.loads(data.decode("utf-8"))
        return manifest
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise _invalid(f"Cargo.toml is not valid TOML ({exc})") from None
    except RecursionError:
        raise _invalid("Cargo.toml is nested too deeply") from None
