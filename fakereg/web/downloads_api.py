"""crates.io's download counts: ``/api/v1/crates/{name}/downloads`` and
``/api/v1/crates/{name}/{version}/downloads``.

As ``controllers/krate/downloads.rs``: a crate's five highest versions (by semver) each
with their days, the last 90 days' only, oldest day first (then the higher version id),
the other versions' downloads summed per day in ``meta.extra_downloads``, and with
``include=versions`` those five versions. As ``controllers/version/downloads.rs``: a
version's 90 days up to ``before_date`` (default: today), oldest first.
"""

from __future__ import annotations

import datetime
from typing import Any

from werkzeug.wrappers import Request, Response

from ..errors import ApiError
from ..storage.downloads import RECENT_DAYS, today
from .http import checked_version, json_response
from .read_api import ReadSources

_EPOCH = datetime.date(1970, 1, 1)


def _day(day: int) -> str:
    return (_EPOCH + datetime.timedelta(days=day)).isoformat()


class DownloadsApi:
    """Handlers for the two download count routes."""

    def __init__(self, sources: ReadSources) -> None:
        self._data = sources

    def crate(self, request: Request, name: str) -> Response:
        """``GET /api/v1/crates/{name}/downloads[?include=versions]``."""
        versions_too = False
        for part in (request.args.get("include") or "").split(","):
            if part not in ("", "versions"):
                raise ApiError(400, "invalid component for ?include= (expected 'versions')")
            versions_too = versions_too or part == "versions"
        state = self._data.crate(name)
        ordered = sorted(state.versions, key=lambda v: v.semver, reverse=True)
        latest, rest = ordered[:5], ordered[5:]
        counts = self._data.downloads.of_crate(state.name)
        since = today() - RECENT_DAYS
        rows = sorted(
            (day, -v.id(state.name), n)
            for v in latest
            for day, n in counts.get(v.num, {}).items()
            if day > since
        )
        extra: dict[int, int] = {}
        for v in rest:
            for day, n in counts.get(v.num, {}).items():
                if day > since:
                    extra[day] = extra.get(day, 0) + n
        body: dict[str, Any] = {
            "version_downloads": [
                {"version": -version, "downloads": n, "date": _day(day)} for day, version, n in rows
            ]
        }
        if versions_too:
            body["versions"] = self._data.versions_json(state.name, latest)
        body["meta"] = {
            "extra_downloads": [{"date": _day(d), "downloads": extra[d]} for d in sorted(extra)]
        }
        return json_response(body)

    def version(self, request: Request, name: str, version: str) -> Response:
        """``GET /api/v1/crates/{name}/{version}/downloads[?before_date=YYYY-MM-DD]``."""
        raw = request.args.get("before_date")
        end = today()
        if raw is not None:
            try:
                end = (datetime.date.fromisoformat(raw) - _EPOCH).days
            except ValueError:
                raise ApiError(
                    400, f"Failed to deserialize query string: before_date: invalid date `{raw}`"
                ) from None
        state = self._data.crate(name)
        found = state.find(checked_version(version))
        days = self._data.downloads.of_crate(state.name).get(found.num, {})
        rows = [
            {"version": found.id(state.name), "downloads": days[day], "date": _day(day)}
            for day in sorted(days)
            if end - RECENT_DAYS < day <= end
        ]
        return json_response({"version_downloads": rows})
