"""The default page's own address: Streamlit serves the default page at "/", yet /overview (the
address of the Overview, e.g. a bookmark) opens it too, without "Page not found"."""

from __future__ import annotations

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.conftest import screenshot, wait_for_heading
from tests.browser.test_sign_in import PASSWORDS, sees_sign_in_form, settle, wait_for_cookie

pytestmark = pytest.mark.browser


def page_not_found(page) -> bool:
    return page.get_by_text("Page not found").count() > 0


def sign_in_at(page, address: str, username: str, attempts: int = 3) -> None:
    """Open `address` signed out (the sign-in form, at that address), then sign in. On a cold server
    the first load may rerun under the typing fingers: a lost attempt starts again from a fresh load."""
    for attempt in range(attempts):
        page.goto(address)
        settle(page)
        assert sees_sign_in_form(page) and page.url == address and not page_not_found(page)
        page.get_by_label("Nom d'utilisateur").fill(username)
        page.get_by_label("Mot de passe").fill(PASSWORDS[username])
        page.get_by_role("button", name="Se connecter").click()
        try:
            page.get_by_role("button", name="Se déconnecter").wait_for(timeout=15_000)
            return
        except PlaywrightTimeout:
            if attempt == attempts - 1:
                raise


def test_the_default_page_opens_at_its_own_address_signed_out_then_from_the_cookie(browser, app_url):
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="fr-BE")
    try:
        page = context.new_page()
        sign_in_at(page, f"{app_url}/overview", "admin")
        page.get_by_role("heading", name="Vue d'ensemble").wait_for()
        wait_for_cookie(page)
        settle(page)
        assert page.url.endswith("/overview") and not page_not_found(page)
        assert page.get_by_role("link", name="Vue d'ensemble").count() == 1  # one menu entry, not two

        tab = context.new_page()  # the sign-in cookie opens the bookmark directly
        tab.goto(f"{app_url}/overview")
        wait_for_heading(tab, "Vue d'ensemble")
        settle(tab)
        assert tab.url.endswith("/overview") and not page_not_found(tab)
        screenshot(tab, "bookmark_overview")
    finally:
        context.close()


def test_the_meeting_screen_opens_at_its_own_address(browser, app_url):
    """For the `screen` role the default page is the meeting screen: /meeting opens it too."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="fr-BE")
    try:
        page = context.new_page()
        sign_in_at(page, f"{app_url}/meeting", "ecran")
        page.wait_for_selector(".meeting-indicator", timeout=30_000)  # the slides' "1 / 5"
        settle(page)
        assert page.url.endswith("/meeting") and not page_not_found(page)
    finally:
        context.close()
