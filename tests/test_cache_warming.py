"""After a write, the reads viewers made recently are computed again in the background (issue_core.ui.data:
warm_recent_reads, run by a daemon thread of each server process), so the next viewer finds the dashboard
warm. Real services, real databases (both engines), the real cache; queries counted by wrappers that call the
real ones, as in tests/test_cache_areas.py."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from issue_core import policy
from issue_core.services import contributions, placements
from issue_core.ui import data
from tests.test_cache_areas import DAY, board_states, calls, counted_balance, read
from tests.test_cache_areas import app_on_world as app_on_world  # noqa: F401 (the fixture)


@pytest.fixture(autouse=True)
def no_reads_remembered():
    data._recent_reads.clear()
    data._warmed_versions.clear()
    yield
    data._recent_reads.clear()


def pay(world) -> None:
    contributions.record_payment(world.engine, world.admin, world.h_samu, paid_on=DAY, amount=Decimal("50"),
                                 period_months=date(2026, 11, 1), method="transfer")


def test_a_write_warms_again_what_it_changed_and_only_that(app_on_world):  # noqa: F811
    world = app_on_world
    placements.place_household(world.engine, world.admin, household_id=world.h_samu, unit_id=world.a1,
                               start_date=date(2026, 10, 1))
    board_states(world)
    assert read(counted_balance, world.h_samu, DAY)["paid"] == 0
    database = data.engine()
    data.warm_recent_reads(database)  # the versions it warms from
    assert calls == {"board": 1, "balance": 1}

    pay(world)
    assert data.warm_recent_reads(database) == 2  # both recent reads gone through…
    assert calls == {"board": 1, "balance": 2}  # …the balance computed again (money changed), the board a hit

    assert read(counted_balance, world.h_samu, DAY)["paid"] == 50  # the next viewer: the new figure, warm
    assert calls == {"board": 1, "balance": 2}
    assert data.warm_recent_reads(database) == 0  # nothing written since: nothing to do


def test_reads_nobody_made_lately_are_not_warmed(app_on_world, monkeypatch):  # noqa: F811
    world = app_on_world
    read(counted_balance, world.h_samu, DAY)
    monkeypatch.setattr(policy, "WARM_READS_MAX_AGE", timedelta(seconds=0))
    pay(world)
    assert data.warm_recent_reads(data.engine()) == 0
    assert calls["balance"] == 1


def test_only_the_latest_reads_are_kept(app_on_world, monkeypatch):  # noqa: F811
    world = app_on_world
    monkeypatch.setattr(policy, "WARM_READS_KEPT", 2)
    for day in (DAY, DAY + timedelta(days=1), DAY + timedelta(days=2)):
        read(counted_balance, world.h_samu, day)
    kept = [args for _, args, _ in data._recent_reads.to_warm()]
    assert kept == [(world.h_samu, DAY + timedelta(days=2)), (world.h_samu, DAY + timedelta(days=1))]
