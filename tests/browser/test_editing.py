"""Editing in a real browser: a coordinator places a household, and a director sees it from another
browser on the occupancy board and the overview."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from issue_core import clock
from issue_core.i18n import Translator
from tests.browser.conftest import screenshot, wait_for_app
from tests.browser.test_sign_in import settle, sign_in

pytestmark = pytest.mark.browser


BOARD_SITE = "Détail d'un site"  # the occupancy board's choice of one site (every site's tiles without one)


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


def choose_first(page, label: str) -> str:
    """The first option of a selectbox further down a long page: its list may take a second click to
    open once the page has scrolled to it."""
    box = page.get_by_role("combobox", name=label, exact=True)
    box.scroll_into_view_if_needed()
    for _ in range(3):
        box.click()
        try:
            page.get_by_role("option").first.wait_for(timeout=5_000)
            break
        except Exception:  # noqa: BLE001 (not open yet: click again)
            page.keyboard.press("Escape")
    option = page.get_by_role("option").first
    text = option.inner_text()
    option.click()
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
    choose(page, BOARD_SITE, site)
    settle(page)  # the board redrawn for the site (the previous board's figures linger during the rerun)
    card = page.locator("[data-testid='stMetric']").filter(has_text="Occupés").first
    return int(card.locator("[data-testid='stMetricValue']").inner_text())


def board_sites(page) -> list[str]:
    """The sites the occupancy board offers today (those under convention)."""
    go_to(page, "Occupation")
    page.get_by_role("combobox", name=BOARD_SITE, exact=True).click()
    options = page.get_by_role("option")
    options.first.wait_for()
    names = options.all_inner_texts()
    page.keyboard.press("Escape")
    return names


def place_a_waiting_household(coordinator, site: str) -> str:
    """On "Séjours", the first waiting household placed in the first unit offered at `site`; its reference."""
    coordinator.get_by_test_id("stSidebarNavItems").get_by_role("link", name="Séjours", exact=True).click()
    wait_for_app(coordinator)
    household = choose(coordinator, "Ménage en attente")
    reference = re.search(r"ISS-\d{4}-\d+", household).group(0)
    choose(coordinator, "Site", site)
    choose(coordinator, "Logement")
    coordinator.get_by_role("button", name="Loger le ménage").click()
    wait_for_app(coordinator)
    coordinator.get_by_text(f"{reference} logé à {site}").wait_for(timeout=30_000)
    return reference


def test_a_placement_shows_on_the_director_s_board_and_overview(signed_in_tab):
    director = signed_in_tab("dir.samusocial")
    overview_before = overview_occupied(director)
    board_before = board_occupied(director, "Dubrucq")

    coordinator = signed_in_tab("coord.samusocial")
    reference = place_a_waiting_household(coordinator, "Dubrucq")
    screenshot(coordinator, "editing_placed")

    assert overview_occupied(director) == overview_before + 1
    assert board_occupied(director, "Dubrucq") == board_before + 1
    assert reference in director.inner_text("body")  # the director's own organisation: the reference shows
    screenshot(director, "editing_director_board")


def unplanned(page, occupants: list[str]) -> list[str]:
    """The occupants whose plan still shows the placeholder (nothing chosen)."""
    placeholder = Translator("fr")("closure.choose")
    return [reference for reference in occupants
            if placeholder in page.get_by_test_id("stSelectbox").filter(
                has=page.get_by_role("combobox", name=f"Relogement de {reference}", exact=True)).inner_text()]


def test_closing_a_site_relocates_or_exits_every_occupant(page, own_app_url):
    """An admin closes 3 pommiers on yesterday, the last day of its convention (occupiable like any
    other): a plan for each occupant (the first unit offered while one is left, else the first exit), a
    confirmation dialog, then one transaction; today the site is off the occupancy board and each moved
    occupant is in its new unit."""
    sign_in(page, own_app_url, "admin")
    go_to(page, "Clôturer un site")
    page.get_by_role("spinbutton", name="day, Date de clôture").click()  # day, month, year segments
    page.keyboard.type(f"{clock.now().date() - timedelta(days=1):%d%m%Y}")  # the app's today is Brussels'
    page.keyboard.press("Tab")
    wait_for_app(page)
    choose(page, "Site", "3 pommiers")
    occupants = re.findall(r"ISS-\d{4}-\d+", page.get_by_test_id("stMain").inner_text().split("Plan de relogement")[1])
    assert len(occupants) >= 2
    plan = {}
    for reference in occupants:
        plan[reference] = choose_first(page, f"Relogement de {reference}")
    for _ in range(3):  # on a busy machine a choice made while another rerun ends can be lost: made again
        for reference in unplanned(page, occupants):
            plan[reference] = choose_first(page, f"Relogement de {reference}")
    assert unplanned(page, occupants) == []
    page.get_by_label("Motif de clôture").fill("Incendie")
    page.get_by_label("Motif de clôture").press("Enter")
    wait_for_app(page)
    page.get_by_role("button", name="Vérifier et clôturer").click()
    dialog = page.get_by_role("dialog")
    for reference in occupants:  # the dialog draws its list after it opens: wait for each line
        expect(dialog).to_contain_text(reference)
    screenshot(page, "editing_close_site_confirm")
    dialog.get_by_role("button", name="Clôturer et appliquer le plan").click()
    wait_for_app(page)
    page.get_by_text("3 pommiers clôturé le").wait_for()
    screenshot(page, "editing_close_site_done")

    moved = {ref: re.search(r"Reloger à (.+?) · (\S+)", text) for ref, text in plan.items()}
    assert any(moved.values()) and not all(moved.values())  # some moved, the rest exited
    sites = board_sites(page)
    assert sites and "3 pommiers" not in sites
    screenshot(page, "editing_close_site_board_empty")
    for reference, target in moved.items():
        if target is None:
            continue
        board_occupied(page, target.group(1))
        board = page.get_by_test_id("stMain").inner_text()
        assert reference in board and target.group(2) in board
    screenshot(page, "editing_close_site_board_moved")
