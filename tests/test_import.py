"""Spreadsheet import: templates filled in and imported through the services, all or nothing, on
SQLite and PostgreSQL; bad rows reported by row, column and reason with nothing written; dry runs
that write nothing; a file imported once only; the command line; the page (AppTest)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from io import BytesIO

import pytest
import streamlit as st
from hypothesis import given, settings
from hypothesis import strategies as strategies
from openpyxl import load_workbook
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from issue_core.__main__ import main
from issue_core.auth import SYSTEM
from issue_core.db import PROJECT_ROOT, batch, read_session, write_session
from issue_core.errors import PermissionDenied
from issue_core.imports.reading import CellError, UnreadableFile, parse_cell, read_upload
from issue_core.imports.run import IMPORT_ACTION, check_file, import_file
from issue_core.imports.templates import TABLES, instructions_sheet_name, template_csv, template_xlsx
from issue_core.models import (
    AuditEvent,
    ContributionStatus,
    Convention,
    Household,
    Organisation,
    Payment,
    Placement,
    Site,
    Unit,
)
from issue_core.services import contributions
from tests.world import row_counts

PAGE = str(PROJECT_ROOT / "pages/data_import.py")

VALID_ROWS = {
    "sites": [
        ["Delta", "Rue Haute 1", "Bruxelles", 50.83, "4,35", "oui", "Hou", None, None],
        ["Epsilon", None, "Ixelles", None, None, "non", "Hou", None, "ancien bureau"],
    ],
    "conventions": [
        ["Delta", None, date(2024, 1, 1), "31/12/2027", None, None, 3, None],
        ["Epsilon", "Hou", "2023-01-01", date(2024, 12, 31), "30/06/2024", "fin anticipée", 1, None],
    ],
    "units": [
        ["Delta", "D1", 1, 2, None],
        ["Delta", "D2", 2, 4, "Samu"],
        ["Epsilon", "E1", 1, 2, None],
    ],
    "households": [
        ["ISS-2024-101", 1, 2, 2, "Samu", "regular", date(2024, 1, 15), None],
        ["ISS-2024-102", 2, 0, "3", "Dio", "pending", "01/02/2024", "01/06/2025"],
        ["ISS-2023-050", 1, 0, 1, "Cel", "unknown", "2023-01-10", None],
    ],
    "placements": [
        ["ISS-2023-050", "Epsilon", "E1", "01/02/2023", "01/03/2024", "other_issue_unit", None, None],
        ["ISS-2023-050", "Delta", "D1", "01/03/2024", None, None, "transfert", None],
        ["ISS-2024-101", "Delta", "D2", date(2024, 2, 1), None, None, None, None],
        ["ISS-2024-102", "Epsilon", "E1", "2024-03-01", "2024-06-30", "durable_social_housing", None, None],
    ],
    "contribution_statuses": [
        ["ISS-2024-101", "01/02/2024", "integration_income", None, None, None],
        ["ISS-2023-050", "01/03/2024", "integration_income", None, "40", "accord du partenaire"],
    ],
    "payments": [
        ["ISS-2024-101", "05/03/2024", "50", "03/2024", "transfer", None],
        ["ISS-2024-101", date(2024, 4, 5), 50, "2024-04", "cash", None],
    ],
}
VALID_COUNTS = {"sites": 2, "conventions": 2, "units": 3, "households": 3, "placements": 4,
                "contribution_statuses": 2, "payments": 2}


def filled_template(rows: dict[str, list[list]], language: str = "fr") -> bytes:
    """The downloadable template, with rows appended under each sheet's header, as a user would."""
    workbook = load_workbook(BytesIO(template_xlsx(language)))
    for table, table_rows in rows.items():
        for values in table_rows:
            workbook[table].append(values)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def with_scale(engine) -> None:
    contributions.set_scale_entry(engine, SYSTEM, income_status="integration_income", label="RIS", rule="fixed",
                                  effective_from=date(2020, 1, 1), amount=Decimal("50"))


@pytest.fixture
def world(world):
    """tests/world.py's world with a contribution scale."""
    with_scale(world.engine)
    return world


def references(engine) -> dict[str, int]:
    with read_session(engine) as session:
        return dict(session.execute(select(Household.reference, Household.id)).all())


