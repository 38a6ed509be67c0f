"""The data quality checks asked for many days find, for each day, what they find asked for that day alone.

A check reads each of its rows (a stay or a household) once, with a column per day (on_0, on_1, …): a day's
column must never depend on the other days asked, and a row appears only when it is flagged on one of them.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from issue_core.queries.metrics.data_quality import CHECK_QUERIES, flag_columns, score_days
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
