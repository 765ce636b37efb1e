"""Injected failures, one behaviour per test, with real cargo over both index protocols."""

from __future__ import annotations

import pytest

from fakereg import FakeRegistry
from tests.helpers import MakePackage, greeting_app, publish, try_publish


def index_kind(reg: FakeRegistry) -> str:
    """The kind of the requests cargo reads the index with."""
    return "index" if reg.protocol == "sparse" else "git"


def test_index_500_once_then_success(greeting: FakeRegistry, package: MakePackage) -> None:
    fault = greeting.fail(index_kind(greeting), status=500, times=1)
    result = greeting.cargo("generate-lockfile", cwd=greeting_app(package, greeting.name))
    assert result.returncode == 0, result.stderr
    assert "spurious network error (3 tries remaining)" in result.stderr
    assert fault.hits == 1
    failed, retried = greeting.requests.filter(index_kind(greeting))[-2:]
    assert failed.status == 500
    assert retried.status in (200, 304)  # 304: cargo revalidates the copy its publish cached


def test_download_500_once_then_success(greeting: FakeRegistry, package: MakePackage) -> None:
    fault = greeting.fail("download", status=500, times=1)
    result = greeting.cargo("fetch", cwd=greeting_app(package, greeting.name))
    assert result.returncode == 0, result.stderr
    assert "spurious network error" in result.stderr
    assert "got 500" in result.stderr
    assert fault.hits == 1
    failed, served = greeting.assert_requested(
        "download", crate="greeting", version="0.1.0", count=2
    )
    # The fault fired on the static path config.json's `dl` names, where cargo fetches.
    assert failed.path == served.path == "/dl/greeting/0.1.0/download"
    assert (failed.status, served.status) == (500, 200)
    assert greeting.downloads("greeting", "0.1.0") == 1  # the refused fetch served nothing


def test_429_with_retry_after_is_honoured(greeting: FakeRegistry, package: MakePackage) -> None:
    greeting.fail("download", status=429, headers={"Retry-After": "1"}, times=1)
    result = greeting.cargo("fetch", cwd=greeting_app(package, greeting.name))
    assert result.returncode == 0, result.stderr
    assert "got 429" in result.stderr
    first, second = greeting.requests.filter("download")
    assert (first.status, second.status) == (429, 200)
    # The registry asked for a second; cargo's fixed test sleep (10 ms) did not apply.
    assert second.at - first.at >= 0.9


def test_publish_200_with_errors_fails(fake_registry: FakeRegistry, package: MakePackage) -> None:
    fake_registry.fail("publish", errors=["the registry is read-only today"])
    result = try_publish(fake_registry, package("foo"))
    assert result.returncode != 0
    assert "the remote server responded with an error: the registry is read-only today" in (
        result.stderr
    )
    assert fake_registry.versions("foo") == []


def test_publish_403_with_errors(fake_registry: FakeRegistry, package: MakePackage) -> None:
    fake_registry.fail("publish", status=403, errors=["forbidden by policy"])
    result = try_publish(fake_registry, package("foo"))
    assert "(status 403 Forbidden): forbidden by policy" in result.stderr
    assert fake_registry.versions("foo") == []


def test_publish_500_with_html_body(fake_registry: FakeRegistry, package: MakePackage) -> None:
    html = "<html><body><h1>502 Bad Gateway</h1></body></html>"
    fake_registry.fail("publish", status=500, body=html, headers={"Content-Type": "text/html"})
    result = try_publish(fake_registry, package("foo"))
    assert result.returncode != 0
    assert "failed to get a 200 OK response, got 500" in result.stderr
    assert html in result.stderr


def test_connection_dropped_on_publish(fake_registry: FakeRegistry, package: MakePackage) -> None:
    fake_registry.fail("publish", drop=True)
    result = try_publish(fake_registry, package("foo"))
    assert result.returncode != 0
    assert "Empty reply from server" in result.stderr
    record = fake_registry.requests.filter("publish").last
    assert (record.status, record.fault) == (0, "drop")
    assert fake_registry.versions("foo") == []


