"""The period report (issue_core.reports) on the dashboards' hand-made small world (tests/world.py,
whose docstring lists it), on SQLite and PostgreSQL; its files, its command, its page.

Hand counts for March–April 2026, the period [01/03, 01/05) (its last day 30/04 is before today,
so ongoing stays are measured to 01/05 and arrears taken on 30/04):

    Units available on at least one day: North N1 N2 N3, South S1 S2, West W1 (until 20/03) → 6.
    Available unit-days: North 88 (March: 93 − 5 days of works on N3) + 90 (April) = 178;
    South 62 + 60 = 122; West 20 → 320.
    Occupied unit-days (any household): March 100 (see test_metrics); April N1 h2 30, N3 h6 1–19 (19),
    S1 h3 1–4 (4), S2 h5 30 → 83; total 183. North: March 62 + April 49 = 111; South 19 + 34 = 53;
    West 19.
    Entries: h2, h6 (North), h5 (South) → 3. Exits: h1, h6 (North, durable), h4 (West, shelter),
    h3 (South, street) → 4, of which 2 durable. Transfer: h3 N2 (North) → S1 (South).
    Households served (a placement meeting the period): axis 1 Cel h1 h6 (2); axis 2 Dio h4 (1);
    axis 2 Samu h2 h5 (2); axis 3 Dio h3 (1) → 6.
    Stays (to 01/05 when running): h1 18, h6 36 (axis 1); h4 47, h2 17 + 30 = 47, h5 7 + 30 = 37
    (axis 2, h2 and h5 ongoing); h3 85 (axis 3) → 6 stays, mean 270 / 6 = 45, median (37 + 47) / 2 = 42.
    Per site: North h1 18, h2 47, h3 85 (left North by transfer, the whole stay counts), h6 36 →
    mean 46.5, median 41.5; West h4 47; South h3 85, h5 37 → mean 61. Operator Hou (North + West):
    5 stays, 233 / 5 = 46.6, median 47.
    Contributions (test_metrics): March due 83, paid 34; April due 126.13, paid 122.
    Arrears on 30/04: h1 37.93 − 20 = 17.93 (Cel); h3 88.13 − 62 = 26.13 (Dio); h2 34 + 62 − 34 (paid
    05/04) = 62 and h5 0 + 60 − 0 (paid only on 10/05) = 60 (Samu: due 156, paid 34, 122, 2 households).
"""

from __future__ import annotations

import re
from datetime import date
from io import BytesIO, StringIO

import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from issue_core.__main__ import main
from issue_core.db import create_issue_engine
from issue_core.i18n import LANGUAGES, Translator, catalogue
from issue_core.queries.metrics import Filters
from issue_core.reports.files import display_frame, header, long_frame, sheet_title, to_long_csv, to_workbook
from issue_core.reports.period import (
    SMALL_BASE,
    SMALL_COUNT,
    TOTAL,
    build_period_report,
    previous_month,
    suppress_small_counts,
)
from tests.conftest import world_from
from tests.test_metrics import APRIL, MARCH, MAY
from tests.world import build_small_world

REFERENCE = re.compile(r"ISS-\d{4}-\d+")


@pytest.fixture
def world(engine, built_worlds):
    return world_from(build_small_world, engine, built_worlds)


@pytest.fixture
def report(world):
    return build_period_report(world.engine, MARCH, MAY)


def rows(section, label: str = None) -> dict:  # noqa: RUF013
    """{row label: {column: value}} of a section (the first label column by default)."""
    label = label or section.labels[0]
    return {row[label]: row for row in section.frame.to_dict("records")}


def pick(row: dict, *columns: str) -> tuple:
    return tuple(row[column] for column in columns)


SCOPE = ("units_available", "available_unit_days", "occupied_unit_days", "vacant_unit_days", "utilisation",
         "entries", "exits", "transfers_in", "transfers_out", "durable_exits", "durable_share",
         "stays", "ongoing", "mean_days", "median_days")


# --- figures ------------------------------------------------------------------------------------------


