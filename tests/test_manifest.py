"""Normalized manifests read back as publish metadata, in every form cargo has written."""

from __future__ import annotations

from typing import Any

import pytest

from fakereg.domain.cratefile import parse_manifest
from fakereg.domain.manifest import ManifestError, metadata_from_manifest, toml_document

HEAD = '[package]\nname = "x"\nversion = "1.0.0"\n'


def metadata(text: str) -> dict[str, Any]:
    return metadata_from_manifest(parse_manifest(text.encode()))


def test_old_cargo_forms_are_understood() -> None:
    # cargo before 1.64 wrote `[project]`-era and underscore spellings; keep reading them.
    meta = metadata(
        """
[project]
name = "old"
version = "0.1.0"
authors = ["A <a@example.com>"]
license-file = "LICENSE"
readme = "README.md"

[dependencies]
short = "0.2"

[dependencies.long]
version = "=1.0.0"
default_features = false
features = ["x"]

[dev_dependencies.testing]
version = "1"

[build_dependencies.builder]
version = "~2"

[target."cfg(target_os = \\"linux\\")".dependencies.linuxy]
version = "*"
"""
    )
    assert meta["name"] == "old"
    assert meta["vers"] == "0.1.0"
    assert meta["license_file"] == "LICENSE"
    assert meta["readme_file"] == "README.md"
    assert meta["authors"] == ["A <a@example.com>"]
    assert [
        (d["name"], d["version_req"], d["kind"], d["target"], d["default_features"])
        for d in meta["deps"]
    ] == [
        ("short", "^0.2", "normal", None, True),
        ("long", "=1.0.0", "normal", None, False),
        ("testing", "^1", "dev", None, True),
        ("builder", "~2", "build", None, True),
        ("linuxy", "*", "normal", 'cfg(target_os = "linux")', True),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[workspace]\nmembers = ["a"]\n', "no \\[package\\] table"),
        ('[package]\nname = "x"\n', "package.version"),
        ('[package]\nname = "x"\nversion = "1.0.0"\nlicense.workspace = true\n', "inherited"),
        (
            '[package]\nname = "x"\nversion = "1.0.0"\n[dependencies]\na.workspace = true\n',
            "inherited",
        ),
        (
            '[package]\nname = "x"\nversion = "1.0.0"\n[dependencies]\na = { path = "../a" }\n',
            "path or git",
        ),
        (
            '[package]\nname = "x"\nversion = "1.0.0"\n[dependencies]\na = "one"\n',
            "invalid version requirement",
        ),
        (
            '[package]\nname = "x"\nversion = "1.0.0"\n[dependencies]\na = 1\n',
            "version string or a table",
        ),
        (
            HEAD + '[dependencies]\na = { version = "1", optional = "yes" }\n',
            "booleans",
        ),
        ('[package]\nname = "x"\nversion = "1.0.0"\n[features]\nf = "dep:a"\n', "list of strings"),
    ],
)
def test_unpackaged_or_broken_manifests_are_refused(text: str, message: str) -> None:
    with pytest.raises(ManifestError, match=message):
        metadata(text)


def test_toml_writer_round_trips_awkward_keys_and_values() -> None:
    text = toml_document(
        [
            (
                ["package"],
                {"name": "q", "description": 'quotes " and \\\\ and \u00e9', "skip": None},
            ),
            (
                ["target", 'cfg(all(unix, target_arch = "x86_64"))', "dependencies", "d"],
                {"version": "1", "optional": True},
            ),
        ],
        "# header\n",
    )
    parsed = parse_manifest(text.encode())
    assert parsed["package"] == {"name": "q", "description": 'quotes " and \\\\ and \u00e9'}
    target = parsed["target"]['cfg(all(unix, target_arch = "x86_64"))']
    assert target["dependencies"]["d"] == {"version": "1", "optional": True}
