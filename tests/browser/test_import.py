"""The import page in a real browser: a coordinator uploads a CSV, checks it (problems listed by row
and column), uploads the corrected file, checks it clean, imports it, and is told what was saved."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot, wait_for_app

pytestmark = pytest.mark.browser

HEADER = "reference;adults;children;axis;referent_organisation;administrative_status;referred_on;follow_up_ended_on\n"
BAD = HEADER + "ISS-2026-901;deux;0;2;Samusocial;regular;01/10/2026;\nISS-2026-902;1;0;2;Samusocial;regular;31/09/2026;\n"
GOOD = HEADER + "ISS-2026-901;2;0;2;Samusocial;regular;01/10/2026;\nISS-2026-902;1;0;2;Samusocial;regular;30/09/2026;\n"


def upload(page, name: str, content: str) -> None:
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": content.encode("utf-8")}
    )
    page.get_by_role("button", name="Vérifier").wait_for(timeout=15_000)
    wait_for_app(page)


def test_a_coordinator_checks_then_imports_a_csv(signed_in_tab):
    page = signed_in_tab("coord.samusocial")
    page.get_by_test_id("stSidebarNavItems").get_by_role("link", name="Importer", exact=True).click()
    wait_for_app(page)
    page.get_by_role("heading", name="Importer", exact=True).wait_for()

    upload(page, "menages.csv", BAD)
    page.get_by_role("button", name="Vérifier").click()
    page.get_by_text("Fichier refusé : 2 problème(s)").wait_for(timeout=30_000)
    wait_for_app(page)
    assert page.get_by_role("button", name="Importer").is_disabled()
    screenshot(page, "import-problems")

    upload(page, "menages-corrige.csv", GOOD)  # replaces the first file
    page.get_by_text("Fichier refusé").wait_for(state="detached")  # the other file's check is not shown
    page.get_by_role("button", name="Vérifier").click()
    page.get_by_text("2 lignes prêtes à importer : households 2.").wait_for(timeout=30_000)
    wait_for_app(page)
    screenshot(page, "import-ready")
    page.get_by_role("button", name="Importer").click()
    page.get_by_text("Import terminé : 2 lignes enregistrées (households 2).").wait_for(timeout=30_000)
    wait_for_app(page)
    screenshot(page, "import-done")