def test_operators_and_their_sites_equal_the_hand_counts(report, world):
    assert [s.key for s in report.sections] == [
        "operators", "households", "flows", "destinations", "stay", "contributions", "arrears",
        f"operator-{world.cit}", f"operator-{world.hou}"]
    operators = rows(report.section("operators"))
    assert pick(operators[TOTAL], *SCOPE) == (6, 320, 183, 137, 57.2, 3, 4, 1, 1, 2, 50.0, 6, 2, 45.0, 42.0)
    # Cit = South: h5 enters, h3 arrives by transfer then leaves to the street.
    assert pick(operators["Cit asbl"], *SCOPE) == (2, 122, 53, 69, 43.4, 1, 1, 1, 0, 0, 0.0, 2, 1, 61.0, 61.0)
    # Hou = North + West: h2, h6 enter; h1, h6 (durable), h4 leave; h3 moves out by transfer.
    assert pick(operators["Hou asbl"], *SCOPE) == (4, 198, 130, 68, 65.7, 2, 3, 0, 1, 2, 66.7, 5, 1, 46.6, 47.0)
    hou = rows(report.section(f"operator-{world.hou}"))
    assert list(hou) == ["North", "West", TOTAL]
    assert pick(hou["North"], *SCOPE) == (3, 178, 111, 67, 62.4, 2, 2, 0, 1, 2, 100.0, 4, 1, 46.5, 41.5)
    assert pick(hou["West"], *SCOPE) == (1, 20, 19, 1, 95.0, 0, 1, 0, 0, 0, 0.0, 1, 0, 47.0, 47.0)
    assert pick(hou[TOTAL], *SCOPE) == pick(operators["Hou asbl"], *SCOPE)
    assert report.section(f"operator-{world.hou}").params == {"operator": "Hou asbl"}


def test_households_flows_destinations_and_stays_equal_the_hand_counts(report):
    served = {(r["axis_id"], r["partner"]): r["households_served"]
              for r in report.section("households").frame.to_dict("records")}
    assert served == {(1, "Cel"): 2, (2, "Dio"): 1, (2, "Samu"): 2, (3, "Dio"): 1, (TOTAL, None): 6}

    flows = rows(report.section("flows"))
    columns = ("entries", "exits", "transfers_in", "transfers_out", "durable_exits", "durable_share")
    assert {axis: pick(row, *columns) for axis, row in flows.items()} == {
        1: (1, 2, 0, 0, 2, 100.0),  # h6 enters; h1, h6 leave to durable housing
        2: (2, 1, 0, 0, 0, 0.0),  # h2, h5 enter; h4 leaves to a shelter
        3: (0, 1, 1, 1, 0, 0.0),  # h3 moves, then leaves to the street
        TOTAL: (3, 4, 1, 1, 2, 50.0),
    }

    destinations = rows(report.section("destinations"))
    assert "other_issue_unit" not in destinations  # a transfer is not an exit
    assert len(destinations) == 11  # 10 destinations, zeros included, and the total
    counts = ("axis_1", "axis_2", "axis_3", "total")
    assert pick(destinations["durable_social_housing"], "durable", *counts) == (True, 1, 0, 0, 1)
    assert pick(destinations["durable_private_housing"], "durable", *counts) == (True, 1, 0, 0, 1)
    assert pick(destinations["emergency_shelter"], "durable", *counts) == (False, 0, 1, 0, 1)
    assert pick(destinations["street"], "durable", *counts) == (False, 0, 0, 1, 1)
    assert pick(destinations["housing_first"], "durable", *counts) == (True, 0, 0, 0, 0)
    assert pick(destinations[TOTAL], *counts) == (2, 1, 1, 4)

    stay = rows(report.section("stay"))
    columns = ("stays", "ongoing", "mean_days", "median_days")
    assert {axis: pick(row, *columns) for axis, row in stay.items()} == {
        1: (2, 0, 27.0, 27.0), 2: (3, 2, 43.7, 47.0), 3: (1, 0, 85.0, 85.0), TOTAL: (6, 2, 45.0, 42.0)}


