"""Metrics (issue_core.queries.metrics.kpis) against answers counted by hand, on SQLite and PostgreSQL.

On the small world of tests/world.py (build_small_world: its households, stays and payments are listed there).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text, update

from issue_core.auth import SYSTEM
from issue_core.db import read_session
from issue_core.models import Convention, Household, Placement, Site, Unit
from issue_core.queries import metrics as m
from issue_core.queries.metrics import Filters
from issue_core.services import households, placements, sites
from tests.conftest import TODAY, world_from
from tests.world import Small, build_small_world, d

MARCH, APRIL, MAY = date(2026, 3, 1), date(2026, 4, 1), date(2026, 5, 1)


@pytest.fixture
def world(engine, built_worlds) -> Small:
    return world_from(build_small_world, engine, built_worlds)


def approx(value):  # noqa: ANN001, ANN201
    return pytest.approx(value, abs=1e-9)


def by(frame, *keys):  # noqa: ANN001, ANN201
    """Rows of a frame as {key tuple (or key): row dict}."""
    rows = {}
    for row in frame.to_dict("records"):
        key = tuple(row[k] for k in keys)
        rows[key[0] if len(keys) == 1 else key] = row
    return rows


# --- occupancy ------------------------------------------------------------------------------------


def test_occupancy_on_a_day_with_works_and_a_household_between_units(world):
    o = m.occupancy_on(world.engine, d(3, 12))
    # Conventions active on 12/03: North, South, West → 3 sites, units N1 N2 N3 S1 S2 W1.
    # N3 under works [10/03, 15/03) → unavailable 1, available 5.
    # Occupied: N2 (h3), W1 (h4); N1 empty (h1 left 10/03, h2 from 15/03), S1, S2 empty → 2, vacant 3.
    assert (o.active_sites, o.available, o.unavailable, o.occupied, o.vacant) == (3, 5, 1, 2, 3)
    assert o.rate == approx(2 / 5)


def test_a_convention_end_is_its_last_day_and_an_overdue_convention_stays_active(world):
    last_day = m.occupancy_on(world.engine, d(3, 20))
    # 20/03 is West's last day: W1 available but empty (h4 left that day). N1 h2, N3 h6, S1 h3
    # (transferred that day from N2) occupied; N2, S2, W1 vacant.
    assert (last_day.active_sites, last_day.available, last_day.occupied, last_day.vacant) == (3, 6, 3, 3)
    after = m.occupancy_on(world.engine, d(3, 21))
    # West closed: 2 sites, 5 units; still N1, N3, S1 occupied.
    assert (after.active_sites, after.available, after.occupied, after.vacant) == (2, 5, 3, 2)
    today = m.occupancy_on(world.engine, TODAY)
    # South's planned end (30/06) has passed with no actual end: still active. N1 h2, S1 h7, S2 h5
    # occupied; N2, N3 vacant.
    assert (today.active_sites, today.available, today.occupied, today.vacant, today.unavailable) == (2, 5, 3, 2, 0)
    assert today.rate == approx(3 / 5)


def test_occupancy_filters(world):
    day = d(3, 12)
    # Axis 3: only h3 (N2) counts as occupied; units stay unit figures.
    o = m.occupancy_on(world.engine, day, Filters(axis_ids=(3,)))
    assert (o.available, o.occupied, o.vacant, o.unavailable) == (5, 1, 3, 1)
    # Partner Dio: h3 (N2) and h4 (W1).
    assert m.occupancy_on(world.engine, day, Filters(partner_ids=[world.dio])).occupied == 2
    # Operator Cit = South only: S1, S2 available and empty.
    o = m.occupancy_on(world.engine, day, Filters(housing_operator_ids=(world.cit,)))
    assert (o.active_sites, o.available, o.occupied, o.vacant, o.rate) == (1, 2, 0, 2, 0.0)
    # Site West: W1 occupied by h4.
    o = m.occupancy_on(world.engine, day, Filters(site_ids=(world.west,)))
    assert (o.active_sites, o.available, o.occupied) == (1, 1, 1)
    # No unit available at all: rate None.
    assert m.occupancy_on(world.engine, d(5, 1, 2025)).rate is None


def test_utilisation_over_march(world):
    u = m.utilisation(world.engine, MARCH, APRIL)
    # Available unit-days: North 3 × 31 − 5 (N3 works 10..14/03) = 88; South 2 × 31 = 62;
    # West 1–20/03 = 20 → 170.
    # Occupied: N1 h1 1–9 (9) + h2 15–31 (17); N2 h3 1–19 (19); N3 h6 15–31 (17); S1 h3 20–31 (12);
    # S2 h5 25–31 (7); W1 h4 1–19 (19) → 100.
    assert (u.available_unit_days, u.occupied_unit_days) == (170, 100)
    assert u.rate == approx(100 / 170)
    # Axis 2 only: h2 17 + h4 19 + h5 7 = 43.
    assert m.utilisation(world.engine, MARCH, APRIL, Filters(axis_ids=(2,))).occupied_unit_days == 43
    # Site South: 62 available; S1 h3 12 + S2 h5 7 = 19.
    south = m.utilisation(world.engine, MARCH, APRIL, Filters(site_ids=(world.south,)))
    assert (south.available_unit_days, south.occupied_unit_days) == (62, 19)
    with pytest.raises(ValueError):
        m.utilisation(world.engine, APRIL, MARCH)


def test_occupied_days_count_only_when_the_unit_is_available(world):
    # No service lets an unavailability cover a stay: written by hand, N1 under works 20–24/03
    # while h2 lives there.
    with world.engine.begin() as connection:
        connection.execute(
            text("INSERT INTO unit_unavailability (unit_id, start_date, end_date, reason, version) "
                 "VALUES (:unit, :start, :end, 'leak', 1)"),
            {"unit": world.units["N1"], "start": d(3, 20), "end": d(3, 25)},
        )
    u = m.utilisation(world.engine, MARCH, APRIL)
    # 170 − 5 available, 100 − 5 occupied.
    assert (u.available_unit_days, u.occupied_unit_days) == (165, 95)
    o = m.occupancy_on(world.engine, d(3, 22))
    # On 22/03 (West closed): N1 unavailable, so not occupied either; N3 (h6) and S1 (h3) occupied;
    # N2 and S2 (h5 from 25/03) vacant.
    assert (o.available, o.unavailable, o.occupied, o.vacant) == (4, 1, 2, 2)


def test_monthly_occupancy_averages_unit_days_over_the_days_of_the_month_in_the_period(world):
    frame = m.monthly_occupancy(world.engine, d(2, 15), d(4, 11))
    rows = by(frame, "month", "axis_id")
    assert len(frame) == 9  # 3 months × 3 axes
    # February, 15–28 (14 days): 6 units × 14 = 84 available unit-days → 6.0 units.
    # Occupied: h1 N1 20–28 (9, axis 1), h4 W1 14 (axis 2), h3 N2 14 (axis 3).
    feb = d(2, 1)
    assert rows[(feb, 1)]["days"] == 14
    assert rows[(feb, 1)]["available_units"] == approx(6.0)
    assert [rows[(feb, a)]["occupied_units"] for a in (1, 2, 3)] == [approx(9 / 14), approx(1.0), approx(1.0)]
    # March (31 days): 170 available; axis 1 h1 9 + h6 17 = 26; axis 2 h2 17 + h4 19 + h5 7 = 43;
    # axis 3 h3 19 + 12 = 31.
    assert rows[(MARCH, 2)]["available_units"] == approx(170 / 31)
    assert [rows[(MARCH, a)]["occupied_units"] for a in (1, 2, 3)] == [approx(26 / 31), approx(43 / 31), approx(1.0)]
    # April 1–10 (10 days): N1 N2 N3 S1 S2 = 50 → 5.0 units; axis 1 h6 10; axis 2 h2 10 + h5 10;
    # axis 3 h3 S1 1–4 (4).
    assert rows[(APRIL, 3)]["days"] == 10
    assert rows[(APRIL, 3)]["available_units"] == approx(5.0)
    assert [rows[(APRIL, a)]["occupied_units"] for a in (1, 2, 3)] == [approx(1.0), approx(2.0), approx(0.4)]
    # Site South only, March: 2 units; axis 2 h5 7, axis 3 h3 12, axis 1 none.
    south = by(m.monthly_occupancy(world.engine, MARCH, APRIL, Filters(site_ids=(world.south,))), "month", "axis_id")
    assert south[(MARCH, 1)]["available_units"] == approx(2.0)
    assert [south[(MARCH, a)]["occupied_units"] for a in (1, 2, 3)] == [0, approx(7 / 31), approx(12 / 31)]


def test_vacancy_gaps_and_vacant_days_by_site(world):
    gaps = m.vacancy_gaps(world.engine, d(1, 1), d(1, 1, 2027))
    # N1: h1 left 10/03, h2 came 15/03 → 5 days.
    # S1: h3 left 05/04, h7 came 01/11 → 26 (05–30/04) + 31 + 30 + 31 + 31 + 30 + 31 (May–Oct) = 210 days.
    assert [(r["unit"], r["previous_end"], r["next_start"], r["gap_days"]) for r in gaps.to_dict("records")] == [
        ("N1", d(3, 10), d(3, 15), 5),
        ("S1", d(4, 5), d(11, 1), 210),
    ]
    # Only gaps ending in the period; unit filters apply.
    assert list(m.vacancy_gaps(world.engine, MARCH, APRIL)["unit"]) == ["N1"]
    south = Filters(site_ids=(world.south,))
    assert list(m.vacancy_gaps(world.engine, d(1, 1), d(1, 1, 2027), south)["unit"]) == ["S1"]
    # Per site, the number of gaps and their five figures: one gap each here, so all five are that gap.
    per_site = m.vacancy_gaps_by_site(world.engine, d(1, 1), d(1, 1, 2027))
    figures = ["site", "gaps", "shortest_days", "q1_days", "median_days", "q3_days", "longest_days"]
    assert [tuple(r[figure] for figure in figures) for r in per_site.to_dict("records")] == [
        ("North", 1, 5, 5, 5, 5, 5), ("South", 1, 210, 210, 210, 210, 210)]
    nothing = m.vacancy_gaps_by_site(world.engine, d(12, 1), d(12, 2))
    assert nothing.empty and list(nothing.columns) == ["site_id", "site", "gaps", "shortest_days", "q1_days",
                                                      "median_days", "q3_days", "longest_days"]

    lost = by(m.vacant_days_by_site(world.engine, MARCH, APRIL), "site")
    # North: 88 available, occupied 26 (N1) + 19 (N2) + 17 (N3) = 62 → 26 lost.
    # South: 62 available, 12 + 7 = 19 occupied → 43. West: 20 available, 19 occupied → 1 (20/03).
    assert {site: (r["available_unit_days"], r["occupied_unit_days"], r["vacant_unit_days"])
            for site, r in lost.items()} == {"North": (88, 62, 26), "South": (62, 19, 43), "West": (20, 19, 1)}
    # A household filter does not change vacancy (a vacant day is lost whoever might use it).
    assert by(m.vacant_days_by_site(world.engine, MARCH, APRIL, Filters(axis_ids=(1,))), "site")["North"][
        "vacant_unit_days"] == 26


def test_vacant_units_today(world):
    frame = m.vacant_units(world.engine, TODAY)
    rows = [(r["unit"], r["vacant_since"], r["days_vacant"], r["last_placement_end"]) for r in frame.to_dict("records")]
    # N2: empty since h3's transfer on 20/03 → 12 (20–31/03) + 30+31+30+31+31+30+31 (Apr–Oct)
    # + 22 (1–22/11) = 248 days on 23/11. N3: h6 left 20/04, but damaged until 01/07 → vacant
    # since 01/07: 31+31+30+31 (Jul–Oct) + 22 = 145 days.
    assert rows == [("N2", d(3, 20), 248, d(3, 20)), ("N3", d(7, 1), 145, d(4, 20))]
    # On 12/03: N1 (since h1 left 10/03, h2 planned 15/03), S1 and S2 (since South's start
    # 01/06/2025: 284 days), and N3 is unavailable, so not listed.
    march = by(m.vacant_units(world.engine, d(3, 12)), "unit")
    assert set(march) == {"N1", "S1", "S2"}
    assert (march["N1"]["vacant_since"], march["N1"]["days_vacant"], march["N1"]["next_placement_start"]) == (
        d(3, 10), 2, d(3, 15))
    assert (march["S2"]["vacant_since"], march["S2"]["days_vacant"]) == (d(6, 1, 2025), 284)



def test_vacant_since_runs_across_a_renewal_without_gap(world):
    """DOMAIN.md, "Vacant since": the first day of the unit's current unbroken run of available, empty
    days. A convention renewed without a gap does not break the run; an unavailability or a day
    without convention does. Two more sites of Hou:

        East: convention 01/01 → closed 28/02, renewed from 01/03 (no day without convention).
            E1: h10 [05/01, 20/01), empty since. E2: never occupied. E3: works [10/03, 20/03).
        Far: convention 01/01 → closed 31/01, renewed from 03/02 (01/02 and 02/02 without one). F1 empty.
    """
    from issue_core.queries.screens.meeting import occupancy_tiles
    from issue_core.queries.screens.occupancy_board import unit_board
    from issue_core.queries.screens.overview import long_vacant_units

    engine = world.engine
    site_ids, unit_ids = {}, {}
    for name, first_end, renewal, labels in (("East", d(2, 28), d(3, 1), ("E1", "E2", "E3")),
                                             ("Far", d(1, 31), d(2, 3), ("F1",))):
        site_ids[name] = sites.create_site(engine, SYSTEM, name=name, housing_operator_id=world.hou)
        first = sites.create_convention(engine, SYSTEM, site_id=site_ids[name], start_date=d(1, 1),
                                        planned_end_date=first_end, units_planned=len(labels))
        for label in labels:
            unit_ids[label] = sites.create_unit(engine, SYSTEM, site_id=site_ids[name], label=label, bedrooms=1,
                                                capacity=2)
        if name == "East":
            h10, _ = households.register_household(engine, SYSTEM, axis_id=1, referent_organisation_id=world.cel,
                                                   adults=1, children=0, administrative_status="regular",
                                                   referred_on=d(1, 2))
            stay = placements.place_household(engine, SYSTEM, household_id=h10, unit_id=unit_ids["E1"],
                                              start_date=d(1, 5))
            placements.end_placement(engine, SYSTEM, stay, version=1, end_date=d(1, 20), exit_destination="street")
        sites.close_convention(engine, SYSTEM, first, version=1, actual_end_date=first_end, reason="fin")
        sites.create_convention(engine, SYSTEM, site_id=site_ids[name], start_date=renewal,
                                planned_end_date=d(12, 31, 2027), units_planned=len(labels))
    sites.add_unavailability(engine, SYSTEM, unit_id=unit_ids["E3"], start_date=d(3, 10), end_date=d(3, 20),
                             reason="works")
    ours = Filters(site_ids=tuple(site_ids.values()))

    # On 23/11: E2 since East's first start 01/01 (326 days: 31 + 28 + 245 for March–October + 22);
    # E1 since h10 left on 20/01 (12 + 28 + 245 + 22 = 307), across the renewal of 01/03; F1 since
    # Far's renewal 03/02 (26 + 245 + 22 = 293), after two days without convention; E3 since its works
    # ended on 20/03 (12 + 214 for April–October + 22 = 248).
    frame = m.vacant_units(engine, TODAY, ours)
    assert [(r["unit"], r["vacant_since"], r["days_vacant"]) for r in frame.to_dict("records")] == [
        ("E2", d(1, 1), 326), ("E1", d(1, 20), 307), ("F1", d(2, 3), 293), ("E3", d(3, 20), 248)]
    # On the renewal day 01/03 the empty units of East stay on the 30-day alert: E2 and E3 empty since
    # 01/01 (31 + 28 = 59 days), E1 since 20/01 (12 + 28 = 40); F1, since 03/02, has 26 days.
    alert = long_vacant_units(engine, d(3, 1), ours)
    assert [(r["unit"], r["vacant_since"], r["days_vacant"]) for r in alert.to_dict("records")] == [
        ("E2", d(1, 1), 59), ("E3", d(1, 1), 59), ("E1", d(1, 20), 40)]
    # The occupancy board and the meeting screen's tiles say the same.
    board = unit_board(engine, site_ids["East"], TODAY).set_index("unit")
    assert [(board.loc[u, "vacant_since"], board.loc[u, "days_vacant"]) for u in ("E1", "E2", "E3")] == [
        (d(1, 20), 307), (d(1, 1), 326), (d(3, 20), 248)]
    renewal_day = unit_board(engine, site_ids["East"], d(3, 1)).set_index("unit")
    assert list(renewal_day["vacant_since"]) == [d(1, 20), d(1, 1), d(1, 1)]
    tiles = occupancy_tiles(engine, TODAY).set_index("unit")
    assert [tiles.loc[u, "days_vacant"] for u in ("E1", "E2", "E3", "F1")] == [307, 326, 248, 293]

# --- caseloads ------------------------------------------------------------------------------------


def test_caseload_on_a_day(world):
    frame = m.caseload_on(world.engine, d(3, 12))
    rows = {(r["axis_id"], r["partner"]): (r["followed"], r["placed"], r["waiting"]) for r in frame.to_dict("records")}
    # On 12/03: h1 (left N1 on 10/03, followed until 31/03) and h6 (placed from 15/03) wait on axis 1;
    # h2 and h5 wait (Samu, axis 2); h4 placed (Dio, axis 2); h3 placed and h8 waiting (Dio, axis 3).
    # h9's follow-up ended on 12/03 (not followed on that day); h7 is referred in October.
    assert rows == {
        (1, "Cel"): (2, 0, 2),
        (2, "Dio"): (1, 1, 0),
        (2, "Samu"): (2, 0, 2),
        (3, "Dio"): (2, 1, 1),
    }
    # The day before, h9 (Samu, axis 2) was still followed.
    assert by(m.caseload_on(world.engine, d(3, 11)), "axis_id", "partner_id")[(2, world.samu)]["followed"] == 3
    samu = m.caseload_on(world.engine, d(3, 12), Filters(partner_ids=(world.samu,)))
    assert list(samu["partner"]) == ["Samu"]


def test_caseload_monthly_averages_household_days(world):
    rows = by(m.caseload_monthly(world.engine, MARCH, APRIL), "axis_id")
    # March, household-days ÷ 31:
    # axis 1 followed h1 1–30 (30) + h6 31 = 61, placed h1 9 + h6 17 = 26;
    # axis 2 followed h2 31 + h4 1–19 (19) + h5 31 + h9 1–11 (11) = 92, placed h2 17 + h4 19 + h5 7 = 43;
    # axis 3 followed h3 31 + h8 5–31 (27) = 58, placed h3 31.
    assert {a: (r["followed"] * 31, r["placed"] * 31, r["waiting"] * 31) for a, r in rows.items()} == {
        1: (approx(61), approx(26), approx(35)),
        2: (approx(92), approx(43), approx(49)),
        3: (approx(58), approx(31), approx(27)),
    }
    assert m.households_followed_on(world.engine, TODAY) == {1: 2, 2: 2, 3: 2}  # h6 h7, h2 h5, h3 h8


# --- flows ----------------------------------------------------------------------------------------


def test_entries_exits_and_transfers_apart(world):
    rows = by(m.entries_exits(world.engine, d(1, 1), MAY), "month")
    flows = lambda r: (r["entries"], r["exits"], r["transfers_in"], r["transfers_out"])  # noqa: E731
    # January: h3 enters N2. February: h4 (W1) and h1 (N1) enter.
    # March: h2, h6, h5 enter; h1 and h4 exit; h3 moves N2 → S1 (one transfer in, one out).
    # April: h3 (S1) and h6 exit.
    assert {month: flows(r) for month, r in rows.items()} == {
        d(1, 1): (1, 0, 0, 0),
        d(2, 1): (2, 0, 0, 0),
        MARCH: (3, 2, 1, 1),
        APRIL: (0, 2, 0, 0),
    }
    # Site South: the move into S1 is a transfer in; h5 enters; h3 leaves S1 in April.
    south = by(m.entries_exits(world.engine, MARCH, MAY, Filters(site_ids=(world.south,))), "month")
    assert (flows(south[MARCH]), flows(south[APRIL])) == ((1, 0, 1, 0), (0, 1, 0, 0))
    # Site North in March: h2, h6 enter, h1 exits, h3 transfers out.
    north = by(m.entries_exits(world.engine, MARCH, APRIL, Filters(site_ids=(world.north,))), "month")
    assert flows(north[MARCH]) == (2, 1, 0, 1)
    # Period sums, for the KPI cards: over 10–31/03 h2, h6, h5 enter; h1 (10/03) and h4 (20/03)
    # exit; h3 moves (20/03).
    assert m.entries_exits_between(world.engine, d(3, 10), APRIL) == {
        "entries": 3, "exits": 2, "transfers_in": 1, "transfers_out": 1}


def test_length_of_stay_chains_transfers(world):
    frame = m.length_of_stay(world.engine, d(1, 1), d(1, 1, 2027))
    stays = sorted((r["axis_id"], r["days"], r["placements"], r["ongoing"]) for r in frame.to_dict("records"))
    # h1 20/02 → 10/03: 9 + 9 = 18. h6 15/03 → 20/04: 17 + 19 = 36. h7 01/11 → today 23/11: 22.
    # h4 01/02 → 20/03: 28 + 19 = 47. h2 15/03 → today: 17 + 30+31+30+31+31+30+31 + 22 = 253.
    # h5 25/03 → today: 253 − 10 = 243. h3 10/01 → 20/03 (N2) → 05/04 (S1): 22 + 28 + 31 + 4 = 85, one stay.
    assert stays == [
        (1, 18, 1, False), (1, 22, 1, True), (1, 36, 1, False),
        (2, 47, 1, False), (2, 243, 1, True), (2, 253, 1, True),
        (3, 85, 2, False),
    ]
    assert "reference" not in frame.columns and "household_id" not in frame.columns
    summary = by(m.length_of_stay_by_axis(world.engine, d(1, 1), d(1, 1, 2027)), "axis_id")
    # axis 1: (18 + 22 + 36) / 3, median 22; axis 2: (47 + 243 + 253) / 3 = 181, median 243; axis 3: 85.
    assert [(s["stays"], s["ongoing"], s["mean_days"], s["median_days"]) for s in summary.values()] == [
        (3, 1, approx(76 / 3), 22), (3, 2, approx(181), 243), (1, 0, approx(85), 85)]
    # The box plot's figures, quartiles interpolated between stays: axis 1 (18, 22, 36): q1 = 18 + ½ × 4 = 20,
    # q3 = 22 + ½ × 14 = 29; axis 2 (47, 243, 253): q1 = 47 + ½ × 196 = 145, q3 = 243 + ½ × 10 = 248.
    assert [(s["shortest_days"], s["q1_days"], s["q3_days"], s["longest_days"]) for s in summary.values()] == [
        (18, 20, 29, 36), (47, 145, 248, 253), (85, 85, 85, 85)]
    # Stays meeting [06/04, 01/05): h2, h5 (running), h6 (until 20/04); h3 ended 05/04.
    assert sorted(m.length_of_stay(world.engine, d(4, 6), MAY)["days"]) == [36, 243, 253]


def test_an_exit_and_a_new_entry_on_the_same_day_are_not_a_transfer(world):
    # h8 (waiting, axis 3): N2 [01/08, 11/08) → care_institution, then N3 [11/08, 21/08) → street.
    first = placements.place_household(world.engine, SYSTEM, household_id=world.h[8], unit_id=world.units["N2"],
                                       start_date=d(8, 1))
    placements.end_placement(world.engine, SYSTEM, first, version=1, end_date=d(8, 11),
                             exit_destination="care_institution")
    second = placements.place_household(world.engine, SYSTEM, household_id=world.h[8], unit_id=world.units["N3"],
                                        start_date=d(8, 11))
    placements.end_placement(world.engine, SYSTEM, second, version=1, end_date=d(8, 21), exit_destination="street")
    august = m.entries_exits(world.engine, d(8, 1), d(9, 1)).to_dict("records")[0]
    assert (august["entries"], august["exits"], august["transfers_in"], august["transfers_out"]) == (2, 2, 0, 0)
    # Two stays of 10 days, not one of 20.
    assert sorted(m.length_of_stay(world.engine, d(8, 1), d(9, 1))["days"]) == [10, 10, 243, 253]


def test_exit_destinations_and_durable_share(world):
    frame = m.exit_destinations(world.engine, MARCH, MAY)
    # March–April exits: h1 durable_social (axis 1), h6 durable_private (axis 1), h4 emergency_shelter
    # (axis 2), h3 street from S1 (axis 3). h3's transfer out of N2 is not an exit.
    assert sorted((r["axis_id"], r["destination"], r["exits"], r["durable"]) for r in frame.to_dict("records")) == [
        (1, "durable_private_housing", 1, True), (1, "durable_social_housing", 1, True),
        (2, "emergency_shelter", 1, False), (3, "street", 1, False),
    ]
    share = by(m.durable_exit_share(world.engine, MARCH, MAY), "axis_id")
    assert [(s["exits"], s["durable_exits"], s["durable_share"]) for s in share.values()] == [
        (2, 2, 1.0), (1, 0, 0.0), (1, 0, 0.0)]
    # No exit in May: shares are None.
    assert list(m.durable_exit_share(world.engine, MAY, d(6, 1))["durable_share"]) == [None, None, None]


# --- contributions ---------------------------------------------------------------------------------


def test_contributions_monthly_with_a_status_change_mid_month(world):
    rows = by(m.contributions_monthly(world.engine, d(1, 15), MAY), "month")
    # January: h3 10–31 at 31/month → 31 × 22/31 = 22; paid 31 (h3, for January).
    # February: h1 20–28 at 62 → 62 × 9/28 = 19.93, h3 31 → 50.93; paid h3 31 + h1 20 = 51.
    # March: h1 1–9 at 62 → 62 × 9/31 = 18; h2 15–31 → 62 × 17/31 = 34; h3 whole month across its
    # transfer → 31; h5 25–31 at 0 → 0. Due 83; paid h2 34.
    # April: h2 62; h3 1–4 → 31 × 4/30 = 4.13; h5 1–10 at 0, 11–30 at 90 → 90 × 20/30 = 60.
    # Due 126.13; paid h2 62 + h5 60 = 122.
    assert {month: (r["due"], r["paid"]) for month, r in rows.items()} == {
        d(1, 1): (22.0, 31.0), d(2, 1): (50.93, 51.0), MARCH: (83.0, 34.0), APRIL: (126.13, 122.0)}
    assert rows[MARCH]["collection_rate"] == approx(34 / 83)
    assert rows[APRIL]["collection_rate"] == approx(122 / 126.13)
    # Axis 2 in March: h2 34 + h5 0 due, h2 paid 34.
    axis2 = by(m.contributions_monthly(world.engine, MARCH, APRIL, Filters(axis_ids=(2,))), "month")
    assert (axis2[MARCH]["due"], axis2[MARCH]["paid"], axis2[MARCH]["collection_rate"]) == (34.0, 34.0, 1.0)


def test_arrears_are_kept_after_the_household_leaves(world):
    frame = m.arrears(world.engine, TODAY)
    rows = {r["household_id"]: (r["due"], r["paid"], r["arrears"]) for r in frame.to_dict("records")}
    h = world.h
    # Due up to and including 23/11:
    # h1 (left 10/03): 19.93 (Feb) + 18 (Mar) = 37.93; paid 20 → 17.93.
    # h2: 34 (Mar) + 7 × 62 (Apr–Oct) + 62 × 23/30 (Nov) = 34 + 434 + 47.53 = 515.53; paid 96 → 419.53.
    # h3: 22 + 31 + 31 + 4.13 = 88.13; paid 62 → 26.13.
    # h5: 0 (Mar) + 60 (Apr) + 6 × 90 (May–Oct) + 90 × 23/30 (Nov) = 669; paid 60 → 609.
    # h4, h6, h7 have no contribution status and no payment: not listed.
    assert rows == {h[1]: (37.93, 20.0, 17.93), h[2]: (515.53, 96.0, 419.53), h[3]: (88.13, 62.0, 26.13),
                    h[5]: (669.0, 60.0, 609.0)}
    assert list(frame["household_id"]) == [h[5], h[2], h[3], h[1]]  # largest arrears first
    assert {"reference", "partner", "axis_id"} <= set(frame.columns)
    partners = {r["partner"]: (r["due"], r["paid"], r["arrears"], r["households_in_arrears"])
                for r in m.arrears_by_partner(world.engine, TODAY).to_dict("records")}
    # Cel: h1. Samu: h2 + h5 = 515.53 + 669 due, 96 + 60 paid, 419.53 + 609 arrears. Dio: h3.
    assert partners == {"Cel": (37.93, 20.0, 17.93, 1), "Samu": (1184.53, 156.0, 1028.53, 2),
                        "Dio": (88.13, 62.0, 26.13, 1)}
    # Each balance is rounded once, to the cent; the total adds the balances shown:
    # 17.93 + 419.53 + 26.13 + 609 = 1072.59 (not 1072.60, the rounded sum of 17.928571 + 419.533333 + …).
    assert m.total_arrears(world.engine, TODAY) == Decimal("1072.59")
    # Above 20.00 only: h2, h5, h3 (h1's 17.93 left out): 419.53 + 609 + 26.13.
    assert m.total_arrears(world.engine, TODAY, threshold=20) == Decimal("1054.66")
    # On 12/03: h1 due 19.93 + 62 × 9/31 = 37.93 (left 10/03), paid 20 (05/03) → 17.93;
    # h3 due 22 + 31 + 31 × 12/31 = 65, paid 62 (01/03) → 3. h2 and h5 are not placed yet and
    # have paid nothing yet: not listed.
    early = {r["household_id"]: r["arrears"] for r in m.arrears(world.engine, d(3, 12)).to_dict("records")}
    assert early == {h[1]: 17.93, h[3]: 3.0}
    # On 05/03, the day h1 pays: due counts that day, and so does the payment.
    # h1 19.93 + 62 × 5/31 = 29.93 − 20 = 9.93; h3 22 + 31 + 31 × 5/31 = 58 − 62 = −4 (paid ahead).
    on_payment_day = {r["household_id"]: r["arrears"] for r in m.arrears(world.engine, d(3, 5)).to_dict("records")}
    assert on_payment_day == {h[1]: 9.93, h[3]: -4.0}
    assert m.total_arrears(world.engine, d(3, 5)) == Decimal("9.93")  # a household paid ahead offsets nothing
    partners = {r["partner"]: (r["arrears"], r["households_in_arrears"])
                for r in m.arrears_by_partner(world.engine, d(3, 5)).to_dict("records")}
    assert partners == {"Cel": (9.93, 1), "Dio": (0.0, 0)}


def test_households_without_contribution(world):
    # Placed today: h2 (62 in force), h5 (90 in force), h7 (no status) → h7.
    frame = m.households_without_contribution(world.engine, TODAY)
    assert [(r["household_id"], r["unit"], r["placed_since"]) for r in frame.to_dict("records")] == [
        (world.h[7], "S1", d(11, 1))]
    # On 20/03: h6 (no status), h3 in S1 and h2 are covered; h5 not yet placed.
    assert list(m.households_without_contribution(world.engine, d(3, 20))["household_id"]) == [world.h[6]]
    assert m.households_without_contribution(world.engine, TODAY, Filters(axis_ids=(2,))).empty


# --- alerts ---------------------------------------------------------------------------------------


def test_conventions_ending_soon_and_overdue_with_units_at_risk(world):
    frame = m.conventions_ending(world.engine, TODAY)
    rows = [(r["site"], r["status"], r["days_to_end"], r["units"], r["occupied_units"])
            for r in frame.to_dict("records")]
    # South: planned end 30/06 passed, no actual end → overdue, 30/06 − 23/11 = −146 days; S1 (h7), S2 (h5).
    # North: 31/03/2027 − 23/11/2026 = 7 + 31 + 31 + 28 + 31 = 128 days ≤ 180 → ending soon; N1 (h2).
    # West is closed.
    assert rows == [("South", "overdue", -146, 2, 2), ("North", "ending_soon", 128, 3, 1)]
    assert list(m.conventions_ending(world.engine, TODAY, warning_days=100)["site"]) == ["South"]
    hou = Filters(housing_operator_ids=(world.hou,))
    assert list(m.conventions_ending(world.engine, TODAY, filters=hou)["site"]) == ["North"]


def test_placements_outside_convention(world):
    assert m.placements_outside_convention(world.engine, TODAY).empty
    with world.engine.begin() as connection:  # a convention shortened by hand: no service does this
        connection.execute(update(Convention).where(Convention.site_id == world.north)
                           .values(actual_end_date=d(10, 31)))
        # West ending on 19/03: h4 occupied W1 until 19/03 included ([01/02, 20/03)) — still inside.
        connection.execute(update(Convention).where(Convention.site_id == world.west)
                           .values(actual_end_date=d(3, 19)))
    frame = m.placements_outside_convention(world.engine, TODAY)
    # h2 is still in N1 after North's end on 31/10; h1, h3 (N2), h6 left North before.
    assert [(r["placement_id"], r["running_today"]) for r in frame.to_dict("records")] == [
        (world.placements["h2"], True)]
    with world.engine.begin() as connection:
        connection.execute(update(Convention).where(Convention.site_id == world.west)
                           .values(actual_end_date=d(3, 18)))
    frame = m.placements_outside_convention(world.engine, TODAY)
    # Now h4's last day (19/03) is after West's end.
    assert [(r["placement_id"], r["running_today"]) for r in frame.to_dict("records")] == [
        (world.placements["h2"], True), (world.placements["h4"], False)]
    # The overview's alert reads the running ones only: h2, not h4.
    running = m.placements_outside_convention(world.engine, TODAY, running_only=True)
    assert running.to_dict("records") == frame[frame["running_today"]].to_dict("records")
    assert list(running["placement_id"]) == [world.placements["h2"]]


# --- overview -------------------------------------------------------------------------------------


def test_kpis_with_their_value_30_days_earlier(world):
    k = m.kpis(world.engine, TODAY)
    assert k.compared_with == d(10, 24)
    # Today: 2 sites, 5 units, N1 S1 S2 occupied. On 24/10: h7 not yet in S1 → 2 occupied, 3 vacant.
    assert (k.active_sites.value, k.active_sites.previous) == (2, 2)
    assert (k.available_units.value, k.occupied_units.value, k.vacant_units.value) == (5, 3, 2)
    assert (k.available_units.previous, k.occupied_units.previous, k.vacant_units.previous) == (5, 2, 3)
    assert (k.occupancy_rate.value, k.occupancy_rate.previous) == (approx(0.6), approx(0.4))
    assert k.occupied_units.change == 1
    # Utilisation over the 90 days to 23/11 (26/08 → 23/11): 5 units × 90 = 450 available;
    # N1 90 + S2 90 + S1 1–23/11 (23) = 203. To 24/10 (27/07 → 24/10): 450; N1 90 + S2 90 = 180.
    assert (k.utilisation_90_days.value, k.utilisation_90_days.previous) == (approx(203 / 450), approx(0.4))
    # Followed: h6 h7 (axis 1), h2 h5 (axis 2), h3 h8 (axis 3), on both days (h7 referred 15/10).
    assert {a: (v.value, v.previous) for a, v in k.households_followed_by_axis.items()} == {
        1: (2, 2), 2: (2, 2), 3: (2, 2)}
    assert k.households_followed.value == 6
    # Entries over 25/10 → 23/11: h7 (01/11). Over 25/09 → 24/10: none. No exits.
    assert (k.entries_30_days.value, k.entries_30_days.previous, k.exits_30_days.value) == (1, 0, 0)
    # Arrears on 24/10 (due to 24/10 included): h1 17.93; h2 34 + 6 × 62 + 62 × 24/31 = 454 − 96 = 358;
    # h3 26.13; h5 60 + 5 × 90 + 90 × 24/31 = 579.68 − 60 = 519.68 → 921.74. Today: 1072.59 (as above).
    assert (k.arrears.value, k.arrears.previous) == (Decimal("1072.59"), Decimal("921.74"))


def test_filters_are_hashable_and_normalised():
    assert Filters(axis_ids=[2, 1, 2]) == Filters(axis_ids=(1, 2))
    assert hash(Filters(site_ids={3})) == hash(Filters(site_ids=(3,)))
    assert not Filters().filters_households and Filters(partner_ids=(1,)).filters_households


# --- the demo data --------------------------------------------------------------------------------


DIRECT_COUNTS = """
    SELECT COUNT(*) AS available,
           SUM(CASE WHEN EXISTS (SELECT 1 FROM placement p WHERE p.unit_id = u.id AND p.start_date <= :day
                                   AND (p.end_date IS NULL OR p.end_date > :day)) THEN 1 ELSE 0 END) AS occupied
      FROM unit u
     WHERE EXISTS (SELECT 1 FROM convention c WHERE c.site_id = u.site_id AND c.start_date <= :day
                     AND (c.actual_end_date IS NULL OR c.actual_end_date >= :day))
       AND NOT EXISTS (SELECT 1 FROM unit_unavailability x WHERE x.unit_id = u.id AND x.start_date <= :day
                         AND (x.end_date IS NULL OR x.end_date > :day))
