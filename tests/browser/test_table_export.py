"""A table's own toolbar offers no "Download as CSV" (it would carry a note's =HYPERLINK(…) as typed into a
spreadsheet): .streamlit/config.toml sets client.disableDataExport; the app's own downloads neutralise."""

from __future__ import annotations

import pytest

from tests.browser.test_sign_in import settle

pytestmark = pytest.mark.browser


def test_a_table_toolbar_has_no_csv_download(signed_in_tab):
    page = signed_in_tab("dir.samusocial")
    page.get_by_test_id("stSidebarNavItems").get_by_role("link", name="Sites", exact=True).click()
    settle(page)  # the sites page drawn once and for all (the previous page's table lingers during the run)
    grid = page.locator("[data-testid='stDataFrame']").first
    grid.wait_for()
    page.wait_for_timeout(1000)  # the grid draws on a canvas after mounting
    grid.hover()
    toolbar = page.locator("[data-testid='stElementToolbarButton'] button")
    toolbar.first.wait_for()  # the toolbar shows on hover: what it offers can be read
    labels = [button.get_attribute("aria-label") or "" for button in toolbar.all()]
    assert any(label.startswith("Search") for label in labels), labels
    assert not [label for label in labels if "Download" in label or "CSV" in label], labels
