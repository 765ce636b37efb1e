"""The git index over HTTP: dulwich's smart and dumb protocols, read-only."""

from __future__ import annotations

import io
import threading
import zlib
from collections import OrderedDict
from typing import Any, BinaryIO

from dulwich.errors import GitProtocolError, NotGitRepository
from dulwich.repo import Repo
from dulwich.server import Backend
from dulwich.web import make_wsgi_chain
from werkzeug.wrappers import Request, Response

from ..errors import ApiError
from ..storage.gitindex import GitIndex
from ..storage.gitsync import GitSync
from .context import RequestContext, context_in, context_of
from .http import error_response

PREFIX = "/git/index"
MAX_RECORDED_BODY = 1024 * 1024
MAX_UPLOAD_PACK_REQUEST = 64 * 1024 * 1024


class _Backend(Backend):
    """Opens a fresh handle per request on the one repository, and remembers it to close."""

    def __init__(self, git: GitIndex) -> None:
        self._git = git
        self._opened = threading.local()

    def open_repository(self, path: str | bytes) -> Repo:
        text = path.decode("utf-8", "replace") if isinstance(path, bytes) else path
        if text.strip("/"):
            raise NotGitRepository(f"no repository at {path!r}")
        opened: list[Repo] = self._opened.__dict__.setdefault("repos", [])
        if not opened:  # dulwich asks twice per request: one handle serves both
            opened.append(self._git.open())
        return opened[0]

    def close_opened(self) -> None:
        for repo in self._opened.__dict__.pop("repos", []):
            repo.close()


class _TeeInput:
    """Passes reads through and keeps the first bytes for the request record."""

    def __init__(self, stream: BinaryIO, context: RequestContext) -> None:
        self._stream = stream
        self._context = context
        context.body = b""

    def _keep(self, data: bytes) -> bytes:
        kept = self._context.body or b""
        if len(kept) < MAX_RECORDED_BODY:
            self._context.body = kept + data[: MAX_RECORDED_BODY - len(kept)]
        return data

    def read(self, size: int = -1) -> bytes:
        return self._keep(self._stream.read(size))

    def readline(self, size: int = -1) -> bytes:
        return self._keep(self._stream.readline(size))


def _read_all(environ: dict[str, Any]) -> bytes:
    stream = environ["wsgi.input"]
    length = environ.get("CONTENT_LENGTH")
    if length and not environ.get("wsgi.input_terminated"):
        data: bytes = stream.read(min(int(length), MAX_UPLOAD_PACK_REQUEST))
    else:
        data = stream.read(MAX_UPLOAD_PACK_REQUEST)
    if environ.pop("HTTP_CONTENT_ENCODING", "") == "gzip":
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        data = inflater.decompress(data, MAX_UPLOAD_PACK_REQUEST)
        if inflater.unconsumed_tail:
            raise ValueError(f"it inflates to more than {MAX_UPLOAD_PACK_REQUEST} bytes")
    return data


def _pkt_lines(body: bytes) -> list[bytes] | None:
    """Split a pkt-line stream into raw packets (flush-pkts included), or None if malformed."""
    packets, pos = [], 0
    while pos < len(body):
        try:
            size = int(body[pos : pos + 4], 16)
        except ValueError:
            return None
        if size == 0:
            size = 4
        elif size < 4 or pos + size > len(body):
            return None
        packets.append(body[pos : pos + size])
        pos += size
    return packets


def _shallow_lines_first(packets: list[bytes]) -> list[bytes]:
    """The request's first section with its ``shallow`` lines before its ``deepen`` lines.

    git sends ``shallow`` lines and then ``deepen``; gix (``cargo -Zgitoxide
    -Zgit=shallow-index``) sends ``deepen`` first. git's upload-pack reads them in any order
    until the flush-pkt; dulwich's stops at ``deepen`` and fails on the ``shallow`` lines
    after it. Put in git's order, the request means the same to both.
    """
    end = next((i for i, packet in enumerate(packets) if packet == b"0000"), len(packets))
    section = packets[:end]
    payloads = [packet[4:] for packet in section]
    deepens = [i for i, p in enumerate(payloads) if p.startswith(b"deepen")]
    if not deepens or not any(p.startswith(b"shallow ") for p in payloads[deepens[0] + 1 :]):
        return packets
    shallows = [
        packet for packet, p in zip(section, payloads, strict=True) if p.startswith(b"shallow ")
    ]
    deepen = [section[i] for i in deepens]
    others = [
        packet
        for packet, p in zip(section, payloads, strict=True)
        if not p.startswith((b"shallow ", b"deepen"))
    ]
    return others + shallows + deepen + packets[end:]


