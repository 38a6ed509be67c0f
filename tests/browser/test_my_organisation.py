"""A coordinator signs in and lands on "My organisation" (its default page), which names only its own
households; its own address (a bookmark) opens it too."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import screenshot, wait_for_app, wait_for_heading
from tests.browser.test_sign_in import sign_in

pytestmark = pytest.mark.browser


def test_a_coordinator_lands_on_its_organisation(page, app_url):
    sign_in(page, app_url, "coord.samusocial")
    wait_for_heading(page, "Mon organisation")
    wait_for_app(page)
    assert page.locator("[data-testid='stException']").count() == 0
    body = page.inner_text("[data-testid='stMain']")
    assert "Samusocial" in body and "À faire" in body
    assert "Ménages suivis" in body
    page.get_by_role("link", name="Vue d'ensemble").wait_for()  # the overview is one click away
    screenshot(page, "my_organisation_coordinator")

    page.goto(f"{app_url}/my-organisation")  # its own address, from the sign-in cookie
    wait_for_heading(page, "Mon organisation")
    assert re.search(r"/my-organisation$", page.url)