def problems_by_place(result) -> dict[tuple[str, int, str], str]:
    return {(p.table, p.row, p.column): p.key for p in result.problems}


# --- the batch transaction --------------------------------------------------------------------


def test_batch_rolls_back_unless_committed_and_a_refused_step_undoes_only_itself(world):
    engine = world.engine
    before = row_counts(engine)
    with batch(engine) as current:
        with current.step():
            with write_session(engine) as session:
                session.add(Organisation(name="Kept asbl", short_name="Kept", kind="partner"))
        with pytest.raises(RuntimeError):
            with current.step():
                with write_session(engine) as session:
                    session.add(Organisation(name="Undone asbl", short_name="Undone", kind="partner"))
                raise RuntimeError("refused")
        with read_session(engine) as session:  # reads inside the batch see its rows
            names = set(session.scalars(select(Organisation.short_name)))
        assert "Kept" in names and "Undone" not in names
    assert row_counts(engine) == before  # never committed
    with batch(engine) as current:
        with write_session(engine) as session:
            session.add(Organisation(name="Kept asbl", short_name="Kept", kind="partner"))
        current.commit()
    assert row_counts(engine)["organisation"] == before["organisation"] + 1


# --- a valid file -------------------------------------------------------------------------------


def test_the_filled_template_imports_with_its_figures_and_audit(world):
    engine = world.engine
    before = row_counts(engine)
    progress: list[tuple[int, int]] = []
    result = import_file(engine, world.admin, "partenaires.xlsx", filled_template(VALID_ROWS),
                         on_progress=lambda done, total: progress.append((done, total)))
    assert result.problems == [] and result.imported
    assert result.counts == VALID_COUNTS and result.total == 18
    assert progress[-1] == (18, 18) and len(progress) == 18

    after = row_counts(engine)
    growth = {table: after[table] - before[table] for table in after if after[table] != before[table]}
    assert {k: v for k, v in growth.items() if k != "audit_event"} == {
        "site": 2, "convention": 2, "unit": 3, "household": 3, "placement": 4, "contribution_status": 2, "payment": 2,
        "household_ledger": 3,  # written by the database's triggers: one row per household placed or paying
        "stay": 3,  # written by the database's triggers too: ISS-2023-050's two placements are one stay (a transfer)
    }
    with read_session(engine) as session:
        delta = session.scalars(select(Site).where(Site.name == "Delta")).one()
        assert (delta.latitude, delta.longitude, delta.location_approximate) == (50.83, 4.35, True)
        epsilon_convention = session.scalars(
            select(Convention).join(Site, Site.id == Convention.site_id).where(Site.name == "Epsilon")).one()
        assert (epsilon_convention.actual_end_date, epsilon_convention.closure_reason) == (date(2024, 6, 30), "fin anticipée")
        d2 = session.scalars(select(Unit).where(Unit.label == "D2")).one()
        assert d2.reserved_for_organisation_id == world.samu and d2.capacity == 4
        households = {h.reference: h for h in session.scalars(select(Household))}
        assert households["ISS-2024-101"].children == 2 and households["ISS-2024-101"].referent_organisation_id == world.samu
        assert households["ISS-2024-102"].follow_up_ended_on == date(2025, 6, 1)
        stays = session.execute(
            select(Household.reference, Unit.label, Placement.start_date, Placement.end_date, Placement.exit_destination)
            .join(Household, Household.id == Placement.household_id).join(Unit, Unit.id == Placement.unit_id)
            .where(Unit.label.in_(["D1", "D2", "E1"])).order_by(Placement.start_date, Unit.label)
        ).all()
        assert [tuple(s) for s in stays] == [
            ("ISS-2023-050", "E1", date(2023, 2, 1), date(2024, 3, 1), "other_issue_unit"),
            ("ISS-2024-101", "D2", date(2024, 2, 1), None, None),
            ("ISS-2023-050", "D1", date(2024, 3, 1), None, None),
            ("ISS-2024-102", "E1", date(2024, 3, 1), date(2024, 6, 30), "durable_social_housing"),
        ]
        amounts = dict(session.execute(
            select(Household.reference, ContributionStatus.monthly_amount)
            .join(Household, Household.id == ContributionStatus.household_id)).all())
        assert amounts == {"ISS-2024-101": Decimal("50.00"), "ISS-2023-050": Decimal("40.00")}
        paid = session.execute(select(Payment.period_month, Payment.amount).order_by(Payment.period_month)).all()
        assert [tuple(p) for p in paid] == [(date(2024, 3, 1), Decimal("50.00")), (date(2024, 4, 1), Decimal("50.00"))]
        actions = list(session.scalars(select(AuditEvent.action).where(AuditEvent.id > 0)))
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == IMPORT_ACTION)).one()
    assert event.username == "admin" and event.entity == "import"
    assert event.after["file_name"] == "partenaires.xlsx" and event.after["rows"] == VALID_COUNTS
    assert event.after["sha256"] == result.sha256
    assert actions.count("placement.transfer") == 1 and actions.count("placement.end") == 1
    assert actions.count("household.end_follow_up") == 1 and actions.count("payment.create") == 2


