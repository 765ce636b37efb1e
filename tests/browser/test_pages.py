"""The web page in a real Chromium: crates published by real cargo, the live traffic view,
and the crate page on a phone-sized window."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.select import Select

from fakereg import FakeRegistry
from tests.browser.conftest import PHONE, ScreenshotTaker, row_with, wait_for, waiting
from tests.helpers import publish, write_package
from tests.read_api.conftest import fetch_rich, publish_rich


@pytest.fixture(scope="module")
def shelf(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeRegistry]:
    """dep-a 1.0.0, dep-b 0.3.0 and rich 0.1.0, 0.2.0 (yanked: "broken build"), published
    by real cargo, with the traffic of that cleared."""
    tmp = tmp_path_factory.mktemp("shelf")
    with FakeRegistry() as reg:
        publish_rich(reg, tmp, ("0.1.0", "0.2.0"))
        reg.clear()
        yield reg
        reg.check_errors()


def _texts(browser: WebDriver, selector: str) -> list[str]:
    return [e.text for e in browser.find_elements(By.CSS_SELECTOR, selector)]


def test_the_crate_list_shows_crates_published_by_cargo(
    shelf: FakeRegistry, browser: WebDriver, screenshot: ScreenshotTaker
) -> None:
    recorded = len(shelf.requests)
    browser.get(shelf.page_url)
    assert browser.title == "Crates · fakereg"
    rows = {
        row.get_attribute("data-crate"): row.text
        for row in browser.find_elements(By.CSS_SELECTOR, "table.crates tbody tr")
    }
    assert set(rows) == {"dep-a", "dep-b", "rich"}
    assert "1.0.0" in rows["dep-a"]
    assert "The dep-a test crate" in rows["dep-a"]
    assert "0.1.0" in rows["rich"]  # its default version: 0.2.0 is yanked
    assert "3 crates in this registry" in browser.find_element(By.ID, "count").text
    screenshot("crate-list")

    search = browser.find_element(By.NAME, "q")
    search.send_keys("dep")
    search.submit()
    waiting(browser).until(lambda b: "matching" in b.find_element(By.ID, "count").text)
    found = [
        r.get_attribute("data-crate") or ""
        for r in browser.find_elements(By.CSS_SELECTOR, "tr[data-crate]")
    ]
    assert sorted(found) == ["dep-a", "dep-b"]
    browser.find_element(By.LINK_TEXT, "dep-b").click()
    waiting(browser).until(lambda b: b.current_url.endswith("/crates/dep-b"))
    assert browser.find_element(By.ID, "shown-version").text == "0.3.0"
    # What a person did in the page is not the tool's traffic: nothing was recorded.
    assert len(shelf.requests) == recorded


def test_the_crate_page_shows_versions_the_yanked_mark_and_the_readme(
    shelf: FakeRegistry, browser: WebDriver, screenshot: ScreenshotTaker
) -> None:
    browser.get(f"{shelf.url}/crates/rich")
    assert browser.find_element(By.ID, "shown-version").text == "0.1.0"
    versions = {
        row.get_attribute("data-version"): row
        for row in browser.find_elements(By.CSS_SELECTOR, "#versions tbody tr")
    }
    assert list(versions) == ["0.2.0", "0.1.0"]
    yanked = versions["0.2.0"]
    assert "yanked" in (yanked.get_attribute("class") or "").split()
    assert yanked.find_element(By.CSS_SELECTOR, ".badge.yanked").text == "yanked"
    assert yanked.find_element(By.CSS_SELECTOR, ".yank-message").text == "broken build"
    assert versions["0.1.0"].find_elements(By.CSS_SELECTOR, ".badge.yanked") == []
    # The README, rendered: a heading, emphasis and a table.
    readme = browser.find_element(By.CSS_SELECTOR, "#readme article.readme")
    assert readme.find_element(By.TAG_NAME, "h1").text == "Rich"
    assert readme.find_element(By.TAG_NAME, "em").text == "rich"
    assert [c.text for c in readme.find_elements(By.CSS_SELECTOR, "td")] == ["1", "2"]
    assert (
        browser.find_element(By.ID, "cargo-add").text == f"cargo add rich --registry {shelf.name}"
    )
    assert _texts(browser, "#owners li") == [shelf.login]
    features = _texts(browser, "#features li")
    assert features[0] == "default = fast"
    assert "extra = dep:dep-b" in features
    deps = _texts(browser, "#dependencies tbody tr")
    assert any(d.startswith("dep-a as renamed") for d in deps), deps
    assert any("cfg(unix)" in d for d in deps), deps
    assert any("dep-b optional" in d for d in deps), deps
    assert "MIT" in browser.find_element(By.ID, "about").text
    screenshot("crate-page")

    browser.find_element(By.LINK_TEXT, "0.2.0").click()
    waiting(browser).until(lambda b: b.current_url.endswith("/crates/rich/0.2.0"))
    notice = browser.find_element(By.CSS_SELECTOR, ".notice.yanked").text
    assert notice == "yanked broken build"
    assert browser.find_element(By.ID, "cargo-add").text.startswith("cargo add rich@0.2.0 ")


def test_the_traffic_view_gains_a_row_within_a_second_when_cargo_fetches(
    shelf: FakeRegistry, browser: WebDriver, screenshot: ScreenshotTaker, tmp_path: Path
) -> None:
    browser.get(f"{shelf.url}/traffic")
    waiting(browser).until(lambda b: b.find_element(By.ID, "live").text == "live")
    browser.execute_script("window.notReloaded = true")
    before = len(browser.find_elements(By.CSS_SELECTOR, "#traffic tbody tr"))
    fetch_rich(shelf, tmp_path / "app")
    fetched = time.monotonic()
    download = shelf.assert_requested("download", crate="rich")[-1]

    def download_row(b: WebDriver) -> WebElement | None:
        for row in b.find_elements(By.CSS_SELECTOR, "#traffic tbody tr"):
            cells = row.find_elements(By.TAG_NAME, "td")
            if cells[4].text == "download" and cells[3].text == download.path:
                return row
        return None

    row = wait_for(browser, download_row, timeout=1.0)
    assert time.monotonic() - fetched < 1.0
    assert browser.execute_script("return window.notReloaded") is True
    rows = browser.find_elements(By.CSS_SELECTOR, "#traffic tbody tr")
    assert len(rows) > before
    seqs = [int(r.get_attribute("data-seq") or 0) for r in rows]
    assert seqs == sorted(seqs, reverse=True)  # newest first
    kinds = [r.find_elements(By.TAG_NAME, "td")[4].text for r in rows]
    assert "download" in kinds
    assert "index" in kinds
    assert "200" in row.text
    assert "rich 0.1.0" in row.text

    row.click()
    detail = waiting(browser).until(
        lambda b: b.find_element(By.CSS_SELECTOR, "#detail section.request")
    )
    assert "Request headers" in detail.text
    assert "User-Agent" in detail.text
    assert "cargo" in detail.text
    assert "binary data" in detail.text  # the .crate that was answered
    screenshot("traffic")

    Select(browser.find_element(By.NAME, "kind")).select_by_visible_text("download")
    kinds_shown = (
        "return [...document.querySelectorAll('#traffic tbody tr')]"
        ".map(r => r.cells[4].textContent)"
    )
    waiting(browser).until(lambda b: set(b.execute_script(kinds_shown)) == {"download"})
    assert browser.current_url.endswith("/traffic?kind=download")


def test_a_publish_row_shows_its_metadata_and_files_with_the_token_redacted(
    fake_registry: FakeRegistry, browser: WebDriver, tmp_path: Path
) -> None:
    reg = fake_registry
    browser.get(f"{reg.url}/traffic")
    waiting(browser).until(lambda b: b.find_element(By.ID, "live").text == "live")
    folder = write_package(tmp_path / "shown", "shown", "1.2.3")
    (folder / "README.md").write_text("# Shown\n")
    publish(reg, folder)
    row = row_with(browser, "publish", timeout=2.0)
    assert "shown 1.2.3" in row.text
    assert "200" in row.text
    row.click()
    detail = waiting(browser).until(
        lambda b: b.find_element(By.CSS_SELECTOR, "#detail section.request")
    )
    text = detail.text
    assert '"name": "shown"' in text
    assert '"vers": "1.2.3"' in text
    files = _texts(browser, "#detail ul.files li")
    assert {"Cargo.toml", "Cargo.toml.orig", "README.md", "src/lib.rs"} <= set(files)
    assert "Authorization" in text
    assert reg.token not in browser.page_source
    assert reg.token[:8] + "…" in text


def test_the_crate_page_reads_well_on_a_phone(
    shelf: FakeRegistry, browser: WebDriver, screenshot: ScreenshotTaker
) -> None:
    browser.set_window_size(*PHONE)
    for path in ("/", "/crates/rich", "/traffic", "/faults", "/me"):
        browser.get(shelf.url + path)
        overflow = browser.execute_script(
            "return document.documentElement.scrollWidth - window.innerWidth"
        )
        assert overflow <= 0, (path, overflow)
    browser.get(f"{shelf.url}/crates/rich")
    width = browser.execute_script("return window.innerWidth")
    readme = browser.find_element(By.ID, "readme")
    assert readme.size["width"] <= width
    screenshot("crate-page-phone")


def test_the_me_page_has_the_same_look_and_the_token(
    fake_registry: FakeRegistry, browser: WebDriver, screenshot: ScreenshotTaker
) -> None:
    browser.get(f"{fake_registry.url}/me")
    screenshot("me")
    assert browser.find_element(By.ID, "token").text == fake_registry.token
    assert browser.find_element(By.CSS_SELECTOR, "header.top nav a[aria-current]").text == "Token"
    colour = browser.find_element(By.CSS_SELECTOR, "header.top").value_of_css_property(
        "background-color"
    )
    assert colour == "rgba(29, 35, 42, 1)"  # the stylesheet was loaded
