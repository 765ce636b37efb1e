"""crates.io's pagination (``controllers/helpers/pagination.rs``): pages and seek keys.

``per_page`` defaults to 10 and may not pass 100; ``page`` counts from 1 and, where a
route limits it, may not pass 200; ``seek`` is an opaque key, URL-safe base64 (no padding)
of a JSON array, that a ``next_page`` link carries. A route says which of the two styles
it takes.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlencode

from werkzeug.wrappers import Request

from ..errors import ApiError

T = TypeVar("T")

DEFAULT_PER_PAGE = 10
MAX_PER_PAGE = 100
MAX_PAGE = 200  # crates.io's ``max_allowed_page_offset``


@dataclass(frozen=True)
class Pagination:
    """One request's page: a number, a seek key, or neither (the first page)."""

    per_page: int
    page: int | None
    seek: tuple[object, ...] | None

    @property
    def offset(self) -> int:
        return ((self.page or 1) - 1) * self.per_page

    @classmethod
    def gather(
        cls, request: Request, *, pages: bool = True, seek: bool = False, limit_pages: bool = False
    ) -> Pagination:
        """The pagination *request* asks for, or a 400 with crates.io's words."""
        page = _positive(request, "page")
        raw_seek = request.args.get("seek")
        if raw_seek is not None and page is not None:
            raise ApiError(400, "providing both ?page= and ?seek= is unsupported")
        if page is not None and not pages:
            raise ApiError(400, "?page= is not supported for this request")
        if page is not None and limit_pages and page > MAX_PAGE:
            raise ApiError(
                400,
                f"Page {page} is unavailable for performance reasons. Please take a look at "
                "https://crates.io/data-access for alternatives.",
            )
        if raw_seek is not None and not seek:
            raise ApiError(400, "?seek= is not supported for this request")
        per_page = _positive(request, "per_page") or DEFAULT_PER_PAGE
        if per_page > MAX_PER_PAGE:
            raise ApiError(400, f"cannot request more than {MAX_PER_PAGE} items")
        return cls(per_page, page, None if raw_seek is None else decode_seek(raw_seek))


def _positive(request: Request, key: str) -> int | None:
    raw = request.args.get(key)
    if raw is None:
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise ApiError(400, f"invalid `{key}`: expected a positive whole number, got `{raw}`")
    return int(raw)


def encode_seek(key: Sequence[object]) -> str:
    """A seek parameter for *key*: URL-safe base64 of its JSON, without padding."""
    data = json.dumps(list(key), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def decode_seek(text: str) -> tuple[object, ...]:
    """The key of a seek parameter; 400 ``invalid seek parameter`` when it is not one."""
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        key = json.loads(data)
    except (binascii.Error, ValueError, RecursionError):
        raise ApiError(400, "invalid seek parameter") from None
    if not isinstance(key, list):
        raise ApiError(400, "invalid seek parameter")
    return tuple(key)


def seek_start(
    items: Sequence[T],
    seek: Sequence[object],
    key: Callable[[T], Sequence[object]],
    *,
    descending: bool = False,
) -> int:
    """Where the items after the seek key *seek* start in *items*, sorted by *key*
    (ascending, or *descending*); 400 ``invalid seek parameter`` for a key of another
    order (one that does not compare with *key*'s)."""
    after = tuple(seek)
    try:
        if descending:
            return next((i for i, item in enumerate(items) if tuple(key(item)) < after), len(items))
        return bisect.bisect_right(items, after, key=lambda item: tuple(key(item)))
    except TypeError:
        raise ApiError(400, "invalid seek parameter") from None


def query_with(request: Request, **params: str) -> str:
    """The request's query string with *params* set (crates.io's ``next_page`` links)."""
    pairs = [(k, v) for k, v in request.args.items(multi=True) if k not in params]
    pairs += list(params.items())
    return "?" + urlencode(pairs)
