"""The database out of reach in a real browser: the payments form submitted while PostgreSQL cannot
be reached shows the message in the user's language, the page comes back by itself once the database
answers again (no click, no reload), and what was typed is still in the fields."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from issue_core.db import PROJECT_ROOT
from issue_core.i18n import translate
from issue_core.ui.outage import RETRY_SECONDS
from tests.browser.conftest import free_port, screenshot, wait_for_app, wait_healthy
from tests.browser.test_sign_in import settle, wait_for_cookie
from tests.test_database_down import PASSWORD, USERNAME, payments_in, production_settings, relayed_database

pytestmark = pytest.mark.browser


def nl(key: str) -> str:
    return translate(key, "nl")


def sign_in_in_dutch(page, url: str, attempts: int = 3) -> None:
    """Through the form (French until signed in, then the admin's Dutch). A cold server may rerun under
    the typing fingers (the cookie component reporting back): a lost attempt is retried from a fresh load."""
    for attempt in range(attempts):
        page.goto(url)
        wait_for_app(page, timeout=120_000)  # a new server's first run (migrations, caches) on a busy machine
        settle(page)
        page.get_by_label(translate("auth.username", "fr")).fill(USERNAME)
        page.get_by_label(translate("auth.password", "fr")).fill(PASSWORD)
        page.get_by_role("button", name=translate("auth.submit", "fr")).click()
        try:
            page.get_by_role("button", name=nl("auth.sign_out")).wait_for(timeout=30_000)
        except PlaywrightTimeout:
            if attempt == attempts - 1:
                raise
            continue
        wait_for_cookie(page)
        return


@pytest.fixture
def relayed_app(chromium, new_postgres_database, tmp_path):
    """`streamlit run app.py` on a new PostgreSQL database reached through a relay: (url, relay, database url)."""
    with relayed_database(new_postgres_database) as (relay, direct, through_relay):
        port = free_port()
        with open(tmp_path / "streamlit.log", "w") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                 "--server.headless", "true", "--server.fileWatcherType", "none",
                 "--browser.gatherUsageStats", "false"],
                cwd=PROJECT_ROOT, env={**os.environ, **production_settings(through_relay)}, stdout=log,
                stderr=subprocess.STDOUT,
            )
            url = f"http://127.0.0.1:{port}"
            try:
                wait_healthy(url, process)
                yield url, relay, direct
            finally:
                process.terminate()
                process.wait(timeout=20)


def test_a_payment_sent_while_the_database_is_down_waits_for_it_with_what_was_typed(relayed_app, page):
    url, relay, direct = relayed_app
    sign_in_in_dutch(page, url)
    page.goto(f"{url}/payments")
    wait_for_app(page, timeout=90_000)  # the page's first run on a new database, signed in from the cookie
    tab = page.get_by_role("tab", name=nl("payments.record_payment"))
    for _ in range(3):  # a rerun ending just then can swallow the click on a busy machine: click again
        tab.click(timeout=60_000)
        if tab.get_attribute("aria-selected") == "true":
            break
        page.wait_for_timeout(1_000)
    page.get_by_role("textbox", name=nl("field.amount"), exact=True).fill("42,50")
    page.get_by_role("textbox", name=nl("field.notes"), exact=True).fill("kwitantie 17")

    relay.off()
    page.get_by_role("button", name=nl("payments.save_payment")).click()
    page.get_by_text(nl("app.database_down")).wait_for(timeout=30_000)
    assert page.get_by_role("textbox", name=nl("field.amount"), exact=True).count() == 0
    page.wait_for_timeout(int(2.5 * RETRY_SECONDS * 1000))  # the message looks for the database meanwhile
    screenshot(page, "database-down")
    assert page.get_by_text(nl("app.database_down")).count() == 1

    relay.on()  # nobody touches the page from here on
    page.get_by_role("tab", name=nl("payments.record_payment")).click(timeout=(RETRY_SECONDS + 25) * 1000)
    wait_for_app(page)
    assert page.get_by_text(nl("app.database_down")).count() == 0
    assert page.get_by_role("textbox", name=nl("field.amount"), exact=True).input_value() == "42,50"
    assert page.get_by_role("textbox", name=nl("field.notes"), exact=True).input_value() == "kwitantie 17"
    assert payments_in(direct) == []
    page.get_by_role("button", name=nl("payments.save_payment")).click()
    for _ in range(60):
        if payments_in(direct):
            break
        page.wait_for_timeout(250)
    assert payments_in(direct) == [("42.50", "kwitantie 17")]