def test_a_dry_run_writes_nothing_even_when_clean(world):
    before = row_counts(world.engine)
    result = check_file(world.engine, world.admin, "partenaires.xlsx", filled_template(VALID_ROWS))
    assert result.problems == [] and not result.imported and result.counts == VALID_COUNTS
    assert row_counts(world.engine) == before


def test_a_second_import_of_the_same_file_is_refused_as_duplicate(world):
    content = filled_template(VALID_ROWS)
    assert import_file(world.engine, world.admin, "a.xlsx", content).imported
    before = row_counts(world.engine)
    for run in (check_file, import_file):
        again = run(world.engine, world.admin, "copie.xlsx", content)
        assert not again.imported and [p.key for p in again.problems] == ["import.file.already_imported"]
        reason = again.problems[0].reason("en")
        assert "admin" in reason and "a.xlsx" in reason and "already imported" in reason
    assert row_counts(world.engine) == before


# --- bad rows -----------------------------------------------------------------------------------

BAD_ROWS = {
    "households": [
        ["ISS-2023-001", 1, 0, 2, "Samu", "regular", "01/01/2025", None],   # row 2: reference of h_samu
        ["ISS-2025-010", "abc", 0, 2, "Samu", "regular", "01/01/2025", None],  # row 3: text in a number column
        ["ISS-2025-011", 1, 0, 2, "Samu", "regular", "01/01/2025", None],   # row 4: valid
    ],
    "placements": [
        ["ISS-2025-011", "Nowhere", "A1", "01/02/2025", None, None, None, None],          # row 2: unknown site
        ["ISS-2025-011", "Alpha", "A1", "01/02/2025", "15/01/2025", None, None, None],    # row 3: end before start
        ["ISS-2025-011", "Alpha", "A1", "01/02/2025", None, None, None, None],            # row 4: valid
        ["ISS-2023-002", "Alpha", "A1", "01/03/2025", None, None, None, None],            # row 5: overlaps row 4
    ],
    "payments": [
        ["ISS-2025-011", "=TODAY()", 20, "02/2025", "cash", None],                        # row 2: a formula
        ["ISS-2025-011", "31/02/2025", 20, "02/2025", "cash", None],                      # row 3: no such day
    ],
}


def test_bad_rows_are_refused_row_by_row_and_nothing_is_written(world):
    before = row_counts(world.engine)
    for run in (check_file, import_file):
        result = run(world.engine, world.admin, "bad.xlsx", filled_template(BAD_ROWS))
        assert not result.imported
        found = problems_by_place(result)
        assert found == {
            ("households", 2, "reference"): "import.error.reference_taken",
            ("households", 3, "adults"): "import.cell.not_integer",
            ("placements", 2, "site"): "import.error.unknown_site",
            ("placements", 3, "end_date"): "error.end_before_start",
            ("placements", 5, "start_date"): "error.unit_occupied_open",
            ("payments", 2, "paid_on"): "import.cell.formula",
            ("payments", 3, "paid_on"): "import.cell.not_a_date",
        }
        reasons = {(p.table, p.row): p.reason("en") for p in result.problems}
        assert reasons[("households", 2)] == "Duplicate reference: ISS-2023-001 already exists."
        assert reasons[("households", 3)] == "'abc' is not a whole number."
        assert reasons[("payments", 2)] == "Formula not accepted ('=TODAY()'): paste the value, not the formula."
        assert reasons[("payments", 3)].startswith("'31/02/2025' is not a date")
        assert "Nowhere" in reasons[("placements", 2)]
        assert [(p.table, p.row) for p in result.problems] == sorted(
            ((p.table, p.row) for p in result.problems), key=lambda place: (list(TABLES).index(place[0]), place[1]))
        assert row_counts(world.engine) == before  # the valid rows were not kept either