def normalized_fetch(body: bytes) -> bytes:
    """An upload-pack request as dulwich reads it the way git would.

    ``shallow`` lines go before ``deepen`` (:func:`_shallow_lines_first`). A fetch from a
    shallow clone that asks for no new depth is made a plain fetch: dulwich's upload-pack
    expects ``deepen`` after ``shallow`` lines and fails on the flush-pkt of such a request.
    Dropping the ``shallow`` lines makes it a plain fetch; dropping the ``have`` lines too
    makes the server send every object the wanted commits reach, so the shallow client
    never misses one (an old blob reused by a new commit, as an unyank does, is outside its
    history). The client stays shallow.
    """
    packets = _pkt_lines(body)
    if packets is None:
        return body
    reordered = _shallow_lines_first(packets)
    payloads = [p[4:] for p in reordered]
    if not any(p.startswith(b"shallow ") for p in payloads):
        return body
    if any(p.startswith(b"deepen") for p in payloads):
        return b"".join(reordered)
    return b"".join(
        packet
        for packet, payload in zip(reordered, payloads, strict=True)
        if not payload.startswith((b"shallow ", b"have "))
    )


_PackKey = tuple[bytes, bytes]  # the branch's commit, the request
_PackAnswer = tuple[str, list[tuple[str, str]], bytes]  # status, headers, body


class _PackCache:
    """Recent upload-pack answers, by branch commit and request: a fetch that another
    client made of the same commits (every cold clone of one index) is answered at once."""

    max_entries = 16
    max_bytes = 64 * 1024 * 1024

    def __init__(self) -> None:
        self._answers: OrderedDict[_PackKey, _PackAnswer] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: _PackKey) -> _PackAnswer | None:
        with self._lock:
            found = self._answers.get(key)
            if found is not None:
                self._answers.move_to_end(key)
            return found

    def put(
        self, key: tuple[bytes, bytes], answer: tuple[str, list[tuple[str, str]], bytes]
    ) -> None:
        if len(answer[2]) > self.max_bytes // 4:
            return
        with self._lock:
            if key in self._answers:
                return
            self._answers[key] = answer
            self._size += len(answer[2])
            while len(self._answers) > self.max_entries or self._size > self.max_bytes:
                _, (_, _, body) = self._answers.popitem(last=False)
                self._size -= len(body)


class GitHttp:
    """Serves ``/git/index/…`` from the bare repository; pushes are refused."""

    def __init__(self, git: GitSync) -> None:
        self._git = git
        self._backend = _Backend(git.git)
        self._app = make_wsgi_chain(self._backend)
        self._packs = _PackCache()

    @staticmethod
    def _rewrite_upload_pack_request(environ: dict[str, Any]) -> bytes:
        try:
            received = _read_all(environ)
        except (OSError, EOFError, ValueError, zlib.error) as exc:
            raise ApiError(400, f"unreadable git request body: {exc}") from None
        context_in(environ).body = received[:MAX_RECORDED_BODY]  # recorded as git sent it
        data = normalized_fetch(received)
        environ["wsgi.input"] = io.BytesIO(data)
        environ["CONTENT_LENGTH"] = str(len(data))
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        return data

    def __call__(self, request: Request, path: str = "") -> Response:
        if "git-receive-pack" in (path, request.args.get("service")):
            raise ApiError(403, "the git index of this registry is read-only: pushes are refused")
        self._git.serving()  # made on first use, its config.json this registry's
        if path == "info/refs":
            self._git.deferred.poll()  # every fetch starts here, smart or dumb
        environ: dict[str, Any] = dict(request.environ)
        environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + PREFIX
        environ["PATH_INFO"] = "/" + path
        if environ.get("wsgi.input_terminated"):
            # werkzeug has already de-chunked the body: dulwich must not do it again.
            environ.pop("HTTP_TRANSFER_ENCODING", None)
        key = None
        if path == "git-upload-pack" and request.method == "POST":
            key = (self._git.git.branch_commit() or b"", self._rewrite_upload_pack_request(environ))
            cached = self._packs.get(key)
            if cached is not None:
                return Response(cached[2], status=cached[0], headers=cached[1])
        else:
            environ["wsgi.input"] = _TeeInput(environ["wsgi.input"], context_of(request))
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
        except (OSError, EOFError) as exc:  # a body git never sent in full, or bad gzip
            raise ApiError(400, f"unreadable git request body: {exc}") from None
        except GitProtocolError as exc:  # a client speaking the protocol wrong
            raise ApiError(400, f"git protocol error: {exc}") from None
        finally:
            self._backend.close_opened()
        body = b"".join(chunks)
        status = int(str(started["status"]).split()[0])
        if status >= 400:
            detail = body.decode("utf-8", "replace").strip() or "refused"
            return error_response(status, f"git index: {detail}")
        if key is not None:
            self._packs.put(key, (started["status"], list(started["headers"]), body))
        return Response(body, status=started["status"], headers=started["headers"])
