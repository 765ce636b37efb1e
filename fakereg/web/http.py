"""Small helpers shared by the handlers: JSON answers, errors, bodies, tokens."""

from __future__ import annotations

import html
import json
from typing import Any

from werkzeug.wrappers import Request, Response

from ..domain.names import is_valid_crate_name, is_valid_version
from ..errors import (
    ApiError,
    ConflictError,
    ExpiredError,
    ForbiddenError,
    InvalidError,
    LimitError,
    NotFoundError,
    PayloadTooLargeError,
    RefusedError,
    UnauthenticatedError,
    UnauthorizedError,
    UnprocessableError,
)
from .context import context_of


def json_response(data: Any, status: int = 200) -> Response:
    return Response(
        json.dumps(data, ensure_ascii=False), status=status, content_type="application/json"
    )


def where_answer(request: Request, url: str) -> Response:
    """crates.io's answer saying where a file is (a download, a README): a 302 to *url*
    without a body, or ``{"url": …}`` when ``Accept`` names JSON (its ``wants_json``, in
    src/util/request_helpers.rs), with ``Vary: accept`` either way."""
    if "json" in request.headers.get("Accept", ""):
        response = json_response({"url": url})
    else:
        response = Response(status=302)
        response.headers["Location"] = url
        del response.headers["Content-Type"]
    response.headers["Vary"] = "accept"
    return response


def error_response(status: int, detail: str, headers: Any = ()) -> Response:
    """Cargo's error shape: ``{"errors":[{"detail": …}]}``."""
    response = json_response({"errors": [{"detail": detail}]}, status)
    for key, value in headers:
        response.headers[key] = value
    return response


#: The status each kind of refusal gets (crates.io answers conflicts with 400 too).
_STATUS: tuple[tuple[type[RefusedError], int], ...] = (
    (NotFoundError, 404),
    (ForbiddenError, 403),
    (UnauthenticatedError, 403),
    (PayloadTooLargeError, 413),
    (ExpiredError, 410),
    (InvalidError, 400),
    (ConflictError, 400),
    (LimitError, 409),
    (UnprocessableError, 422),
    (UnauthorizedError, 401),
)


def refusal(error: ApiError | RefusedError) -> Response:
    """The answer to a refused request, in Cargo's error shape: the one place where the
    domain's errors become HTTP statuses."""
    headers = error.headers if isinstance(error, ApiError) else ()
    return error_response(status_of(error), error.detail, headers)


def status_of(error: ApiError | RefusedError) -> int:
    """The status :func:`refusal` answers *error* with."""
    if isinstance(error, ApiError):
        return error.status
    return next((code for kind, code in _STATUS if isinstance(error, kind)), 400)


def api_json(request: Request, limit: int = 1024 * 1024) -> Any:
    """A crates.io route's JSON body, taken as axum's ``Json`` extractor takes it there
    (before the route looks at the token or the crate): 415 without a JSON content type,
    400 when it does not parse. A body of the wrong shape is the route's to refuse, with
    :func:`wrong_shape`'s 422."""
    mimetype = request.mimetype
    if not (
        mimetype == "application/json"
        or (mimetype.startswith("application/") and mimetype.endswith("+json"))
    ):
        raise ApiError(415, "Expected request with `Content-Type: application/json`")
    body = context_of(request).read_body(request, limit)
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ApiError(400, f"Failed to parse the request body as JSON: {exc}") from None


def wrong_shape(expected: str) -> ApiError:
    """crates.io's 422 for a JSON body of the wrong shape (axum's words, then what the
    route expects)."""
    return ApiError(422, f"Failed to deserialize the JSON body into the target type: {expected}")


def read_json(request: Request, limit: int = 1024 * 1024, *, empty: Any = None) -> Any:
    """The request body parsed as JSON, or a 400; *empty* (when given) for no body."""
    body = context_of(request).read_body(request, limit)
    if empty is not None and not body.strip():
        return empty
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ApiError(400, "the request body is not valid JSON") from None


def checked_version(version: str) -> str:
    """*version* from a route's path, or the 400 crates.io's ``CrateVersionPath`` gives a
    version that is not semver (before the token or the crate is looked at)."""
    if not is_valid_version(version):
        raise ApiError(400, f"invalid semver version `{html.escape(version)}`")
    return version


def checked_crate(name: str) -> str:
    """*name* from a route's path, or the 404 crates.io's ``CratePath`` gives a name that
    cannot be a crate's (before the body, the token or the crate is looked at)."""
    if not is_valid_crate_name(name):
        raise ApiError(404, f"crate `{name}` does not exist")
    return name


def path_i32(raw: str) -> int:
    """An id from a route's path, or the 400 axum's ``Path<i32>`` gives anything else."""
    if not raw.isdigit() or int(raw) > 2**31 - 1:
        raise ApiError(400, f"Invalid URL: Cannot parse `{raw}` to a `i32`")
    return int(raw)


def no_store(response: Response) -> Response:
    """crates.io's ``no_store()`` (util/request_helpers.rs): answers about one's own
    account are never kept by a cache."""
    response.headers["Cache-Control"] = "no-store"
    return response
