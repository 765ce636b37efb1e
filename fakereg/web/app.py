"""The WSGI application: routing, faults, error answers and request recording."""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_to_bytes

from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import BaseConverter, Map, Rule
from werkzeug.wrappers import Request, Response

from ..errors import ApiError, RefusedError
from ..testing.faults import Answer, Cut, Fault, FaultSet, Rewrite
from ..traffic.errorsink import ErrorSink
from ..traffic.log import RequestLog
from ..traffic.records import RawRequest
from .api import WebApi
from .context import CONTEXT_KEY, RequestContext
from .fault_effects import cut_connection, describe, fault_answer, shape
from .http import error_response, refusal
from .lists import ListApi
from .pages import WebPages, is_page
from .read_api import ReadApi
from .sparse import SparseIndex
from .trustpub import TrustpubApi

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment


class SemverConverter(BaseConverter):
    """A path segment that may be a version: it starts with a digit, so that a static
    route beside it (``owners``, ``versions``) wins, with its 405, as on crates.io."""

    regex = r"[0-9][^/]*"


URL_MAP = Map(
    [
        Rule("/index/config.json", endpoint="config", methods=["GET"]),
        Rule("/index/<path:path>", endpoint="index", methods=["GET"]),
        Rule("/api/v1/crates", endpoint="search", methods=["GET"]),
        Rule("/api/v1/crates/new", endpoint="publish", methods=["PUT"]),
        Rule("/api/v1/crates/<name>/<version>/download", endpoint="download", methods=["GET"]),
        Rule("/api/v1/crates/<name>/<version>/yank", endpoint="yank", methods=["DELETE"]),
        Rule("/api/v1/crates/<name>/<version>/unyank", endpoint="unyank", methods=["PUT"]),
        Rule("/api/v1/crates/<name>/owners", endpoint="owners", methods=["GET", "PUT", "DELETE"]),
        # crates.io's read API (an endpoint's kind is its name up to any ":")
        Rule("/api/v1/summary", endpoint="summary", methods=["GET"]),
        Rule("/api/v1/me", endpoint="me:api", methods=["GET"]),
        Rule("/api/v1/users/<login>", endpoint="user", methods=["GET"]),
        Rule("/api/v1/crates/<name>", endpoint="crate", methods=["GET"]),
        Rule("/api/v1/crates/<name>/versions", endpoint="versions", methods=["GET"]),
        Rule("/api/v1/crates/<name>/downloads", endpoint="crate_downloads", methods=["GET"]),
        Rule(
            "/api/v1/crates/<name>/reverse_dependencies",
            endpoint="reverse_dependencies",
            methods=["GET"],
        ),
        Rule("/api/v1/crates/<name>/owner_user", endpoint="owner_user", methods=["GET"]),
        Rule("/api/v1/crates/<name>/owner_team", endpoint="owner_team", methods=["GET"]),
        Rule("/api/v1/crates/<name>/<semver:version>", endpoint="version", methods=["GET"]),
        Rule(
            "/api/v1/crates/<name>/<semver:version>",
            endpoint="update_version",
            methods=["PATCH"],
        ),
        Rule(
            "/api/v1/crates/<name>/<semver:version>/dependencies",
            endpoint="dependencies",
            methods=["GET"],
        ),
        Rule("/api/v1/crates/<name>/<semver:version>/readme", endpoint="readme", methods=["GET"]),
        Rule(
            "/api/v1/crates/<name>/<semver:version>/downloads",
            endpoint="crate_downloads:version",
            methods=["GET"],
        ),
        Rule("/readmes/<name>/<file>", endpoint="readme:page", methods=["GET"]),
        # trusted publishing, and the fake GitHub that plays the CI side of it
        Rule(
            "/api/v1/trusted_publishing/tokens",
            endpoint="trusted_publishing",
            methods=["POST", "DELETE"],
        ),
        Rule(
            "/api/v1/trusted_publishing/github_configs",
            endpoint="trustpub_config",
            methods=["GET", "POST"],
        ),
        Rule(
            "/api/v1/trusted_publishing/github_configs/<int:config_id>",
            endpoint="trustpub_config:one",
            methods=["DELETE"],
        ),
        Rule("/_github/idtoken", endpoint="oidc", methods=["GET"]),
        Rule("/_github/oidc/.well-known/<document>", endpoint="oidc:well_known", methods=["GET"]),
        Rule("/me", endpoint="me", methods=["GET"]),
        Rule("/git/index", endpoint="git", methods=["GET", "POST"]),
        Rule("/git/index/<path:path>", endpoint="git", methods=["GET", "POST"]),
    ],
    strict_slashes=False,
    merge_slashes=False,
    converters={"semver": SemverConverter},
)

