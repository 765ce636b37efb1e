"""What a fault does to an answer, or to the connection that should have carried it."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
import time
from collections.abc import Iterator, Sequence
from typing import Any, NoReturn

from werkzeug.wrappers import Response

from ..testing.fault_set import Fault
from ..testing.faults import Answer, Cut, Rewrite, Truncate
from ..transport.events import CutHow, Interrupt
from .http import error_response

INVALID_INDEX_LINE = b'{"name": "this line is not valid JSON'
DRIBBLE_CHUNKS = 10


def describe(fault: Fault) -> str:
    """A short name of what the fault did, for records and reports."""
    return fault.spec.describe()


def fault_answer(answer: Answer, headers: Sequence[tuple[str, str]]) -> Response:
    """The answer a fault gives in the registry's place."""
    if answer.errors is not None:
        response = Response(
            json.dumps({"errors": [{"detail": e} for e in answer.errors]}),
            status=answer.status,
            content_type="application/json",
        )
    elif answer.body is not None:
        response = Response(answer.body, status=answer.status, content_type="text/plain")
    else:
        response = error_response(
            answer.status, f"fault injected by fakereg (status {answer.status})"
        )
    for key, value in headers:
        response.headers[key] = value
    return response


def cut_connection(cut: Cut) -> NoReturn:
    """End the request unanswered as *cut* says (drop, reset, goaway, reset_stream), for
    the transport to carry out (it read the request whole before the application saw it)."""
    raise Interrupt(cut.how, cut.code)


def malicious_crate(name: str, version: str) -> bytes:
    """A ``.crate`` holding a file whose path escapes ``name-version/``."""
    prefix = f"{name}-{version}"
    files = {
        f"{prefix}/Cargo.toml": f'[package]\nname = "{name}"\nversion = "{version}"\n'.encode(),
        f"{prefix}/src/lib.rs": b"",
        "../escaped-by-fakereg.txt": b"this file escaped its package folder\n",
    }
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for path, data in files.items():
            info = tarfile.TarInfo(path)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return gzip.compress(raw.getvalue(), mtime=0)


def with_malicious_checksums(data: bytes, versions: list[str | None]) -> bytes:
    """Index lines whose ``cksum`` is the malicious archive's, for the given versions."""
    lines = []
    for text in data.decode("utf-8").splitlines():
        line: dict[str, Any] = json.loads(text)
        if None in versions or line["vers"] in versions:
            archive = malicious_crate(line["name"], line["vers"])
            line["cksum"] = hashlib.sha256(archive).hexdigest()
            text = json.dumps(line, separators=(",", ":"), ensure_ascii=False)
        lines.append(text + "\n")
    return "".join(lines).encode()


def shape(
    fault: Fault, response: Response, crate: str | None, version: str | None
) -> tuple[Response, bytes]:
    """Apply a fault's effects to the registry's own answer; return it and its body."""
    original = body = response.get_data()
    effect = fault.effect
    if response.status_code == 200 and isinstance(effect, Rewrite):
        if effect.what == "malicious" and crate is not None and version is not None:
            body = malicious_crate(crate, version)
        elif effect.what == "corrupt" and body:
            body = bytes(b ^ 0xFF for b in body[:64]) + body[64:]
        elif effect.what == "invalid_line":
            body = body + INVALID_INDEX_LINE + b"\n"
    if body != original:
        response.set_data(body)
        for header in ("ETag", "Last-Modified"):
            response.headers.pop(header, None)
    for key, value in fault.spec.headers:
        response.headers[key] = value
    end: CutHow | None = "truncate" if isinstance(effect, Truncate) else None
    if isinstance(effect, Cut):  # one that answers first: tls_eof, stall
        end = effect.how
    if end is not None or fault.spec.dribble:
        length = len(body)
        response.response = _stream(body, end, fault.spec.dribble)
        response.headers["Content-Length"] = str(length)
        response.direct_passthrough = True
    return response, body


def _stream(body: bytes, end: CutHow | None, dribble: float) -> Iterator[bytes]:
    """The body as the fault sends it: whole, or up to its cut (half of it for a
    truncation and a TLS end, none of it for a stall), in steps *dribble* seconds apart."""
    sent = body
    if end == "stall":
        sent = b""
    elif end is not None:
        sent = body[: len(body) // 2]
    step = max(1, -(-len(sent) // DRIBBLE_CHUNKS))
    for start in range(0, len(sent), step):
        if dribble:
            time.sleep(dribble / DRIBBLE_CHUNKS)
        yield sent[start : start + step]
    if end is not None:
        raise Interrupt(end)