def test_contributions_and_arrears_equal_the_hand_counts(report):
    contributions = rows(report.section("contributions"))
    columns = ("due", "paid", "collection_rate")
    assert {month: pick(row, *columns) for month, row in contributions.items()} == {
        MARCH: (83.0, 34.0, 41.0), APRIL: (126.13, 122.0, 96.7), TOTAL: (209.13, 156.0, 74.6)}
    arrears = report.section("arrears")
    assert arrears.params == {"day": date(2026, 4, 30)} and report.arrears_on == date(2026, 4, 30)
    columns = ("due", "paid", "arrears", "households_in_arrears")
    assert {partner: pick(row, *columns) for partner, row in rows(arrears).items()} == {
        "Cel": (37.93, 20.0, 17.93, 1), "Dio": (88.13, 62.0, 26.13, 1), "Samu": (156.0, 34.0, 122.0, 2),
        TOTAL: (282.06, 116.0, 166.06, 4)}


def test_filters(world):
    # Axis 2 (h2, h4, h5): unit figures stay unit figures; household figures narrow down.
    axis_2 = build_period_report(world.engine, MARCH, MAY, Filters(axis_ids=(2,)))
    operators = rows(axis_2.section("operators"))
    assert pick(operators[TOTAL], "units_available", "available_unit_days", "occupied_unit_days") == (6, 320, 183)
    assert pick(operators[TOTAL], "entries", "exits", "stays", "mean_days") == (2, 1, 3, 43.7)
    assert list(rows(axis_2.section("flows"))) == [2, TOTAL]
    assert rows(axis_2.section("households"))[TOTAL]["households_served"] == 3
    assert list(rows(axis_2.section("arrears"))) == ["Samu", TOTAL]
    assert [c for c in axis_2.section("destinations").frame.columns if c.startswith("axis_")] == ["axis_2"]

    # Site South (S1, S2): one operator section; h3 arrives there by transfer, h5 is placed there.
    south = build_period_report(world.engine, MARCH, MAY, Filters(site_ids=(world.south,)))
    assert [s.key for s in south.sections][-1] == f"operator-{world.cit}"
    assert list(rows(south.section("operators"))) == ["Cit asbl", TOTAL]
    assert {(r["axis_id"], r["partner"]): r["households_served"]
            for r in south.section("households").frame.to_dict("records")} == {
        (2, "Samu"): 1, (3, "Dio"): 1, (TOTAL, None): 2}
    assert pick(rows(south.section("stay"))[TOTAL], "stays", "mean_days") == (2, 61.0)
    assert south.filter_names == {"partners": (), "operators": (), "sites": ("South",)}


def test_a_report_on_an_empty_database_runs(engine):
    report = build_period_report(engine, MARCH, MAY)
    operators = rows(report.section("operators"))
    assert list(operators) == [TOTAL]
    assert pick(operators[TOTAL], "units_available", "available_unit_days", "utilisation", "stays",
                "mean_days") == (0, 0, None, 0, None)
    assert rows(report.section("arrears"))[TOTAL]["arrears"] == 0
    assert len(long_frame(Translator("fr"), report)) > 0 and to_workbook(report, "fr")
    with pytest.raises(ValueError):
        build_period_report(engine, MAY, MARCH)


def test_a_period_running_past_today_measures_stays_to_today(world):
    report = build_period_report(world.engine, date(2026, 11, 1), date(2026, 12, 1))
    assert (report.measured_to, report.arrears_on) == (date(2026, 11, 23), date(2026, 11, 23))
    # h7 01/11 → 23/11: 22 days; h2 and h5 as in test_metrics (253, 243).
    assert pick(rows(report.section("stay"))[TOTAL], "stays", "ongoing", "median_days") == (3, 3, 243.0)
    assert previous_month(date(2026, 11, 23)) == (date(2026, 10, 1), date(2026, 10, 31))
    assert previous_month(date(2026, 1, 5)) == (date(2025, 12, 1), date(2025, 12, 31))


# --- suppression ----------------------------------------------------------------------------------------


