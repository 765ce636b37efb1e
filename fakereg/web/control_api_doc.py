"""The control API's reference page, ``docs/reference/control-api.md``, written from its
description (``control_api.json``): ``python -m fakereg.web.control_api_doc PAGE``."""

from __future__ import annotations

import json
import sys
from importlib.resources import files
from pathlib import Path
from typing import Any


def load() -> dict[str, Any]:
    """The control API's description, parsed."""
    text = files("fakereg.web").joinpath("control_api.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _keys(keys: dict[str, dict[str, Any]]) -> str:
    shown = []
    for name, spec in keys.items():
        note = f" ({spec['doc']})" if spec.get("doc") else ""
        shown.append(f"`{name}`{'*' if spec['required'] else ''}: {spec['type']}{note}")
    return _cell("; ".join(shown))


def _answer(route: dict[str, Any]) -> str:
    answer = route["answer"]
    if answer == "env":
        return "an object: variable → value"
    text = ", ".join(f"`{key}`" for key in answer)
    for field, keys in route.get("items", {}).items():
        text += f"; each of `{field}`: " + ", ".join(f"`{key}`" for key in keys)
    return text


def _side(route: dict[str, Any], side: str) -> str:
    name = route[side]
    return f"`{name}`" if name else _cell(f"none: {route[f'{side}_reason']}")


def render(description: dict[str, Any] | None = None) -> str:
    """The page, as Markdown."""
    doc = description or load()
    prefix = doc["prefix"]
    lines = [
        "# The control API",
        "",
        "<!-- Generated from fakereg/web/control_api.json by "
        "`python -m fakereg.web.control_api_doc docs/reference/control-api.md`; "
        "do not edit by hand. -->",
        "",
        f"Every route is under `{prefix}`; {doc['auth']}; {doc['errors']}. "
        "Request keys marked `*` are required. How to use it: "
        "[Other languages](../how-to/other-languages.md).",
        "",
        "| route | what it does | request | answer | Python | Node | Rust |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for route in doc["routes"]:
        body = route.get("body") or {}
        request = _keys({**route.get("query", {}), **body.get("keys", {})})
        if "query" in route:
            request = f"query: {request}"
        if body.get("list"):
            request += " (or a list of such objects)"
        if "raw" in body:
            request = f"body: {body['raw']}"
        cells = [
            f"`{route['method']} {prefix}{route['path']}`",
            _cell(route["summary"]),
            request,
            _answer(route),
            _side(route, "python"),
            _side(route, "node"),
            _side(route, "rust"),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    """Write the page to the path given."""
    Path(argv[0]).write_text(render(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
