"""The board of every unit on the occupancy page (issue 14, item 3) in a real browser, on the demo data:
it draws a tile per unit of every site, a filter above it narrows it, and a site's name opens its page
(a plain link: the page reloads and the sign-in cookie keeps the user signed in)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot, wait_for_app, wait_for_heading

pytestmark = pytest.mark.browser


def open_board(page) -> None:
    page.get_by_test_id("stSidebarNavItems").get_by_role("link", name="Occupation", exact=True).click()
    wait_for_app(page)
    page.locator(".ub-tile").first.wait_for()


def test_the_board_renders_narrows_and_links_to_the_site_page(admin_page):
    page = admin_page
    open_board(page)
    tiles = page.locator(".ub-tile").count()
    units = page.get_by_test_id("stMetric").filter(has_text="Logements").get_by_test_id("stMetricValue").inner_text()
    assert tiles == int(units) > 0  # every unit of every site under convention, at once
    sites = page.locator(".ub-site").count()
    assert sites >= 2
    for tile in page.locator(".ub-tile").all()[:40]:  # nothing spills out of its tile (links included)
        assert tile.evaluate("e => e.scrollWidth <= e.clientWidth + 1 && e.scrollHeight <= e.clientHeight + 1")
    screenshot(page, "units_board")

    page.get_by_test_id("stMultiSelect").filter(has_text="Opérateur logement").click()
    page.get_by_role("option", name="CityDev", exact=True).click()
    page.keyboard.press("Escape")
    wait_for_app(page)
    page.wait_for_timeout(500)
    wait_for_app(page)
    narrowed = page.locator(".ub-site")
    assert 0 < narrowed.count() < sites
    assert all("CityDev" in text for text in narrowed.all_inner_texts())
    assert 0 < page.locator(".ub-tile").count() < tiles

    link = narrowed.first.get_by_role("link")
    name = link.inner_text()
    link.click()
    page.wait_for_url("**/site?name=*")
    wait_for_app(page)
    wait_for_heading(page, name)
    wait_for_app(page)
    assert page.get_by_role("heading", name="Fiche du site").count() == 1
    assert page.locator("[data-testid='stException']").count() == 0