def test_connection_reset_on_download_is_retried(
    greeting: FakeRegistry, package: MakePackage
) -> None:
    greeting.fail("download", reset=True, times=1)
    result = greeting.cargo("fetch", cwd=greeting_app(package, greeting.name))
    assert result.returncode == 0, result.stderr
    assert "Connection reset by peer" in result.stderr


def test_truncated_download_is_retried(greeting: FakeRegistry, package: MakePackage) -> None:
    greeting.fail("download", truncate=True, times=1)
    result = greeting.cargo("fetch", cwd=greeting_app(package, greeting.name))
    assert result.returncode == 0, result.stderr
    assert "Transferred a partial file" in result.stderr


def test_slow_and_delayed_answers_still_work(greeting: FakeRegistry, package: MakePackage) -> None:
    greeting.fail(index_kind(greeting), delay=0.3, times=1)
    greeting.fail("download", dribble=0.5)
    result = greeting.cargo("fetch", cwd=greeting_app(package, greeting.name))
    assert result.returncode == 0, result.stderr
    download = greeting.requests.filter("download").last
    assert download.fault == "dribble=0.5s"
    assert download.status == 200


def test_corrupted_download_fails_the_checksum(
    greeting: FakeRegistry, package: MakePackage
) -> None:
    greeting.fail("download", crate="greeting", corrupt=True)
    result = greeting.cargo("fetch", cwd=greeting_app(package, greeting.name))
    assert result.returncode != 0
    assert "failed to verify the checksum of `greeting v0.1.0" in result.stderr


def test_index_update_delayed_three_seconds(
    fake_registry: FakeRegistry, package: MakePackage
) -> None:
    fake_registry.delay_index_updates(seconds=3)
    result = publish(fake_registry, package("late"))
    assert "Published late v0.1.0" in result.stderr
    upload = fake_registry.requests.filter("publish").last
    polls = [
        r for r in fake_registry.requests.filter(index_kind(fake_registry)) if r.at > upload.at
    ]
    assert len(polls) >= 3  # cargo polled about once a second until the version showed
    assert polls[-1].at - upload.at >= 3
    if fake_registry.protocol == "sparse":
        assert [r.status for r in polls if r.crate == "late"][-1] == 200


def test_index_update_shown_after_two_polls(
    fake_registry: FakeRegistry, package: MakePackage
) -> None:
    fake_registry.delay_index_updates(polls=2)
    publish(fake_registry, package("late"))
    upload = fake_registry.requests.filter("publish").last
    if fake_registry.protocol == "sparse":
        statuses = [r.status for r in fake_registry.requests.filter("index", crate="late")]
        assert statuses[statuses.index(404, 1) :] == [404, 404, 200]
    else:
        fetches = [
            r
            for r in fake_registry.requests.filter("git", path="/git/index/info/refs")
            if r.at > upload.at
        ]
        assert len(fetches) == 3


@pytest.mark.fake_registry(publish_timeout=2)
def test_index_update_that_never_arrives(fake_registry: FakeRegistry, package: MakePackage) -> None:
    fake_registry.delay_index_updates(seconds=3600)
    result = publish(fake_registry, package("never"))
    assert result.returncode == 0
    assert "timed out waiting for never v0.1.0 to be available" in result.stderr
    assert fake_registry.versions("never") == ["0.1.0"]


def test_missing_crate_is_looked_up_in_its_spellings(
    fake_registry: FakeRegistry, package: MakePackage
) -> None:
    app = package(
        "app", dependencies=f'a-b-c = {{ version = "1", registry = "{fake_registry.name}" }}'
    )
    result = fake_registry.cargo("generate-lockfile", cwd=app)
    assert result.returncode != 0
    assert "no matching package named `a-b-c` found" in result.stderr
    if fake_registry.protocol == "sparse":
        paths = [r.path for r in fake_registry.requests.filter("index")]
        assert paths == ["/index/a-/b-/a-b-c", "/index/a_/b_/a_b_c"]
        assert {r.status for r in fake_registry.requests.filter("index")} == {404}
