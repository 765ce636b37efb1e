"""Methods of a facade that hand their calls to one of its parts, signature and all."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar, overload

P = ParamSpec("P")
R = TypeVar("R")
S = TypeVar("S")


class Delegate(Generic[S, P, R]):
    """``name = Delegate(Part.method, "part")``: ``obj.name(...)`` is ``obj.part.method(...)``.

    *part* names an attribute of the facade, or a method of it returning the part (for a
    part that exists only while the registry runs). The method's signature, types and
    docstring are the part's, declared once.
    """

    def __init__(self, method: Callable[Concatenate[S, P], R], part: str) -> None:
        self._method = method
        self._part = part
        self.__doc__ = method.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.__name__ = name

    @overload
    def __get__(self, obj: None, objtype: type | None = None) -> Delegate[S, P, R]: ...

    @overload
    def __get__(self, obj: object, objtype: type | None = None) -> Callable[P, R]: ...

    def __get__(self, obj: object | None, objtype: type | None = None) -> Any:
        if obj is None:
            return self
        part = getattr(obj, self._part)
        if callable(part):
            part = part()
        bound = functools.partial(self._method, part)
        functools.update_wrapper(bound, self._method)
        return bound