Handler = Callable[..., Response]
#: Kinds of request that are not the tool's traffic: the control API and the web page.
_UNRECORDED = frozenset({"control", "page"})


class RegistryApp:
    """Dispatches requests to the sparse index, the Web API, the git index and the page.

    Faults fire between routing and answering; every request is recorded; no error of
    ours escapes as anything but a 500 with Cargo's error shape.
    """

    def __init__(
        self,
        sparse: SparseIndex,
        api: WebApi,
        read: ReadApi,
        lists: ListApi,
        trusted: TrustpubApi,
        pages: WebPages,
        log: RequestLog,
        errors: ErrorSink,
        git: Handler | None = None,
        faults: FaultSet | None = None,
        control: Handler | None = None,
    ) -> None:
        self.log = log
        self.faults = faults if faults is not None else FaultSet()
        self._api = api
        self._errors = errors
        self._handlers: dict[str, Handler] = {
            "config": sparse.config_json,
            "index": sparse.index_file,
            "download": sparse.download,
            "search": lists.search,
            "publish": api.publish,
            "yank": api.yank,
            "unyank": api.unyank,
            "owners": api.owners,
            "me": pages.me,
            "page": pages,
            "me:api": lists.me,
            "summary": lists.summary,
            "user": lists.user,
            "reverse_dependencies": lists.reverse_dependencies,
            "crate": read.crate,
            "versions": read.versions,
            "version": read.version,
            "update_version": read.update_version,
            "dependencies": read.dependencies,
            "readme": read.readme,
            "readme:page": read.readme_page,
            "crate_downloads": read.version_downloads,
            "crate_downloads:version": read.version_downloads,
            "owner_user": read.owner_user,
            "owner_team": read.owner_team,
            "trusted_publishing": trusted.tokens,
            "trustpub_config": trusted.github_configs,
            "trustpub_config:one": trusted.github_config,
            "oidc": trusted.id_token,
            "oidc:well_known": trusted.well_known,
            "git": git or _no_git_index,
            "control": control or _no_route,
        }

    def _route(self, request: Request) -> tuple[str, Handler, dict[str, Any]]:
        if request.environ.get("QUERY_STRING") and not _well_formed_query(request):
            return "other", _bad_query, {}
        path = request.path
        if path == "/__fakereg" or path.startswith("/__fakereg/"):
            return "control", self._handlers["control"], {}
        if is_page(path):
            return "page", self._handlers["page"], {}
        if path.startswith("/index/") and request.method in ("GET", "HEAD"):
            # The hot path (what URL_MAP would find, without its matching cost).
            rest = path[len("/index/") :]
            if rest and rest != "config.json":
                return "index", self._handlers["index"], {"path": rest}
        try:
            endpoint, args = URL_MAP.bind_to_environ(request.environ).match()
        except MethodNotAllowed as exc:
            return "other", _method_not_allowed(exc.valid_methods or ()), {}
        except HTTPException:
            return "other", _no_route, {}
        return str(endpoint).split(":", 1)[0], self._handlers[str(endpoint)], dict(args)

    def _answer(self, request: Request, handler: Handler, args: dict[str, Any]) -> Response:
        try:
            return handler(request, **args)
        except (ApiError, RefusedError) as exc:
            return refusal(exc)
        except HTTPException as exc:
            return error_response(exc.code or 400, str(exc.description))
        except Exception as exc:  # a bug of ours: answer, record, and fail the test later
            self._errors.report(exc, "app")
            return error_response(500, f"internal error in fakereg: {exc!r}")

    def _take_fault(self, request: Request, context: RequestContext) -> Fault | None:
        if not self.faults:
            return None
        if context.kind == "publish" and self.faults.has("publish"):
            # Faults may filter on the crate, and their records should name it.
            with contextlib.suppress(ApiError, RefusedError):  # the handler says it again
                self._api.publish_body(request)
        return self.faults.take(context.kind, request.method, context.crate, context.version)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        context = environ[CONTEXT_KEY] = RequestContext()
        request = Request(environ)
        context.kind, handler, args = self._route(request)
        if context.kind in _UNRECORDED:  # not the tool's traffic: no faults, no record
            return self._answer(request, handler, args)(environ, start_response)
        _note_crate(context, args)
        fault = context.fault = self._take_fault(request, context)
        effect = None if fault is None else fault.effect
        if fault is not None and fault.spec.delay:
            time.sleep(fault.spec.delay)
        if isinstance(effect, Cut):
            self.log.append_raw(_record(request, context, None, b""))
            cut_connection(effect, request)
        if isinstance(effect, Answer) and fault is not None:
            response = fault_answer(effect, fault.spec.headers)
            body = response.get_data()
        else:
            if isinstance(effect, Rewrite):
                # The fault rewrites the body: the client must get it, not a 304.
                for header in ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE"):
                    request.environ.pop(header, None)
                request = Request(request.environ)
            response = self._answer(request, handler, args)
            body = b"" if response.is_streamed else response.get_data()
            if fault is not None:
                response, body = shape(fault, response, context.crate, context.version)
        self.log.append_raw(_record(request, context, response, body))
        return response(environ, start_response)


