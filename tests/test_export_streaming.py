"""The exports of every table stream (issue_core.tables): each table is read CHUNK_ROWS rows at a time, and
the files are the ones the whole-table export wrote (same bytes, same workbook cells); a workbook Excel
cannot hold is refused from the row counts, before any row is read."""

from __future__ import annotations

import argparse
import csv
import io
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from issue_core import tables
from issue_core.demo import seed_demo
from issue_core.export import to_csv, to_xlsx, write_xlsx
from tests.conftest import TODAY

SMALL_CHUNK = 50  # the demo's payments, placements and audit rows take several chunks


@pytest.fixture
def demo(engine):
    """The demo data, on each engine."""
    seed_demo(engine, TODAY)
    return engine


@pytest.fixture
def chunks_read(monkeypatch) -> list[tuple[str, int]]:
    """Small chunks, and the (table, rows) of every frame the exports build from what they read."""
    monkeypatch.setattr(tables, "CHUNK_ROWS", SMALL_CHUNK)
    read: list[tuple[str, int]] = []
    frame = tables._frame

    def recording(rows, columns):
        built = frame(rows, columns)
        read.append((columns[0].table.name, len(built)))
        return built

    monkeypatch.setattr(tables, "_frame", recording)
    return read


def export(engine, dest: Path) -> int:
    return tables.export_command(engine, argparse.Namespace(dest=str(dest)))


def test_the_csv_of_a_table_read_in_chunks_is_the_csv_of_the_whole_table(demo, request):
    whole = {name: to_csv(tables.table_frame(demo, name)) for name in tables.table_names()}
    read = request.getfixturevalue("chunks_read")
    for name in tables.table_names():
        assert tables.tables_csv(demo, name) == whole[name], name
    assert max(rows for _, rows in read) <= SMALL_CHUNK
    per_table = pd.DataFrame(read, columns=["table", "rows"]).groupby("table")["rows"].agg(["count", "sum"])
    for name in ("payment", "placement", "audit_event"):
        assert per_table.loc[name, "count"] > 1, name  # never the whole table at once
        assert per_table.loc[name, "sum"] == whole[name].count(b"\n") - 1, name  # every row, once
    # audit_event.entity_id has a NULL: the whole table writes the column as floats (1.0), so must every chunk.
    entity_ids = [row["entity_id"] for row in csv.DictReader(io.StringIO(whole["audit_event"].decode("utf-8-sig")))]
    assert "" in entity_ids and all(value.endswith(".0") for value in entity_ids if value)


def test_the_folder_export_is_the_same_whatever_the_chunk_size(demo, tmp_path, monkeypatch, chunks_read):
    monkeypatch.setattr(tables, "CHUNK_ROWS", 10**9)
    assert export(demo, tmp_path / "whole") == 0
    monkeypatch.setattr(tables, "CHUNK_ROWS", SMALL_CHUNK)
    chunks_read.clear()
    assert export(demo, tmp_path / "chunked") == 0
    for name in tables.table_names():
        chunked = (tmp_path / "chunked" / f"{name}.csv").read_bytes()
        assert chunked == (tmp_path / "whole" / f"{name}.csv").read_bytes(), name
        assert chunked.startswith(b"\xef\xbb\xbf") and chunked.count(b"\xef\xbb\xbf") == 1, name
    assert max(rows for _, rows in chunks_read) <= SMALL_CHUNK
    assert sum(1 for name, _ in chunks_read if name == "payment") > 3


def cells(data: bytes) -> dict[str, tuple]:
    """What a reader sees of each sheet: frozen panes, column widths, and each cell's value, type, format, bold."""
    workbook = load_workbook(io.BytesIO(data))
    return {
        sheet.title: (
            sheet.freeze_panes,
            {letter: dimension.width for letter, dimension in sheet.column_dimensions.items() if dimension.width},
            [[(cell.value, cell.data_type, cell.number_format, bool(cell.font.bold)) for cell in row]
             for row in sheet.iter_rows()],
        )
        for sheet in workbook
    }


def sizes(data: bytes) -> dict[str, tuple]:
    """Each sheet's size as the file states it (what a read-only reader trusts)."""
    return {sheet.title: (sheet.max_row, sheet.max_column) for sheet in load_workbook(io.BytesIO(data), read_only=True)}


def test_the_streamed_workbook_has_the_cells_of_the_whole_tables_workbook(demo, request):
    whole = to_xlsx(tables.table_frames(demo))
    read = request.getfixturevalue("chunks_read")
    streamed = tables.tables_xlsx(demo)
    assert max(rows for _, rows in read) <= SMALL_CHUNK
    expected, got = cells(whole), cells(streamed)
    assert list(got) == list(expected) == tables.table_names()
    for name in expected:
        assert got[name] == expected[name], name
    assert sizes(streamed) == sizes(whole)
    payment = got["payment"]
    assert payment[0] == "A2" and payment[1] and payment[2][0][0][3]  # frozen, fitted, bold header


def test_write_xlsx_writes_frames_end_to_end_as_to_xlsx_writes_their_whole():
    frame = pd.DataFrame({
        "note": ["=1+1", "#N/A", "plain", None, "@SUM(A1)", "x"],
        "n": [1, None, 3, 4, 5, 6],
        "day": [date(2026, 3, 1), None, date(2026, 3, 2), None, None, date(2026, 3, 3)],
        "moment": [datetime(2026, 3, 1, 9, 30), None, None, None, None, datetime(2026, 3, 2)],
    }, dtype=object)
    buffer = io.BytesIO()
    write_xlsx(buffer, [("Sites/units", 6, [frame.iloc[:2], frame.iloc[2:5], frame.iloc[5:]]),
                        ("Vide", 0, [frame.iloc[:0]])])
    whole = to_xlsx({"Sites/units": frame, "Vide": frame.iloc[:0]})
    assert cells(buffer.getvalue()) == cells(whole)
    assert sizes(buffer.getvalue()) == sizes(whole) == {"Sites units": (7, 4), "Vide": (1, 4)}
    sheet = load_workbook(io.BytesIO(buffer.getvalue()))["Sites units"]
    assert [sheet["A2"].value, sheet["A3"].value] == ["'=1+1", "#N/A"]
    assert sheet["A3"].data_type == "s"  # text, not Excel's error #N/A


def test_a_workbook_excel_cannot_hold_is_refused_before_any_row_is_read(world, tmp_path, monkeypatch, capsys):
    def never(*_args):
        raise AssertionError("rows read although the workbook is refused")

    monkeypatch.setattr(tables, "EXCEL_MAX_ROWS", 3)  # a sheet of two rows at most: household (3) does not fit
    monkeypatch.setattr(tables, "_table_chunks", never)
    monkeypatch.setattr(tables, "_read_table", never)
    assert export(world.engine, tmp_path / "out" / "big.xlsx") == 2
    assert not (tmp_path / "out").exists()  # nothing written, not even the folder
    assert "Table household has 3 rows" in capsys.readouterr().err
    with pytest.raises(tables.TooManyRowsForExcel):
        tables.tables_xlsx(world.engine, ["household"])
