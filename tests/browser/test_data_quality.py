"""The data quality page in a real browser, on the demo data: an admin opens it, and a problem's fix link opens
the page that fixes it with the problem's site chosen."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import screenshot, wait_for_app, wait_for_heading

pytestmark = pytest.mark.browser


def test_an_admin_follows_a_fix_link(admin_page):
    page = admin_page
    page.get_by_test_id("stSidebarNavItems").get_by_role("link", name="Qualité des données", exact=True).click()
    wait_for_app(page)
    page.get_by_role("heading", name="Qualité des données", exact=True).wait_for()
    page.locator("[data-testid='stVegaLiteChart']").first.wait_for()  # the score's trend
    assert page.locator("[data-testid='stMetricValue']").count() >= 1  # today's score per partner
    # The demo's Ganshoren convention awaits its extension (overdue): its occupant's stay runs past it.
    past = page.locator("[data-testid='stExpander']").filter(has_text="Séjours au-delà de leur convention")
    assert "Ganshoren" in past.inner_text()
    screenshot(page, "data-quality")
    past.get_by_role("link", name="Site").first.click()
    wait_for_app(page)
    wait_for_heading(page, "Ganshoren")
    assert re.search(r"/site\?id=\d+$", page.url)
    # the site's page: the admin extends the convention from there
    page.get_by_role("link", name=re.compile("prolongation")).first.wait_for()  # drawn after the heading
