"""The wall screen that runs itself, in a real browser: an admin creates a screen token on the Users page;
the wall's device opens the address once (the token leaves the address, the sidebar starts folded);
its Next button steps through every slide and back to the first, then it moves on on its own (a fragment
rerun, no page reload): every slide without an exception or a household reference, and fitting the window
at 1920×1080 and at 1440×900 (no value, label, cell or button cut, nothing below the fold), a bar showing
the time to the next slide; the admin revokes the token and the wall is back at the sign-in form at its
next rotation, without a reload; a reload does not bring it back."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot, wait_for_app
from tests.browser.test_meeting import INDICATOR, REFERENCE, SLIDES, TITLES, without_error
from tests.browser.test_sign_in import settle, sign_in

pytestmark = pytest.mark.browser

SIZES = [(1920, 1080), (1440, 900)]
ROTATION = 7  # seconds: enough to measure a slide at every size before the next one
STEPPED = 60  # seconds (the longest interval): the slides stepped with Next stay while they are measured

# Every element whose text is cut (wider than its box) in the slide or the sidebar, and how far the
# slide reaches below the window.
MEASURE = """() => {
  const selectors = ['[data-testid="stMetric"] *', 'button', 'button *', '[data-testid="stTable"] td',
                     '[data-testid="stTable"] th', '.meeting-tile', 'h1'];
  const visible = el => { const box = el.getBoundingClientRect(); return box.width > 40 && box.height > 0; };
  const cut = [...document.querySelectorAll(selectors.join(','))]
    .filter(el => visible(el) && el.scrollWidth > el.clientWidth + 1)
    .map(el => `${el.tagName} "${el.innerText.slice(0, 30)}" ${el.scrollWidth}>${el.clientWidth}`);
  const main = document.querySelector('[data-testid="stMain"]');
  return {cut, below: main.scrollHeight - main.clientHeight};
}"""


def create_token(page, app_url: str) -> str:
    """The admin's side: the wall's address, shown once on the Users page."""
    page.goto(app_url)
    wait_for_app(page, timeout=120_000)  # a new server's first run (migrations, caches) on a busy machine
    sign_in(page, app_url, "admin")
    page.goto(f"{app_url}/users")
    settle(page)  # the page drawn once and for all (a stale copy of its tabs may linger a moment before)
    page.get_by_role("tab", name="Écrans muraux").last.click()
    page.get_by_label("Nom de l'écran").fill("Salle de réunion")
    page.get_by_role("button", name="Créer un jeton d'écran").click()
    wait_for_app(page)
    address = page.locator("[data-testid='stCode'] code").inner_text(timeout=15_000).strip()
    assert "/meeting?screen_token=" in address
    return address


def revoke_token(page, app_url: str) -> None:
    page.goto(f"{app_url}/users")
    settle(page)  # the page drawn once and for all (a stale copy of its tabs may linger a moment before)
    page.get_by_role("tab", name="Écrans muraux").last.click()
    page.get_by_role("button", name="Révoquer").click()
    wait_for_app(page)
    page.get_by_text("Jeton révoqué").wait_for(timeout=15_000)


def set_rotation(page, seconds: int) -> None:
    """The controls, in the folded sidebar: unfold it, set the interval, fold it again; the sidebar's
    buttons fit their labels meanwhile ("Précédente", not "Préc…")."""
    page.get_by_test_id("stExpandSidebarButton").click()
    field = page.get_by_label("Secondes par diapositive")
    field.fill(str(seconds))
    field.press("Enter")
    wait_for_app(page)
    sidebar_cut = [text for text in page.evaluate(MEASURE)["cut"] if "BUTTON" in text]
    assert sidebar_cut == [], sidebar_cut
    page.get_by_test_id("stSidebar").hover()
    page.locator("[data-testid='stSidebarCollapseButton'] button").click()
    page.wait_for_timeout(500)


def slide_number(page) -> int:
    return int(page.locator(INDICATOR).inner_text(timeout=30_000).split("/")[0])


def wait_for_slide(page, number: int) -> None:
    page.wait_for_function(
        "([selector, text]) => document.querySelector(selector)?.innerText.trim() === text",
        arg=[INDICATOR, f"{number} / {SLIDES}"], timeout=30_000,
    )
    page.wait_for_timeout(1200)  # the slide's elements come with the indicator's run


def fits(page, number: int, width: int, height: int) -> None:
    page.set_viewport_size({"width": width, "height": height})
    page.wait_for_timeout(300)  # the layout follows the window (no rerun)
    measured = page.evaluate(MEASURE)
    assert measured["cut"] == [], f"slide {number} at {width}×{height}: {measured['cut']}"
    assert measured["below"] <= 1, f"slide {number} at {width}×{height} reaches {measured['below']} px below"
    screenshot(page, f"wall_{width}x{height}_{number}")


def slide_fits(page, number: int, seconds: int) -> None:
    """Slide `number` shows (without an error or a household reference, its bar timed on `seconds`) and fits
    every size: resizing the window lays the slide out again without a rerun."""
    wait_for_slide(page, number)
    without_error(page)
    assert TITLES[number - 1] in page.locator("h1").first.inner_text()
    assert not REFERENCE.search(page.inner_text("body")), f"a household reference on slide {number}"
    bar = page.locator(".meeting-progress div")
    assert bar.count() == 1 and bar.evaluate("el => getComputedStyle(el).animationDuration") == f"{seconds}s"
    for width, height in SIZES:
        fits(page, number, width, height)
    assert slide_number(page) == number, f"slide {number} moved on while it was measured"


def every_slide_fits(page) -> None:
    """Every slide and back to the one it started from, stepped with the wall's Next button (in the folded
    sidebar, clicked without unfolding it) at the longest interval, so that none moves on while it is
    measured; then, at ROTATION seconds, the next slide comes on the timer alone (the fragment's rerun)."""
    set_rotation(page, STEPPED)
    shown = slide_number(page)
    for _ in range(SLIDES):
        page.locator(".st-key-meeting_next button").dispatch_event("click")
        shown = shown % SLIDES + 1
        slide_fits(page, shown, STEPPED)
    set_rotation(page, ROTATION)  # a full run: it may move on by itself if the slide has shown long enough
    shown = slide_number(page)
    slide_fits(page, shown % SLIDES + 1, ROTATION)  # no click, no full run: the timer


def test_a_wall_runs_on_its_screen_token_until_revoked(browser, own_app_url):
    admin = browser.new_context(viewport={"width": 1440, "height": 900}, locale="fr-BE")
    wall = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="fr-BE")
    try:
        admin_page = admin.new_page()
        address = create_token(admin_page, own_app_url)

        page = wall.new_page()
        page.goto(address)
        page.wait_for_selector(INDICATOR, timeout=60_000)
        assert "screen_token" not in page.url and page.url.endswith("/meeting")
        assert page.get_by_test_id("stExpandSidebarButton").is_visible()  # the sidebar starts folded
        assert page.get_by_label("Mot de passe").count() == 0
        every_slide_fits(page)

        revoke_token(admin_page, own_app_url)
        page.get_by_role("button", name="Se connecter").wait_for(timeout=30_000)  # the next rotation, no reload
        assert page.locator(INDICATOR).count() == 0
        page.reload()
        settle(page)
        assert page.get_by_label("Mot de passe").is_visible()  # the screen cookie's session ended with its token
        assert page.locator(INDICATOR).count() == 0
    finally:
        admin.close()
        wall.close()


def test_a_bad_token_shows_the_sign_in_form(page, app_url):
    page.goto(f"{app_url}/meeting?screen_token=not-a-token")
    settle(page)
    assert page.get_by_label("Mot de passe").is_visible()
    assert page.get_by_text("Ce lien d'écran n'est pas").count() == 1
    assert page.locator("[data-testid='stException']").count() == 0
    assert "screen_token" not in page.url
