"""Browser tests: the system Chromium, driven by Playwright, against `streamlit run` on a demo database.
They skip (saying why) on a machine without Chromium, but never under CI=true."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import expect

from issue_core.db import PROJECT_ROOT
from tests.conftest import CHROMIUM_FLAGS, chromium_path, in_ci  # noqa: F401 (the browser fixtures live there)

SCREENSHOTS = PROJECT_ROOT / "artifacts" / "screenshots"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, process: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("streamlit did not become healthy in time")


@contextmanager
def running_app(tmp_path_factory, demo_sqlite_template) -> Iterator[str]:
    """`streamlit run app.py` on a copy of the demo database; yields its URL."""
    database = tmp_path_factory.mktemp("browser") / "demo.sqlite"
    shutil.copy(demo_sqlite_template, database)
    port = free_port()
    environment = {**os.environ, "ISSUE_DATABASE_URL": f"sqlite:///{database}"}
    log = open(tmp_path_factory.mktemp("logs") / "streamlit.log", "w")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.headless", "true", "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
        cwd=PROJECT_ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


@pytest.fixture(scope="session")
def app_url(tmp_path_factory, chromium, demo_sqlite_template) -> Iterator[str]:
    """One app for the session: tests may add data, but must not change what others count on."""
    with running_app(tmp_path_factory, demo_sqlite_template) as url:
        yield url


@pytest.fixture
def own_app_url(tmp_path_factory, chromium, demo_sqlite_template) -> Iterator[str]:
    """An app on its own copy of the demo, for a test that changes the data others count on."""
    with running_app(tmp_path_factory, demo_sqlite_template) as url:
        yield url


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Keeps each phase's report on the test, so that the page fixture knows whether the test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


VIEWPORT = {"width": 1400, "height": 900}


def screenshot_if_failed(page, request: pytest.FixtureRequest) -> None:
    """What the browser showed when the test failed, for the failure's diagnosis."""
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        try:
            print(f"screenshot of the failure: {screenshot(page, 'failed-' + request.node.name)}")
        except Exception as problem:  # noqa: BLE001 (a diagnosis must not hide the failure)
            print(f"no screenshot of the failure: {problem}")


def new_tab(browser):
    """A tab in a browser context of its own (its own cookies), at the usual window size, in French."""
    return browser.new_context(viewport=VIEWPORT, locale="fr-BE").new_page()


@pytest.fixture
def page(browser, request: pytest.FixtureRequest):
    page = new_tab(browser)
    yield page
    screenshot_if_failed(page, request)
    page.context.close()


class SignedInTabs:
    """username → a tab of the session's app where that account signed in once through the form (a sign-in
    costs about 6 s), for the tests that do not change the account. A tab is left wherever its last test left
    it. Signing out ends every session of the account: a test that does so forgets the account's tab."""

    def __init__(self, browser, app_url: str) -> None:
        self.browser, self.app_url, self.tabs = browser, app_url, {}

    def __call__(self, username: str):
        from tests.browser.test_sign_in import settle, sign_in

        if username not in self.tabs:
            self.tabs[username] = new_tab(self.browser)
            sign_in(self.tabs[username], self.app_url, username)
            settle(self.tabs[username])  # a late rerun after the sign-in would swallow the test's first click
        return self.tabs[username]

    def forget(self, username: str) -> None:
        tab = self.tabs.pop(username, None)
        if tab is not None:
            tab.context.close()


@pytest.fixture(scope="session")
def signed_in_tabs(browser, app_url) -> Iterator[SignedInTabs]:
    tabs = SignedInTabs(browser, app_url)
    yield tabs
    for username in list(tabs.tabs):
        tabs.forget(username)


@pytest.fixture
def signed_in_tab(signed_in_tabs, request: pytest.FixtureRequest):
    """signed_in_tabs, each tab at the usual window size, with a screenshot of it if the test fails."""
    used = []

    def tab(username: str):
        page = signed_in_tabs(username)
        page.set_viewport_size(VIEWPORT)
        used.append(page)
        return page

    yield tab
    for page in used:
        screenshot_if_failed(page, request)


@pytest.fixture
def admin_page(signed_in_tab):
    """The admin's signed-in tab (signed_in_tabs)."""
    return signed_in_tab("admin")


def wait_for_app(page, timeout: float = 30_000) -> None:
    """Wait until the script run is over (as Streamlit's own e2e suite does), then a moment for drawing."""
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout)
    page.wait_for_timeout(300)


def wait_for_heading(page, name: str, timeout: float = 30_000) -> None:
    """Wait until the page shows this heading once. A page opened from its address may run twice (the
    sign-in cookie reruns it): while the second run draws, the first run's heading still shows beside
    the new one."""
    expect(page.get_by_role("heading", name=name, exact=True)).to_have_count(1, timeout=timeout)


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
