"""After a write, the reads viewers made recently are computed again in the background (issue_core.ui.data:
warm_recent_reads, run by a daemon thread of each server process), so the next viewer finds the dashboard
warm. Real services, real databases (both engines), the real cache; queries counted by wrappers that call the
real ones, as in tests/test_cache_areas.py."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest

from issue_core import policy
from issue_core.queries.areas import reads
from issue_core.services import contributions, placements
from issue_core.ui import data
from tests.test_cache_areas import DAY, board_states, calls, counted_balance, counted_board, read
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


# --- a page's cold reads computed side by side (data.prefetch) ----------------------------------------------


@reads("money")
def failing_read(engine, day: date) -> None:
    calls["failing"] += 1
    raise RuntimeError("database away")


def test_prefetch_computes_the_cold_reads_once_each_and_the_page_finds_them_warm(app_on_world):  # noqa: F811
    world = app_on_world
    data.prefetch((counted_board, (world.alpha, DAY)), (counted_balance, (world.h_samu, DAY)))
    assert calls == {"board": 1, "balance": 1}
    assert board_states(world) and read(counted_balance, world.h_samu, DAY)["paid"] == 0
    assert calls == {"board": 1, "balance": 1}  # the page's own reads: cache hits

    data.prefetch((counted_board, (world.alpha, DAY)), (counted_balance, (world.h_samu, DAY)))
    assert calls == {"board": 1, "balance": 1}  # warm: nothing computed again

    pay(world)  # makes the balance cold (money), not the board
    data.prefetch((counted_board, (world.alpha, DAY)), (counted_balance, (world.h_samu, DAY)))
    assert calls == {"board": 1, "balance": 1}  # one cold read: nothing to run beside it, the page reads it itself
    assert read(counted_balance, world.h_samu, DAY)["paid"] == 50
    assert calls == {"board": 1, "balance": 2}


def test_prefetch_runs_the_cold_reads_on_its_threads_and_leaves_failures_to_the_page(app_on_world, monkeypatch):  # noqa: F811
    world = app_on_world
    ran_on: list[str] = []
    original = data._read_through_cache

    def recorded(*arguments):
        ran_on.append(threading.current_thread().name)
        return original(*arguments)

    monkeypatch.setattr(data, "_read_through_cache", recorded)
    data.prefetch((counted_board, (world.alpha, DAY)), (counted_balance, (world.h_samu, DAY)),
                  (failing_read, (DAY,)))  # its failure is the page's read's to show, not prefetch's
    assert len(ran_on) == 3 and all(name.startswith("issue-read") for name in ran_on)
    assert calls == {"board": 1, "balance": 1, "failing": 1}
    with pytest.raises(RuntimeError, match="database away"):
        read(failing_read, DAY)
    assert calls["failing"] == 2  # a failure is not cached


# A page: the reads its cold run computes side by side (data.prefetch) before the page reads them one by one.
PREFETCHED = {
    "pages/waiting_list.py": {"candidates", "units_to_fill", "waiting_households", "waiting_counts"},
    "pages/occupancy.py": {"monthly_occupancy", "board_sites", "vacant_days_by_site", "vacancy_gaps_by_site"},
    "pages/data_quality.py": {"quality_figures", "problems"},
}


@pytest.mark.parametrize("page", list(PREFETCHED))
def test_a_cold_page_computes_its_reads_side_by_side(open_page, monkeypatch, page):
    first_run_on: dict[str, str] = {}  # the thread of each read's first call: the one that computes it, cold
    original = data._read_through_cache

    def recorded(database, versions, query, *arguments):
        first_run_on.setdefault(query.__name__, threading.current_thread().name)
        return original(database, versions, query, *arguments)

    monkeypatch.setattr(data, "_read_through_cache", recorded)
    data.clear_cached_reads()
    open_page(page)
    assert {name: first_run_on.get(name, "not read")[:len("issue-read")] for name in PREFETCHED[page]} == {
        name: "issue-read" for name in PREFETCHED[page]}
