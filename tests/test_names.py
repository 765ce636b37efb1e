"""Crate names, index paths and versions."""

from __future__ import annotations

import pytest

from fakereg.domain.names import (
    SemVer,
    canonical_name,
    check_crate_name,
    index_path,
    is_valid_version,
)
from fakereg.errors import InvalidError
from fakereg.web.http import status_of


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("a", "1/a"),
        ("ab", "2/ab"),
        ("abc", "3/a/abc"),
        ("Serde", "se/rd/serde"),
        ("cargo-FOO", "ca/rg/cargo-foo"),
    ],
)
def test_index_path(name: str, path: str) -> None:
    assert index_path(name) == path


@pytest.mark.parametrize("name", ["foo", "Foo_bar-2", "a" * 64])
def test_valid_names(name: str) -> None:
    check_crate_name(name)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "cannot be empty"),
        ("a" * 65, "too long"),
        ("1foo", "must start with an ASCII letter"),
        ("_foo", "must start with an ASCII letter"),
        ("föo", "only ASCII alphanumeric"),
        ("foo.bar", "only ASCII alphanumeric"),
        ("foo/../x", "only ASCII alphanumeric"),
        ("nul", "reserved name"),
        ("Proc-Macro", "reserved name"),
        ("std", "reserved name"),
    ],
)
def test_invalid_names(name: str, message: str) -> None:
    with pytest.raises(InvalidError) as info:
        check_crate_name(name)
    assert status_of(info.value) == 400
    assert message in info.value.detail


def test_canonical_name_folds_case_and_separators() -> None:
    assert canonical_name("Foo-Bar") == canonical_name("foo_bar")


@pytest.mark.parametrize(
    "text", ["0.1.0", "1.2.3-alpha.1", "1.0.0+build.5", "1.0.0-rc.1+x", "10.20.30"]
)
def test_valid_versions(text: str) -> None:
    assert is_valid_version(text)


@pytest.mark.parametrize("text", ["1", "1.0", "01.0.0", "1.0.0-", "1.0.0-01", "v1.0.0", "1.0.0 "])
def test_invalid_versions(text: str) -> None:
    assert not is_valid_version(text)


def test_semver_precedence() -> None:
    ordered = [
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.beta",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
        "1.0.1",
        "1.10.0",
    ]
    assert sorted(ordered[::-1], key=SemVer) == ordered
    assert SemVer("1.0.0+a") == SemVer("1.0.0+b")
    assert SemVer("1.0.0-rc.1").is_prerelease
