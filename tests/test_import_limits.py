"""Import: whatever a file declares, reading it stays small and ends with a clear message — the
sheet size a workbook declares, its unpacked size, the rows of the whole file, duplicate sheets, and
a CSV's rows, columns and fields."""

from __future__ import annotations

import csv
import io
import re
import tracemalloc
import zipfile

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from sqlalchemy import text

from issue_core.auth import Actor
from issue_core.db import WRITE_OPTION
from issue_core.imports.reading import UnreadableFile, read_upload
from issue_core.imports.run import check_file
from issue_core.imports.templates import TABLES, template_xlsx
from issue_core.models import Role
from tests.conftest import sqlite_engine
from tests.test_import import VALID_ROWS, buttons, filled_template, open_page, world  # noqa: F401 (fixtures)

MB = 1024 * 1024
HOUSEHOLD_HEADERS = [column.name for column in TABLES["households"]]


def saved(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def one_far_cell() -> bytes:
    """The attack: a `households` sheet whose only value sits at XFD15000 (the sheet declares A1:XFD15000)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "households"
    sheet["XFD15000"] = 1
    return saved(workbook)


def with_dimension(content: bytes, ref: str) -> bytes:
    """The same workbook, every sheet declaring `ref` as its size (a lie a tool may write)."""
    source, target = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in source.infolist():
            data = source.read(member.filename)
            if member.filename.startswith("xl/worksheets/"):
                data = re.sub(rb'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{ref}"/>'.encode(), data)
            archive.writestr(member.filename, data)
    return target.getvalue()


def households_rows(count: int, first: int = 0) -> list[list]:
    return [[f"ISS-2024-{first + n:05d}", 1, 0, 1, "Samu", "regular", "2024-01-15", None] for n in range(count)]


def big_workbook(sheets: dict[str, list[list]]) -> bytes:
    """A workbook of tens of thousands of rows, quickly: openpyxl writes the empty sheets, then each
    sheet's rows (the first one its header) go in as XML, with the size the sheet declares."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name in sheets:
        workbook.create_sheet(name)
    base, target = zipfile.ZipFile(io.BytesIO(saved(workbook))), io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in base.infolist():
            data = base.read(member.filename)
            sheet = re.fullmatch(r"xl/worksheets/sheet(\d+)\.xml", member.filename)
            if sheet is not None:
                rows = list(sheets.values())[int(sheet[1]) - 1]
                size = f"A1:{get_column_letter(max(map(len, rows)))}{len(rows)}"
                data = re.sub(rb'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{size}"/>'.encode(), data)
                data = re.sub(rb"<sheetData\s*/>|<sheetData>.*</sheetData>",
                              lambda _: b"<sheetData>" + rows_xml(rows) + b"</sheetData>", data, flags=re.S)
            archive.writestr(member.filename, data)
    return target.getvalue()


def rows_xml(rows: list[list]) -> bytes:
    def cell(reference: str, value) -> str:
        if isinstance(value, int):
            return f'<c r="{reference}"><v>{value}</v></c>'
        return f'<c r="{reference}" t="inlineStr"><is><t>{value}</t></is></c>'

    return "".join(
        f'<row r="{number}">'
        + "".join(cell(f"{get_column_letter(index)}{number}", value)
                  for index, value in enumerate(row, start=1) if value is not None)
        + "</row>"
        for number, row in enumerate(rows, start=1)
    ).encode()


def refusal(file_name: str, content: bytes) -> tuple[UnreadableFile, int]:
    """The refusal reading `content` ends with, and the peak memory it took (tracemalloc)."""
    tracemalloc.start()
    try:
        with pytest.raises(UnreadableFile) as refused:
            read_upload(file_name, content)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return refused.value, peak


# --- XLSX ------------------------------------------------------------------------------------------


def test_a_tiny_workbook_declaring_a_huge_sheet_is_refused_in_little_memory():
    content = one_far_cell()
    assert len(content) < 10_000  # about 5 KB
    error, peak = refusal("households.xlsx", content)
    assert peak < 100 * MB
    assert error.key == "import.file.sheet_too_large"
    assert error.message("en") == ("The sheet households declares 15,000 rows × 16,384 columns, more than 1,000,000 "
                                   "cells: delete the empty rows and columns around the data, or copy the data into a "
                                   "new template.")


def test_a_far_cell_behind_a_small_declared_size_is_streamed_in_little_memory():
    content = with_dimension(one_far_cell(), "A1")
    tracemalloc.start()
    try:
        read = read_upload("households.xlsx", content)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 100 * MB
    assert read.total() == 0  # the far cell is outside the template's columns: not read
    assert {(p.table, p.row) for p in read.problems} == {("households", 1)}  # an empty header row
    assert "import.header.missing_column" in {p.key for p in read.problems}


def test_rows_beyond_a_declared_size_that_is_too_small_are_read_all():
    content = with_dimension(filled_template({"households": VALID_ROWS["households"]}), "A1:H2")
    assert read_upload("partners.xlsx", content).counts() == {"households": 3}


def test_fifty_thousand_rows_are_refused_as_too_many():
    content = big_workbook({"households": [HOUSEHOLD_HEADERS, *households_rows(50_000)]})
    error = refusal("households.xlsx", content)[0]
    assert error.key == "import.file.too_many_rows"
    assert error.message("en") == "Too many rows: at most 20,000 per file, all tables together. Split the file."
    assert error.message("fr") == ("Trop de lignes : au plus 20\u202f000 par fichier, toutes tables confondues. "
                                   "Découpez le fichier.")


@pytest.mark.parametrize("declared", ["truly", pytest.param("falsely", marks=pytest.mark.slow)])
def test_the_row_limit_counts_every_table_of_the_file(declared):
    payment_headers = [column.name for column in TABLES["payments"]]
    payments = [[f"ISS-2024-{n:05d}", "2024-03-05", 50, "2024-03", "cash", None] for n in range(10_001)]
    content = big_workbook({"households": [HOUSEHOLD_HEADERS, *households_rows(10_000)],
                            "payments": [payment_headers, *payments]})
    if declared == "falsely":
        content = with_dimension(content, "A1:H2")  # then the rows are counted as they are read
    assert refusal("partners.xlsx", content)[0].key == "import.file.too_many_rows"


def test_two_sheets_for_one_table_are_refused():
    workbook = load_workbook(io.BytesIO(filled_template({"households": VALID_ROWS["households"]})))
    extra = workbook.create_sheet("Households ")
    extra.append(HOUSEHOLD_HEADERS)
    extra.append(households_rows(1, first=900)[0])
    error = refusal("partners.xlsx", saved(workbook))[0]
    assert error.key == "import.file.duplicate_sheet"
    assert error.message("en") == ("Two sheets hold the table households (their names differ only in case or spaces): "
                                   "keep one.")


def test_a_workbook_that_would_unpack_too_big_is_refused_before_it_is_opened():
    target = io.BytesIO(template_xlsx("fr"))
    with zipfile.ZipFile(target, "a", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("xl/media/padding.bin", "w") as member:
            for _ in range(60):
                member.write(bytes(MB))  # 60 MB of zeros: a few dozen KB once packed
    content = target.getvalue()
    assert len(content) < MB
    error, peak = refusal("padded.xlsx", content)
    assert peak < 100 * MB
    assert error.key == "import.file.too_big_unpacked"
    assert error.message("en") == "Unpacked, this workbook would take more than 50 MB: it is not a filled-in template."


# --- CSV -------------------------------------------------------------------------------------------


def csv_bytes(records: list[list]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(records)
    return buffer.getvalue().encode("utf-8")


def test_csv_rows_columns_and_fields_are_bounded():
    error, peak = refusal("households.csv", csv_bytes([HOUSEHOLD_HEADERS, *households_rows(50_000)]))
    assert peak < 100 * MB
    assert error.message("en") == "Too many rows: at most 20,000 per file, all tables together. Split the file."

    wide = households_rows(1)[0] + ["x"] * 150
    error = refusal("households.csv", csv_bytes([HOUSEHOLD_HEADERS, households_rows(1)[0], wide]))[0]
    assert error.message("en") == "Row 3: more than 100 columns."

    long_field = households_rows(1)[0][:7] + ["n" * 200_000]
    error = refusal("households.csv", csv_bytes([HOUSEHOLD_HEADERS, long_field]))[0]
    assert error.message("en") == "Row 2: a field is longer than 131,072 characters."

    assert read_upload("households.csv", csv_bytes([HOUSEHOLD_HEADERS, *households_rows(20_000)])).total() == 20_000


# --- where it is read: before the write lock, and the page's message -------------------------------------


def test_a_file_is_read_before_the_write_lock_is_taken(sqlite_template, tmp_path):
    engine = sqlite_engine(sqlite_template, tmp_path)
    with engine.connect() as writer, writer.execution_options(**{WRITE_OPTION: True}).begin():
        writer.execute(text("SELECT 1"))  # another writer holds SQLite's write lock (BEGIN IMMEDIATE)
        with pytest.raises(UnreadableFile) as refused:
            check_file(engine, Actor("admin", Role.ADMIN), "households.xlsx", one_far_cell())
    assert refused.value.key == "import.file.sheet_too_large"
    engine.dispose()


def test_the_page_refuses_the_tiny_workbook_with_its_message(open_page, world):  # noqa: F811 (fixtures)
    app = open_page(world.admin)
    app.file_uploader[0].set_value(("partenaires.xlsx", one_far_cell(), "application/octet-stream")).run()
    buttons(app)["Vérifier"].click().run()
    assert not app.exception
    assert [error.value for error in app.error] == [
        "L'onglet households déclare 15\u202f000 lignes × 16\u202f384 colonnes, plus que 1\u202f000\u202f000 "
        "cellules : supprimez les lignes "
        "et colonnes vides autour des données, ou recopiez les données dans un nouveau modèle."]


def test_a_sheet_without_its_optional_last_columns_has_no_header_problem():
    headers = [column.name for column in TABLES["placements"]][:-2]  # without notes and override_reason
    content = big_workbook({"placements": [headers, ["ISS-2024-00001", "Delta", "D1", "2024-02-01"]]})
    read = read_upload("placements.xlsx", content)
    assert read.problems == [] and read.counts() == {"placements": 1}
