"""The meeting screen's long lists cut into slides (issue_core.ui.slides, counted by hand), and the
"this week's decisions" slides against their read models, without a household reference."""

from __future__ import annotations

import re
import time

import pandas as pd

from issue_core.queries.screens.waiting import candidates, units_to_fill
from issue_core.ui.slides import board_rows, page_of, table_rows
from tests.conftest import TODAY, run_page, use_database

REFERENCE = re.compile(r"ISS-\d{4}-\d+")


def table_pages(frame: pd.DataFrame, rows_per_slide: int) -> list[pd.DataFrame]:
    """The slides of a table as the wall draws them."""
    return [page_of(frame, rows) for rows in table_rows(len(frame), rows_per_slide)]


def board_pages(tiles: pd.DataFrame, group: str, per_row: int, lines_per_slide: int) -> list[pd.DataFrame]:
    """The slides of the board as the wall draws them."""
    return [page_of(tiles, rows) for rows in board_rows(tiles, group, per_row, lines_per_slide)]


def test_a_table_goes_on_over_the_next_slides():
    frame = pd.DataFrame({"row": range(13)}, index=range(100, 113))
    pages = table_pages(frame, 6)
    assert [page["row"].tolist() for page in pages] == [[0, 1, 2, 3, 4, 5], [6, 7, 8, 9, 10, 11], [12]]
    assert all(page.index.tolist() == list(range(len(page))) for page in pages)  # no stray index on the wall
    assert len(table_pages(frame.iloc[0:0], 6)) == 1  # nothing: one slide that says so


def tiles(sizes: dict[str, int]) -> pd.DataFrame:
    return pd.DataFrame([{"site": site, "unit": f"{site}-{n}"} for site, count in sizes.items() for n in range(count)])


def test_the_board_keeps_a_site_whole_on_a_slide_when_it_fits():
    # 8 tiles a line, 7 lines a slide; a site takes a line for its name and one per 8 tiles:
    # A (13 tiles): 1 + 2 = 3 lines; B (14): 3 lines -> 6; C (1): 2 lines, 8 > 7: a new slide; D (1): 2 lines -> 4.
    pages = board_pages(tiles({"A": 13, "B": 14, "C": 1, "D": 1}), "site", 8, 7)
    assert [sorted(set(page["site"])) for page in pages] == [["A", "B"], ["C", "D"]]
    assert sum(len(page) for page in pages) == 29


def test_a_site_larger_than_a_slide_goes_on_over_the_next_ones():
    # 6 lines of tiles a slide (7 - its name): 48 tiles a slide; E (100 tiles): 48 + 48 + 4; F (3) joins the last.
    pages = board_pages(tiles({"E": 100, "F": 3}), "site", 8, 7)
    assert [len(page) for page in pages] == [48, 48, 7]
    assert pages[2]["site"].tolist() == ["E"] * 4 + ["F"] * 3


def next_slide(app):
    app.session_state["meeting_shown_at"] = time.monotonic() - 3600
    app.run()
    assert not app.exception, app.exception
    return app


def test_the_decisions_slides_count_the_candidates_of_each_unit_to_fill(demo_url, demo_engine, monkeypatch, actors):
    use_database(monkeypatch, demo_url)
    app = run_page("pages/meeting.py", actors["admin"])  # even an admin sees no reference on the wall
    while app.title[0].value != "Décisions de la semaine (1/3)":
        next_slide(app)
    units, ranked = units_to_fill(demo_engine, TODAY), candidates(demo_engine, TODAY)
    table = app.table[0].value
    assert table["Logement"].tolist() == units["unit"].tolist()
    counts = ranked.groupby("unit_id").size()
    assert table["Candidats"].tolist() == [str(counts.get(unit_id, 0)) for unit_id in units["unit_id"]]
    seen = [app.title[0].value]
    for _ in range(2):
        next_slide(app)
        seen.append(app.title[0].value)
        assert not REFERENCE.search(str(app.table[0].value.to_dict()) if app.table else "")
    assert seen[1:] == ["Décisions de la semaine (2/3)", "Décisions de la semaine (3/3)"]
    assert [element.value for element in app.subheader] == ["Arriérés par partenaire"]
