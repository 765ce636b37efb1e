"""Routes as small typed objects, and the table that matches a request to one of them.

A :class:`Route` says everything the pipeline needs to know about a request before its
handler runs: its :class:`~fakereg.Kind` (so whether it is recorded and may be faulted), who
may make it (:class:`Access`), whether its answer may be replayed from the answer cache, and
its handler. :mod:`fakereg.web.routes` declares every route of a registry once, in one
table; this module only matches.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import Flag, auto
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import BaseConverter, Map, Rule
from werkzeug.wrappers import Request, Response

from ..traffic.kinds import Kind

#: A route's handler: the request and the values of the rule's placeholders.
Handler = Callable[..., Response]


class Access(Flag):
    """Who may make a request. The pipeline enforces ``READ`` and ``ADMIN`` itself, for
    replayed answers too; ``TOKEN`` and ``SESSION`` rules need what only the handler knows
    (the crate named in a publish body, a crate's owners, a page session)."""

    #: Anyone: a route with no rule of its own (the fake GitHub's, a refusal).
    ANYONE = 0
    #: A reader of the registry: anyone on a public registry; on a private one
    #: (``auth_required``) a token that may read, and read the crate the route names.
    READ = auto()
    #: A registry token, checked by the handler with its scopes (publish, yank, owners…).
    TOKEN = auto()
    #: The control API's admin token (``Authorization: Bearer <admin token>``).
    ADMIN = auto()
    #: The web page's own rules: its sessions, the admin URL, a private registry's sign-in.
    SESSION = auto()


class SemverConverter(BaseConverter):
    """A path segment that may be a version: it starts with a digit, so that a static
    route beside it (``owners``, ``versions``) wins, with its 405, as on crates.io."""

    regex = r"[0-9][^/]*"


class CrateConverter(BaseConverter):
    """A crate name beside ``/api/v1/crates/new``: any segment but ``new``, so that the
    static route answers its path (a 405 for another method), as on crates.io."""

    regex = r"(?!new(?![^/]))[^/]+"


@dataclass(frozen=True)
class Route:
    """One route: a werkzeug rule and its methods, and what a request of it is.

    A *fallback* route answers what no other route matches under its path (a 404 or,
    given ``allowed``, a 405 in the style of its part: the control API's JSON, the page's
    HTML); its handler takes ``allowed``, the methods the path has elsewhere.
    """

    rule: str
    methods: tuple[str, ...]
    kind: Kind
    handler: Handler
    access: Access = Access.ANYONE
    #: The answer may be kept and replayed by the server (index files, config, downloads).
    cached: bool = False
    fallback: bool = False
    defaults: Mapping[str, Any] | None = field(default=None, compare=False)

    @property
    def recorded(self) -> bool:
        """Whether requests of this route go to the journal (not the control API's or the
        page's: the journal shows the tool under test)."""
        return self.kind.recorded

    @property
    def faultable(self) -> bool:
        """Whether faults may fire on this route (the same routes as are recorded)."""
        return self.kind.recorded


@dataclass(frozen=True)
class Match:
    """What the table found: the route and its arguments."""

    route: Route
    args: dict[str, Any]


class RouteTable:
    """Every route of a registry; :meth:`match` finds the one a request is for.

    A path no route has, or a method a path does not take, matches the fallback route
    whose rule covers the path, if any (with ``allowed`` for a 405), else *not_found*.
    """

    def __init__(self, routes: Iterable[Route], not_found: Handler) -> None:
        self.routes: tuple[Route, ...] = tuple(routes)
        self._not_found = Route("", (), Kind.OTHER, not_found)
        self._main, self._main_routes = self._map(fallback=False)
        self._fallbacks, self._fallback_routes = self._map(fallback=True)

    def _map(self, *, fallback: bool) -> tuple[Map, tuple[Route, ...]]:
        chosen = tuple(route for route in self.routes if route.fallback == fallback)
        shape = tuple(
            (
                route.rule,
                None if fallback else route.methods,
                tuple(sorted(route.defaults.items())) if route.defaults else None,
            )
            for route in chosen
        )
        return _compiled(shape), chosen

    def match(self, request: Request) -> Match:
        """The route *request* is for, and its arguments."""
        allowed: tuple[str, ...] = ()
        try:
            index, args = self._main.bind_to_environ(request.environ).match()
            return Match(self._main_routes[index], dict(args))
        except MethodNotAllowed as exc:
            allowed = tuple(exc.valid_methods or ())
        except HTTPException:
            pass
        try:
            index, _ = self._fallbacks.bind_to_environ(request.environ).match()
        except HTTPException:
            return Match(self._not_found, {"allowed": allowed})
        return Match(self._fallback_routes[index], {"allowed": allowed})


#: A route as werkzeug matches it: rule, methods (None: any), defaults.
_Shape = tuple[str, "tuple[str, ...] | None", "tuple[tuple[str, Any], ...] | None"]


@functools.lru_cache(maxsize=16)
def _compiled(shapes: tuple[_Shape, ...]) -> Map:
    """werkzeug's matcher for routes of these shapes, endpoints their positions: compiled
    once per process (it costs milliseconds), shared by every registry's table."""
    return Map(
        [
            Rule(
                rule,
                endpoint=index,
                methods=None if methods is None else list(methods),
                defaults=None if defaults is None else dict(defaults),
            )
            for index, (rule, methods, defaults) in enumerate(shapes)
        ],
        strict_slashes=False,
        merge_slashes=False,
        converters={"semver": SemverConverter, "crate": CrateConverter},
    )
