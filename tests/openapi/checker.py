"""Answers checked against crates.io's OpenAPI document: the schema of a path, method and
status, and every place an answer leaves it.

crates.io's document is OpenAPI 3.1, whose schemas are JSON Schema 2020-12; ``jsonschema``
validates against them, with a ``referencing`` registry holding the document itself so that
``$ref: "#/components/schemas/…"`` resolves. Our rules on top of the document:

- **The listed properties are the only ones.** The document never says
  ``additionalProperties: false``, but crates.io's types are Rust structs that serialize
  exactly their fields, so an object schema that lists ``properties`` (and says nothing of
  ``additionalProperties``) is closed here: any other field is a violation. Composed schemas
  are closed where they are composed (``allOf`` and ``oneOf``/``anyOf`` beside
  ``properties``), with ``unevaluatedProperties: false``, so ``ApiTokenWithToken`` (an
  ``ApiToken`` and ``token``) accepts its ``token``.
- **Formats are checked**: ``date-time`` (RFC 3339), ``date``, ``email``, and the integer
  formats ``int32``/``int64`` (their ranges).
- **The status must be in the document**: the exact code, or its range (``4XX``, ``5XX``:
  ``ApiErrorResponse``).
- **An answer with content** must say ``Content-Type: application/json`` and parse; **one
  without** (``204``) must have an empty body; a **redirect** (``302``) must carry the
  headers the document lists (``location``) and no JSON body.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

import jsonschema
from jsonschema import FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

HERE = Path(__file__).resolve().parent
PUBLIC = HERE / "crates-io.openapi.json"
INTERNAL = HERE / "crates-io-internal.openapi.json"
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
#: Where the open copies of the components live (for ``allOf`` members, see the module doc).
OPEN = "x-fakereg-open-schemas"

JSON = dict[str, Any]


@dataclass(frozen=True)
class Violation:
    """One place an answer leaves its schema: a JSON path (``$`` for the whole answer, or
    ``header:…``) and what is wrong there."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass(frozen=True)
class Operation:
    """A method of a path template in the document (``GET /api/v1/crates/{name}``)."""

    method: str
    path: str

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"


# -- closing the schemas -------------------------------------------------------------------


def _close(schema: Any, closed: bool = True) -> None:
    """Close every object schema below *schema* in place (see the module's doc): *closed*
    False for a schema that is one part of a composition, closed by its owner."""
    if not isinstance(schema, dict):
        return
    for sub in schema.get("properties", {}).values():
        _close(sub)
    for key in ("items", "additionalProperties", "not"):
        _close(schema.get(key))
    composed = "allOf" in schema or (
        "properties" in schema and ("oneOf" in schema or "anyOf" in schema)
    )
    for member in schema.get("allOf", ()):
        _close(member, closed=False)
    for key in ("oneOf", "anyOf"):
        for member in schema.get(key, ()):
            _close(member, closed=closed and not composed)
    ref = schema.get("$ref")
    if not closed and isinstance(ref, str) and ref.startswith("#/components/schemas/"):
        schema["$ref"] = ref.replace("/components/schemas/", f"/components/{OPEN}/", 1)
    open_ended = "additionalProperties" in schema or "unevaluatedProperties" in schema
    if closed and not open_ended and ("properties" in schema or composed):
        schema["unevaluatedProperties"] = False


def closed_document(document: Mapping[str, Any]) -> JSON:
    """A copy of *document* whose object schemas are closed, with an open copy of each
    component for the compositions that refer to one."""
    result: JSON = copy.deepcopy(dict(document))
    components = result.setdefault("components", {})
    schemas = components.get("schemas", {})
    opened = copy.deepcopy(schemas)
    for schema in schemas.values():
        _close(schema)
    for schema in opened.values():
        _close(schema, closed=False)
    components[OPEN] = opened
    for operation in result.get("paths", {}).values():
        for method in METHODS:
            for answer in operation.get(method, {}).get("responses", {}).values():
                for content in answer.get("content", {}).values():
                    _close(content.get("schema"))
    return result


# -- formats -------------------------------------------------------------------------------

_DATE_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$", re.ASCII
)


def _date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if _DATE_TIME.match(value) is None:
        return False
    return _date(value[:10])


def _date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        return len(value) == 10 and date.fromisoformat(value) is not None
    except ValueError:
        return False


def _email(value: object) -> bool:
    return not isinstance(value, str) or "@" in value


def _within(bits: int) -> Any:
    low, high = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1

    def check(value: object) -> bool:
        return not isinstance(value, int) or isinstance(value, bool) or low <= value <= high

    return check


def format_checker() -> FormatChecker:
    """The formats crates.io's document uses, asserted."""
    checker = FormatChecker(formats=())
    checker.checks("date-time")(_date_time)
    checker.checks("date")(_date)
    checker.checks("email")(_email)
    checker.checks("int32")(_within(32))
    checker.checks("int64")(_within(64))
    return checker


# -- the document --------------------------------------------------------------------------


def _pointer(*parts: str) -> str:
    return "/" + "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


def _range_of(status: int) -> str:
    return f"{status // 100}XX"


