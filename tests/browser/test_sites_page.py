"""The sites page in a real browser, on the demo data."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot, wait_for_app

pytestmark = pytest.mark.browser


def test_sites_page_shows_the_demo_sites(signed_in_tab):
    page = signed_in_tab("dir.samusocial")
    page.get_by_test_id("stSidebarNavItems").get_by_role("link", name="Sites", exact=True).click()
    wait_for_app(page)
    page.get_by_role("heading", name="Sites", exact=True).wait_for()
    grid = page.locator("[data-testid='stDataFrame']")
    grid.wait_for()
    page.wait_for_timeout(1000)  # the grid draws on a canvas after mounting
    assert "Données de démonstration" in page.inner_text("[data-testid='stSidebar']")
    metrics = page.locator("[data-testid='stMetricValue']").all_inner_texts()
    assert metrics == ["6", "39", "1"]  # sites, units, overdue conventions (Ganshoren: demo.EXTENSIONS)
    path = screenshot(page, "sites")
    assert path.stat().st_size > 10_000