def test_rows_that_duplicate_existing_data_are_refused(world):
    assert import_file(world.engine, world.admin, "first.xlsx", filled_template(VALID_ROWS)).imported
    before = row_counts(world.engine)
    again = {
        "sites": [["Delta", None, None, None, None, None, "Hou", None, None]],
        "units": [["Delta", "D1", 1, 2, None]],
        "households": [["ISS-2024-101", 1, 0, 2, "Samu", "regular", "01/01/2025", None]],
        "contribution_statuses": [["ISS-2024-101", "01/02/2024", "integration_income", None, None, None]],
        "payments": [["ISS-2024-101", "05/03/2024", "50,00", "03/2024", "transfer", "encore"]],
    }
    result = check_file(world.engine, world.admin, "second.xlsx", filled_template(again))
    assert problems_by_place(result) == {
        ("sites", 2, "name"): "error.site_name_taken",
        ("units", 2, "label"): "error.unit_label_taken",
        ("households", 2, "reference"): "import.error.reference_taken",
        ("contribution_statuses", 2, "effective_from"): "import.error.status_exists",
        ("payments", 2, "paid_on"): "import.error.payment_exists",
    }
    assert row_counts(world.engine) == before


def test_duplicates_inside_one_file_are_refused(world):
    rows = {"households": [["ISS-2025-020", 1, 0, 2, "Samu", "regular", "01/01/2025", None]] * 2}
    result = check_file(world.engine, world.admin, "twice.xlsx", filled_template(rows))
    assert problems_by_place(result) == {("households", 3, "reference"): "import.error.reference_taken"}


def test_an_amount_that_differs_from_the_scale_needs_its_reason(world):
    rows = {"contribution_statuses": [
        ["ISS-2023-001", "01/01/2024", "integration_income", None, "50", None],  # the scale's amount: fine
        ["ISS-2023-001", "01/02/2024", "integration_income", None, "45", None],  # differs, no reason
    ]}
    result = check_file(world.engine, world.admin, "scale.xlsx", filled_template(rows))
    assert problems_by_place(result) == {("contribution_statuses", 3, "override_reason"): "import.error.amount_differs_needs_reason"}


def test_a_coordinator_imports_only_for_its_organisation(world):
    rows = {
        "sites": [["Zeta", None, None, None, None, None, "Hou", None, None]],
        "households": [
            ["ISS-2025-030", 1, 0, 2, "Samu", "regular", "01/01/2025", None],
            ["ISS-2025-031", 1, 0, 3, "Dio", "regular", "01/01/2025", None],
        ],
    }
    result = check_file(world.engine, world.coord_samu, "coord.xlsx", filled_template(rows))
    assert problems_by_place(result) == {
        ("sites", 2, ""): "error.admin_only",
        ("households", 3, "reference"): "error.other_organisation_household",
    }
    with pytest.raises(PermissionDenied):
        check_file(world.engine, world.director_samu, "coord.xlsx", filled_template(rows))


def test_header_problems_are_reported_on_row_1(world):
    content = "reference;adults;children;axis;referent_organisation;administrative_status;referred_on;colour\n"
    result = check_file(world.engine, world.admin, "households.csv", content.encode())
    assert problems_by_place(result) == {("households", 1, "colour"): "import.header.unknown_column"}


# --- CSV ----------------------------------------------------------------------------------------


