"""The WSGI application: routing, error answers and request recording."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from .api import WebApi
from .errors import ApiError
from .http import BODY_KEY, error_response
from .records import HeaderMap, RecordedRequest, RequestLog
from .sparse import SparseIndex

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

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
        Rule("/me", endpoint="me", methods=["GET"]),
        Rule("/git/index", endpoint="git", methods=["GET", "POST"]),
        Rule("/git/index/<path:path>", endpoint="git", methods=["GET", "POST"]),
    ],
    strict_slashes=False,
    merge_slashes=False,
)

# The kind of each endpoint, as recorded requests report it.
ENDPOINT_KINDS = {
    "config": "config",
    "index": "index",
    "search": "search",
    "publish": "publish",
    "download": "download",
    "yank": "yank",
    "unyank": "unyank",
    "owners": "owners",
    "me": "me",
    "git": "git",
}


class RegistryApp:
    """Dispatches requests to the sparse index and the Web API; never lets an error escape."""

    def __init__(
        self,
        sparse: SparseIndex,
        api: WebApi,
        log: RequestLog,
        on_error: Callable[[BaseException], None],
        git: Callable[..., Response] | None = None,
    ) -> None:
        self.log = log
        self._on_error = on_error
        self._handlers: dict[str, Callable[..., Response]] = {
            "config": sparse.config_json,
            "index": sparse.index_file,
            "download": sparse.download,
            "search": api.search,
            "publish": api.publish,
            "yank": api.yank,
            "unyank": api.unyank,
            "owners": api.owners,
            "me": api.me,
            "git": git or _no_git_index,
        }

    def _dispatch(self, request: Request) -> tuple[str, Response]:
        kind = "other"
        try:
            adapter = URL_MAP.bind_to_environ(request.environ)
            endpoint, args = adapter.match()
            kind = ENDPOINT_KINDS[str(endpoint)]
            return kind, self._handlers[str(endpoint)](request, **args)
        except ApiError as exc:
            return kind, error_response(exc.status, exc.detail, exc.headers)
        except MethodNotAllowed as exc:
            allowed = ", ".join(exc.valid_methods or ())
            response = error_response(405, f"method {request.method} is not allowed here")
            response.headers["Allow"] = allowed
            return kind, response
        except HTTPException as exc:
            code = exc.code or 400
            detail = f"no route for {request.path}" if code == 404 else str(exc.description)
            return kind, error_response(code, detail)
        except Exception as exc:  # a bug of ours: answer, record, and fail the test later
            self._on_error(exc)
            return kind, error_response(500, f"internal error in fakereg: {exc!r}")

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        request = Request(environ)
        kind, response = self._dispatch(request)
        self.log.append(_record(request, response, kind, time.perf_counter() - started))
        return response(environ, start_response)


def _no_git_index(request: Request, path: str = "") -> Response:
    raise ApiError(404, "this registry serves no git index (it was started with git_index=False)")


def _record(request: Request, response: Response, kind: str, duration: float) -> RecordedRequest:
    environ: dict[str, Any] = request.environ
    return RecordedRequest(
        method=request.method,
        path=request.path,
        query=request.query_string.decode("latin-1"),
        headers=HeaderMap(request.headers.items()),
        body=environ.get(BODY_KEY, b""),
        status=response.status_code,
        kind=kind,
        response_body=b"" if response.is_streamed else response.get_data(),
        duration=duration,
    )
