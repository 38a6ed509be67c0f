"""The data quality checks asked for many days find, for each day, what they find asked for that day alone.

A check reads each of its rows (a stay or a household) once, with a column per day (on_0, on_1, …): a day's
column must never depend on the other days asked, and a row appears only when it is flagged on one of them.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest
from sqlalchemy import Engine

from issue_core.auth import SYSTEM
from issue_core.queries.metrics.data_quality import (
    CHECK_QUERIES,
    ONE_DAY,
    flag_columns,
    inactive_waiting,
    quality_figures,
    score_days,
    window_start,
)
from issue_core.services import contributions, households, placements, sites
from tests.conftest import TODAY, world_from
from tests.test_data_quality import Quality, build_quality

DAYS = sorted([*score_days(TODAY), date(2026, 1, 10), date(2026, 7, 15), date(2026, 11, 1)])


@pytest.fixture
def quality(engine: Engine, built_worlds: dict) -> Quality:
    return world_from(build_quality, engine, built_worlds)


def flagged_by_day(engine: Engine, query, days: list[date]) -> list[tuple]:
    """(day, the row's other columns) for each day a row is flagged on, sorted."""
    found = []
    with engine.connect() as connection:
        for row in connection.execute(query).mappings():
            flags = [row[name] for name in flag_columns(len(days))]
            assert any(flags)  # a row flagged on none of the days is not listed
            rest = tuple(str(value) for name, value in row.items() if not name.startswith("on_"))
            found += [(str(day), *rest) for day, flag in zip(days, flags, strict=True) if flag]
    return sorted(found)


@pytest.mark.parametrize("check", list(CHECK_QUERIES))
def test_many_days_find_what_each_day_finds(quality, check):
    build = CHECK_QUERIES[check]
    together = flagged_by_day(quality.engine, build(DAYS), DAYS)
    one_by_one = sorted(row for day in DAYS for row in flagged_by_day(quality.engine, build([day]), [day]))
    assert together == one_by_one
    assert together  # the world has a problem of each check on some day


@pytest.mark.parametrize("check", list(CHECK_QUERIES))
def test_the_details_of_a_day_are_of_its_problems(quality, check):
    build = CHECK_QUERIES[check]
    for day in DAYS:
        with quality.engine.connect() as connection:
            plain = sorted((row.household_id, row.partner_id) for row in connection.execute(build([day])))
            detailed = sorted((row.household_id, row.partner_id)
                              for row in connection.execute(build([day], details=True)))
        assert plain == detailed
    with pytest.raises(ValueError):
        build(DAYS[:2], details=True)


def test_the_scores_of_many_days_are_those_of_each_day_alone(quality):
    """The score reads each check once for all its days and counts a household flagged by two checks once."""
    engine = quality.engine
    unit = sites.create_unit(engine, SYSTEM, site_id=quality.sites["Old"], label="O2", bedrooms=1, capacity=2)
    hj, _ = households.register_household(engine, SYSTEM, axis_id=2, referent_organisation_id=quality.dio, adults=1,
                                          children=0, administrative_status="regular", referred_on=date(2025, 12, 1))
    # no income status (check 3 from 01/02/2026), on a site whose convention ended on 31/10/2026 (check 5 after)
    placements.place_household(engine, SYSTEM, household_id=hj, unit_id=unit, start_date=date(2026, 2, 1))
    together = quality_figures(engine, tuple(DAYS))
    for day in DAYS:
        alone = quality_figures(engine, (day,)).scores
        pd.testing.assert_frame_equal(together.scores[together.scores["day"] == day].reset_index(drop=True), alone)
    pd.testing.assert_frame_equal(together.problems, quality_figures(engine, (TODAY,)).problems)
    today = {row.partner: (row.considered, row.flagged) for row in together.scores.itertuples() if row.day == TODAY}
    # by hand, Dio today: hC hD hI hJ followed and hF's closed file, flagged: hC hD hF and hJ (once, for two checks)
    assert today == {"Samu": (5, 2), "Dio": (5, 4)}
    counts = {(row.partner, row.check): row.problems for row in together.problems.itertuples() if row.partner == "Dio"}
    assert counts == {("Dio", "inactive_waiting"): 1, ("Dio", "payment_on_closed_file"): 1,
                      ("Dio", "placed_without_status"): 1, ("Dio", "stay_past_convention"): 2}


# Payments of hD (waiting since 10/01/2026, nothing else happens to it), on the edges of the windows: a window
# (d − 6 months, d] holds its last day, not its first; two payments on one day; quiet stretches between them.
EDGES = {
    "none": [],
    "on a window's first day": [window_start(date(2026, 10, 31))],
    "the day after it": [window_start(date(2026, 10, 31)) + ONE_DAY],
    "on a window's last day": [date(2026, 7, 31)],
    "the day after that": [date(2026, 8, 1)],
    "twice the same day, then months later": [date(2026, 2, 15), date(2026, 2, 15), date(2026, 11, 20)],
    "a quiet stretch between two, then another": [date(2026, 2, 15), date(2026, 11, 10), date(2026, 11, 15)],
    "every other month": [date(2026, 2, 1), date(2026, 4, 1), date(2026, 6, 1), date(2026, 8, 1)],
}


@pytest.mark.parametrize("paid", list(EDGES.values()), ids=list(EDGES))
def test_a_waiting_household_is_flagged_on_the_days_its_window_holds_no_payment(quality, paid):
    hd = quality.homes["hD"]
    for day in paid:
        contributions.record_payment(quality.engine, SYSTEM, hd, paid_on=day, amount=Decimal(5),
                                     period_months=[day.replace(day=1)], method="cash", confirm_duplicate=True)
    with quality.engine.connect() as connection:
        rows = [row for row in connection.execute(inactive_waiting(DAYS)).mappings() if row["household_id"] == hd]
    flagged = [bool(rows[0][name]) if rows else False for name in flag_columns(len(DAYS))]
    # counted by hand: referred on 10/01/2026 and never placed, so flagged on d when referred by d's window start
    # and no payment in the window
    expected = [date(2026, 1, 10) <= window_start(day)
                and not any(window_start(day) < payment <= day for payment in paid) for day in DAYS]
    assert flagged == expected