def test_csv_files_import_one_table_each_with_either_separator(world):
    assert template_csv("households").decode("utf-8-sig").strip() == ",".join(c.name for c in TABLES["households"])
    semicolons = ("\ufeffreference;adults;children;axis;referent_organisation;administrative_status;referred_on;follow_up_ended_on\n"
                  "ISS-2025-040;1;1;2;Samu;regular;02/01/2025;\n\n;;;;;;;\n")
    assert import_file(world.engine, world.admin, "menages.csv", semicolons.encode("utf-8")).counts == {"households": 1}
    commas = "reference,paid_on,amount,period_month,method\nISS-2025-040,03/01/2025,\"12,50\",01/2025,cash\n"
    result = import_file(world.engine, world.admin, "export.csv", commas.encode("utf-8"))
    assert result.imported and result.counts == {"payments": 1}
    with read_session(world.engine) as session:
        assert session.scalar(select(Payment.amount).where(Payment.paid_on == date(2025, 1, 3))) == Decimal("12.50")


def test_unreadable_files_are_refused_as_such(world):
    with pytest.raises(UnreadableFile):
        check_file(world.engine, world.admin, "broken.xlsx", b"PK\x03\x04 not really a zip")
    with pytest.raises(UnreadableFile):
        check_file(world.engine, world.admin, "what.csv", b"colour,size\nred,3\n")
    empty = check_file(world.engine, world.admin, "empty.xlsx", template_xlsx("nl"))
    assert [p.key for p in empty.problems] == ["import.file.no_rows"]


def test_the_template_has_the_instructions_then_one_sheet_per_table():
    workbook = load_workbook(BytesIO(template_xlsx("fr")))
    assert workbook.sheetnames == [instructions_sheet_name("fr"), *TABLES]
    for table, columns in TABLES.items():
        assert [cell.value for cell in workbook[table][1]] == [c.name for c in columns]
        assert workbook[table].max_row == 1  # headers only: no help row to trip the import


# --- parsing ------------------------------------------------------------------------------------


def test_cells_are_parsed_to_their_kind_or_explained():
    columns = {c.name: c for table in TABLES.values() for c in table}
    assert parse_cell("31/12/2025", columns["start_date"]) == date(2025, 12, 31)
    assert parse_cell(datetime(2025, 12, 31, 0, 0), columns["start_date"]) == date(2025, 12, 31)
    assert parse_cell("2025-12-31", columns["start_date"]) == date(2025, 12, 31)
    assert parse_cell("1.234,50", columns["amount"]) == Decimal("1234.50")
    assert parse_cell(" Oui ", columns["location_approximate"]) is True
    assert parse_cell("Transfer", columns["method"]) == "transfer"
    assert parse_cell(3.0, columns["adults"]) == 3
    for value, column, key in (("31/02/2026", "start_date", "import.cell.not_a_date"),
                               ("abc", "amount", "import.cell.not_number"),
                               ("2.5", "adults", "import.cell.not_integer"),
                               ("=A1*2", "notes", "import.cell.formula"),
                               ("", "reference", "import.cell.required"),
                               ("card", "method", "import.cell.not_a_choice")):
        with pytest.raises(CellError) as refused:
            parse_cell(value, columns[column])
        assert refused.value.key == key


CELLS = strategies.one_of(
    strategies.none(), strategies.text(max_size=30), strategies.integers(), strategies.booleans(),
    strategies.floats(allow_nan=True, allow_infinity=True), strategies.dates(),
    strategies.text(alphabet="0123456789/-.,=+ eE", max_size=14),
)


@settings(max_examples=300, deadline=None)
@given(cells=strategies.lists(CELLS, min_size=1, max_size=9))
def test_random_cells_never_raise_only_row_problems(cells):
    for table, columns in TABLES.items():
        names = [c.name for c in columns]
        line = ",".join("" if c is None else " ".join(str(c).replace(",", " ").replace("\x00", "").splitlines()) for c in cells)
        text = "\n".join([",".join(names), line])
        read = read_upload(f"{table}.csv", text.encode())
        assert all(p.table == table and p.row in (1, 2) for p in read.problems)
        for column, cell in zip(columns, cells):
            try:
                parse_cell(cell, column)
            except CellError as error:
                assert error.key.startswith("import.cell.")


@settings(max_examples=100, deadline=None)
@given(content=strategies.binary(max_size=200), name=strategies.sampled_from(["x.csv", "x.xlsx", "households.csv"]))
def test_random_bytes_are_read_or_refused_as_unreadable(content, name):
    try:
        read_upload(name, content)
    except UnreadableFile as error:
        assert error.key.startswith("import.file.")


