"""crates.io's categories: slugs, names, descriptions and parents, from its own list.

``categories.toml`` beside this module is crates.io's ``src/boot/categories.toml``. As
crates.io's ``boot/categories.rs`` reads it: a subcategory's slug and name are its
parent's joined with ``::`` (``development-tools::testing``, "Development tools::Testing"),
and a description's whitespace is collapsed to single spaces.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from ..errors import InvalidError
from ..tomlcompat import tomllib


@dataclass(frozen=True)
class Category:
    """One of crates.io's categories."""

    slug: str
    name: str
    description: str

    @property
    def parent(self) -> str | None:
        """The parent's slug, or None for a top-level category."""
        return self.slug.rpartition("::")[0] or None


@cache
def categories() -> dict[str, Category]:
    """Every category by slug, parents before their subcategories."""
    text = files(__package__).joinpath("categories.toml").read_text(encoding="utf-8")
    found: dict[str, Category] = {}
    _read(tomllib.loads(text), None, found)
    return found


def _read(table: dict[str, Any], parent: Category | None, into: dict[str, Category]) -> None:
    for slug, details in table.items():
        description = " ".join(str(details.get("description", "")).split())
        if parent is None:
            category = Category(slug, details["name"], description)
        else:
            category = Category(
                f"{parent.slug}::{slug}", f"{parent.name}::{details['name']}", description
            )
        into[category.slug] = category
        _read(details.get("categories", {}), category, into)


def within(slug: str, category: str) -> bool:
    """True when *slug* is *category* or one of its subcategories (at any depth)."""
    return slug == category or slug.startswith(f"{category}::")


def unknown(slugs: list[str]) -> list[str]:
    """The slugs of *slugs* that are not crates.io's categories (compared lowercase)."""
    known = categories()
    return [slug for slug in slugs if slug.lower() not in known]


def check_categories(slugs: list[str]) -> None:
    """crates.io's rules for a publish's categories (``controllers/krate/publish.rs``):
    at most five, each one of its slugs; InvalidError in its words otherwise."""
    if len(slugs) > 5:
        raise InvalidError("expected at most 5 categories per crate")
    wrong = unknown(slugs)
    if wrong:
        raise InvalidError(
            "The following category slugs are not currently supported on crates.io: "
            f"{', '.join(wrong)}\n\nSee https://crates.io/category_slugs for a list of "
            "supported slugs."
        )


def subcategories(slug: str) -> list[Category]:
    """The direct subcategories of *slug*, by name."""
    return sorted(
        (c for c in categories().values() if c.parent == slug), key=lambda c: c.name.lower()
    )


def ancestors(slug: str) -> list[Category]:
    """The categories above *slug*, the top-level one first."""
    known = categories()
    parts = slug.split("::")
    return [known[s] for s in ("::".join(parts[:n]) for n in range(1, len(parts))) if s in known]
