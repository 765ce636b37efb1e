"""What crates.io records of a version beyond its index line, from what was published.

crates.io reads these from the manifest inside the ``.crate`` (``controllers/krate/
publish.rs``), falling back on nothing: the publish metadata only carries the README's
text. The targets (``has_lib``, ``bin_names``) are found as ``cargo_manifest`` completes a
manifest from the archive's file list: the manifest's own ``[lib]`` and ``[[bin]]``, then
``src/lib.rs``, ``src/main.rs``, ``src/bin/*.rs`` and ``src/bin/*/main.rs`` unless
``autolib``/``autobins`` turn that off.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from .cratefile import CrateContents
from .shapes import PublishMetadata, VersionDetails

_TEXT_FIELDS = ("description", "homepage", "documentation", "repository", "edition")


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _strings(value: object) -> list[str]:
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, str)]


def version_details(
    metadata: PublishMetadata, contents: CrateContents, *, crate_size: int
) -> VersionDetails:
    """The details of a version published (or imported) as *metadata* with *contents*."""
    manifest = contents.manifest
    package: Mapping[str, Any] = manifest.get("package") or {}
    details: VersionDetails = {}
    for key in _TEXT_FIELDS:
        details[key] = _text(package.get(key))  # type: ignore[literal-required]
    license = _text(package.get("license"))
    if license is None and _text(package.get("license-file")) is not None:
        license = "non-standard"  # as crates.io records a license_file without a license
    details["license"] = license
    details["rust_version"] = _text(package.get("rust-version")) or metadata.get("rust_version")
    details["keywords"] = _strings(package.get("keywords")) or list(metadata.get("keywords", []))
    details["categories"] = _strings(package.get("categories")) or list(
        metadata.get("categories", [])
    )
    name = str(package.get("name", metadata["name"]))
    files = frozenset(contents.files)
    lib = manifest.get("lib")
    has_lib = isinstance(lib, dict) or (
        package.get("autolib") is not False and "src/lib.rs" in files
    )
    details["has_lib"] = has_lib
    lib_name = _text(lib.get("name")) if isinstance(lib, dict) else None
    details["lib_name"] = (lib_name or name.replace("-", "_")) if has_lib else None
    details["bin_names"] = bin_names(manifest, name, files)
    details["crate_size"] = crate_size
    details["has_readme"] = bool(readme_text(metadata, contents))
    details["readme_file"] = metadata.get("readme_file") or contents.readme_file
    return details


def bin_names(manifest: Mapping[str, Any], package: str, files: Collection[str]) -> list[str]:
    """The binaries a crate builds: declared ``[[bin]]`` first, then discovered ones."""
    names: list[str] = []
    declared_paths = set()
    for target in manifest.get("bin") or []:
        if isinstance(target, dict) and isinstance(target.get("name"), str):
            names.append(target["name"])
            if isinstance(target.get("path"), str):
                declared_paths.add(target["path"])
    settings = manifest.get("package") or {}
    if settings.get("autobins") is not False:
        found = []
        if "src/main.rs" in files:
            found.append(("src/main.rs", package))
        for path in sorted(files):
            parts = path.split("/")
            if parts[:2] != ["src", "bin"]:
                continue
            if len(parts) == 3 and parts[2].endswith(".rs"):
                found.append((path, parts[2][:-3]))
            elif len(parts) == 4 and parts[3] == "main.rs":
                found.append((path, parts[2]))
        names += [name for path, name in found if path not in declared_paths]
    return list(dict.fromkeys(names))


def readme_text(metadata: PublishMetadata, contents: CrateContents) -> str | None:
    """The README to keep: the text cargo uploaded, else the archive's own."""
    uploaded = metadata.get("readme")
    return uploaded if uploaded else contents.readme
