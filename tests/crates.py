"""Build ``.crate`` archives and publish bodies in memory, for tests below cargo's level."""

from __future__ import annotations

import gzip
import io
import json
import struct
import tarfile
from collections.abc import Iterable, Mapping
from typing import Any


def manifest(name: str, version: str) -> bytes:
    return f'[package]\nname = "{name}"\nversion = "{version}"\nedition = "2021"\n'.encode()


def tar_gz(entries: Iterable[tarfile.TarInfo | tuple[str, bytes]]) -> bytes:
    """A gzip tar of (path, bytes) files or prepared TarInfo entries (with no data)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for entry in entries:
            if isinstance(entry, tarfile.TarInfo):
                tar.addfile(entry)
            else:
                path, data = entry
                info = tarfile.TarInfo(path)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return gzip.compress(raw.getvalue(), mtime=0)


def crate(name: str, version: str, extra: Mapping[str, bytes] | None = None) -> bytes:
    """A valid ``.crate`` for *name* *version*."""
    prefix = f"{name}-{version}"
    files = {"Cargo.toml": manifest(name, version), "src/lib.rs": b""} | dict(extra or {})
    return tar_gz((f"{prefix}/{path}", data) for path, data in files.items())


def metadata(name: str, version: str, **fields: Any) -> dict[str, Any]:
    """Publish metadata as cargo sends it, with *fields* overriding."""
    base: dict[str, Any] = {
        "name": name,
        "vers": version,
        "deps": [],
        "features": {},
        "authors": [],
        "description": f"{name} crate",
        "documentation": None,
        "homepage": None,
        "readme": None,
        "readme_file": None,
        "keywords": [],
        "categories": [],
        "license": "MIT",
        "license_file": None,
        "repository": None,
        "badges": {},
        "links": None,
        "rust_version": None,
    }
    return base | fields


def publish_body(meta: Mapping[str, Any], crate_bytes: bytes) -> bytes:
    encoded = json.dumps(meta).encode()
    return (
        struct.pack("<I", len(encoded))
        + encoded
        + struct.pack("<I", len(crate_bytes))
        + crate_bytes
    )


def dependency(name: str, req: str = "^1", **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "optional": False,
        "default_features": True,
        "name": name,
        "features": [],
        "version_req": req,
        "target": None,
        "kind": "normal",
    }
    return base | fields
