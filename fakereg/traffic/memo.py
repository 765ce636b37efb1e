"""A bounded memo: what is made once per key and then looked up, for the few distinct
values a long run repeats (header fields, paths, ``Host`` values)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class BoundedMemo(Generic[K, V]):
    """Values made by *make* once per key, at most *size* of them kept: past that all are
    forgotten and made again as they come (a long run's memory stays bounded, whatever
    distinct keys a client sends). Thread-safe as dict operations are: two threads may
    both make a value, and either is kept."""

    __slots__ = ("_found", "_make", "_size")

    def __init__(self, make: Callable[[K], V], size: int) -> None:
        self._found: dict[K, V] = {}
        self._make = make
        self._size = size

    def __call__(self, key: K) -> V:
        """The value for *key*, made on first use."""
        memo = self._found
        found = memo.get(key)
        if found is None:
            if len(memo) >= self._size:
                memo.clear()
            found = memo[key] = self._make(key)
        return found