class OpenApiDocument:
    """One of crates.io's OpenAPI documents, and answers checked against it."""

    def __init__(self, path: Path, uri: str | None = None) -> None:
        self.path = path
        self.raw: JSON = json.loads(path.read_text(encoding="utf-8"))
        self.uri = uri or f"urn:fakereg:openapi:{path.name}"

    @cached_property
    def _registry(self) -> Registry[Any]:
        resource: Resource[Any] = DRAFT202012.create_resource(closed_document(self.raw))
        registry: Registry[Any] = Registry().with_resource(self.uri, resource)
        return registry

    @cached_property
    def _formats(self) -> FormatChecker:
        return format_checker()

    def operations(self) -> list[Operation]:
        """Every method of every path of the document, in its order."""
        return [
            Operation(method, path)
            for path, item in self.raw["paths"].items()
            for method in METHODS
            if method in item
        ]

    def has(self, operation: Operation) -> bool:
        return operation.method in self.raw["paths"].get(operation.path, {})

    def statuses(self, operation: Operation) -> list[str]:
        """The response keys of *operation* (``"200"``, ``"4XX"``, …)."""
        return list(self._operation(operation)["responses"])

    def _operation(self, operation: Operation) -> JSON:
        try:
            found: JSON = self.raw["paths"][operation.path][operation.method]
        except KeyError:
            raise KeyError(f"{operation} is not in {self.path.name}") from None
        return found

    def response_key(self, operation: Operation, status: int) -> str | None:
        """The key of the document's response for *status*: the code itself, its range
        (``4XX``), ``default``, or None when the document has none."""
        responses = self._operation(operation)["responses"]
        for key in (str(status), _range_of(status), "default"):
            if key in responses:
                return key
        return None

    def check(
        self,
        operation: Operation,
        status: int,
        body: bytes,
        headers: Mapping[str, str] | None = None,
    ) -> list[Violation]:
        """Every violation of the document by an answer of *operation* with *status*,
        *body* and *headers* (any case); [] when it follows the document."""
        fields = {key.lower(): value for key, value in (headers or {}).items()}
        key = self.response_key(operation, status)
        if key is None:
            listed = ", ".join(self.statuses(operation))
            return [Violation("$", f"status {status} is not in the document ({listed})")]
        response: JSON = self._operation(operation)["responses"][key]
        found = list(self._check_headers(response, fields))
        content = response.get("content")
        if not content:
            return found + list(self._check_no_content(status, body, fields))
        if "application/json" not in content:  # (crates.io's document has only JSON)
            return [*found, Violation("$", f"no JSON content for {key} in the document")]
        content_type = fields.get("content-type", "")
        if content_type.split(";")[0].strip().lower() != "application/json":
            return [*found, Violation("header:content-type", f"{content_type!r}, not JSON")]
        try:
            instance = json.loads(body)
        except ValueError as exc:
            return [*found, Violation("$", f"the body is not JSON: {exc}")]
        where = _pointer("paths", operation.path, operation.method, "responses", key)
        where += _pointer("content", "application/json", "schema")
        return found + self.validate(instance, f"{self.uri}#{where}")

    def validate(self, instance: Any, ref: str) -> list[Violation]:
        """Violations of the schema at *ref* (a URI with a JSON pointer) by *instance*."""
        validator = jsonschema.Draft202012Validator(
            {"$ref": ref}, registry=self._registry, format_checker=self._formats
        )
        return [
            Violation(error.json_path, error.message)
            for top in validator.iter_errors(instance)
            for error in _leaves(top)
        ]

    def component(self, name: str) -> str:
        """The reference to a component schema, for :meth:`validate`."""
        return f"{self.uri}#/components/schemas/{name}"

    def _check_headers(
        self, response: Mapping[str, Any], fields: Mapping[str, str]
    ) -> Iterator[Violation]:
        for name in response.get("headers", {}):
            if name.lower() not in fields:
                yield Violation(f"header:{name.lower()}", "missing")

    def _check_no_content(
        self, status: int, body: bytes, fields: Mapping[str, str]
    ) -> Iterator[Violation]:
        if 300 <= status < 400:  # a redirect: its body (if any) is not the API's
            if fields.get("content-type", "").startswith("application/json"):
                yield Violation("$", f"a {status} with a JSON body")
        elif body:
            yield Violation("$", f"a {status} has no content, but the body is {body[:80]!r}")


def _leaves(error: jsonschema.ValidationError) -> Iterator[jsonschema.ValidationError]:
    """The errors that say what is wrong: for a failed ``oneOf``/``anyOf``, those of the
    alternatives of the instance's type (``{"type": "null"}`` or a ``User``: the ``User``'s
    errors for an object); else the error itself."""
    if not error.context:
        yield error
        return
    by_branch: dict[object, list[jsonschema.ValidationError]] = {}
    for sub in error.context:
        by_branch.setdefault(sub.relative_schema_path[0], []).append(sub)
    near = [
        errors
        for errors in by_branch.values()
        if not any(e.validator == "type" and not e.relative_path for e in errors)
    ]
    if not near:  # no alternative of this type: the error says so
        yield error
        return
    for sub in min(near, key=len):
        yield from _leaves(sub)


def load(path: Path = INTERNAL) -> OpenApiDocument:
    """The document at *path* (crates.io's internal one, a superset of the public one,
    by default)."""
    return OpenApiDocument(path)
