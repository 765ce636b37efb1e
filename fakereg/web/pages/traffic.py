"""The live traffic view: the journal newest first, its rows as JSON for polling, and
one request's details (headers with tokens redacted, bodies; a publish parsed).

The rows are the request log's, with its sequence numbers: the page polls
``/traffic/rows?since=N`` (the control journal's ``since``) and adds what is new.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any

from werkzeug.wrappers import Request

from ...domain.cratefile import inspect_crate
from ...domain.names import canonical_name
from ...domain.publish import parse_publish_body
from ...errors import ApiError, FakeRegError
from ...storage.accounts import redact
from ...traffic.kinds import RECORDED_KINDS as KINDS
from ...traffic.log import RequestLog
from ...traffic.records import RecordedRequest
from ...traffic.redaction import shown_bodies, shown_headers, shown_path
from ..control_traffic import after
from .layout import esc, table
from .viewer import Viewer

#: Rows a page shows at first, and a poll answers at most.
ROWS = 300
#: Bytes of a body shown as text.
BODY_SHOWN = 64 * 1024


@dataclass(frozen=True)
class TrafficFilter:
    """The traffic view's filters: a kind, a crate, a status (``404``, ``4xx``, ``cut``)."""

    kind: str = ""
    crate: str = ""
    status: str = ""

    @classmethod
    def of(cls, request: Request) -> TrafficFilter:
        kind = request.args.get("kind", "")
        if kind and kind not in KINDS:
            raise ApiError(400, f"unknown kind `{kind}`: expected one of {', '.join(KINDS)}")
        status = request.args.get("status", "").strip().lower()
        if status and not _status_pattern(status):
            raise ApiError(400, f"invalid status `{status}`: expected 404, 4xx or cut")
        return cls(kind, request.args.get("crate", "").strip(), status)

    def matches(self, record: RecordedRequest) -> bool:
        if self.kind and record.kind != self.kind:
            return False
        if self.crate and canonical_name(record.crate or "") != canonical_name(self.crate):
            return False
        return not self.status or _status_matches(record.status, self.status)


def _status_pattern(status: str) -> bool:
    return status == "cut" or (
        len(status) == 3 and status[0].isdigit() and all(c.isdigit() or c == "x" for c in status)
    )


def _status_matches(status: int, wanted: str) -> bool:
    if wanted == "cut":
        return status == 0
    return all(w in ("x", s) for w, s in zip(wanted, f"{status:03d}", strict=True))


def row_json(seq: int, record: RecordedRequest) -> dict[str, Any]:
    """What a row of the view shows of a request."""
    target = shown_path(record.path) + (f"?{record.query}" if record.query else "")
    return {
        "seq": seq,
        "time": _clock(record.at),
        "method": record.method,
        "path": target,
        "kind": record.kind,
        "crate": record.crate,
        "version": record.version,
        "status": record.status,
        "duration_ms": round(record.duration * 1000, 1),
        "fault": record.fault,
        "http_version": record.http_version,
    }


def _clock(at: float) -> str:
    return time.strftime("%H:%M:%S", time.gmtime(at)) + f".{int(at % 1 * 1000):03d}"


#: The newest requests the view looks through for its rows (its cost stays bounded).
SCANNED = 20_000


