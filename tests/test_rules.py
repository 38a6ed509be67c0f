"""issue_core.rules, the one definition of the rules of DOMAIN.md that several places check: its edges as
each engine evaluates them, the convention statuses it derives, and the end dates the Stays page offers
(rules.end_bounds), which are exactly those the service accepts."""

from __future__ import annotations

from calendar import monthrange
from datetime import date, timedelta

import pytest
from sqlalchemy import Date, literal, select

from issue_core.errors import Conflict, InvalidInput
from issue_core.i18n import LANGUAGES, catalogue
from issue_core.models import Convention
from issue_core.queries.sql.intervals import month_position
from issue_core.rules import ConventionStatus, convention_status_sql, covers, end_bounds, overlaps
from issue_core.services import placements
from tests.world import build_world, refused

ONE_DAY = timedelta(days=1)
NULL = literal(None, Date)  # an open end as the database holds it


def day(n: int) -> date:
    return date(2024, 1, n)


# [start, end) ranges; None (in Python) or NULL (in the database) is an open end.
OVERLAPS = [
    ((day(1), day(3)), (day(3), day(5)), False),  # ends exclusive: a range ending on a day meets none starting on it
    ((day(1), day(4)), (day(3), day(5)), True),
    ((day(3), day(5)), (day(1), day(3)), False),
    ((day(1), None), (day(20), day(21)), True),
    ((day(5), None), (day(1), day(5)), False),
    ((day(1), day(3)), (day(2), None), True),
    ((day(1), NULL), (day(20), day(21)), True),
    ((day(5), day(6)), (day(1), NULL), True),
    ((day(5), NULL), (day(1), NULL), True),
    ((day(6), day(7)), (day(1), day(6)), False),
]


def test_overlaps_on_each_engine(engine):
    with engine.connect() as connection:
        for first, second, expected in OVERLAPS:
            assert bool(connection.scalar(select(overlaps(*first, *second)))) is expected, (first, second)
            assert bool(connection.scalar(select(overlaps(*second, *first)))) is expected, (second, first)
        assert [bool(connection.scalar(select(covers(day(1), day(3), d)))) for d in (day(1), day(2), day(3))] == [
            True, True, False]
        assert bool(connection.scalar(select(covers(day(1), NULL, day(31)))))


@pytest.fixture
def world(engine):
    return build_world(engine)


def statuses(world, today: date, warning_days: int = 180) -> dict[int, str]:
    with world.engine.connect() as connection:
        rows = connection.execute(select(Convention.site_id, convention_status_sql(today, warning_days)))
        return {site: status for site, status in rows}


def test_convention_status_at_its_edges(world):
    """Alpha: 01/01/2024 → planned 31/12/2025, no actual end. Beta: 01/01/2023 → actual end 31/12/2023."""
    alpha, beta = world.alpha, world.beta
    assert statuses(world, date(2023, 12, 31)) == {alpha: "upcoming", beta: "ending_soon"}  # Beta's last day
    assert statuses(world, date(2024, 1, 1)) == {alpha: "active", beta: "closed"}
    assert statuses(world, date(2025, 7, 3))[alpha] == "active"  # 181 days to the planned end
    assert statuses(world, date(2025, 7, 4))[alpha] == "ending_soon"  # 180 days
    assert statuses(world, date(2025, 7, 4), warning_days=179)[alpha] == "active"
    assert statuses(world, date(2025, 12, 31))[alpha] == "ending_soon"
    assert statuses(world, date(2026, 1, 1))[alpha] == "overdue"  # planned end passed, no actual end


def test_every_convention_status_is_translated():
    for language in LANGUAGES:
        assert [f"status.{s}" for s in ConventionStatus if f"status.{s}" not in catalogue(language)] == []


def test_a_stay_ends_on_exactly_the_days_the_stays_page_offers(world):
    """The Stays page bounds its end and transfer dates with rules.end_bounds: the day after the start,
    the planned end when there is one. The service refuses the day before the first and the day after
    the last, and accepts both bounds."""
    start, planned = date(2024, 2, 1), date(2024, 3, 1)
    stay = placements.place_household(world.engine, world.admin, household_id=world.h_samu, unit_id=world.a1,
                                      start_date=start, end_date=planned)
    other = placements.place_household(world.engine, world.admin, household_id=world.h_dio, unit_id=world.a3,
                                       start_date=start)
    earliest, latest = end_bounds(start, planned)
    assert (earliest, latest) == (start + ONE_DAY, planned)
    assert end_bounds(start, None) == (start + ONE_DAY, None)  # open: no latest day

    def end(placement_id: int, on: date) -> None:
        placements.end_placement(world.engine, world.admin, placement_id, version=1, end_date=on,
                                 exit_destination="street")

    refused(world, InvalidInput, "error.end_before_start", placements.end_placement, world.admin, stay, version=1,
            end_date=earliest - ONE_DAY, exit_destination="street")
    refused(world, Conflict, "error.placement_planned_end_earlier", placements.end_placement, world.admin, stay,
            version=1, end_date=latest + ONE_DAY, exit_destination="street")
    end(stay, latest)
    end(other, earliest)


def test_a_day_s_month_position_on_each_engine(engine):
    """month_position(d) = month index + (day − 1) ÷ days in d's month, every day of the leap-year edge
    cases (1900 and 2100 are not leap years, 2000 and 2024 are) and of an ordinary year."""
    days = [date(year, 1, 1) + timedelta(days=n) for year in (1900, 2000, 2023, 2024, 2100) for n in range(366)]
    with engine.connect() as connection:
        for chunk in (days[i:i + 400] for i in range(0, len(days), 400)):
            found = connection.execute(select(*(month_position(literal(d, Date)) for d in chunk))).one()
            expected = [d.year * 12 + d.month - 1 + (d.day - 1) / monthrange(d.year, d.month)[1] for d in chunk]
            assert list(found) == pytest.approx(expected, abs=1e-12)
