"""The meeting screen in a real browser, signed in with the screen account: the slides move on by
themselves, without an exception or a household reference; pause holds the slide. Every slide, and
back to the first, is checked on the token wall of test_wall_screen.py."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import screenshot, wait_for_app

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


def without_error(page) -> None:
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.get_by_text("Une erreur inattendue").count() == 0


def test_the_screen_account_sees_the_slides_move_on_by_themselves(signed_in_tab):
    """The screen account's side of the rotation (the token wall of test_wall_screen.py goes through every
    slide and back to the first, at two window sizes): it lands on the meeting page and the next slides come
    on their own."""
    page = signed_in_tab("ecran")  # the screen account lands on the meeting page
    page.wait_for_selector(INDICATOR, timeout=30_000)
    seconds = page.get_by_label("Secondes par diapositive")
    seconds.fill("5")
    seconds.press("Enter")
    wait_for_app(page)
    first = shown_slide(page)
    for step in (1, 2):
        number = (first - 1 + step) % SLIDES + 1
        wait_for_slide(page, number)
        page.wait_for_timeout(1200)  # the slide's elements are drawn with the indicator's run
        without_error(page)
        body = page.inner_text("body")
        assert TITLES[number - 1] in body
        assert not REFERENCE.search(body), f"a household reference on slide {number}"
        screenshot(page, f"meeting_{number}")


def test_pause_holds_the_slide(signed_in_tab):
    page = signed_in_tab("ecran")
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
