"""At 1440 × 900, the columns that matter show without scrolling the table sideways (issue 10, item 16).

A table is drawn on a canvas: its columns have no element of their own. The test walks the keyboard
selection from the first cell of the first row to the cell of the column looked for: the grid scrolls
sideways only to show a column that is not entirely in view. Then the cell's editor (opened with Enter,
placed over the cell) gives the cell's bounding box, which must lie within the table and the window."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.browser.conftest import screenshot, wait_for_app

pytestmark = pytest.mark.browser
WIDTH, HEIGHT = 1440, 900
TABLES = [  # (address, which table of the page, the rightmost column that must show)
    ("sites", 0, "Commune"),
    ("households", 0, "Orienté le"),
    ("payments", 0, "Contribution mensuelle"),  # the history of the household's income statuses
    ("report", 0, "Sorties"),  # per housing operator: units, use, entries and exits
]


@pytest.fixture
def wide_page(admin_page):
    """The signed-in admin's tab at 1440 × 900."""
    admin_page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    return admin_page


def column_index(grid, header: str) -> int:
    """The column's position (0 = first) from the grid's accessible header row (the columns drawn)."""
    cell = grid.locator("th[role='columnheader']", has_text=re.compile(f"^{re.escape(header)}$"))
    assert cell.count(), f"column {header!r} is not even drawn"
    return int(cell.get_attribute("aria-colindex")) - 1


def settled_box(page, grid, attempts: int = 3) -> dict:
    """The grid's box once it is in view and has sized its columns. A late rerun of the page (a cookie or
    fragment run on a busy machine) may replace the grid while it is being scrolled to: look again."""
    for attempt in range(attempts):
        try:
            wait_for_app(page)
            grid.wait_for()
            grid.scroll_into_view_if_needed()
            page.wait_for_timeout(1000)  # the grid sizes its columns after mounting
            return grid.bounding_box()
        except PlaywrightError:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def walk_to(page, grid, column: int, attempts: int = 3) -> None:
    """Select the first row's cell in `column`, from its first cell, one step at a time. A rerun of the
    page while walking (a late cookie or fragment run on a busy machine) redraws the grid and drops the
    selection: the walk then starts again from the first cell."""
    for attempt in range(attempts):
        try:
            wait_for_app(page)
            box = grid.bounding_box()
            page.mouse.click(box["x"] + 10, box["y"] + 52)  # below the header row (35 px): the first cell
            page.wait_for_function("document.activeElement.dataset.testid === 'glide-cell-0-0'", timeout=10_000)
            for step in range(1, column + 1):
                page.keyboard.press("ArrowRight")
                page.wait_for_function(f"document.activeElement.dataset.testid === 'glide-cell-{step}-0'",
                                       timeout=10_000)
            break
        except PlaywrightError:  # a timeout, or the grid redrawn under the walk
            if attempt == attempts - 1:
                raise
    page.wait_for_timeout(300)  # a sideways scroll, if any, is over


@pytest.mark.parametrize("address, index, header", TABLES, ids=[t[0] for t in TABLES])
def test_the_important_columns_show_at_1440_pixels(wide_page, app_url, address, index, header):
    page = wide_page
    page.goto(f"{app_url}/{address}")
    wait_for_app(page)
    grid = page.locator("[data-testid='stDataFrame']").nth(index)
    table = settled_box(page, grid)
    screenshot(page, f"table_width_{address}")
    assert table["x"] + table["width"] <= WIDTH

    walk_to(page, grid, column_index(grid, header))
    assert grid.locator(".dvn-scroller").evaluate("e => e.scrollLeft") == 0, f"{header!r} needs a sideways scroll"
    page.keyboard.press("Enter")  # the cell's editor, over the cell
    editor = page.locator("#portal .gdg-style").first
    editor.wait_for()
    cell = editor.bounding_box()
    assert table["x"] <= cell["x"] and cell["x"] + cell["width"] <= table["x"] + table["width"] <= WIDTH
