"""Download counts as crates.io answers them: a crate's five highest versions over the
last 90 days and the rest summed per day; a version's 90 days up to ``before_date``."""

from __future__ import annotations

import datetime

from fakereg import FakeRegistry
from fakereg.storage.downloads import today
from tests.helpers import http
from tests.read_api.conftest import get


def _date(day: int) -> str:
    return (datetime.date(1970, 1, 1) + datetime.timedelta(days=day)).isoformat()


def test_crate_and_version_downloads_keep_crates_ios_windows() -> None:
    now = today()
    with FakeRegistry() as reg:
        with reg.batch():
            for minor in range(7):
                reg.add_crate("many", f"1.{minor}.0")
        downloads = [  # meta/downloads.log: "<crate> <version> <day>" per download
            ("1.6.0", now), ("1.6.0", now), ("1.6.0", now - 100), ("1.5.0", now - 10),
            ("1.1.0", now - 3), ("1.1.0", now - 3), ("1.0.0", now - 3), ("1.0.0", now - 95),
        ]  # fmt: skip
        with open(reg.root / "meta" / "downloads.log", "a") as log:
            log.writelines(f"many {version} {day}\n" for version, day in downloads)
        ids = {v["num"]: v["id"] for v in get(reg, "/api/v1/crates/many/versions")["versions"]}

        body = get(reg, "/api/v1/crates/many/downloads")
        assert list(body) == ["version_downloads", "meta"]
        assert body["version_downloads"] == [
            {"version": ids["1.5.0"], "downloads": 1, "date": _date(now - 10)},
            {"version": ids["1.6.0"], "downloads": 2, "date": _date(now)},
        ]
        assert body["meta"] == {"extra_downloads": [{"date": _date(now - 3), "downloads": 3}]}
        with_versions = get(reg, "/api/v1/crates/many/downloads?include=versions")
        assert list(with_versions) == ["version_downloads", "versions", "meta"]
        nums = [v["num"] for v in with_versions["versions"]]
        assert nums == ["1.6.0", "1.5.0", "1.4.0", "1.3.0", "1.2.0"]
        bad = http(reg, "GET", "/api/v1/crates/many/downloads?include=bogus")
        assert bad.status == 400
        assert bad.json()["errors"][0]["detail"] == (
            "invalid component for ?include= (expected 'versions')"
        )

        def days(query: str = "") -> list[tuple[str, int]]:
            rows = get(reg, f"/api/v1/crates/many/1.6.0/downloads{query}")["version_downloads"]
            return [(row["date"], row["downloads"]) for row in rows]

        assert days() == [(_date(now), 2)]
        assert days(f"?before_date={_date(now - 50)}") == [(_date(now - 100), 1)]
        assert days(f"?before_date={_date(now - 200)}") == []
        refused = http(reg, "GET", "/api/v1/crates/many/1.6.0/downloads?before_date=bogus")
        assert refused.status == 400
        assert "before_date" in refused.json()["errors"][0]["detail"]
