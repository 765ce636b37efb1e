"""crates.io's categories and keywords: ``/api/v1/categories[/{slug}]``,
``/api/v1/category_slugs`` and ``/api/v1/keywords[/{keyword}]``.

Categories are crates.io's own list (:mod:`fakereg.domain.categories`), counted over this
registry's crates as ``controllers/category.rs`` and its SQL count them: a category's own
``crates_cnt`` counts the crates that name it; in the list, in ``subcategories`` and in
``parent_categories`` a category also counts those of its subcategories. Keywords are
those the crates' last publishes carry (``controllers/keyword.rs``). Lists sort by name,
or ``sort=crates`` by count; pages as crates.io's (``page``, ``per_page``). A tag's
``created_at`` is when the oldest crate carrying it was created (the epoch for none).
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request, Response

from ..domain import categories as known
from ..domain.crateview import EPOCH
from ..errors import ApiError
from . import views
from .http import json_response
from .paging import Pagination
from .read_api import ReadSources


class TagApi:
    """Handlers for the category and keyword routes."""

    def __init__(self, sources: ReadSources) -> None:
        self._catalog = sources.catalog

    def _category(self, slug: str, counts: dict[str, int], *, subtree: bool) -> dict[str, Any]:
        own = [s for s in counts if known.within(s, slug)] if subtree else [slug]
        count = sum(counts.get(s, 0) for s in own)
        created = min((self._created("categories", s) for s in own), default=EPOCH)
        return views.category(slug, created, count)

    def _created(self, kind: str, value: str) -> str:
        return self._catalog.carriers(kind, value)[1] or EPOCH

    def categories(self, request: Request) -> Response:
        """``GET /api/v1/categories``: the top-level categories, with their subcategories'
        crates counted in."""
        paging = Pagination.gather(request)
        counts = self._catalog.counts("categories")
        top = [c for c in known.categories().values() if c.parent is None]
        found = [self._category(c.slug, counts, subtree=True) for c in top]
        if request.args.get("sort") == "crates":
            found.sort(key=lambda c: (-c["crates_cnt"], c["category"]))
        else:
            found.sort(key=lambda c: c["category"])
        shown = found[paging.offset : paging.offset + paging.per_page]
        return json_response({"categories": shown, "meta": {"total": len(top)}})

    def category(self, request: Request, slug: str) -> Response:
        """``GET /api/v1/categories/{slug}``: with its subcategories and parents."""
        found = known.categories().get(slug.lower())
        if found is None:
            raise ApiError(404, "Not Found")
        counts = self._catalog.counts("categories")
        body = self._category(found.slug, counts, subtree=False)
        body["subcategories"] = [
            self._category(c.slug, counts, subtree=True) for c in known.subcategories(found.slug)
        ]
        body["parent_categories"] = [
            self._category(c.slug, counts, subtree=True) for c in known.ancestors(found.slug)
        ]
        return json_response({"category": body})

    def category_slugs(self, request: Request) -> Response:
        """``GET /api/v1/category_slugs``: every slug with its description, by slug."""
        slugs = sorted(known.categories().values(), key=lambda c: c.slug)
        listed = [{"id": c.slug, "slug": c.slug, "description": c.description} for c in slugs]
        return json_response({"category_slugs": listed})

    def keywords(self, request: Request) -> Response:
        """``GET /api/v1/keywords``: the keywords crates carry, by name or count."""
        paging = Pagination.gather(request)
        counts = self._catalog.counts("keywords")
        if request.args.get("sort") == "crates":
            ordered = sorted(counts, key=lambda word: (-counts[word], word))
        else:
            ordered = sorted(counts)
        shown = ordered[paging.offset : paging.offset + paging.per_page]
        words = [views.keyword(w, self._created("keywords", w), counts[w]) for w in shown]
        return json_response({"keywords": words, "meta": {"total": len(counts)}})

    def keyword(self, request: Request, word: str) -> Response:
        """``GET /api/v1/keywords/{keyword}`` (any case); 404 for one no crate carries."""
        count, created = self._catalog.carriers("keywords", word.lower())
        if count == 0 or created is None:
            raise ApiError(404, "Not Found")
        return json_response({"keyword": views.keyword(word.lower(), created, count)})
