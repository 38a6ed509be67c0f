"""Balances on several days read in one pass (contributions.arrears_on, used by the overview, the meeting
screen and kpis to compare today with 30 days earlier): each day's rows are exactly those of that day alone.

The money world of tests/world.py, counted by hand in tests/test_money.py (TODAY = 23/11/2026): today hA, hB
77.43 each, hC 30.67, hD 576.67 due − 500 paid = 76.67; on 24/10 only hD (placed 01/06), 477.42 due, nothing paid
(its payment was made on 10/11); before 01/06 nobody."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from issue_core.queries import metrics as m
from issue_core.queries.metrics.contributions import arrears_and_earlier_totals
from issue_core.queries.metrics.kpis import compared_days
from issue_core.queries.sql.filters import Filters
from tests.conftest import TODAY, world_from
from tests.world import build_money_world

THEN = date(2026, 10, 24)


@pytest.fixture
def world(engine, built_worlds) -> dict[str, int]:
    return world_from(build_money_world, engine, built_worlds)


def balances(frame) -> dict[int, tuple[float, float, float]]:
    return {row.household_id: (row.due, row.paid, row.arrears) for row in frame.itertuples()}


def test_each_day_has_its_own_households_and_balances(engine, world):
    now, then, before = m.arrears_on(engine, (TODAY, THEN, date(2026, 5, 31)))
    assert balances(now) == {world["hA"]: (77.43, 0.0, 77.43), world["hB"]: (77.43, 0.0, 77.43),
                             world["hC"]: (30.67, 0.0, 30.67), world["hD"]: (576.67, 500.0, 76.67)}
    assert balances(then) == {world["hD"]: (477.42, 0.0, 477.42)}
    assert before.empty and list(before.columns) == list(now.columns)


def test_one_pass_equals_each_day_alone_whatever_the_order_and_filters(engine, world):
    days = (THEN, TODAY, date(2026, 11, 10), date(2026, 11, 9))  # the payment day and the day before it
    for filters in (Filters(), Filters(partner_ids=(world["dio"],))):
        together = m.arrears_on(engine, days, filters)
        for day, frame in zip(days, together, strict=True):
            alone = m.arrears_on(engine, (day,), filters)[0]
            assert frame.equals(alone), day
            assert frame.equals(m.arrears(engine, day, filters))


def test_the_earlier_days_are_kept_as_their_totals(engine, world):
    days = (TODAY, THEN, date(2026, 11, 10), date(2026, 11, 9), date(2026, 5, 31))
    for filters in (Filters(), Filters(partner_ids=(world["dio"],))):
        now, totals = arrears_and_earlier_totals(engine, days, filters)
        assert now.equals(m.arrears(engine, TODAY, filters))
        assert totals == tuple(m.total_arrears(engine, day, filters) for day in days[1:])
    assert arrears_and_earlier_totals(engine, days)[1][0::3] == (Decimal("477.42"), Decimal("0.00"))  # by hand


def test_the_overview_figure_compares_with_30_days_earlier(engine, world):
    assert compared_days(TODAY) == (TODAY, THEN)
    figures = m.kpis(engine, TODAY)
    assert (figures.arrears.value, figures.arrears.previous) == (Decimal("262.20"), Decimal("477.42"))
