"""Checks on uploaded .crate archives."""

from __future__ import annotations

import gzip
import io
import tarfile

import pytest

from fakereg.domain.cratefile import inspect_crate
from fakereg.errors import InvalidError
from fakereg.web.http import status_of
from tests.crates import crate, manifest, tar_gz

LIMIT = 1024 * 1024


def test_valid_crate_lists_files_and_parses_manifest() -> None:
    contents = inspect_crate(crate("foo", "0.1.0"), "foo", "0.1.0", max_unpacked=LIMIT)
    assert sorted(contents.files) == ["Cargo.toml", "src/lib.rs"]
    assert contents.manifest["package"]["name"] == "foo"


def _link(path: str, kind: bytes) -> tarfile.TarInfo:
    info = tarfile.TarInfo(path)
    info.type = kind
    info.linkname = "/etc/passwd"
    return info


@pytest.mark.parametrize(
    ("archive", "message"),
    [
        (b"not gzip at all", "not a gzip archive"),
        (gzip.compress(b"not a tar" * 100, mtime=0), "not a readable gzip tar"),
        (crate("foo", "0.1.0")[:40], "not a readable gzip tar"),
        (tar_gz([("foo-0.1.0/src/lib.rs", b"")]), "no `foo-0.1.0/Cargo.toml`"),
        (tar_gz([("/etc/foo-0.1.0/Cargo.toml", b"")]), "absolute"),
        (tar_gz([("foo-0.1.0/../../evil", b"")]), "escapes the package folder"),
        (tar_gz([("bar-0.1.0/Cargo.toml", b"")]), "outside the `foo-0.1.0/` folder"),
        (tar_gz([("foo-0.1.0\\..\\x", b"")]), "non-portable"),
        (tar_gz([_link("foo-0.1.0/link", tarfile.SYMTYPE)]), "not a regular file"),
        (tar_gz([_link("foo-0.1.0/hard", tarfile.LNKTYPE)]), "not a regular file"),
        (tar_gz([_link("foo-0.1.0/dev", tarfile.CHRTYPE)]), "not a regular file"),
        (
            tar_gz([("foo-0.1.0/Cargo.toml", manifest("foo", "0.1.0"))] * 2),
            "appears twice",
        ),
        (tar_gz([("foo-0.1.0/Cargo.toml", b"[package\n")]), "not valid TOML"),
        (tar_gz([("foo-0.1.0/Cargo.toml", manifest("bar", "0.1.0"))]), "describes `bar@0.1.0`"),
        (tar_gz([("foo-0.1.0/Cargo.toml", manifest("foo", "0.2.0"))]), "describes `foo@0.2.0`"),
        (tar_gz([("foo-0.1.0/Cargo.toml", b"x = 1\n")]), "no [package] table"),
    ],
)
def test_bad_archives_are_refused(archive: bytes, message: str) -> None:
    with pytest.raises(InvalidError) as info:
        inspect_crate(archive, "foo", "0.1.0", max_unpacked=LIMIT)
    assert status_of(info.value) == 400
    assert message in info.value.detail


def test_gzip_bomb_is_refused_before_unpacking() -> None:
    bomb = crate("foo", "0.1.0", {"zeros.bin": bytes(4 * LIMIT)})
    assert len(bomb) < LIMIT // 50
    with pytest.raises(InvalidError, match="unpacks to more than"):
        inspect_crate(bomb, "foo", "0.1.0", max_unpacked=LIMIT)


@pytest.mark.parametrize("form", [tarfile.GNU_FORMAT, tarfile.PAX_FORMAT, tarfile.USTAR_FORMAT])
def test_long_paths_in_every_tar_format(form: int) -> None:
    deep = "foo-0.1.0/" + "/".join(["directory-name"] * 8) + "/lib.rs"
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=form) as tar:
        for path, data in (("foo-0.1.0/Cargo.toml", manifest("foo", "0.1.0")), (deep, b"x")):
            info = tarfile.TarInfo(path)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    contents = inspect_crate(gzip.compress(raw.getvalue()), "foo", "0.1.0", max_unpacked=LIMIT)
    assert contents.files == ("Cargo.toml", deep.removeprefix("foo-0.1.0/"))


def test_a_corrupted_header_is_refused() -> None:
    raw = bytearray(gzip.decompress(crate("foo", "0.1.0")))
    raw[5] ^= 0x01  # inside the first entry's name: its checksum no longer matches
    with pytest.raises(InvalidError, match="checksum does not match"):
        inspect_crate(gzip.compress(bytes(raw)), "foo", "0.1.0", max_unpacked=LIMIT)
    cut = gzip.compress(bytes(raw[:700]))
    with pytest.raises(InvalidError, match="not a readable gzip tar"):
        inspect_crate(cut, "foo", "0.1.0", max_unpacked=LIMIT)
