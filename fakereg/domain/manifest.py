"""Normalized ``Cargo.toml`` files: writing them, and reading one back as publish metadata.

A ``.crate`` holds the manifest cargo rewrote for publishing ("normalized"): no paths, no
workspace inheritance, every dependency a table. :func:`metadata_from_manifest` turns such a
manifest into the JSON metadata ``cargo publish`` would have sent, so that an imported crate
gets the same index line as a published one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import tomli_w

from ..errors import ManifestError
from .deps import normalize_req

__all__ = ["ManifestError", "metadata_from_manifest", "toml_document"]

_SECTIONS = {
    "dependencies": "normal",
    "dev-dependencies": "dev",
    "dev_dependencies": "dev",
    "build-dependencies": "build",
    "build_dependencies": "build",
}
_TEXT_FIELDS = {
    "description": "description",
    "documentation": "documentation",
    "homepage": "homepage",
    "license": "license",
    "license-file": "license_file",
    "repository": "repository",
    "links": "links",
    "rust-version": "rust_version",
}
_LIST_FIELDS = ("authors", "keywords", "categories")


# -- writing ---------------------------------------------------------------------------


def toml_document(tables: Iterable[tuple[Iterable[str], Mapping[str, object]]], header: str) -> str:
    """*header*, then the tables (``[a.b."c(d)"]`` and their keys; None values left out),
    written by tomli-w, the writer that pairs with tomllib."""
    document: dict[str, Any] = {}
    for path, values in tables:
        node = document
        for part in path:
            node = node.setdefault(part, {})
        node.update((key, value) for key, value in values.items() if value is not None)
    return f"{header}\n{tomli_w.dumps(document)}"


# -- reading ---------------------------------------------------------------------------


def _text(value: object, where: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict) and value.get("workspace") is True:
        raise ManifestError(f"{where} is inherited from a workspace: package the crate first")
    raise ManifestError(f"{where} must be a string")


def _strings(value: object, where: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, dict) and value.get("workspace") is True:
        raise ManifestError(f"{where} is inherited from a workspace: package the crate first")
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ManifestError(f"{where} must be a list of strings")
    return list(value)


def _dependency(key: str, spec: object, kind: str, target: str | None) -> dict[str, Any]:
    where = f"dependency `{key}`"
    if isinstance(spec, str):
        spec = {"version": spec}
    if not isinstance(spec, dict):
        raise ManifestError(f"{where} must be a version string or a table")
    if spec.get("workspace") is True:
        raise ManifestError(f"{where} is inherited from a workspace: package the crate first")
    if ("path" in spec or "git" in spec) and "version" not in spec:
        raise ManifestError(
            f"{where} is a path or git dependency without a version: "
            "not a packaged crate (run `cargo package` first)"
        )
    package = _text(spec.get("package"), f"`package` of {where}")
    req = _text(spec.get("version"), f"`version` of {where}") or "*"
    try:
        req = normalize_req(req)
    except ValueError as exc:
        raise ManifestError(f"{where}: {exc}") from None
    default_features = spec.get("default-features", spec.get("default_features", True))
    optional = spec.get("optional", False)
    if not isinstance(default_features, bool) or not isinstance(optional, bool):
        raise ManifestError(f"`optional` and `default-features` of {where} must be booleans")
    return {
        "name": package or key,
        "version_req": req,
        "features": _strings(spec.get("features"), f"`features` of {where}"),
        "optional": optional,
        "default_features": default_features,
        "target": target,
        "kind": kind,
        "registry": _text(spec.get("registry-index"), f"`registry-index` of {where}"),
        "explicit_name_in_toml": key if package else None,
    }


def _dependency_tables(manifest: Mapping[str, Any]) -> Iterable[tuple[str | None, str, Any]]:
    yield from ((None, section, manifest.get(section)) for section in _SECTIONS)
    targets = manifest.get("target") or {}
    if not isinstance(targets, dict):
        raise ManifestError("`target` must be a table")
    for target, tables in targets.items():
        if not isinstance(tables, dict):
            raise ManifestError(f"`target.{target}` must be a table")
        yield from ((target, section, tables.get(section)) for section in _SECTIONS)


def metadata_from_manifest(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """The metadata ``cargo publish`` sends for the package of a normalized manifest.

    Dependencies of every kind and target, renames (``package``), ``registry-index``,
    features, ``links`` and ``rust-version`` are kept; requirements are written as cargo
    sends them (``1.2`` becomes ``^1.2``). A dependency without ``registry-index`` (in
    ``Cargo.toml``: from crates.io) comes from the registry the crate is added to.
    """
    package = manifest.get("package", manifest.get("project"))
    if not isinstance(package, dict):
        raise ManifestError("no [package] table (a workspace manifest is not a crate)")
    name = _text(package.get("name"), "`package.name`")
    version = _text(package.get("version"), "`package.version`")
    if not name or not version:
        raise ManifestError("`package.name` and `package.version` are required")
    deps = []
    for target, section, table in _dependency_tables(manifest):
        if table is None:
            continue
        if not isinstance(table, dict):
            raise ManifestError(f"`{section}` must be a table")
        deps += [_dependency(key, spec, _SECTIONS[section], target) for key, spec in table.items()]
    features = manifest.get("features") or {}
    if not isinstance(features, dict):
        raise ManifestError("`features` must be a table")
    metadata: dict[str, Any] = {
        "name": name,
        "vers": version,
        "deps": deps,
        "features": {key: _strings(v, f"feature `{key}`") for key, v in features.items()},
    }
    for key, field in _TEXT_FIELDS.items():
        metadata[field] = _text(package.get(key), f"`package.{key}`")
    for key in _LIST_FIELDS:
        metadata[key] = _strings(package.get(key), f"`package.{key}`")
    readme = package.get("readme")
    metadata["readme_file"] = readme if isinstance(readme, str) else None
    return metadata
