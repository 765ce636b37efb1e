"""A table of malformed publish requests: each refused 4xx in Cargo's shape, nothing stored.

One registry serves the whole table (it must keep answering and stay unchanged through
all of it), then takes a good publish to show it still works.
"""

from __future__ import annotations

import gzip
import io
import json
import struct
import tarfile
from collections.abc import Iterator
from typing import Any

import pytest

from fakereg import FakeRegistry
from tests.crates import crate, dependency, manifest, metadata, publish_body, tar_gz
from tests.helpers import assert_cargo_error, http, root_state

NAME, VERSION = "target", "1.0.0"
PREFIX = f"{NAME}-{VERSION}"
U32 = struct.Struct("<I")
MAX_UPLOAD = 256 * 1024  # small, so that "too large" cases stay small
MAX_UNPACKED = 16 * 1024 * 1024


def body_with(meta: Any = None, archive: bytes | None = None) -> bytes:
    """A publish body for target 1.0.0, with *meta* (a dict, or raw JSON bytes) and *archive*."""
    if isinstance(meta, bytes):
        encoded = meta
    else:
        encoded = json.dumps(metadata(NAME, VERSION) if meta is None else meta).encode()
    data = crate(NAME, VERSION) if archive is None else archive
    return U32.pack(len(encoded)) + encoded + U32.pack(len(data)) + data


def meta_with(**fields: Any) -> dict[str, Any]:
    return metadata(NAME, VERSION) | fields


def meta_without(key: str) -> dict[str, Any]:
    meta = metadata(NAME, VERSION)
    del meta[key]
    return meta


def special(path: str, kind: bytes, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(path)
    info.type = kind
    info.linkname = link
    return info


def archive(*files: tuple[str, bytes] | tarfile.TarInfo, with_manifest: bool = True) -> bytes:
    """A gzip tar of the given entries, after target's own Cargo.toml unless told not to."""
    entries: list[tuple[str, bytes] | tarfile.TarInfo] = []
    if with_manifest:
        entries.append((f"{PREFIX}/Cargo.toml", manifest(NAME, VERSION)))
    return tar_gz([*entries, *files])


def bad_checksum() -> bytes:
    raw = bytearray(gzip.decompress(crate(NAME, VERSION)))
    raw[148:156] = b"0000000\0"
    return gzip.compress(bytes(raw), mtime=0)


def oversized_entry() -> bytes:
    raw = bytearray(gzip.decompress(archive((f"{PREFIX}/src/lib.rs", b"x"))))
    header = raw[512 * 2 : 512 * 3]  # the second entry's header (after Cargo.toml's data)
    assert header[:100].rstrip(b"\0").endswith(b"lib.rs")
    header[124:136] = b"77777777777\0"
    header[148:156] = b"        "
    header[148:156] = f"{sum(header):06o}\0 ".encode()
    raw[512 * 2 : 512 * 3] = header
    return gzip.compress(bytes(raw), mtime=0)


def gzip_bomb() -> bytes:
    """About 20 KiB that unpacks to 20 MiB, more than the registry's unpacked limit."""
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0, compresslevel=9) as gz:
        block = bytes(1024 * 1024)
        for _ in range(20):
            gz.write(block)
    return out.getvalue()


def deep_json(depth: int = 100_000) -> bytes:
    return b'{"name": ' + b"[" * depth + b"]" * depth + b"}"


