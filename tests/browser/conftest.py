"""A real Chromium driven by Selenium: Debian's ``chromium`` and ``chromium-driver``.

One headless browser per test process (it starts in about 1.5 s), its cookies cleared
before each test. Selenium is pointed at the system driver and browser, so Selenium
Manager never downloads one. With ``CI`` set, a missing browser, driver or Selenium fails
the tests instead of skipping them. ``FAKEREG_SCREENSHOTS=<dir>`` also copies the
screenshots the tests save there (how ``docs/`` got its images).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from selenium.webdriver import Chrome
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.remote.webelement import WebElement
    from selenium.webdriver.support.wait import WebDriverWait

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
DRIVERS = ("chromedriver",)
PHONE = (390, 844)
DESKTOP = (1280, 900)


def _missing(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"CI is set but {what} is missing: the browser tests need it")
    pytest.skip(f"needs {what}")


def _first(names: tuple[str, ...]) -> str | None:
    return next((found for name in names if (found := shutil.which(name))), None)


@pytest.fixture(scope="session")
def _chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chrome]:
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _missing("selenium (pip install -e '.[test]')")
    binary, driver = _first(BROWSERS), _first(DRIVERS)
    if binary is None or driver is None:
        _missing("chromium and chromedriver (apt-get install chromium chromium-driver)")
    assert binary is not None
    assert driver is not None
    # The browser's profile and temporary files stay in pytest's folders.
    home = tmp_path_factory.mktemp("chromium")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    options.add_argument(f"--user-data-dir={home / 'profile'}")
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        f"--window-size={DESKTOP[0]},{DESKTOP[1]}",
    ):
        options.add_argument(flag)
    service = Service(driver, env={**os.environ, "TMPDIR": str(home)})
    browser = webdriver.Chrome(service=service, options=options)
    try:
        yield browser
    finally:
        browser.quit()


@pytest.fixture
def browser(_chromium: Chrome) -> Iterator[WebDriver]:
    """The browser, as a new visitor: no cookies, a desktop-sized window."""
    # (delete_all_cookies clears only the current page's site; this clears every site's)
    _chromium.execute_cdp_cmd("Network.clearBrowserCookies", {})
    _chromium.set_window_size(*DESKTOP)
    yield _chromium
    _chromium.get("about:blank")


@pytest.fixture
def screenshot(browser: WebDriver, tmp_path: Path) -> ScreenshotTaker:
    return ScreenshotTaker(browser, tmp_path)


class ScreenshotTaker:
    """``screenshot("crate-page")`` saves the page as ``tmp_path/crate-page.png``."""

    def __init__(self, browser: WebDriver, folder: Path) -> None:
        self._browser = browser
        self._folder = folder

    def __call__(self, name: str) -> Path:
        path = self._folder / f"{name}.png"
        assert self._browser.save_screenshot(str(path)), f"no screenshot of {name}"
        assert path.stat().st_size > 1000
        extra = os.environ.get("FAKEREG_SCREENSHOTS")
        if extra:
            Path(extra).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, Path(extra) / path.name)
        return path


def waiting(browser: WebDriver, timeout: float = 5.0) -> WebDriverWait[WebDriver]:
    """A wait polled every 50 ms that treats an element gone stale as "not yet": a
    condition that finds an element and then reads it can race a navigation the test
    started (the element is found on the old page and read after the new one arrived)."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.wait import WebDriverWait

    return WebDriverWait(
        browser, timeout, poll_frequency=0.05, ignored_exceptions=(StaleElementReferenceException,)
    )


def wait_for(
    browser: WebDriver, find: Callable[[WebDriver], WebElement | None], timeout: float = 5.0
) -> WebElement:
    """The element *find* finds once it does (polled every 50 ms), or a timeout."""
    found = waiting(browser, timeout).until(lambda b: find(b) or False)
    element: WebElement = found
    return element


def row_with(browser: WebDriver, text: str, timeout: float = 5.0) -> WebElement:
    """The newest row of the traffic view whose text has *text*, once there is one."""

    def find(b: WebDriver) -> WebElement | None:
        rows = b.find_elements("css selector", "#traffic tbody tr")
        return next((r for r in rows if text in r.text), None)

    return wait_for(browser, find, timeout)
