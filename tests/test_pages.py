"""The web page's rules over loopback HTTP (the browser tests are in ``tests/browser``):
not recorded, sessions and their forms, errors, redaction, filters, private registries."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.client import HTTPConnection, HTTPMessage
from urllib.parse import urlencode, urlsplit

import pytest

from fakereg import FakeRegistry
from fakereg.cli import banner, ready_document
from tests.crates import crate, metadata, publish_body
from tests.helpers import assert_cargo_error, http

HTML = {"Accept": "text/html,application/xhtml+xml"}
PAGES = ("/", "/crates/demo", "/crates/demo/0.1.0", "/traffic", "/traffic/rows", "/faults")


@dataclass
class Answer:
    status: int
    headers: HTTPMessage
    text: str

    def json(self) -> object:
        return json.loads(self.text)


@dataclass
class PageClient:
    """A browser's part that matters here: cookies kept, redirects not followed."""

    reg: FakeRegistry
    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self,
        method: str,
        path: str,
        form: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Answer:
        parts = urlsplit(self.reg.url)
        connection = HTTPConnection(parts.hostname or "", parts.port, timeout=10)
        sent = {**HTML, "Origin": self.reg.url, **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            text = response.read().decode()
        finally:
            connection.close()
        for cookie in response.headers.get_all("Set-Cookie") or ():
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if value and "Max-Age=0" not in cookie:
                self.cookies[name] = value
            else:
                self.cookies.pop(name, None)
        return Answer(response.status, response.headers, text)

    def get(self, path: str, **kwargs: object) -> Answer:
        return self.request("GET", path, **kwargs)  # type: ignore[arg-type]

    def csrf(self, path: str = "/faults") -> str:
        found = re.search(r'name="csrf" value="([^"]+)"', self.get(path).text)
        assert found, "the page has no form"
        return found[1]

    def admin(self) -> PageClient:
        answer = self.get(f"/faults?admin={self.reg.admin_token}")
        assert answer.status == 303
        return self


@pytest.fixture
def reg() -> Iterator[FakeRegistry]:
    with FakeRegistry() as registry:
        registry.add_crate("demo", "0.1.0", description="A <b>demo</b> & test")
        registry.clear()
        yield registry
        registry.check_errors()


def _faults(reg: FakeRegistry) -> list[dict[str, object]]:
    answer = http(reg, "GET", "/__fakereg/faults", token=f"Bearer {reg.admin_token}")
    faults: list[dict[str, object]] = answer.json()["faults"]
    return faults


def test_the_page_answers_at_the_registry_url_and_is_not_the_tools_traffic(
    reg: FakeRegistry,
) -> None:
    reg.fail("other", status=500)
    client = PageClient(reg)
    for path in (*PAGES, "/static/fakereg.css", "/static/fakereg.js", "/favicon.ico"):
        answer = client.get(path)
        assert answer.status == 200, (path, answer.text[:300])
    assert reg.requests == []
    page = client.get("/")
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "A &lt;b&gt;demo&lt;/b&gt; &amp; test" in page.text  # escaped, always
    host = reg.url.split("://", 1)[1]
    assert f"registry <b>{reg.name}</b> at {host}" in page.text  # not "fakereg fakereg"
    assert reg.page_url == reg.url + "/"


def test_refusals_are_html_for_a_browser_and_cargo_errors_for_everyone_else(
    reg: FakeRegistry,
) -> None:
    page = PageClient(reg).get("/crates/missing")
    assert page.status == 404
    assert "crate `missing` does not exist" in page.text
    assert page.text.startswith("<!doctype html>")
    for path in ("/crates/missing", "/crates/demo/9.9.9", "/traffic/99", "/static/nope.css"):
        assert_cargo_error(http(reg, "GET", path), 404)
    assert_cargo_error(http(reg, "POST", "/"), 405)
    assert_cargo_error(http(reg, "GET", "/traffic/rows?since=x"), 400)
    assert_cargo_error(http(reg, "GET", "/traffic/rows?kind=nope"), 400)
    assert_cargo_error(http(reg, "GET", "/traffic/rows?status=5"), 400)
    assert_cargo_error(http(reg, "GET", "/static/..%2f..%2fsettings.py"), 404)


def test_the_admin_url_starts_a_session_and_leaves_the_address_bar(reg: FakeRegistry) -> None:
    client = PageClient(reg)
    answer = client.get(f"/traffic?kind=index&admin={reg.admin_token}")
    assert answer.status == 303
    assert answer.headers["Location"] == "/traffic?kind=index"
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith(f"fakereg-{urlsplit(reg.url).port}=")
    for attribute in ("HttpOnly", "SameSite=Strict", "Path=/"):
        assert attribute in cookie
    faults = client.get("/faults")
    assert 'id="fault-form"' in faults.text
    assert reg.admin_token not in faults.text
    assert 'class="badge admin"' in faults.text

    stranger = PageClient(reg)
    wrong = stranger.get("/?admin=not-it")
    assert wrong.status == 403
    assert stranger.cookies == {}
    assert "<form" not in stranger.get("/faults").text


def test_forms_need_an_admin_session_its_csrf_token_and_this_origin(reg: FakeRegistry) -> None:
    fault = {"kind": "publish", "effect": "status", "status": "503"}
    reader = PageClient(reg)
    reader.get("/")
    assert reader.request("POST", "/faults", form=fault).status == 403
    admin = PageClient(reg).admin()
    assert admin.request("POST", "/faults", form=fault).status == 403  # no CSRF token
    csrf = admin.csrf()
    evil = {"Origin": "http://evil.example"}
    refused = admin.request("POST", "/faults", form={**fault, "csrf": csrf}, headers=evil)
    assert refused.status == 403
    assert _faults(reg) == []
    added = admin.request("POST", "/faults", form={**fault, "csrf": csrf, "times": "2"})
    assert added.status == 303
    [made] = _faults(reg)
    assert (made["kind"], made["times"], made["description"]) == ("publish", 2, "status=503")
    removed = admin.request("POST", f"/faults/{made['id']}/remove", form={"csrf": csrf})
    assert removed.status == 303
    assert _faults(reg) == []
    assert admin.request("POST", "/faults/99/remove", form={"csrf": csrf}).status == 404
    huge = admin.request("POST", "/faults", form={**fault, "csrf": csrf, "crate": "x" * 70_000})
    assert huge.status == 413
    assert reg.requests == []


def test_the_fault_form_refuses_what_the_control_api_refuses(reg: FakeRegistry) -> None:
    admin = PageClient(reg).admin()
    csrf = admin.csrf()
    for form, control in (
        ({"kind": "nope"}, {"kind": "nope"}),
        ({"kind": "index", "effect": "delay", "delay": "-1"}, {"kind": "index", "delay": -1}),
    ):
        page = admin.request("POST", "/faults", form={**form, "csrf": csrf})
        assert page.status == 400
        answer = http(
            reg,
            "POST",
            "/__fakereg/faults",
            body=json.dumps(control).encode(),
            token=f"Bearer {reg.admin_token}",
        )
        detail = assert_cargo_error(answer, 400)
        assert f'role="alert">{detail}<' in page.text.replace("&#x27;", "'").replace("&quot;", '"')
    bad = admin.request("POST", "/faults", form={"kind": "index", "times": "x", "csrf": csrf})
    assert "`times` must be a number" in bad.text
    assert _faults(reg) == []


def test_the_delay_form_sets_and_ends_index_delays(reg: FakeRegistry) -> None:
    admin = PageClient(reg).admin()
    csrf = admin.csrf()
    form = {"csrf": csrf, "seconds": "", "polls": "2"}
    assert admin.request("POST", "/faults/delay", form=form).status == 303
    assert "new versions appear after 2 polls" in admin.get("/faults").text
    reg.add_crate("hidden", "0.1.0")
    form = {"csrf": csrf, "seconds": "", "polls": "-1"}
    refused = admin.request("POST", "/faults/delay", form=form)
    assert refused.status == 400
    assert "polls cannot be negative" in refused.text
    form = {"csrf": csrf, "seconds": "", "polls": ""}
    assert admin.request("POST", "/faults/delay", form=form).status == 303
    assert '<p id="index-delay">none</p>' in admin.get("/faults").text


def test_traffic_rows_come_newest_first_after_since_and_filtered(reg: FakeRegistry) -> None:
    http(reg, "GET", "/index/config.json")
    http(reg, "GET", "/index/de/mo/demo")
    http(reg, "GET", "/api/v1/crates/missing")
    client = PageClient(reg)
    rows = client.get("/traffic/rows").json()
    assert isinstance(rows, dict)
    assert [r["kind"] for r in rows["rows"]] == ["crate", "index", "config"]
    last = rows["last_seq"]
    assert [r["seq"] for r in rows["rows"]] == [last, last - 1, last - 2]
    first = rows["rows"][-1]
    assert set(first) == {
        "seq", "time", "method", "path", "kind", "crate", "version", "status",
        "duration_ms", "fault", "http_version",
    }  # fmt: skip
    assert client.get(f"/traffic/rows?since={last}").json() == {"rows": [], "last_seq": last}
    shown = client.get("/traffic/rows?status=4xx").json()
    assert isinstance(shown, dict)
    assert [r["path"] for r in shown["rows"]] == ["/api/v1/crates/missing"]
    by_crate = client.get("/traffic/rows?crate=DEMO&kind=index").json()
    assert isinstance(by_crate, dict)
    assert [r["path"] for r in by_crate["rows"]] == ["/index/de/mo/demo"]
    page = client.get("/traffic?status=4xx")
    assert "/api/v1/crates/missing" in page.text
    assert "/index/config.json" not in page.text
    reg.clear()  # the journal's numbers go on: a poller sees nothing twice
    http(reg, "GET", "/index/config.json")
    again = client.get(f"/traffic/rows?since={last}").json()
    assert isinstance(again, dict)
    assert [r["seq"] for r in again["rows"]] == [last + 1]


def test_a_request_shows_its_headers_and_bodies_with_tokens_redacted(reg: FakeRegistry) -> None:
    body = publish_body(metadata("shown", "1.0.0"), crate("shown", "1.0.0"))
    assert http(reg, "PUT", "/api/v1/crates/new", body=body, token=reg.token).status == 200
    assert reg.token in http(reg, "GET", "/me").body.decode()
    client = PageClient(reg)
    rows = client.get("/traffic/rows").json()
    assert isinstance(rows, dict)
    me, publish = rows["rows"]
    detail = client.get(f"/traffic/{publish['seq']}").text
    assert reg.token not in detail
    assert reg.token[:8] + "…" in detail
    assert "&quot;name&quot;: &quot;shown&quot;" in detail
    assert "<li><code>Cargo.toml</code></li>" in detail
    part = client.get(f"/traffic/{me['seq']}?part=detail")
    assert part.text.startswith('<section class="request"')
    assert reg.token not in part.text
    assert client.get("/traffic/0").status == 404


def test_the_me_page_keeps_its_job_in_the_same_look(reg: FakeRegistry) -> None:
    page = PageClient(reg).get("/me").text
    assert f'<pre id="token">{reg.token}</pre>' in page
    assert '<link rel="stylesheet" href="/static/fakereg.css">' in page
    assert reg.requests.filter("me")  # as before: cargo login's page is traffic


def test_a_private_registry_page_follows_the_api_rules() -> None:
    with FakeRegistry(auth_required=True) as reg:
        reg.add_crate("allowed-one", "0.1.0")
        reg.add_crate("other", "0.1.0")
        answer = http(reg, "GET", "/")
        assert_cargo_error(answer, 401)
        assert answer.headers["WWW-Authenticate"] == f'Cargo login_url="{reg.url}/me"'
        assert http(reg, "GET", "/static/fakereg.css").status == 200  # no data in it
        assert http(reg, "GET", "/", token=reg.token).status == 200
        browser = PageClient(reg)
        page = browser.get("/crates/other")
        assert page.status == 401
        assert 'id="sign-in"' in page.text
        assert 'name="next" value="/crates/other"' in page.text
        wrong = browser.request("POST", "/session", form={"token": "nope", "next": "/x"})
        assert wrong.status == 401
        assert 'name="next" value="/x"' in wrong.text
        scoped = reg.add_token(reg.login, crates=["allowed*"])
        signed = browser.request(
            "POST", "/session", form={"token": scoped, "next": "//evil.example/"}
        )
        assert signed.status == 303
        assert signed.headers["Location"] == "/"  # never to another site
        assert browser.get("/crates/allowed-one").status == 200
        assert browser.get("/crates/other").status == 403
        http(reg, "GET", "/index/ot/he/other", token=reg.token)
        http(reg, "GET", "/index/al/lo/allowed-one", token=reg.token)
        rows = browser.get("/traffic/rows").json()
        assert isinstance(rows, dict)
        assert [r["crate"] for r in rows["rows"]] == ["allowed-one"]
        assert scoped not in browser.get("/me").text
        reg.revoke(scoped)
        assert browser.get("/").status == 401  # checked again on every page
        admin = PageClient(reg).admin()
        assert admin.get("/crates/other").status == 200


def test_the_cli_prints_the_page_and_its_admin_url(reg: FakeRegistry) -> None:
    printed = banner(reg)
    assert f"web page: {reg.url}/  (as admin, with forms: {reg.admin_page_url})" in printed
    document = ready_document(reg)
    assert document["page_url"] == reg.page_url
    assert document["admin_page_url"] == f"{reg.url}/?admin={reg.admin_token}"


def test_the_list_and_the_crate_page_show_the_same_description(reg: FakeRegistry) -> None:
    reg.add_crate("described", "1.0.0", description="the current one")
    reg.add_crate("described", "2.0.0", description="a yanked newer one", yanked=True)
    client = PageClient(reg)
    listed = client.get("/?q=described").text
    page = client.get("/crates/described").text
    pinned = client.get("/crates/described/1.0.0").text
    assert "a yanked newer one" in listed  # the crate's: its last publish's, as crates.io
    assert "<p class=lead>a yanked newer one</p>" in page
    assert "<p class=lead>the current one</p>" in pinned  # a version by number: its own