def test_suppression_hides_exactly_the_small_counts(report):
    hidden = suppress_small_counts(report)
    assert hidden.suppressed and not report.suppressed
    changed = 0
    for before, after in zip(report.sections, hidden.sections, strict=True):
        assert list(before.frame.columns) == list(after.frame.columns)
        for original, shown in zip(before.frame.to_dict("records"), after.frame.to_dict("records"), strict=True):
            for column, value in original.items():
                if column in before.counts and isinstance(value, int) and 1 <= value <= 4:
                    expected = SMALL_COUNT
                elif column in before.rates and original[before.rates[column]] in (1, 2, 3, 4):
                    expected = SMALL_BASE
                else:
                    expected = value
                if expected != value:
                    changed += 1
                assert shown[column] == expected or (pd.isna(expected) and pd.isna(shown[column])), (
                    before.key, column, value)
    assert changed > 0
    # By hand: flows per axis — every count 1..4 hidden, the zeros and 5+ kept.
    flows = rows(hidden.section("flows"))
    assert pick(flows[1], "entries", "exits", "transfers_in", "durable_exits", "durable_share") == (
        "<5", "<5", 0, "<5", "n<5")
    # Six households served in total and six stays: shown; their mean from six stays too.
    assert rows(hidden.section("households"))[TOTAL]["households_served"] == 6
    assert pick(rows(hidden.section("stay"))[TOTAL], "stays", "ongoing", "mean_days") == (6, "<5", 45.0)
    # Hou: five stays → mean shown; three exits → the durable share hidden. Unit figures and money kept.
    hou = rows(hidden.section("operators"))["Hou asbl"]
    assert pick(hou, "units_available", "available_unit_days", "stays", "mean_days", "exits", "durable_share") == (
        4, 198, 5, 46.6, "<5", "n<5")
    assert rows(hidden.section("arrears"))["Cel"]["arrears"] == 17.93
    assert rows(hidden.section("arrears"))["Cel"]["households_in_arrears"] == "<5"
    assert suppress_small_counts(hidden) is hidden


# --- files ------------------------------------------------------------------------------------------------


def test_the_workbook_holds_the_same_numbers(report):
    workbook = openpyxl.load_workbook(BytesIO(to_workbook(report, "fr")))
    t = Translator("fr")
    assert workbook.sheetnames == ["Rapport", "Opérateurs", "Ménages", "Entrées et sorties", "Destinations",
                                   "Durée de séjour", "Contributions", "Arriérés", "Cit asbl", "Hou asbl"]
    info = dict(workbook["Rapport"].iter_rows(values_only=True))
    assert info["Période"] == "du 01/03/2026 au 30/04/2026"
    assert info["Établi le"] == "23/11/2026" and info["Axes"] == "Tous"
    for section in report.sections:
        sheet = workbook[sheet_title(t, section)]
        values = list(sheet.iter_rows(values_only=True))
        assert list(values[0]) == [header(t, column) for column in section.frame.columns]
        assert len(values) == len(section.frame) + 1
        for row, expected in zip(values[1:], section.frame.to_dict("records"), strict=True):
            for cell, (column, value) in zip(row, expected.items(), strict=True):
                if column not in section.labels:
                    assert cell == (None if pd.isna(value) else value), (section.key, column)
        assert sheet["A1"].font.bold and sheet.freeze_panes == "A2"
    operators = {row[0]: row for row in workbook["Opérateurs"].iter_rows(values_only=True)}
    assert operators["Total"][1:6] == (6, 320, 183, 137, 57.2)
    destinations = {row[0]: row for row in workbook["Destinations"].iter_rows(values_only=True)}
    assert destinations["Rue"] == ("Rue", "non", 0, 0, 1, 1)
    assert workbook["Contributions"]["A2"].value == "03/2026"


