"""Typed-in input that used to raise: an id in a page's address out of any range, and dates out of the
app's range on the command line (a message and exit status 2, never a traceback)."""

from __future__ import annotations

import pytest

from issue_core.__main__ import main
from issue_core.queries.screens import households as views
from tests.conftest import TODAY, sqlite_engine
from tests.test_editing_households import PLACEMENTS, actor, open_page

REQUESTED = "tableau d'occupation"  # the notice of a unit asked for by the occupancy board's link


@pytest.mark.parametrize("unit", ["99999999999999999999999", "2147483648", "-5", "0", "١٢", "1e3", "12abc", ""])
def test_a_unit_id_in_the_address_out_of_range_or_not_a_number_is_ignored(database, unit):
    app = open_page(PLACEMENTS, actor(database, "coordinator"), unit=unit)  # asserts no exception
    assert not any(REQUESTED in info.value for info in app.info)


def test_a_unit_id_in_the_address_still_preselects_the_unit(database):
    coordinator = actor(database, "coordinator")
    unit_id = int(views.placeable_units(database, TODAY, None, coordinator.organisation_id)["unit_id"].iloc[-1])
    app = open_page(PLACEMENTS, coordinator, unit=f" {unit_id} ")
    assert any(REQUESTED in info.value for info in app.info)


@pytest.mark.parametrize(("start", "end", "message"), [
    ("2026-01-01", "9999-12-31", "--to: 9999-12-31 is outside 2000-01-01 – 2100-12-31"),
    ("0001-01-01", "2026-01-01", "--from: 0001-01-01 is outside 2000-01-01 – 2100-12-31"),
    ("1999-12-31", "2026-01-01", "--from: 1999-12-31 is outside 2000-01-01 – 2100-12-31"),
    ("2000-01-01", "2100-12-31", "the period 2000-01-01 – 2100-12-31 spans more than 20 years: split it"),
])
def test_report_dates_outside_the_apps_range_are_bad_input(sqlite_template, tmp_path, capsys, start, end, message):
    engine = sqlite_engine(sqlite_template, tmp_path)
    url, out = engine.url.render_as_string(hide_password=False), tmp_path / "report.csv"
    assert main(["--database-url", url, "report", "--from", start, "--to", end, "--out", str(out)]) == 2
    assert capsys.readouterr().err == f"report: {message}\n"
    assert not out.exists()
    for first, last in (("2000-01-01", "2019-12-31"), ("2081-01-01", "2100-12-31")):  # the range's ends, 20 years
        assert main(["--database-url", url, "report", "--from", first, "--to", last, "--out", str(out)]) == 0
        assert out.exists()
        out.unlink()
