"""The tokens view in a real Chromium: a browser signs in with a token, makes a scoped one
(shown once) that real cargo then publishes with, sees it listed, and revokes it; the same
browser session reaches crates.io's website-only API routes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from fakereg import FakeRegistry
from tests.browser.conftest import ScreenshotTaker, waiting
from tests.helpers import try_publish, write_package


@pytest.fixture
def reg(tmp_path: Path) -> Iterator[FakeRegistry]:
    with FakeRegistry(cargo_home=tmp_path / "home") as registry:
        yield registry
        registry.check_errors()


def _api(browser: WebDriver, method: str, path: str) -> tuple[int, object]:
    """A same-origin ``fetch`` from the page, with its session cookie (as crates.io's
    frontend calls its API)."""
    script = (
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[1], {method: arguments[0]})"
        ".then(async r => done([r.status, await r.text()]));"
    )
    status, text = browser.execute_async_script(script, method, path)
    return int(status), json.loads(text) if text else None


def test_a_browser_signs_in_makes_a_token_for_cargo_and_revokes_it(
    reg: FakeRegistry, browser: WebDriver, screenshot: ScreenshotTaker, tmp_path: Path
) -> None:
    browser.get(f"{reg.url}/me")
    assert _api(browser, "GET", "/api/v1/me/tokens")[0] == 403  # not signed in yet
    form = browser.find_element(By.ID, "sign-in")
    form.find_element(By.NAME, "token").send_keys(reg.token)
    form.submit()
    waiting(browser).until(lambda b: b.find_elements(By.ID, "new-token-form"))
    assert f"signed in as {reg.login}" in browser.find_element(By.CSS_SELECTOR, "header").text

    make = browser.find_element(By.ID, "new-token-form")
    make.find_element(By.NAME, "name").send_keys("release bot")
    make.find_element(By.CSS_SELECTOR, "input[value=publish-new]").click()
    make.find_element(By.NAME, "crates").send_keys("bot-*")
    make.submit()
    shown = waiting(browser).until(lambda b: b.find_element(By.ID, "new-token"))
    token = shown.text
    assert token.startswith("fakereg_")
    screenshot("tokens-made")
    rows = browser.find_elements(By.CSS_SELECTOR, "table.tokens tbody tr")
    assert "release bot" in rows[0].text
    assert "publish-new" in rows[0].text
    assert "bot-*" in rows[0].text

    env = {f"CARGO_REGISTRIES_{reg.name.upper()}_TOKEN": token}
    done = try_publish(reg, write_package(tmp_path / "bot", "bot-one"), env=env)
    assert done.returncode == 0, done.stderr

    status, listed = _api(browser, "GET", "/api/v1/me/tokens")
    assert status == 200
    assert isinstance(listed, dict)
    assert [t["name"] for t in listed["api_tokens"]] == ["release bot", "start token"]

    browser.get(f"{reg.url}/me")  # (a reload shows no token)
    assert browser.find_elements(By.ID, "new-token") == []
    revoke = browser.find_element(By.CSS_SELECTOR, "table.tokens tbody tr button.danger")
    revoke.click()
    waiting(browser).until(
        lambda b: "release bot" not in b.find_element(By.CSS_SELECTOR, "main").text
    )
    again = try_publish(reg, write_package(tmp_path / "bot2", "bot-two"), env=env)
    assert "authentication failed" in again.stderr
    assert [t.name for t in reg.tokens(reg.login)] == ["start token"]


def test_an_invitee_accepts_an_owner_invitation_on_the_page(
    browser: WebDriver, screenshot: ScreenshotTaker, tmp_path: Path
) -> None:
    with FakeRegistry(owner_invitations=True, cargo_home=tmp_path / "home") as reg:
        reg.cargo("publish", "--registry", reg.name, "--no-verify",
                  cwd=write_package(tmp_path / "shared", "shared"), check=True)  # fmt: skip
        bob = reg.add_user("bob")
        reg.cargo("owner", "--registry", reg.name, "--add", "bob", "shared", check=True)
        browser.get(f"{reg.url}/me")
        form = browser.find_element(By.ID, "sign-in")
        form.find_element(By.NAME, "token").send_keys(bob)
        form.submit()
        row = waiting(browser).until(
            lambda b: b.find_element(By.CSS_SELECTOR, "table.invitations tbody tr")
        )
        assert "shared" in row.text
        assert reg.login in row.text
        screenshot("owner-invitation")
        row.find_element(By.XPATH, ".//button[text()='Accept']").click()
        waiting(browser).until(lambda b: not b.find_elements(By.CSS_SELECTOR, "table.invitations"))
        assert reg.owners("shared") == [reg.login, "bob"]
        reg.check_errors()
