"""An amount field in a real browser (issue 10, item 14): it shows "50,00" in French, takes
"1 000" typed the French way, and the browser itself refuses what is not a number, in French,
before anything reaches the app (AppTest cannot see that check: it runs in the browser)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot, wait_for_app
from tests.browser.test_sign_in import sign_in

pytestmark = pytest.mark.browser


def test_the_arrears_threshold_is_typed_the_french_way(page, app_url):
    sign_in(page, app_url, "dir.diogenes")
    page.goto(f"{app_url}/contributions")
    wait_for_app(page)
    field = page.get_by_label("Seuil d'arriérés par ménage (€)")
    expect(field).to_have_value("50,00")  # waits for the field as the run draws it

    field.fill("beaucoup")
    field.press("Enter")
    page.get_by_text("Un nombre, par exemple 1\u202f234,50.").wait_for()
    screenshot(page, "number_field_refused")
    wait_for_app(page)
    assert page.get_by_role("heading", name="Arriérés par partenaire (ménages devant plus de 50,00\xa0€)").count() == 1

    field.fill("1 000")
    field.press("Enter")
    wait_for_app(page)
    page.get_by_role("heading", name="Arriérés par partenaire (ménages devant plus de 1\u202f000,00\xa0€)").wait_for()
