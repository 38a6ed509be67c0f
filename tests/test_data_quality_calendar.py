"""The data quality checks over a calendar of many days find, for each day, what they find over that day alone.

The checks compute their per-stay, per-site and per-household work once for the whole calendar (CTEs) and
meet it with the days after: a day's rows must never depend on the other days of the calendar.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from issue_core.queries.metrics.data_quality import CHECK_QUERIES, calendar, score_days
from tests.conftest import TODAY, world_from
from tests.test_data_quality import Quality, build_quality

DAYS = [*score_days(TODAY), date(2026, 1, 10), date(2026, 7, 15), date(2026, 11, 1)]


@pytest.fixture
def quality(engine: Engine, built_worlds: dict) -> Quality:
    return world_from(build_quality, engine, built_worlds)


def rows_of(engine: Engine, query) -> list[tuple]:
    with engine.connect() as connection:
        return sorted(tuple(str(value) for value in row) for row in connection.execute(query))


@pytest.mark.parametrize("details", [False, True])
@pytest.mark.parametrize("check", list(CHECK_QUERIES))
def test_a_calendar_finds_what_each_of_its_days_finds(quality, check, details):
    build = CHECK_QUERIES[check]
    together = rows_of(quality.engine, build(calendar(DAYS), details=details))
    one_by_one = sorted(row for day in DAYS for row in rows_of(quality.engine, build(calendar([day]), details=details)))
    assert together == one_by_one
    assert together  # the world has a problem of each check on some day