# --- the command line ---------------------------------------------------------------------------


def test_the_command_line_checks_imports_and_refuses(world, tmp_path, capsys):
    url = world.engine.url.render_as_string(hide_password=False)
    good = tmp_path / "good.xlsx"
    good.write_bytes(filled_template(VALID_ROWS))
    before = row_counts(world.engine)
    assert main(["--database-url", url, "import", str(good), "--dry-run"]) == 0
    assert "18 rows ready" in capsys.readouterr().out
    assert row_counts(world.engine) == before
    assert main(["--database-url", url, "import", str(good), "--language", "fr"]) == 0
    assert "Importé : 18 lignes" in capsys.readouterr().out
    assert references(world.engine).keys() >= {"ISS-2024-101", "ISS-2024-102", "ISS-2023-050"}
    assert main(["--database-url", url, "import", str(good)]) == 1
    assert "already imported" in capsys.readouterr().err
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(filled_template(BAD_ROWS))
    assert main(["--database-url", url, "import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "households\t3\tadults\t'abc' is not a whole number." in err
    assert "payments\t2\tpaid_on\tFormula not accepted" in err
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a workbook")
    assert main(["--database-url", url, "import", str(junk)]) == 2
    assert main(["--database-url", url, "import", str(tmp_path / "missing.xlsx")]) == 2


# --- the page -------------------------------------------------------------------------------------


@pytest.fixture
def open_page(world, monkeypatch):
    monkeypatch.setenv("ISSUE_DATABASE_URL", world.engine.url.render_as_string(hide_password=False))
    st.cache_resource.clear()
    st.cache_data.clear()

    def run(actor) -> AppTest:
        app = AppTest.from_file(PAGE, default_timeout=60)
        app.session_state["issue_actor"] = actor
        app.run()
        assert not app.exception, app.exception
        return app

    return run


def buttons(app: AppTest) -> dict[str, object]:
    return {button.label: button for button in app.button}


def test_the_page_checks_then_imports_the_same_file(open_page, world):
    app = open_page(world.admin)
    assert [title.value for title in app.title] == ["Importer"]
    assert buttons(app) == {}  # nothing to check before a file is chosen
    content = filled_template(VALID_ROWS)
    app.file_uploader[0].set_value(("partenaires.xlsx", content, "application/octet-stream")).run()
    assert buttons(app)["Importer"].disabled  # not before a clean check
    buttons(app)["Vérifier"].click().run()
    assert not app.exception
    assert [s.value for s in app.success] == ["18 lignes prêtes à importer : sites 2, conventions 2, units 3, households 3, "
                                              "placements 4, contribution_statuses 2, payments 2. Rien n'a encore été enregistré."]
    before = row_counts(world.engine)
    assert not buttons(app)["Importer"].disabled
    buttons(app)["Importer"].click().run()
    assert not app.exception
    assert any("Import terminé : 18 lignes" in s.value for s in app.success)
    assert row_counts(world.engine)["placement"] == before["placement"] + 4


def test_the_page_lists_the_problems_and_keeps_import_disabled(open_page, world):
    app = open_page(world.coord_samu)
    app.file_uploader[0].set_value(("bad.xlsx", filled_template(BAD_ROWS), "application/octet-stream")).run()
    before = row_counts(world.engine)
    buttons(app)["Vérifier"].click().run()
    assert not app.exception
    assert app.error[0].value.startswith("Fichier refusé")
    table = app.dataframe[0].value
    assert list(table.columns) == ["Onglet / table", "Ligne", "Colonne", "Problème"]
    assert ("households", "3", "adults", "« abc » n'est pas un nombre entier.") in set(map(tuple, table.values.tolist()))
    assert buttons(app)["Importer"].disabled
    assert row_counts(world.engine) == before


def test_the_page_shows_an_unreadable_file_plainly(open_page, world):
    app = open_page(world.admin)
    app.file_uploader[0].set_value(("junk.xlsx", b"PK\x03\x04junk", "application/octet-stream")).run()
    buttons(app)["Vérifier"].click().run()
    assert not app.exception and "XLSX" in app.error[0].value


def test_the_page_is_refused_to_directors(open_page, world):
    app = open_page(world.director_samu)
    assert not app.title and app.error
