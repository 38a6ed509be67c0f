"""Signing in and out in a real browser: the form, deep links, and the cookie after sign-out."""

from __future__ import annotations

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from issue_core.demo import DEMO_ACCOUNTS
from tests.browser.conftest import screenshot, wait_for_app, wait_for_heading

pytestmark = pytest.mark.browser
PASSWORDS = {account.username: account.password for account in DEMO_ACCOUNTS}


def settle(page, quiet_ms: int = 1500, attempts: int = 20) -> None:
    """Wait until no script run starts for a while: the cookie component reports back once its frame
    has loaded (slowly on a fresh server), which reruns the script and redraws the form."""
    idle = "[data-testid='stApp'][data-test-script-state='notRunning']"
    for _ in range(attempts):
        wait_for_app(page)
        page.wait_for_timeout(quiet_ms)
        if page.locator(idle).count():
            return


def sign_in(page, app_url: str, username: str, attempts: int = 3) -> None:
    """Sign in through the form. On a cold server the first page load may rerun under the typing
    fingers (the cookie component reporting back), so a lost attempt is retried from a fresh load."""
    for attempt in range(attempts):
        page.goto(app_url)
        settle(page)
        page.get_by_label("Nom d'utilisateur").fill(username, timeout=15_000)
        page.get_by_label("Mot de passe").fill(PASSWORDS[username], timeout=15_000)
        page.get_by_role("button", name="Se connecter").click()
        try:
            page.get_by_role("button", name="Se déconnecter").wait_for(timeout=15_000)
        except PlaywrightTimeout:
            if attempt == attempts - 1:
                raise
            continue
        wait_for_app(page)
        wait_for_cookie(page)
        return


def wait_for_cookie(page, timeout_ms: int = 15_000) -> None:
    """The sign-in cookie is written by a component frame once it has loaded: wait for it."""
    for _ in range(timeout_ms // 250):
        if any(cookie["name"] == "issue_session" for cookie in page.context.cookies()):
            return
        page.wait_for_timeout(250)
    raise AssertionError("the sign-in cookie was never written")


def sees_sign_in_form(page) -> bool:
    page.get_by_role("button", name="Se connecter").wait_for(timeout=30_000)
    return page.get_by_label("Mot de passe").is_visible()


def test_sign_in_and_out(page, app_url, signed_in_tabs):
    signed_in_tabs.forget("admin")  # signing out below ends every admin session, the shared tab's too
    page.goto(app_url)
    settle(page)
    screenshot(page, "sign_in")
    sign_in(page, app_url, "admin")
    wait_for_heading(page, "Vue d'ensemble")
    assert "admin · Administrateur" in page.inner_text("[data-testid='stSidebar']")
    assert page.get_by_role("link", name="Utilisateurs").is_visible()
    page.get_by_role("button", name="Se déconnecter").click()
    assert sees_sign_in_form(page)


def test_a_wrong_password_is_refused_with_the_single_message(page, app_url):
    page.goto(app_url)
    settle(page)
    page.get_by_label("Nom d'utilisateur").fill("dir.smes")
    page.get_by_label("Mot de passe").fill("not-the-right-one")
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_text("Nom d'utilisateur ou mot de passe incorrect, ou compte temporairement bloqué.").wait_for()


def test_deep_link_to_an_admin_page_while_signed_out_lands_on_sign_in(page, app_url):
    page.goto(f"{app_url}/users")
    settle(page)
    assert sees_sign_in_form(page)
    assert page.get_by_role("heading", name="Utilisateurs").count() == 0


def test_a_bookmarked_page_opens_after_the_sign_in_and_from_the_cookie_in_a_new_tab(browser, app_url):
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="fr-BE")
    try:
        page = context.new_page()
        page.goto(f"{app_url}/audit")
        settle(page)
        assert sees_sign_in_form(page) and page.url.endswith("/audit")
        page.get_by_label("Nom d'utilisateur").fill("admin")
        page.get_by_label("Mot de passe").fill(PASSWORDS["admin"])
        page.get_by_role("button", name="Se connecter").click()
        wait_for_heading(page, "Journal d'audit")
        wait_for_cookie(page)
        tab = context.new_page()  # the same browser: its sign-in cookie opens the bookmark directly
        tab.goto(f"{app_url}/export")
        wait_for_heading(tab, "Exporter")
        assert tab.url.endswith("/export")
    finally:
        context.close()


def test_deep_link_to_an_admin_page_as_director_lands_on_the_default_page(page, app_url):
    sign_in(page, app_url, "dir.diogenes")
    page.goto(f"{app_url}/users")
    wait_for_app(page)
    page.get_by_role("heading", name="Mon organisation").first.wait_for()  # a director's default page
    assert page.get_by_role("heading", name="Utilisateurs").count() == 0
    assert page.get_by_role("link", name="Utilisateurs").count() == 0
    screenshot(page, "director_deep_link")


def test_a_cookie_copied_before_sign_out_no_longer_signs_in(browser, app_url):
    first = browser.new_context(viewport={"width": 1400, "height": 900})
    page = first.new_page()
    sign_in(page, app_url, "coord.smes")
    copied = [cookie for cookie in first.cookies() if cookie["name"] == "issue_session"]
    assert copied, "the sign-in cookie was not set"

    # Before sign-out, the copied cookie signs in another browser without the form.
    second = browser.new_context(viewport={"width": 1400, "height": 900})
    second.add_cookies(copied)
    other = second.new_page()
    other.goto(app_url)
    other.get_by_role("button", name="Se déconnecter").wait_for(timeout=30_000)
    second.close()

    page.get_by_role("button", name="Se déconnecter").click()
    assert sees_sign_in_form(page)
    first.close()

    third = browser.new_context(viewport={"width": 1400, "height": 900})
    third.add_cookies(copied)
    replay = third.new_page()
    replay.goto(app_url)
    settle(replay)
    assert sees_sign_in_form(replay)
    assert replay.get_by_role("button", name="Se déconnecter").count() == 0
    third.close()