# (case id, body, status, a fragment of the error's detail)
CASES: list[tuple[str, bytes, int, str]] = [
    # -- framing ----------------------------------------------------------------------------
    ("empty body", b"", 400, "too short"),
    ("three bytes", b"\x01\x00\x00", 400, "too short"),
    ("metadata length past the end", U32.pack(1000) + b"{}", 400, "runs past the end"),
    ("huge metadata length", U32.pack(0xFFFFFFFF) + b"{}" * 10, 400, "runs past the end"),
    ("zero metadata length", U32.pack(0) + U32.pack(0), 400, "not valid JSON"),
    ("no crate length", U32.pack(2) + b"{}", 400, "runs past the end"),
    ("crate length past the end", body_with()[:-10], 400, "does not match"),
    ("huge crate length", U32.pack(2) + b"{}" + U32.pack(0xFFFFFFFF) + b"x", 400, "does not match"),
    ("bytes after the crate", body_with() + b"trailing", 400, "does not match"),
    ("zero crate length", body_with(archive=b""), 400, "not a gzip archive"),
    # -- the metadata JSON -------------------------------------------------------------------
    ("invalid JSON", body_with(b"{name: 1}"), 400, "not valid JSON"),
    ("truncated JSON", body_with(b'{"name": "target"'), 400, "not valid JSON"),
    ("non-UTF-8 JSON", body_with(b'{"name": "\xff\xfe"}'), 400, "not UTF-8"),
    ("JSON array", body_with(b"[1, 2]"), 400, "not a JSON object"),
    ("JSON null", body_with(b"null"), 400, "not a JSON object"),
    ("JSON nested 100,000 deep", body_with(deep_json()), 400, "nested too deeply"),
    ("missing name", body_with(meta_without("name")), 400, "missing field `name`"),
    ("name is a number", body_with(meta_with(name=5)), 400, "field `name`"),
    ("invalid name", body_with(meta_with(name="1target")), 400, "invalid crate name"),
    ("name too long", body_with(meta_with(name="t" * 65)), 400, "too long"),
    ("missing vers", body_with(meta_without("vers")), 400, "missing field `vers`"),
    ("vers not semver", body_with(meta_with(vers="1.0")), 400, "invalid semver"),
    ("vers is a list", body_with(meta_with(vers=["1.0.0"])), 400, "field `vers`"),
    ("deps not a list", body_with(meta_with(deps={})), 400, "field `deps`"),
    ("dep not an object", body_with(meta_with(deps=["other"])), 400, "not an object"),
    ("dep without version_req", body_with(meta_with(deps=[{"name": "x"}])), 400, "version_req"),
    (
        "dep of unknown kind",
        body_with(meta_with(deps=[dependency("other", kind="peer")])),
        400,
        "unknown kind",
    ),
    ("dep with invalid name", body_with(meta_with(deps=[dependency("a b")])), 400, "invalid crate"),
    (
        "dep optional not bool",
        body_with(meta_with(deps=[dependency("other", optional=1)])),
        400,
        "`optional`",
    ),
    ("features not an object", body_with(meta_with(features=[])), 400, "field `features`"),
    ("feature not a list", body_with(meta_with(features={"a": "b"})), 400, "list of strings"),
    ("keywords not strings", body_with(meta_with(keywords=[1])), 400, "field `keywords`"),
    ("description a number", body_with(meta_with(description=1)), 400, "`description`"),
    ("invalid rust_version", body_with(meta_with(rust_version="newest")), 400, "rust_version"),
    # -- the .crate archive ------------------------------------------------------------------
    ("crate not gzip", body_with(archive=b"PK\x03\x04 a zip"), 400, "not a gzip archive"),
    ("gzip of garbage", body_with(archive=gzip.compress(b"x" * 2000, mtime=0)), 400, "tar"),
    ("truncated gzip", body_with(archive=crate(NAME, VERSION)[:60]), 400, "truncated"),
    ("gzip bomb", body_with(archive=gzip_bomb()), 400, "unpacks to more than"),
    ("tar header checksum", body_with(archive=bad_checksum()), 400, "checksum"),
    ("entry size past the end", body_with(archive=oversized_entry()), 400, "past the end"),
    ("absolute path", body_with(archive=archive(("/etc/passwd", b""))), 400, "absolute"),
    ("dot-dot path", body_with(archive=archive((f"{PREFIX}/../../x", b""))), 400, "escapes"),
    ("backslash path", body_with(archive=archive((f"{PREFIX}\\..\\x", b""))), 400, "portable"),
    ("dot component", body_with(archive=archive((f"{PREFIX}/./x", b""))), 400, "`.` path"),
    ("outside the folder", body_with(archive=archive(("other-1.0.0/x", b""))), 400, "outside"),
    (
        "symlink",
        body_with(archive=archive(special(f"{PREFIX}/l", tarfile.SYMTYPE, "/etc/passwd"))),
        400,
        "not a regular file",
    ),
    (
        "hard link",
        body_with(archive=archive(special(f"{PREFIX}/h", tarfile.LNKTYPE, f"{PREFIX}/Cargo.toml"))),
        400,
        "not a regular file",
    ),
    (
        "character device",
        body_with(archive=archive(special(f"{PREFIX}/tty", tarfile.CHRTYPE))),
        400,
        "not a regular file",
    ),
    (
        "block device",
        body_with(archive=archive(special(f"{PREFIX}/sda", tarfile.BLKTYPE))),
        400,
        "not a regular file",
    ),
    (
        "fifo",
        body_with(archive=archive(special(f"{PREFIX}/pipe", tarfile.FIFOTYPE))),
        400,
        "not a regular file",
    ),
    (
        "duplicate entry",
        body_with(archive=archive((f"{PREFIX}/src/lib.rs", b""), (f"{PREFIX}/src/lib.rs", b""))),
        400,
        "appears twice",
    ),
    (
        "duplicate Cargo.toml",
        body_with(archive=archive((f"{PREFIX}/Cargo.toml", manifest(NAME, VERSION)))),
        400,
        "appears twice",
    ),
    (
        "no Cargo.toml",
        body_with(archive=archive((f"{PREFIX}/src/lib.rs", b""), with_manifest=False)),
        400,
        "no `target-1.0.0/Cargo.toml`",
    ),
    (
        "Cargo.toml not TOML",
        body_with(archive=archive((f"{PREFIX}/Cargo.toml", b"[package"), with_manifest=False)),
        400,
        "not valid TOML",
    ),
    (
        "Cargo.toml not UTF-8",
        body_with(archive=archive((f"{PREFIX}/Cargo.toml", b"a = '\xff'"), with_manifest=False)),
        400,
        "not valid TOML",
    ),
    (
        "Cargo.toml nested too deeply",
        body_with(
            archive=archive((f"{PREFIX}/Cargo.toml", b"a = " + b"[" * 50_000), with_manifest=False)
        ),
        400,
        "nested too deeply",
    ),
    (
        "Cargo.toml without [package]",
        body_with(archive=archive((f"{PREFIX}/Cargo.toml", b"x = 1\n"), with_manifest=False)),
        400,
        "no [package] table",
    ),
    (
        "Cargo.toml names another crate",
        body_with(
            archive=archive(
                (f"{PREFIX}/Cargo.toml", manifest("other", VERSION)), with_manifest=False
            )
        ),
        400,
        "describes `other@1.0.0`",
    ),
    (
        "Cargo.toml has another version",
        body_with(
            archive=archive((f"{PREFIX}/Cargo.toml", manifest(NAME, "1.0.1")), with_manifest=False)
        ),
        400,
        "describes `target@1.0.1`",
    ),
    (
        "metadata and archive for another crate than the folder",
        publish_body(metadata("other", VERSION), crate(NAME, VERSION)),
        400,
        "outside the `other-1.0.0/` folder",
    ),
    # -- refused by the registry's rules -----------------------------------------------------
    ("crate over the upload limit", body_with(archive=bytes(MAX_UPLOAD + 1)), 413, "max upload"),
    (
        "version already published",
        publish_body(metadata("existing", "1.0.0"), crate("existing", "1.0.0")),
        400,
        "already uploaded",
    ),
    (
        "same version with other build metadata",
        publish_body(metadata("existing", "1.0.0+build"), crate("existing", "1.0.0+build")),
        400,
        "already uploaded",
    ),
    (
        "name differing only in case",
        publish_body(metadata("Existing", "2.0.0"), crate("Existing", "2.0.0")),
        400,
        "previously named `existing`",
    ),
]