class TrafficPages:
    """Renders the traffic view from one registry's request log."""

    def __init__(self, log: RequestLog, *, me_token: str | None, max_unpacked: int) -> None:
        self._log = log
        self._me_token = me_token
        self._max_unpacked = max_unpacked

    def rows(self, request: Request, viewer: Viewer) -> dict[str, Any]:
        """``/traffic/rows?since=N``: the rows after N that pass the filters, and the
        sequence number to poll from next."""
        wanted = TrafficFilter.of(request)
        numbered, last = after(self._log, request, newest=SCANNED)
        shown = []
        for seq, record in reversed(numbered):  # newest first, until the page is full
            if viewer.covers(record.crate) and wanted.matches(record):
                shown.append(row_json(seq, record))
                if len(shown) == ROWS:
                    break
        return {"rows": shown, "last_seq": last}

    def page(self, request: Request, viewer: Viewer) -> str:
        """The view: filters, then the newest rows (the script adds new ones live)."""
        wanted = TrafficFilter.of(request)
        data = self.rows(request, viewer)
        kinds = "".join(
            f"<option{' selected' if k == wanted.kind else ''}>{k}</option>" for k in KINDS
        )
        form = (
            '<form class="filters" id="traffic-filters" method="get" action="/traffic">'
            f'<label>Kind <select name="kind"><option value="">any</option>{kinds}</select>'
            f'</label><label>Crate <input name="crate" value="{esc(wanted.crate)}" size="12">'
            f'</label><label>Status <input name="status" value="{esc(wanted.status)}" '
            'size="5" placeholder="4xx"></label><button>Filter</button></form>'
        )
        rows = "".join(_row_html(row) for row in data["rows"])
        listing = table(
            ("#", "Time (UTC)", "Method", "Path", "Kind", "Crate", "Status", "ms", "Fault"),
            [rows],
            cls="traffic",
        )
        dropped = self._log.dropped
        note = (
            f'<p class="notice" id="dropped">{dropped} older requests were dropped (the '
            "journal keeps the newest <code>max_recorded</code>).</p>"
            if dropped
            else ""
        )
        return (
            '<h1>Traffic <span class="live" id="live" hidden>live</span></h1>'
            "<p>Every request the registry answered, newest first (this page's own are not "
            "recorded). Click a row for its headers and bodies.</p>"
            f'{note}{form}<div class="split"><div id="traffic" data-last-seq="{data["last_seq"]}">'
            f'{listing}</div><aside id="detail" class="detail" hidden></aside></div>'
        )

    def find(self, seq: int, viewer: Viewer) -> RecordedRequest:
        numbered = self._log.numbered(seq - 1) if seq > 0 else []
        if not numbered or numbered[0][0] != seq or not viewer.covers(numbered[0][1].crate):
            raise ApiError(404, f"no request #{seq} in the journal")
        return numbered[0][1]

    def detail(self, seq: int, viewer: Viewer) -> str:
        """One request: what it asked and carried, what it got (secrets redacted)."""
        record = self.find(seq, viewer)
        row = row_json(seq, record)
        headers = "".join(
            f"<tr><th>{esc(name)}</th><td>{esc(value)}</td></tr>"
            for name, value in shown_headers(record, secrets=False)
        )
        body, answer = shown_bodies(record, secrets=False)
        if record.kind == "me" and self._me_token:
            answer = answer.replace(self._me_token.encode(), redact(self._me_token).encode())
        sent = self._publish(body) if record.kind == "publish" else _body(body)
        status = "no answer (the connection was cut)" if record.status == 0 else record.status
        fault = f'<p class="fault">Fault: {esc(record.fault)}</p>' if record.fault else ""
        sent = sent if record.body_omitted is None else esc(str(record.body_omitted))
        shown_answer = _body(answer)
        if record.response_body_omitted is not None:
            shown_answer = esc(str(record.response_body_omitted))
        return (
            f'<section class="request" data-seq="{seq}"><h2>#{seq} {esc(row["method"])} '
            f"<code>{esc(row['path'])}</code></h2>"
            f"<p>{esc(row['time'])} UTC · kind <b>{esc(record.kind)}</b> · status "
            f"<b>{esc(status)}</b> · {row['duration_ms']} ms · "
            f"{esc(record.http_version)}</p>{fault}"
            f'<h3>Request headers</h3><div class="scroll"><table class="headers">{headers}'
            f"</table></div><h3>Request body</h3>{sent}<h3>Response body</h3>{shown_answer}"
            "</section>"
        )

    def _publish(self, body: bytes) -> str:
        """A publish body: its metadata as JSON, and the files of its ``.crate``."""
        try:
            parsed = parse_publish_body(body)
        except FakeRegError as exc:
            return f'<p class="error">{esc(exc)}</p>{_body(body)}'
        metadata = json.dumps(parsed.metadata, indent=2, ensure_ascii=False)
        digest = hashlib.sha256(parsed.crate).hexdigest()
        try:
            files = inspect_crate(parsed.crate, None, None, max_unpacked=self._max_unpacked).files
            listing = "".join(f"<li><code>{esc(f)}</code></li>" for f in files)
            archive = f'<ul class="files">{listing}</ul>'
        except FakeRegError as exc:
            archive = f'<p class="error">{esc(exc)}</p>'
        return (
            f'<h4>Metadata</h4><pre class="body metadata">{esc(metadata)}</pre>'
            f"<h4>.crate: {len(parsed.crate)} bytes, sha256 <code>{digest}</code></h4>{archive}"
        )


def _row_html(row: dict[str, Any]) -> str:
    """A row as the server renders it at first (the script builds the same from JSON)."""
    status = row["status"] or "cut"
    crate = row["crate"] or ""
    if crate and row["version"]:
        crate += f" {row['version']}"
    cls = f"s{str(row['status'])[:1]}" + (" faulted" if row["fault"] else "")
    return (
        f'<tr class="{cls}" data-seq="{row["seq"]}"><td><a href="/traffic/{row["seq"]}">'
        f"{row['seq']}</a></td><td>{row['time']}</td><td>{esc(row['method'])}</td>"
        f'<td class="path">{esc(row["path"])}</td><td>{esc(row["kind"])}</td>'
        f"<td>{esc(crate)}</td><td>{status}</td><td class=num>{row['duration_ms']}</td>"
        f"<td>{esc(row['fault'] or '')}</td></tr>"
    )


def _text(data: bytes) -> str | None:
    """The first :data:`BODY_SHOWN` bytes of *data* as UTF-8 text, or None for binary."""
    try:
        return data[:BODY_SHOWN].decode("utf-8")
    except UnicodeDecodeError as exc:
        if len(data) > BODY_SHOWN and exc.start >= BODY_SHOWN - 3:  # a character cut short
            return data[: exc.start].decode("utf-8")
        return None


def _body(data: bytes) -> str:
    if not data:
        return '<p class="empty">(empty)</p>'
    text = _text(data)
    if text is None:
        digest = hashlib.sha256(data).hexdigest()
        return f"<p>{len(data)} bytes of binary data, sha256 <code>{digest}</code></p>"
    if len(data) <= BODY_SHOWN and text.lstrip()[:1] in ("{", "["):
        with contextlib.suppress(ValueError, RecursionError):
            text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    more = f"\n… ({len(data) - BODY_SHOWN} more bytes)" if len(data) > BODY_SHOWN else ""
    return f'<pre class="body">{esc(text + more)}</pre>'
