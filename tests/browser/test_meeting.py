"""The meeting screen in a real browser: it rotates through every slide twice on its own (fragment
reruns, no page reload), without an exception and without a household reference on any slide."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import screenshot, wait_for_app
from tests.browser.test_sign_in import sign_in

pytestmark = pytest.mark.browser

REFERENCE = re.compile(r"ISS-\d{4}-\d+")
INDICATOR = ".meeting-indicator"
TITLES = ["Chiffres clés", "Conventions qui se terminent", "Occupation des logements (1/2)",
          "Occupation des logements (2/2)", "Depuis le", "Suivis par axe (1/2)", "Suivis par axe (2/2)",
          "Décisions de la semaine (1/3)", "Décisions de la semaine (2/3)", "Décisions de la semaine (3/3)"]
SLIDES = len(TITLES)  # the demo's board and caseloads take two slides each, the decisions three


def shown_slide(page) -> int:
    """The slide number of the indicator ("2 / 5" -> 2)."""
    return int(page.locator(INDICATOR).inner_text(timeout=30_000).split("/")[0])


def wait_for_slide(page, number: int, timeout_ms: int = 30_000) -> None:
    page.wait_for_function(
        "([selector, text]) => document.querySelector(selector)?.innerText.trim() === text",
        arg=[INDICATOR, f"{number} / {SLIDES}"], timeout=timeout_ms,
    )


def test_the_meeting_screen_rotates_through_every_slide_twice(page, app_url):
    sign_in(page, app_url, "ecran")  # the screen account lands on the meeting page
    page.wait_for_selector(INDICATOR, timeout=30_000)
    seconds = page.get_by_label("Secondes par diapositive")
    seconds.fill("5")
    seconds.press("Enter")
    wait_for_app(page)
    page.get_by_test_id("stSidebar").hover()  # the wall as in the meeting room: sidebar folded away
    page.locator("[data-testid='stSidebarCollapseButton'] button").click()
    first = shown_slide(page)
    order = [(first - 1 + step) % SLIDES + 1 for step in range(2 * SLIDES + 1)]
    for position, number in enumerate(order):
        wait_for_slide(page, number)
        page.wait_for_timeout(1200)  # the slide's elements are drawn with the indicator's run; let charts settle
        assert page.locator("[data-testid='stException']").count() == 0
        assert page.get_by_text("Une erreur inattendue").count() == 0
        body = page.inner_text("body")
        assert TITLES[number - 1] in body
        assert not REFERENCE.search(body), f"a household reference on slide {number}"
        if position < SLIDES:
            screenshot(page, f"meeting_{number}")


def test_pause_holds_the_slide(page, app_url):
    sign_in(page, app_url, "ecran")
    page.wait_for_selector(INDICATOR, timeout=30_000)
    seconds = page.get_by_label("Secondes par diapositive")
    seconds.fill("5")
    seconds.press("Enter")
    wait_for_app(page)
    page.get_by_text("Pause", exact=True).click()
    wait_for_app(page)
    held = shown_slide(page)
    page.wait_for_timeout(12_000)  # more than two intervals
    assert shown_slide(page) == held
    assert "En pause" in page.inner_text("body")
