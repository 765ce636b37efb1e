"""The traffic in JSON, as the control API answers it: requests (tokens redacted; a body
as text when it is UTF-8, else in base64: the convention a fault's ``body`` follows), and
publishes."""

from __future__ import annotations

import base64
from typing import Any

from .records import PublishRecord, RecordedRequest
from .redaction import shown_bodies, shown_headers, shown_path


def request_json(seq: int, record: RecordedRequest, *, secrets: bool) -> dict[str, Any]:
    """A recorded request in JSON: every field, bodies in base64, tokens redacted (the
    ``Authorization`` header, and the credentials in trusted publishing's bodies)."""
    headers: dict[str, str] = {}
    for name, value in shown_headers(record, secrets=secrets):
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    raw_body, raw_answer = shown_bodies(record, secrets=secrets)
    return {
        "seq": seq,
        "method": record.method,
        "path": shown_path(record.path, secrets=secrets),
        "query": record.query,
        "headers": headers,
        **body_json("body", raw_body),
        "status": record.status,
        "kind": record.kind,
        **body_json("response_body", raw_answer),
        "duration": record.duration,
        "crate": record.crate,
        "version": record.version,
        "fault": record.fault,
        "at": record.at,
        "http_version": record.http_version,
        "body_size": record.body_size,
        "body_sha256": None if record.body_omitted is None else record.body_omitted.sha256,
        "response_body_size": record.response_body_size,
        "response_body_sha256": (
            None if record.response_body_omitted is None else record.response_body_omitted.sha256
        ),
    }


def body_json(key: str, data: bytes) -> dict[str, str | None]:
    """A body in JSON under *key*: the text when it is UTF-8 (``key_base64`` None), else
    base64 under ``key_base64`` (*key* None). Fault specs take the same two keys."""
    try:
        return {key: data.decode("utf-8"), f"{key}_base64": None}
    except UnicodeDecodeError:
        return {key: None, f"{key}_base64": base64.b64encode(data).decode()}


def publish_json(seq: int, record: PublishRecord) -> dict[str, Any]:
    """A publish record in JSON, its ``.crate`` in base64."""
    return {
        "seq": seq,
        "status": record.status,
        "accepted": record.accepted,
        "error": record.error,
        "login": record.login,
        "name": record.name,
        "version": record.version,
        "metadata": record.metadata,
        "files": list(record.files),
        "manifest": record.manifest,
        "crate_base64": base64.b64encode(record.crate).decode(),
        "trusted_publishing": record.trusted_publishing,
    }
