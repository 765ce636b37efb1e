"""The request pipeline: every request, answered or replayed, takes the same steps.

route (:mod:`fakereg.web.routes`) → note the crate → a malformed query string → the fault
check → the route's access rule → the handler → keep the answer for replay (routes
declared ``cached``) → the record. Routes that are not the tool's traffic (the control API,
the page) skip the fault check and the record. The server replays kept answers
(:meth:`Pipeline.replay`) after the same fault check, access rule and recorder.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_to_bytes

from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request, Response

from ..domain.names import archive_version
from ..errors import ApiError, RefusedError
from ..storage.accounts import Credential
from ..testing.fault_set import Fault, FaultSet
from ..testing.faults import Answer, Cut, Rewrite
from ..traffic.errorsink import ErrorSink
from ..traffic.kinds import Kind
from ..traffic.memo import BoundedMemo
from ..transport.fastpath import Replayed
from .answer_cache import AnswerCache, CachedAnswer, CacheKey, header_block
from .context import CONTEXT_KEY, RequestContext
from .fault_effects import cut_connection, fault_answer, shape
from .hosts import host_name, misdirected
from .http import error_response, refusal
from .recording import Recorder
from .routing import Access, Match, Route, RouteTable

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment


#: Refusals in a part's own style (the page answers a browser in HTML).
Refuser = Callable[[Request, "ApiError | RefusedError"], Response]
#: The access rules the pipeline enforces: (the ``Authorization`` header, the crate) →
#: nothing, or an :class:`~fakereg.errors.ApiError`/``RefusedError``.
Gate = Callable[["str | None", "str | None"], object]


#: A kept answer as the transport sends it.
Replay = Replayed


class Pipeline:
    """The WSGI application of a registry, and the replay of its kept answers.

    *gates* enforce the :class:`Access` rules the pipeline owns (``READ``, ``ADMIN``);
    *refusers* render refusals of a kind in its part's style (others get Cargo's JSON);
    *replayable* tells whether kept answers may be replayed now (no index delay counting
    reads); errors of ours go to *errors* as well as a 500.
    """

    def __init__(
        self,
        routes: RouteTable,
        recorder: Recorder,
        faults: FaultSet,
        errors: ErrorSink,
        *,
        gates: Mapping[Access, Gate],
        refusers: Mapping[Kind, Refuser],
        cache: AnswerCache,
        replayable: Callable[[], bool],
        read_body: Callable[[Request], object],
        hosts: frozenset[str] | None = None,
    ) -> None:
        self.routes = routes
        self.faults = faults
        self.cache = cache
        self._recorder = recorder
        self._errors = errors
        self._gates = dict(gates)
        self._refusers = dict(refusers)
        self._replayable = replayable
        self._read_body = read_body
        self._hosts = hosts
        # Whether a request naming a Host value is this registry's to answer, by value.
        self._host_allowed: BoundedMemo[str, bool] = BoundedMemo(self._allowed, 256)

    # -- answering -----------------------------------------------------------------------

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        context = environ[CONTEXT_KEY] = RequestContext()
        request = Request(environ)
        found = self.routes.match(request)
        route = found.route
        context.kind = route.kind
        host = environ.get("HTTP_HOST")
        if host and not self._host_allowed(host):
            response = error_response(421, misdirected(host))
            if route.recorded:
                self._recorder.answered(request, context, response, response.get_data())
            return response(environ, start_response)
        if not route.recorded:  # the control API and the page: no fault, no record
            response = self._answer(request, found, context)
            return response(environ, start_response)
        _note_crate(context, found)
        fault = context.fault = self._take_fault(request, found)
        effect = None if fault is None else fault.effect
        if fault is not None and fault.spec.delay:
            time.sleep(fault.spec.delay)
        if isinstance(effect, Cut) and not effect.answered:
            self._recorder.answered(request, context, None, b"")
            cut_connection(effect)
        if isinstance(effect, Answer) and fault is not None:
            response = fault_answer(effect, fault.spec.headers)
            body = response.get_data()
        else:
            if isinstance(effect, Rewrite):
                # The fault rewrites the body: the client must get it, not a 304.
                for header in ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE"):
                    request.environ.pop(header, None)
                request = Request(request.environ)
            response = self._answer(request, found, context)
            body = b"" if response.is_streamed else response.get_data()
            if fault is not None:
                response, body = shape(fault, response, context.crate, context.version)
            elif route.cached:
                self._keep(request, route, context, response, body)
        self._recorder.answered(request, context, response, body)
        return response(environ, start_response)

    def _answer(self, request: Request, found: Match, context: RequestContext) -> Response:
        route = found.route
        try:
            if request.environ.get("QUERY_STRING") and not _well_formed_query(request):
                raise ApiError(400, _MALFORMED_QUERY)
            reader = self._admit(route, request.headers.get("Authorization"), context.crate)
            context.reader = reader if isinstance(reader, Credential) else None
            return route.handler(request, **found.args)
        except (ApiError, RefusedError) as exc:
            return self._refuse(route, request, exc)
        except HTTPException as exc:  # werkzeug's own (a form too large, say)
            detail = ApiError(exc.code or 400, str(exc.description))
            return self._refuse(route, request, detail)
        except Exception as exc:  # a bug of ours: answer, record, and fail the test later
            self._errors.report(exc, f"{route.kind} {request.method} {request.path}")
            return error_response(500, f"internal error in fakereg: {exc!r}")

    def _refuse(self, route: Route, request: Request, exc: ApiError | RefusedError) -> Response:
        refuser = self._refusers.get(route.kind)
        return refusal(exc) if refuser is None else refuser(request, exc)

    def _admit(self, route: Route, authorization: str | None, crate: str | None) -> object:
        """Enforce the route's access rules that the pipeline owns (raise to refuse); what
        the ``READ`` rule found (a private registry's reader), else None."""
        reader = None
        for access, gate in self._gates.items():
            if access in route.access:
                found = gate(authorization, crate)
                if access is Access.READ:
                    reader = found
        return reader

    def _take_fault(self, request: Request, found: Match) -> Fault | None:
        context = request.environ[CONTEXT_KEY]
        if not self.faults:
            return None
        if context.kind is Kind.PUBLISH and self.faults.has(Kind.PUBLISH):
            # Faults may filter on the crate, and their records should name it.
            with contextlib.suppress(ApiError, RefusedError):  # the handler says it again
                self._read_body(request)
        return self.faults.take(context.kind, request.method, context.crate, context.version)

    # -- keeping and replaying answers ---------------------------------------------------

    def _keep(
        self,
        request: Request,
        route: Route,
        context: RequestContext,
        response: Response,
        body: bytes,
    ) -> None:
        """Keep the answer of a cached route when its handler allowed it and nothing that
        changes answers (a fault, an index delay) is in force."""
        hint = context.cache
        if hint is None or request.method != "GET" or request.query_string:
            return
        if response.is_streamed or self.faults or not self._replayable():
            return
        _, status, headers = response.get_wsgi_response(request.environ)
        answer = CachedAnswer(
            route,
            status,
            header_block(headers),
            body,
            context.crate,
            context.version,
            hint,
        )
        key = (
            request.path,
            request.headers.get("If-None-Match"),
            request.headers.get("If-Modified-Since"),
        )
        self.cache.put(key, answer)

    def _allowed(self, host: str) -> bool:
        return self._hosts is None or host_name(host) in self._hosts

    def replay(
        self,
        method: str,
        target: str,
        headers: Mapping[str, str],
        http_version: str = "HTTP/1.1",
    ) -> Replay | None:
        """A kept answer to a GET or HEAD of *target* (*headers* with lowercase names),
        recorded as the pipeline records; None when the pipeline must answer (nothing kept,
        a fault or an index delay in force, the access rule refusing)."""
        if method not in ("GET", "HEAD") or "?" in target or "%" in target or "//" in target:
            return None
        if self.faults or not self._replayable():
            return None
        host = headers.get("host")
        if host and not self._host_allowed(host):
            return None  # the pipeline refuses it, and records that
        try:
            kept = self.cache.get(_key(target, headers))
            if kept is None:
                return None
            context = RequestContext(kind=kept.route.kind, crate=kept.crate, version=kept.version)
            try:
                self._admit(kept.route, headers.get("authorization"), kept.crate)
            except (ApiError, RefusedError):
                return None  # the pipeline refuses it, and records that
            if method == "GET" and kept.hint.on_replay is not None:
                kept.hint.on_replay()
            self._recorder.replayed(
                method, target, headers, context, kept.code, kept.body, http_version
            )
        except Exception as exc:  # a bug of ours: kept for check_errors; the pipeline answers
            self._errors.report(exc, f"replaying {method} {target}")
            return None
        return Replay(kept.status, kept.head, b"" if method == "HEAD" else kept.body)


def _key(path: str, headers: Mapping[str, str]) -> CacheKey:
    return (path, headers.get("if-none-match"), headers.get("if-modified-since"))


def _note_crate(context: RequestContext, found: Match) -> None:
    """Remember which crate and version a request is about, for faults, access and records."""
    args = found.args
    name = args.get("name")
    if context.kind is Kind.INDEX:
        name = str(args.get("path", "")).rsplit("/", 1)[-1]
    if name:
        context.crate = name
    if args.get("version"):
        context.version = args["version"]
    elif name and args.get("archive"):  # {dl}/{name}/{name}-{version}.crate
        context.version = archive_version(name, str(args["archive"]))


_MALFORMED_QUERY = "malformed query string: use %-encoded UTF-8 (RFC 3986), no spaces or controls"
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_QUERY_CHARS = re.compile(r"[\x21-\x7e]*\Z")  # visible ASCII: anything else must be %-encoded


def _well_formed_query(request: Request) -> bool:
    """True when the query string is ASCII, %-encoded correctly, and UTF-8 once decoded."""
    query: str = request.environ["QUERY_STRING"]
    if not _QUERY_CHARS.match(query) or _BAD_PERCENT.search(query):
        return False
    try:
        unquote_to_bytes(query.replace("+", " ")).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def refuse_unrouted(request: Request, allowed: tuple[str, ...] = (), **_: Any) -> Response:
    """The answer to a path no route has (404), or a method the path does not take (405)."""
    if allowed:
        response = error_response(405, f"method {request.method} is not allowed here")
        response.headers["Allow"] = ", ".join(allowed)
        return response
    raise ApiError(404, f"no route for {request.path}")