"""


def test_demo_occupancy_today_equals_a_direct_count(demo_engine):
    for day in (TODAY, d(9, 30, 2020), d(7, 31, 2021), d(1, 1, 2024)):
        with demo_engine.connect() as connection:
            available, occupied = connection.execute(text(DIRECT_COUNTS), {"day": day.isoformat()}).one()
        o = m.occupancy_on(demo_engine, day)
        assert (o.available, o.occupied, o.vacant) == (available, occupied, available - occupied), day
    assert m.occupancy_on(demo_engine, TODAY).occupied > 0


def test_demo_arrears_equal_a_day_by_day_count(demo_engine):
    """Due counted day by day in Python, as tests/test_demo.py does, against the interval SQL."""
    import calendar
    from collections import defaultdict
    from datetime import timedelta

    from issue_core.models import ContributionStatus, Payment

    with read_session(demo_engine) as session:
        stays = session.scalars(select(Placement)).all()
        statuses = session.scalars(select(ContributionStatus).order_by(ContributionStatus.effective_from)).all()
        payments = session.scalars(select(Payment)).all()
    amounts = defaultdict(list)
    for status in statuses:
        amounts[status.household_id].append((status.effective_from, float(status.monthly_amount)))
    due = defaultdict(float)
    for stay in stays:
        day = stay.start_date
        while day < (stay.end_date or TODAY + timedelta(days=1)) and day <= TODAY:
            in_force = [amount for start, amount in amounts[stay.household_id] if start <= day]
            due[stay.household_id] += (in_force[-1] if in_force else 0) / calendar.monthrange(day.year, day.month)[1]
            day += timedelta(days=1)
    paid = defaultdict(float)
    for payment in payments:
        paid[payment.household_id] += float(payment.amount)
    frame = m.arrears(demo_engine, TODAY)
    assert len(frame) > 50
    for row in frame.to_dict("records"):
        assert row["due"] == pytest.approx(due[row["household_id"]], abs=0.01)
        assert row["paid"] == pytest.approx(paid[row["household_id"]], abs=0.001)


def demo_filters(engine) -> list[Filters]:
    with read_session(engine) as session:
        household = session.scalars(select(Household).order_by(Household.id)).first()
        unit = session.scalars(select(Unit).order_by(Unit.id.desc())).first()
        operator = session.scalar(select(func.min(Site.housing_operator_id)))
    return [
        Filters(),
        Filters(axis_ids=(household.axis_id,)),
        Filters(partner_ids=(household.referent_organisation_id,)),
        Filters(housing_operator_ids=(operator,)),
        Filters(site_ids=(unit.site_id,)),
        Filters(axis_ids=(2, 3), partner_ids=(household.referent_organisation_id,), site_ids=(unit.site_id,)),
    ]


def test_demo_every_metric_runs_with_each_filter_kind(demo_engine):
    start, end = d(1, 1, 2020), TODAY
    for filters in demo_filters(demo_engine):
        results = [
            m.occupancy_on(demo_engine, TODAY, filters),
            m.utilisation(demo_engine, start, end, filters),
            m.monthly_occupancy(demo_engine, start, end, filters),
            m.vacancy_gaps(demo_engine, start, end, filters),
            m.vacant_days_by_site(demo_engine, start, end, filters),
            m.vacant_units(demo_engine, TODAY, filters),
            m.caseload_on(demo_engine, TODAY, filters),
            m.caseload_monthly(demo_engine, start, end, filters),
            m.entries_exits(demo_engine, start, end, filters),
            m.length_of_stay(demo_engine, start, end, filters),
            m.length_of_stay_by_axis(demo_engine, start, end, filters),
            m.exit_destinations(demo_engine, start, end, filters),
            m.durable_exit_share(demo_engine, start, end, filters),
            m.contributions_monthly(demo_engine, start, end, filters),
            m.arrears(demo_engine, TODAY, filters),
            m.arrears_by_partner(demo_engine, TODAY, filters),
            m.households_without_contribution(demo_engine, TODAY, filters),
            m.conventions_ending(demo_engine, TODAY, 180, filters),
            m.placements_outside_convention(demo_engine, TODAY, filters),
            m.kpis(demo_engine, TODAY, filters),
        ]
        assert all(result is not None for result in results)
    # The whole history is consistent: occupied unit-days never exceed available ones, and the
    # monthly averages add back up to the period's unit-days.
    u = m.utilisation(demo_engine, start, end)
    assert 0 < u.occupied_unit_days <= u.available_unit_days
    monthly = m.monthly_occupancy(demo_engine, start, end)
    per_month = monthly.drop_duplicates("month")
    assert (per_month["available_units"] * per_month["days"]).sum() == pytest.approx(u.available_unit_days)
    assert (monthly["occupied_units"] * monthly["days"]).sum() == pytest.approx(u.occupied_unit_days)
    assert m.placements_outside_convention(demo_engine, TODAY).empty
