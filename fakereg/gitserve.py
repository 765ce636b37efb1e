"""The git index over HTTP: dulwich's smart and dumb protocols, read-only."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, BinaryIO

from dulwich.errors import NotGitRepository
from dulwich.repo import Repo
from dulwich.server import Backend
from dulwich.web import make_wsgi_chain
from werkzeug.wrappers import Request, Response

from .errors import ApiError
from .gitindex import GitIndex
from .http import BODY_KEY, error_response

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

PREFIX = "/git/index"
MAX_RECORDED_BODY = 1024 * 1024


class _Backend(Backend):
    """Opens a fresh handle per request on the one repository, and remembers it to close."""

    def __init__(self, git: GitIndex) -> None:
        self._git = git
        self._opened = threading.local()

    def open_repository(self, path: str | bytes) -> Repo:
        text = path.decode("utf-8", "replace") if isinstance(path, bytes) else path
        if text.strip("/"):
            raise NotGitRepository(f"no repository at {path!r}")
        repo = self._git.open()
        self._opened.__dict__.setdefault("repos", []).append(repo)
        return repo

    def close_opened(self) -> None:
        for repo in self._opened.__dict__.pop("repos", []):
            repo.close()


class _TeeInput:
    """Passes reads through and keeps the first bytes for the request record."""

    def __init__(self, stream: BinaryIO, environ: dict[str, Any]) -> None:
        self._stream = stream
        self._environ = environ
        environ[BODY_KEY] = b""

    def _keep(self, data: bytes) -> bytes:
        kept = self._environ[BODY_KEY]
        if len(kept) < MAX_RECORDED_BODY:
            self._environ[BODY_KEY] = kept + data[: MAX_RECORDED_BODY - len(kept)]
        return data

    def read(self, size: int = -1) -> bytes:
        return self._keep(self._stream.read(size))

    def readline(self, size: int = -1) -> bytes:
        return self._keep(self._stream.readline(size))


class GitHttp:
    """Serves ``/git/index/…`` from the bare repository; pushes are refused."""

    def __init__(self, git: GitIndex) -> None:
        self._backend = _Backend(git)
        self._app = make_wsgi_chain(self._backend)

    def __call__(self, request: Request, path: str = "") -> Response:
        if "git-receive-pack" in (path, request.args.get("service")):
            raise ApiError(403, "the git index of this registry is read-only: pushes are refused")
        environ: dict[str, Any] = dict(request.environ)
        environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + PREFIX
        environ["PATH_INFO"] = "/" + path
        if environ.get("wsgi.input_terminated"):
            # werkzeug has already de-chunked the body: dulwich must not do it again.
            environ.pop("HTTP_TRANSFER_ENCODING", None)
        environ["wsgi.input"] = _TeeInput(environ["wsgi.input"], environ)
        started: dict[str, Any] = {}
        chunks: list[bytes] = []

        def write(data: bytes) -> int:
            chunks.append(data)
            return len(data)

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            started["status"], started["headers"] = status, headers
            return write

        try:
            chunks.extend(self._app(environ, start_response))
        finally:
            self._backend.close_opened()
        request.environ[BODY_KEY] = environ[BODY_KEY]
        body = b"".join(chunks)
        status = int(str(started["status"]).split()[0])
        if status >= 400:
            detail = body.decode("utf-8", "replace").strip() or "refused"
            return error_response(status, f"git index: {detail}")
        return Response(body, status=started["status"], headers=started["headers"])