def _note_crate(context: RequestContext, args: dict[str, Any]) -> None:
    """Remember which crate and version a request is about, for faults and records."""
    name = args.get("name")
    if context.kind == "index":
        name = str(args.get("path", "")).rsplit("/", 1)[-1]
    if name:
        context.crate = name
    if args.get("version"):
        context.version = args["version"]


def _method_not_allowed(valid: Iterable[str]) -> Handler:
    def handler(request: Request, **_: Any) -> Response:
        response = error_response(405, f"method {request.method} is not allowed here")
        response.headers["Allow"] = ", ".join(valid)
        return response

    return handler


def _environ_headers(environ: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """The request's headers from the WSGI environ (what ``request.headers`` iterates, faster)."""
    headers = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers.append((key[5:].replace("_", "-").title(), _latin1_to_text(value)))
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            headers.append((key.replace("_", "-").title(), _latin1_to_text(value)))
    return tuple(headers)


def _latin1_to_text(value: str) -> str:
    try:
        return value.encode("latin-1").decode()
    except UnicodeError:
        return value


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


def _bad_query(request: Request, **_: Any) -> Response:
    raise ApiError(
        400, "malformed query string: use %-encoded UTF-8 (RFC 3986), no spaces or controls"
    )


def _no_route(request: Request, **_: Any) -> Response:
    raise ApiError(404, f"no route for {request.path}")


def _no_git_index(request: Request, path: str = "") -> Response:
    raise ApiError(404, "this registry serves no git index (it was started with git_index=False)")


def _record(
    request: Request, context: RequestContext, response: Response | None, body: bytes
) -> RawRequest:
    """What the log keeps of this request (status 0: the connection was cut instead)."""
    return RawRequest(
        method=request.method,
        path=request.path,
        query=request.query_string.decode("latin-1"),
        headers=_environ_headers(request.environ),
        body=context.body or b"",
        status=0 if response is None else response.status_code,
        kind=context.kind,
        response_body=body,
        duration=time.perf_counter() - context.started,
        crate=context.crate,
        version=context.version,
        fault=None if context.fault is None else describe(context.fault),
        at=context.arrived,
    )
