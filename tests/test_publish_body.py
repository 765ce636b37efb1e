"""Parsing publish bodies and deriving index lines the way crates.io does."""

from __future__ import annotations

import struct

import pytest

from fakereg.domain.publish import check_metadata, index_line, parse_publish_body
from fakereg.errors import InvalidError
from fakereg.web.http import status_of
from tests.crates import dependency, metadata, publish_body


def test_rich_publish_body_becomes_crates_io_index_line() -> None:
    meta = metadata(
        "rich",
        "1.2.3",
        deps=[
            dependency("serde", "^1.0", features=["derive"], optional=True),
            dependency("rand", "^0.8", explicit_name_in_toml="rng"),
            dependency("winapi", "^0.3", target="cfg(windows)"),
            dependency("proptest", "^1", kind="dev", default_features=False),
            dependency("cc", "^1", kind="build"),
            dependency("other", "^2", registry="https://github.com/rust-lang/crates.io-index"),
        ],
        features={
            "default": ["std"],
            "std": [],
            "serde": ["dep:serde"],
            "weak": ["serde?/std"],
        },
        links="rich-sys",
        rust_version="1.70",
    )
    line = index_line(check_metadata(meta), cksum="ab" * 32, pubtime="2026-11-23T10:00:00Z")
    assert list(line) == [
        "name",
        "vers",
        "deps",
        "cksum",
        "features",
        "features2",
        "yanked",
        "links",
        "rust_version",
        "v",
        "pubtime",
    ]
    assert line["features"] == {"default": ["std"], "std": []}
    assert line["features2"] == {"serde": ["dep:serde"], "weak": ["serde?/std"]}
    assert line["v"] == 2
    assert line["links"] == "rich-sys"
    assert line["rust_version"] == "1.70"
    assert line["pubtime"] == "2026-11-23T10:00:00Z"
    deps = line["deps"]
    assert deps[0] == {
        "name": "serde",
        "req": "^1.0",
        "features": ["derive"],
        "optional": True,
        "default_features": True,
        "target": None,
        "kind": "normal",
    }
    assert deps[1]["name"] == "rng"
    assert deps[1]["package"] == "rand"
    assert deps[2]["target"] == "cfg(windows)"
    assert (deps[3]["kind"], deps[3]["default_features"]) == ("dev", False)
    assert deps[4]["kind"] == "build"
    assert deps[5]["registry"] == "https://github.com/rust-lang/crates.io-index"
    assert "registry" not in deps[0]


def test_plain_body_has_no_features2_and_no_v() -> None:
    plain = check_metadata(metadata("plain", "0.1.0"))
    line = index_line(plain, cksum="00" * 32, pubtime="2026-01-02T03:04:05Z")
    assert "features2" not in line
    assert "v" not in line
    assert "rust_version" not in line
    assert line["links"] is None


def test_parse_splits_metadata_and_crate() -> None:
    body = parse_publish_body(publish_body({"name": "x"}, b"CRATE"))
    assert body.metadata == {"name": "x"}
    assert body.crate == b"CRATE"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "too short"),
        (b"\x01\x00", "too short"),
        (struct.pack("<I", 1000) + b"{}", "runs past the end"),
        (struct.pack("<I", 2) + b"{}" + struct.pack("<I", 10) + b"abc", "does not match"),
        (struct.pack("<I", 2) + b"{}" + struct.pack("<I", 1) + b"ab", "does not match"),
        (struct.pack("<I", 2) + b"\xff\xfe" + struct.pack("<I", 0), "not UTF-8"),
        (struct.pack("<I", 2) + b"{]" + struct.pack("<I", 0), "not valid JSON"),
        (struct.pack("<I", 2) + b"[]" + struct.pack("<I", 0), "not a JSON object"),
    ],
)
def test_malformed_bodies(body: bytes, message: str) -> None:
    with pytest.raises(InvalidError) as info:
        parse_publish_body(body)
    assert status_of(info.value) == 400
    assert message in info.value.detail


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "1bad"}, "invalid crate name"),
        ({"vers": "1.0"}, "invalid semver version `1.0`"),
        ({"deps": "x"}, "field `deps` in the metadata has the wrong type"),
        ({"deps": [{"name": "x"}]}, "missing field `version_req`"),
        ({"deps": [dependency("x", kind="weird")]}, "unknown kind `weird`"),
        ({"deps": [dependency("x", "")]}, "empty version requirement"),
        ({"deps": [dependency("x", optional="yes")]}, "field `optional`"),
        ({"features": {"a": "b"}}, "feature `a` must be a list of strings"),
        ({"rust_version": "latest"}, "invalid rust_version"),
        ({"description": 5}, "field `description`"),
        ({"keywords": [1]}, "field `keywords`"),
    ],
)
def test_invalid_metadata(changes: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidError) as info:
        check_metadata(metadata("ok", "1.0.0") | changes)
    assert status_of(info.value) == 400
    assert message in info.value.detail


def test_missing_name_is_reported() -> None:
    meta = metadata("ok", "1.0.0")
    del meta["name"]
    with pytest.raises(InvalidError, match="missing field `name`"):
        check_metadata(meta)


def test_strict_requires_description_and_license() -> None:
    meta = metadata("ok", "1.0.0", description=None, license=None)
    check_metadata(meta)
    with pytest.raises(
        InvalidError, match="missing or empty metadata fields: description, license"
    ):
        check_metadata(meta, strict=True)
    check_metadata(meta | {"description": "d", "license_file": "LICENSE"}, strict=True)
