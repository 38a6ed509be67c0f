"""Every dashboard page in a real browser, on the demo data; a screenshot of each is kept
(artifacts/screenshots/, a CI artefact)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot, wait_for_app

pytestmark = pytest.mark.browser

PAGES = [  # (navigation link, page heading: the same words, screenshot name)
    ("Vue d'ensemble", "Vue d'ensemble", "overview"),
    ("Carte", "Carte", "map"),
    ("Chronologie", "Chronologie", "timeline"),
    ("Occupation", "Occupation", "occupancy"),
    ("Suivis", "Suivis", "caseloads"),
    ("Contributions et arriérés", "Contributions et arriérés", "contributions"),
    ("Sites", "Sites", "sites_admin_view"),
]


@pytest.mark.parametrize("link, heading, name", PAGES, ids=[name for _, _, name in PAGES])
def test_dashboard_page_renders(admin_page, link, heading, name):
    page = admin_page
    page.get_by_test_id("stSidebarNavItems").get_by_role("link", name=link, exact=True).click()
    wait_for_app(page)
    page.get_by_role("heading", name=heading, exact=True).wait_for()
    page.wait_for_timeout(2500)  # charts and the map draw after the script run
    wait_for_app(page)
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.get_by_text("Une erreur inattendue").count() == 0
    screenshot(page, f"dashboard_{name}")


def test_meeting_screen_account_sees_only_the_meeting_screen_and_its_account(signed_in_tab):
    page = signed_in_tab("ecran")
    links = page.get_by_test_id("stSidebarNavItems").get_by_role("link")
    names = sorted(text.splitlines()[-1] for text in links.all_inner_texts())  # the icon's name comes first
    assert names == ["Mon compte", "Écran de réunion"]
    assert "ISS-20" not in page.inner_text("body")


def test_a_charts_numbers_open_with_their_table_and_csv_buttons(admin_page):
    """The numbers behind a chart are sent when their expander opens (a rerun): the table and both CSVs."""
    page = admin_page
    page.get_by_test_id("stSidebarNavItems").get_by_role("link", name="Contributions et arriérés", exact=True).click()
    wait_for_app(page)
    page.get_by_role("heading", name="Dû et payé par mois", exact=True).wait_for()
    numbers = page.locator("[data-testid='stExpander']").filter(has_text="Les chiffres").first
    assert numbers.get_by_test_id("stDataFrame").count() == 0
    numbers.get_by_text("Les chiffres").click()
    numbers.get_by_test_id("stDataFrame").wait_for()
    wait_for_app(page)
    assert numbers.get_by_role("button", name="CSV", exact=False).count() == 2  # plain, and for Excel (Belgium)
    assert page.locator("[data-testid='stException']").count() == 0
    numbers.scroll_into_view_if_needed()
    screenshot(page, "dashboard_contributions_numbers")