@pytest.fixture(scope="module")
def registry() -> Iterator[FakeRegistry]:
    """A registry holding existing 1.0.0, shared by every case of the table."""
    with FakeRegistry(max_upload_size=MAX_UPLOAD, max_unpacked_size=MAX_UNPACKED) as reg:
        body = publish_body(metadata("existing", "1.0.0"), crate("existing", "1.0.0"))
        assert http(reg, "PUT", "/api/v1/crates/new", body=body, token=reg.token).status == 200
        yield reg
        reg.check_errors()


def test_the_table_is_large_enough() -> None:
    assert len(CASES) >= 40
    assert len({case[0] for case in CASES}) == len(CASES)


@pytest.mark.parametrize(
    ("body", "status", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_malformed_publish_is_refused_and_changes_nothing(
    registry: FakeRegistry, body: bytes, status: int, fragment: str
) -> None:
    before = root_state(registry)
    answer = http(registry, "PUT", "/api/v1/crates/new", body=body, token=registry.token)
    detail = assert_cargo_error(answer, status)
    assert fragment in detail
    assert root_state(registry) == before
    assert registry.errors == []


def test_the_registry_still_publishes_after_the_table(registry: FakeRegistry) -> None:
    body = publish_body(metadata("fresh", "0.1.0"), crate("fresh", "0.1.0"))
    answer = http(registry, "PUT", "/api/v1/crates/new", body=body, token=registry.token)
    assert answer.status == 200
    assert registry.crate_file("fresh", "0.1.0") == crate("fresh", "0.1.0")
