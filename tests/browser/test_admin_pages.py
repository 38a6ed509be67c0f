"""The administration pages render in a real browser (screenshots kept as CI artefacts)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot, wait_for_app

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    "url, heading, expected",
    [("users", "Utilisateurs", "Créer un compte"), ("audit", "Journal d'audit", "Avant"),
     ("account", "Mon compte", "Changer mon mot de passe")],
)
def test_admin_page(admin_page, url, heading, expected):
    page = admin_page
    page.get_by_role("link", name=heading).click()
    wait_for_app(page)
    page.get_by_role("heading", name=heading).wait_for()
    page.get_by_text(expected).first.wait_for()
    wait_for_app(page)
    assert page.locator("[data-testid='stException']").count() == 0
    screenshot(page, f"admin_{url}")
