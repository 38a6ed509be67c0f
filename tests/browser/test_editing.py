"""Editing in a real browser: a coordinator places a household, and a director sees it from another
browser on the occupancy board and the overview."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import screenshot, wait_for_app
from tests.browser.test_sign_in import sign_in

pytestmark = pytest.mark.browser


def choose(page, label: str, option: str | None = None) -> str:
    """Pick an option of a Streamlit selectbox (the first one when `option` is None)."""
    page.get_by_role("combobox", name=label, exact=True).click()
    listbox = page.get_by_role("option")
    listbox.first.wait_for()
    chosen = listbox.filter(has_text=option).first if option else listbox.first
    text = chosen.inner_text()
    chosen.click()
    wait_for_app(page)
    return text


def go_to(page, link: str) -> None:
    page.get_by_test_id("stSidebarNavItems").get_by_role("link", name=link, exact=True).click()
    wait_for_app(page)
    page.wait_for_timeout(800)
    wait_for_app(page)


def overview_occupied(page) -> int:
    go_to(page, "Vue d'ensemble")
    card = page.locator("[data-testid='stMetric']").filter(has_text="Logements occupés").first
    return int(card.locator("[data-testid='stMetricValue']").inner_text())


def board_occupied(page, site: str) -> int:
    go_to(page, "Occupation")
    choose(page, "Site", site)
    card = page.locator("[data-testid='stMetric']").filter(has_text="Occupés").first
    return int(card.locator("[data-testid='stMetricValue']").inner_text())


def test_a_placement_shows_on_the_director_s_board_and_overview(browser, app_url):
    director_context = browser.new_context(viewport={"width": 1400, "height": 900})
    director = director_context.new_page()
    sign_in(director, app_url, "dir.samusocial")
    overview_before = overview_occupied(director)
    board_before = board_occupied(director, "Dubrucq")

    coordinator_context = browser.new_context(viewport={"width": 1400, "height": 900})
    coordinator = coordinator_context.new_page()
    sign_in(coordinator, app_url, "coord.samusocial")
    coordinator.get_by_test_id("stSidebarNavItems").get_by_role("link", name="Séjours", exact=True).click()
    wait_for_app(coordinator)
    household = choose(coordinator, "Ménage en attente")
    reference = re.search(r"ISS-\d{4}-\d+", household).group(0)
    choose(coordinator, "Site", "Dubrucq")
    choose(coordinator, "Logement")
    coordinator.get_by_role("button", name="Loger le ménage").click()
    wait_for_app(coordinator)
    coordinator.get_by_text(f"{reference} logé à Dubrucq").wait_for()
    screenshot(coordinator, "editing_placed")

    assert overview_occupied(director) == overview_before + 1
    assert board_occupied(director, "Dubrucq") == board_before + 1
    assert reference in director.inner_text("body")  # the director's own organisation: the reference shows
    screenshot(director, "editing_director_board")
    coordinator_context.close()
    director_context.close()
