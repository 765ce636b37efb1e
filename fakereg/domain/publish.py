"""The body of ``PUT /api/v1/crates/new``: parsing, validation and the index line it yields."""

from __future__ import annotations

import json
import re
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, cast

from ..errors import InvalidError
from .names import check_crate_name, check_version, is_valid_crate_name
from .shapes import (
    IndexDependency,
    IndexLine,
    PublishDependency,
    PublishMetadata,
)

DEPENDENCY_KINDS = ("normal", "dev", "build")
_RUST_VERSION_RE = re.compile(r"(?:0|[1-9][0-9]*)(?:\.(?:0|[1-9][0-9]*)){0,2}\Z")
_U32 = struct.Struct("<I")


@dataclass(frozen=True)
class PublishBody:
    """A publish request split into its two parts."""

    metadata: dict[str, Any]
    crate: bytes


def _bad(detail: str) -> InvalidError:
    return InvalidError(f"invalid upload request: {detail}")


def parse_publish_body(body: bytes) -> PublishBody:
    """Split ``u32 json_len, json, u32 crate_len, crate`` strictly; nothing may trail."""
    if len(body) < _U32.size:
        raise _bad("the body is too short to hold the metadata length")
    (json_len,) = _U32.unpack_from(body, 0)
    json_end = _U32.size + json_len
    if json_end + _U32.size > len(body):
        raise _bad(
            f"the metadata length ({json_len} bytes) runs past the end of the body "
            f"({len(body)} bytes)"
        )
    (crate_len,) = _U32.unpack_from(body, json_end)
    crate_start = json_end + _U32.size
    if crate_start + crate_len != len(body):
        raise _bad(
            f"the .crate length ({crate_len} bytes) does not match the "
            f"{len(body) - crate_start} bytes that follow it"
        )
    try:
        metadata = json.loads(body[_U32.size : json_end].decode("utf-8"))
    except UnicodeDecodeError:
        raise _bad("the metadata is not UTF-8") from None
    except ValueError as exc:
        raise _bad(f"the metadata is not valid JSON ({exc})") from None
    except RecursionError:
        raise _bad("the metadata is nested too deeply") from None
    if not isinstance(metadata, dict):
        raise _bad("the metadata is not a JSON object")
    return PublishBody(metadata=metadata, crate=body[crate_start:])