def test_the_csv_is_long_and_suppressed_when_asked(report):
    hidden = suppress_small_counts(report)
    frame = pd.read_csv(StringIO(to_long_csv(hidden, "en").decode("utf-8-sig")), dtype=str, keep_default_na=False)
    assert list(frame.columns) == ["Section", "Row", "Measure", "Value"]
    lines = {(r["Section"], r["Row"], r["Measure"]): r["Value"] for r in frame.to_dict("records")}
    assert lines[("Report", "", "Small counts")] == 'hidden ("<5")'
    assert lines[("Units and stays per housing operator", "Total", "Unit-days available")] == "320"
    assert lines[("Entries and exits per axis", "Axis 1", "Entries")] == "<5"
    assert lines[("Entries and exits per axis", "Axis 1", "Transfers in")] == "0"
    assert lines[("Households housed per axis and partner", "Axis 2 · Samu", "Households housed")] == "<5"
    assert lines[("Arrears per partner on 30/04/2026", "Samu", "Arrears")] == "122.0"
    assert lines[("Housing operator: Hou asbl", "North", "Median length (days)")] == "n<5"
    assert not REFERENCE.search(frame.to_csv())


def test_every_header_and_sheet_key_is_translated(report):
    keys = {f"report.col.{column}" for s in report.sections for column in s.frame.columns if not
            column.startswith("axis_") or column == "axis_id"}
    keys |= {s.title for s in report.sections} | {s.title.replace(".section.", ".sheet.") for s in report.sections}
    keys |= {f"report.col.{column}" for column in ("item", "value", "section", "row", "measure")}
    for language in LANGUAGES:
        assert sorted(key for key in keys if key not in catalogue(language)) == [], language
    for language in LANGUAGES:
        frame = display_frame(Translator(language), report.section("destinations"))
        assert "exit." not in " ".join(map(str, frame.iloc[:, 0]))


# --- the command -------------------------------------------------------------------------------------------


def run(world, *arguments: str) -> int:
    url = world.engine.url.render_as_string(hide_password=False)
    return main(["--database-url", url, "report", *arguments])


def test_the_command_writes_the_workbook_and_the_csv(world, tmp_path, capsys):
    xlsx, csv = tmp_path / "rapport.xlsx", tmp_path / "rapport.csv"
    assert run(world, "--from", "2026-03-01", "--to", "2026-04-30", "--out", str(xlsx)) == 0
    operators = {row[0]: row for row in openpyxl.load_workbook(xlsx)["Opérateurs"].iter_rows(values_only=True)}
    assert operators["Total"][1:6] == (6, 320, 183, 137, 57.2)
    assert "written" in capsys.readouterr().out
    assert run(world, "--from", "2026-03-01", "--to", "2026-04-30", "--out", str(csv), "--axis", "2",
               "--partner", "Samu", "--operator", "Cit", "--site", "South", "--suppress-small",
               "--language", "nl") == 0
    lines = pd.read_csv(csv, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    values = {(r["Deel"], r["Rij"], r["Maat"]): r["Waarde"] for r in lines.to_dict("records")}
    # Samu's axis-2 households in South: h5 only.
    assert values[("Gehuisveste huishoudens per as en partner", "As 2 · Samu", "Gehuisveste huishoudens")] == "<5"
    assert values[("Verslag", "", "Sites")] == "South"
    assert values[("Verslag", "", "Partners")] == "Samu"


@pytest.mark.parametrize(("arguments", "message"), [
    (["--from", "2026-02-30", "--to", "2026-04-30"], "--from: '2026-02-30' is not a date"),
    (["--from", "2026-03-01", "--to", "30/04/2026"], "--to: '30/04/2026' is not a date"),
    (["--from", "2026-04-30", "--to", "2026-03-01"], "is before --from"),
    (["--from", "2026-03-01", "--to", "2026-04-30", "--partner", "Nobody"], "unknown partner: Nobody"),
    (["--from", "2026-03-01", "--to", "2026-04-30", "--partner", "Hou"], "unknown partner: Hou"),
    (["--from", "2026-03-01", "--to", "2026-04-30", "--operator", "Samu"], "unknown housing operator: Samu"),
    (["--from", "2026-03-01", "--to", "2026-04-30", "--site", "East"], "unknown site: East"),
    (["--from", "2026-03-01", "--to", "2026-04-30", "--axis", "4"], "--axis: 4 is not an axis"),
])
def test_the_command_refuses_bad_input(world, tmp_path, capsys, arguments, message):
    out = tmp_path / "rapport.xlsx"
    assert run(world, *arguments, "--out", str(out)) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_the_command_refuses_an_unknown_format_or_folder(world, tmp_path, capsys):
    assert run(world, "--from", "2026-03-01", "--to", "2026-04-30", "--out", str(tmp_path / "rapport.pdf")) == 2
    assert "must end with .xlsx or .csv" in capsys.readouterr().err
    assert run(world, "--from", "2026-03-01", "--to", "2026-04-30", "--out", str(tmp_path / "no" / "r.csv")) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "rapport.pdf").exists() and not (tmp_path / "no").exists()


