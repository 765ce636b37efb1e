"""Checks on an uploaded ``.crate``: a gzip tar holding ``name-version/Cargo.toml``."""

from __future__ import annotations

import io
import sys
import tarfile
import zlib
from dataclasses import dataclass
from typing import Any

from .errors import ApiError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised by the Python 3.10 CI run
    import tomli as tomllib

MAX_ENTRIES = 50_000
MAX_MANIFEST_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class CrateContents:
    """What an accepted ``.crate`` holds."""

    files: tuple[str, ...]
    manifest: dict[str, Any]


def _invalid(reason: str) -> ApiError:
    return ApiError(400, f"invalid .crate file: {reason}")


def _check_member(member: tarfile.TarInfo, prefix: str) -> None:
    path = member.name
    if path.startswith("/") or "\\" in path or (len(path) > 1 and path[1] == ":"):
        raise _invalid(f"entry `{path}` has an absolute or non-portable path")
    if ".." in path.split("/"):
        raise _invalid(f"entry `{path}` escapes the package folder")
    if not (path + "/").startswith(prefix):
        raise _invalid(f"entry `{path}` is outside the `{prefix}` folder")
    if not (member.isreg() or member.isdir()):
        raise _invalid(f"entry `{path}` is not a regular file or directory")


def inspect_crate(data: bytes, name: str, version: str, *, max_unpacked: int) -> CrateContents:
    """Validate a ``.crate`` for *name* *version* and return its file list and manifest.

    Raises :class:`ApiError` (400) for anything cargo would not have produced: not gzip,
    not tar, paths outside ``name-version/``, links or devices, duplicates, no
    ``Cargo.toml``, a manifest naming another package, or more than *max_unpacked* bytes.
    """
    if not data.startswith(b"\x1f\x8b"):
        raise _invalid("not a gzip archive")
    prefix = f"{name}-{version}/"
    files: list[str] = []
    seen: set[str] = set()
    manifest_bytes: bytes | None = None
    unpacked = 0
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r|gz") as tar:
            for member in tar:
                _check_member(member, prefix)
                path = member.name.rstrip("/")
                if path in seen:
                    raise _invalid(f"entry `{path}` appears twice")
                seen.add(path)
                unpacked += member.size + tarfile.BLOCKSIZE
                if unpacked > max_unpacked:
                    raise _invalid(f"it unpacks to more than {max_unpacked} bytes")
                if len(seen) > MAX_ENTRIES:
                    raise _invalid(f"it holds more than {MAX_ENTRIES} entries")
                if member.isdir():
                    continue
                files.append(path[len(prefix) :])
                if path == prefix + "Cargo.toml":
                    if member.size > MAX_MANIFEST_BYTES:
                        raise _invalid("Cargo.toml is too large")
                    extracted = tar.extractfile(member)
                    assert extracted is not None
                    manifest_bytes = extracted.read()
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise _invalid(f"not a readable gzip tar archive ({exc})") from None
    if manifest_bytes is None:
        raise _invalid(f"no `{prefix}Cargo.toml` in the archive")
    manifest = _parse_manifest(manifest_bytes)
    package = manifest.get("package")
    if not isinstance(package, dict):
        raise _invalid("Cargo.toml has no [package] table")
    if package.get("name") != name or package.get("version") != version:
        raise _invalid(
            f"Cargo.toml describes `{package.get('name')}@{package.get('version')}`, "
            f"but the upload is for `{name}@{version}`"
        )
    return CrateContents(files=tuple(files), manifest=manifest)


def _parse_manifest(data: bytes) -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = tomllib.loads(data.decode("utf-8"))
        return manifest
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise _invalid(f"Cargo.toml is not valid TOML ({exc})") from None