def _field(obj: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if key not in obj:
        raise _bad(f"missing field `{key}` in {where}")
    value = obj[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise _bad(f"field `{key}` in {where} has the wrong type")
    return value


def _optional_str(obj: Mapping[str, Any], key: str, where: str) -> str | None:
    value = obj.get(key)
    if value is not None and not isinstance(value, str):
        raise _bad(f"field `{key}` in {where} must be a string or null")
    return value


def _str_list(obj: Mapping[str, Any], key: str, where: str, *, required: bool) -> list[str]:
    if key not in obj and not required:
        return []
    value = _field(obj, key, list, where)
    if not all(isinstance(item, str) for item in value):
        raise _bad(f"field `{key}` in {where} must be a list of strings")
    return list(value)


def _check_features(features: Any) -> dict[str, list[str]]:
    if not isinstance(features, dict):
        raise _bad("field `features` must be an object")
    for key, values in features.items():
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise _bad(f"feature `{key}` must be a list of strings")
    return features


def _check_dependency(dep: Any, index: int) -> None:
    where = f"dependency #{index + 1}"
    if not isinstance(dep, dict):
        raise _bad(f"{where} is not an object")
    name = _field(dep, "name", str, where)
    if not is_valid_crate_name(name):
        raise _bad(f"{where} has an invalid crate name `{name}`")
    if not _field(dep, "version_req", str, where).strip():
        raise _bad(f"{where} (`{name}`) has an empty version requirement")
    _str_list(dep, "features", where, required=True)
    _field(dep, "optional", bool, where)
    _field(dep, "default_features", bool, where)
    _optional_str(dep, "target", where)
    if _field(dep, "kind", str, where) not in DEPENDENCY_KINDS:
        raise _bad(f"{where} (`{name}`) has an unknown kind `{dep['kind']}`")
    _optional_str(dep, "registry", where)
    rename = _optional_str(dep, "explicit_name_in_toml", where)
    if rename is not None and not is_valid_crate_name(rename):
        raise _bad(f"{where} is renamed to an invalid name `{rename}`")


def check_metadata(
    metadata: Mapping[str, Any], *, strict: bool = False, new_publish: bool = True
) -> PublishMetadata:
    """Raise :class:`InvalidError` unless *metadata* is a publish request crates.io takes.

    ``strict`` adds crates.io's metadata rules (description, and license or license_file).
    ``new_publish=False`` checks only what cargo needs of a version that a registry has
    already accepted (an import): the rules that gate new publishes, reserved names among
    them, are left out.
    """
    where = "the metadata"
    check_crate_name(_field(metadata, "name", str, where), reserved=new_publish)
    check_version(_field(metadata, "vers", str, where))
    deps = _field(metadata, "deps", list, where)
    for i, dep in enumerate(deps):
        _check_dependency(dep, i)
    _check_features(_field(metadata, "features", dict, where))
    for key in ("authors", "keywords", "categories"):
        _str_list(metadata, key, where, required=False)
    for key in (
        "description",
        "documentation",
        "homepage",
        "readme",
        "readme_file",
        "license",
        "license_file",
        "repository",
        "links",
        "rust_version",
    ):
        _optional_str(metadata, key, where)
    rust_version = metadata.get("rust_version")
    if rust_version is not None and not _RUST_VERSION_RE.match(rust_version):
        raise _bad(f"invalid rust_version `{rust_version}`")
    if strict:
        missing = [] if (metadata.get("description") or "").strip() else ["description"]
        if not (metadata.get("license") or metadata.get("license_file")):
            missing.append("license")
        if missing:
            raise InvalidError(
                f"missing or empty metadata fields: {', '.join(missing)}. Please see "
                "https://doc.rust-lang.org/cargo/reference/manifest.html for more "
                "information on configuring these fields"
            )
    return cast(PublishMetadata, metadata)


def pubtime_now() -> str:
    """The current time the way cargo accepts ``pubtime``: ``YYYY-MM-DDTHH:MM:SSZ``."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _is_new_syntax(values: list[str]) -> bool:
    return any(v.startswith("dep:") or "?/" in v for v in values)


def _index_dependency(dep: PublishDependency) -> IndexDependency:
    rename = dep.get("explicit_name_in_toml")
    entry: IndexDependency = {
        "name": rename if rename is not None else dep["name"],
        "req": dep["version_req"],
        "features": list(dep["features"]),
        "optional": dep["optional"],
        "default_features": dep["default_features"],
        "target": dep.get("target"),
        "kind": dep["kind"],
    }
    if dep.get("registry") is not None:
        entry["registry"] = dep["registry"]
    if rename is not None:
        entry["package"] = dep["name"]
    return entry


def index_line(metadata: PublishMetadata, *, cksum: str, pubtime: str) -> IndexLine:
    """The index entry crates.io derives from a (checked) publish request.

    ``version_req`` becomes ``req``; a renamed dependency is listed under its name in
    ``Cargo.toml`` with the real crate in ``package``; features using ``dep:`` or ``?/``
    go to ``features2`` and mark the line ``"v": 2``.
    """
    features: dict[str, list[str]] = {}
    features2: dict[str, list[str]] = {}
    for key, values in metadata["features"].items():
        (features2 if _is_new_syntax(values) else features)[key] = list(values)
    # (the keys in crates.io's order: lines are compared byte for byte)
    line: dict[str, Any] = {
        "name": metadata["name"],
        "vers": metadata["vers"],
        "deps": [_index_dependency(dep) for dep in metadata["deps"]],
        "cksum": cksum,
        "features": features,
    }
    if features2:
        line["features2"] = features2
    line["yanked"] = False
    line["links"] = metadata.get("links")
    if metadata.get("rust_version") is not None:
        line["rust_version"] = metadata["rust_version"]
    if features2:
        line["v"] = 2
    line["pubtime"] = pubtime
    return cast(IndexLine, line)
