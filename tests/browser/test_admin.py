"""The faults view in a real Chromium, on the standing server (``python -m fakereg``):
opened from the admin URL it prints, its form adds a fault that makes real cargo's next
publish fail; opened without it, the page is read-only and the routes refuse changes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.select import Select

from fakereg import FakeRegistry
from tests.browser.conftest import ScreenshotTaker, row_with, waiting
from tests.helpers import write_package
from tests.test_control import _wait_for_file


@pytest.fixture(scope="module")
def standing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A standing server's ready document (it is stopped with SIGTERM after the module)."""
    folder = tmp_path_factory.mktemp("standing")
    ready = folder / "ready.json"
    command = [sys.executable, "-m", "fakereg", "--root", str(folder / "root")]
    command += ["--ready-file", str(ready), "--quiet"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        yield _wait_for_file(ready, process)
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=20)
    assert process.returncode == 0


def _publish(document: dict[str, Any], folder: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CARGO_HOME": document["cargo_home"], "CARGO_TERM_COLOR": "never"}
    return subprocess.run(
        ["cargo", "publish", "--registry", document["name"], "--no-verify"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def add_fault(browser: WebDriver, kind: str, effect: str, **fields: str) -> None:
    """Fill the page's fault form (the other fields as named) and submit it."""
    form = browser.find_element(By.ID, "fault-form")
    Select(form.find_element(By.NAME, "kind")).select_by_visible_text(kind)
    Select(form.find_element(By.NAME, "effect")).select_by_value(effect)
    for name, value in fields.items():
        field = form.find_element(By.NAME, name)
        field.clear()
        field.send_keys(value)
    form.submit()


def _fetch_status(browser: WebDriver, method: str, path: str, body: str, kind: str) -> int:
    """What the page's own script would get for a request it made: the status."""
    status: int = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[1], {method: arguments[0], body: arguments[2],"
        " headers: {'Content-Type': arguments[3]}, credentials: 'same-origin'})"
        ".then(r => done(r.status), e => done(String(e)));",
        method,
        path,
        body,
        kind,
    )
    return status


def test_a_fault_added_from_the_form_fails_the_next_cargo_publish(
    standing: dict[str, Any], browser: WebDriver, screenshot: ScreenshotTaker, tmp_path: Path
) -> None:
    url = standing["url"]
    browser.get(standing["admin_page_url"])
    # The admin token leaves the address bar: the page redirects to itself without it.
    assert browser.current_url == f"{url}/"
    assert browser.find_element(By.CSS_SELECTOR, ".badge.admin").text == "admin"
    browser.find_element(By.LINK_TEXT, "Faults").click()
    waiting(browser).until(lambda b: b.find_element(By.ID, "fault-form"))
    fields = {"status": "503", "message": "registry under maintenance", "times": "1"}
    add_fault(browser, "publish", "status", **fields)
    row = waiting(browser).until(lambda b: b.find_element(By.CSS_SELECTOR, "table.faults tbody tr"))
    assert "publish" in row.text
    assert "status=503, errors" in row.text
    screenshot("faults")

    refused = _publish(standing, write_package(tmp_path / "first", "first", "0.1.0"))
    assert refused.returncode != 0
    assert "registry under maintenance" in refused.stderr
    assert "503" in refused.stderr

    browser.refresh()
    cells = [c.text for c in browser.find_elements(By.CSS_SELECTOR, "table.faults tbody td")]
    assert cells[5] == "1"
    assert cells[7] == "spent"
    browser.find_element(By.LINK_TEXT, "Traffic").click()
    publish_row = row_with(browser, "publish")
    assert "503" in publish_row.text
    assert "faulted" in (publish_row.get_attribute("class") or "").split()
    assert publish_row.find_elements(By.TAG_NAME, "td")[-1].text == "status=503, errors"

    accepted = _publish(standing, write_package(tmp_path / "second", "second", "0.1.0"))
    assert accepted.returncode == 0, accepted.stderr


def _left_the_page(element: WebElement) -> Callable[[WebDriver], bool]:
    """Whether *element* is gone from the page (it was replaced by a navigation). Like
    Selenium's ``staleness_of``, and also when chromium, mid-navigation, says the node
    "does not belong to the document" rather than that it is stale."""

    def gone(_: WebDriver) -> bool:
        try:
            element.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as exc:
            if "does not belong to the document" in str(exc):
                return True
            raise
        return False

    return gone


def test_the_admin_forms_remove_faults_and_set_index_delays(
    standing: dict[str, Any], browser: WebDriver
) -> None:
    browser.get(standing["admin_page_url"].replace("/?", "/faults?"))
    assert browser.current_url == f"{standing['url']}/faults"
    add_fault(browser, "download", "drop")
    waiting(browser).until(lambda b: "drop" in b.find_element(By.CLASS_NAME, "faults").text)
    removes = "table.faults button.danger"
    while buttons := browser.find_elements(By.CSS_SELECTOR, removes):
        buttons[0].click()
        waiting(browser).until(_left_the_page(buttons[0]))
    assert "No faults in force" in browser.page_source

    delay = browser.find_element(By.ID, "delay-form")
    delay.find_element(By.NAME, "seconds").send_keys("30")
    delay.submit()
    waiting(browser).until(
        lambda b: b.find_element(By.ID, "index-delay").text == "new versions appear after 30 s"
    )
    browser.find_element(By.ID, "delay-form").submit()  # both empty: stop delaying
    waiting(browser).until(lambda b: b.find_element(By.ID, "index-delay").text == "none")

    # A fault the control API refuses is refused here with the same words.
    add_fault(browser, "index", "delay", delay="-1")
    alert = waiting(browser).until(lambda b: b.find_element(By.CSS_SELECTOR, "[role=alert]"))
    assert "delay" in alert.text
    assert "No faults in force" in browser.page_source


def test_the_read_only_page_has_no_form_and_its_routes_refuse_changes(
    standing: dict[str, Any], browser: WebDriver, screenshot: ScreenshotTaker
) -> None:
    url = standing["url"]
    browser.get(f"{url}/faults")
    screenshot("faults-read-only")
    assert browser.find_elements(By.CSS_SELECTOR, "main form") == []
    assert browser.find_elements(By.TAG_NAME, "form") == []
    assert "Read-only" in browser.find_element(By.ID, "read-only").text
    assert browser.find_elements(By.CSS_SELECTOR, ".badge.admin") == []
    fault = "kind=publish&effect=status&status=503"
    form = "application/x-www-form-urlencoded"
    assert _fetch_status(browser, "POST", "/faults", fault, form) == 403
    assert _fetch_status(browser, "POST", "/faults/1/remove", "", form) == 403
    assert _fetch_status(browser, "POST", "/faults/delay", "seconds=5", form) == 403
    control = '{"kind": "publish", "status": 503}'
    assert _fetch_status(browser, "POST", "/__fakereg/faults", control, "application/json") == 401
    # A wrong admin token gives no admin session either.
    browser.get(f"{url}/?admin=not-the-token")
    assert "not this registry's admin token" in browser.page_source
    browser.get(f"{url}/faults")
    assert browser.find_elements(By.TAG_NAME, "form") == []
    browser.get(f"{url}/traffic")  # the journal is there to read, with no admin
    assert browser.find_elements(By.ID, "traffic")
    assert browser.find_elements(By.TAG_NAME, "form") == [
        browser.find_element(By.ID, "traffic-filters")
    ]


def test_a_private_registry_asks_for_a_read_token_once(
    browser: WebDriver, screenshot: ScreenshotTaker
) -> None:
    with FakeRegistry(auth_required=True) as reg:
        reader = reg.add_token(reg.login, scopes=["publish-update"])
        browser.get(reg.page_url)
        screenshot("sign-in")
        assert "requires a token" in browser.find_element(By.CSS_SELECTOR, "[role=alert]").text
        assert browser.find_elements(By.ID, "count") == []
        form = browser.find_element(By.ID, "sign-in")
        form.find_element(By.NAME, "token").send_keys("not-a-token")
        form.submit()
        alert = waiting(browser).until(lambda b: b.find_element(By.CSS_SELECTOR, "[role=alert]"))
        assert "authentication failed" in alert.text
        form = browser.find_element(By.ID, "sign-in")
        form.find_element(By.NAME, "token").send_keys(reader)
        form.submit()
        waiting(browser).until(lambda b: b.find_elements(By.ID, "count"))
        assert f"signed in as {reg.login}" in browser.find_element(By.CLASS_NAME, "standing").text
        browser.get(f"{reg.url}/traffic")  # kept in the session: no second sign-in
        assert browser.find_elements(By.ID, "traffic")
        assert reader not in browser.page_source
        assert reg.token not in browser.page_source
        browser.get(f"{reg.url}/me")
        assert "shows no token" in browser.find_element(By.ID, "token").text
        browser.find_element(By.CSS_SELECTOR, ".standing button").click()  # sign out
        waiting(browser).until(lambda b: b.find_elements(By.ID, "sign-in"))