# --- the page ----------------------------------------------------------------------------------------------


@pytest.fixture
def open_page(open_page, actors):
    """The report page as a demo account, by username."""
    return lambda username: open_page("pages/report.py", actors[username], timeout=120)


def page_text(app: AppTest) -> str:
    parts = [element.value for kind in ("title", "subheader", "caption", "markdown", "info") for element in
             getattr(app, kind)]
    parts += [frame.value.to_csv() for frame in app.dataframe]
    return "\n".join(map(str, parts))


def downloads(app: AppTest) -> list[str]:
    return [button.proto.label for button in app.get("download_button")]


@pytest.mark.parametrize("username", ["admin", "dir.diogenes", "coord.samusocial"])
def test_the_page_shows_the_report_of_the_previous_month(open_page, username):
    app = open_page(username)
    assert [title.value for title in app.title] == ["Rapport de période"]
    assert app.date_input(key="report_period").value == (date(2026, 10, 1), date(2026, 10, 31))
    subheaders = [s.value for s in app.subheader]
    assert subheaders[:7] == [
        "Logements et séjours par opérateur logement", "Ménages logés par axe et partenaire",
        "Entrées et sorties par axe", "Sorties par destination", "Durée de séjour par axe",
        "Contributions par mois", "Arriérés par partenaire au 31/10/2026"]
    assert any(s.startswith("Opérateur logement : ") for s in subheaders[7:])
    assert downloads(app) == ["Télécharger (XLSX)", "Télécharger (CSV)"]
    assert len(app.dataframe) == len(subheaders)
    assert not REFERENCE.search(page_text(app))
    assert not app.error


def test_the_page_hides_small_counts_and_follows_the_period(open_page, demo_url):
    app = open_page("admin")
    assert "<5" not in page_text(app)
    app.toggle(key="report_suppress").set_value(True).run()
    assert not app.exception
    shown = page_text(app)
    assert "<5" in shown
    assert "Petits nombres masqués" in shown
    app.date_input(key="report_period").set_value((date(2026, 1, 1), date(2026, 6, 30))).run()
    assert not app.exception
    assert "Arriérés par partenaire au 30/06/2026" in [s.value for s in app.subheader]
    # The page shows the figures of the report function.
    engine = create_issue_engine(demo_url)
    expected = suppress_small_counts(build_period_report(engine, date(2026, 1, 1), date(2026, 7, 1)))
    engine.dispose()
    total = rows(expected.section("operators"))[TOTAL]
    table = app.dataframe[0].value
    shown_total = table[table["Opérateur logement"] == "Total"].iloc[0]
    assert shown_total["Jours-logement disponibles"] == f"{total['available_unit_days']:,}".replace(",", "\u202f")


def test_the_page_waits_for_a_whole_period_and_refuses_the_screen(open_page):
    app = open_page("admin")
    app.date_input(key="report_period").set_value((date(2026, 1, 1),)).run()
    assert not app.exception
    assert [info.value for info in app.info] == ["Choisissez le premier et le dernier jour de la période."]
    assert not app.dataframe
    screen = open_page("ecran")
    assert screen.error and not screen.dataframe and not downloads(screen)
