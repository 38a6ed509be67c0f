"""stay, kept by the database's triggers (issue_core.stays): whatever is written to the placements, by raw SQL
included — placed, ended, ended as a transfer and placed again the same day, moved to another household, deleted;
writes refused by an invariant and rolled back — the table holds the stays the placements make
(metrics.flows.stays_query), and the length of stay read from it counts them."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from issue_core import stays
from issue_core.models import Stay
from issue_core.queries import metrics as m
from tests.checks import stays_differences
from tests.conftest import world_from
from tests.test_household_ledger import (
    HOUSEHOLDS,
    days,
    delete_stay,
    end_stay,
    households,
    ids,
    move_stay,
    picked,
    picks,
    place,
    run,
    second_waits_for_first,
)
from tests.world import build_money_world

TRANSFER = "other_issue_unit"


@pytest.fixture
def world(engine, built_worlds) -> dict[str, int]:
    return world_from(build_money_world, engine, built_worlds)


def transfer(connection, pick, unit_pick, day):
    """The placement ends on `day` as a transfer and its household is placed in another unit that day (as the
    transfer service writes it)."""
    placement = picked(connection, "placement", pick)
    household = connection.execute(text("SELECT household_id FROM placement WHERE id = :id"),
                                   {"id": placement}).scalar()
    ended = connection.execute(
        text("UPDATE placement SET end_date = :d, exit_destination = :x WHERE id = :id AND start_date < :d "
             "AND (end_date IS NULL OR end_date >= :d)"),
        {"id": placement, "d": day.isoformat(), "x": TRANSFER})
    if ended.rowcount:
        units = ids(connection, "unit")
        place(connection, household, units[unit_pick % len(units)], day, None)


writes = st.one_of(
    st.tuples(st.just(place), households, st.integers(0, 3), days, st.none() | st.integers(1, 300)),
    st.tuples(st.just(end_stay), picks, days),
    st.tuples(st.just(transfer), picks, st.integers(0, 3), days),
    st.tuples(st.just(move_stay), picks, households),
    st.tuples(st.just(delete_stay), picks),
)


def kept_stays(engine, household: int) -> list[tuple]:
    with engine.connect() as connection:
        rows = connection.execute(select(Stay.start_date, Stay.end_date, Stay.placements)
                                  .where(Stay.household_id == household).order_by(Stay.start_date))
        return [tuple(row) for row in rows]


def assert_the_table_holds_the_stays_its_placements_make(engine) -> None:
    with engine.connect() as connection:
        assert stays_differences(connection) == []


def test_a_transfer_continues_the_stay_and_a_new_placement_starts_another(engine, world):
    household = world["hE"]
    with engine.begin() as connection:
        units = ids(connection, "unit")
        place(connection, household, units[0], date(2015, 1, 1), 59)  # [01/01, 01/03)
    assert kept_stays(engine, household) == [(date(2015, 1, 1), date(2015, 3, 1), 1)]
    with engine.begin() as connection:  # ended as a transfer, placed elsewhere that day
        connection.execute(text("UPDATE placement SET exit_destination = :x WHERE household_id = :h"),
                           {"x": TRANSFER, "h": household})
        place(connection, household, units[1], date(2015, 3, 1), 92)  # [01/03, 01/06)
    assert kept_stays(engine, household) == [(date(2015, 1, 1), date(2015, 6, 1), 2)]  # one stay across it
    with engine.begin() as connection:
        place(connection, household, units[2], date(2015, 9, 1), 30)
    assert kept_stays(engine, household) == [(date(2015, 1, 1), date(2015, 6, 1), 2),
                                             (date(2015, 9, 1), date(2015, 10, 1), 1)]
    with engine.begin() as connection:  # the transfer's placement deleted: the first placement ends the first stay
        connection.execute(text("DELETE FROM placement WHERE household_id = :h AND start_date = '2015-03-01'"),
                           {"h": household})
    assert kept_stays(engine, household) == [(date(2015, 1, 1), date(2015, 3, 1), 1),
                                             (date(2015, 9, 1), date(2015, 10, 1), 1)]
    assert_the_table_holds_the_stays_its_placements_make(engine)
    lengths = m.length_of_stay(engine, date(2015, 1, 1), date(2016, 1, 1), today=date(2016, 1, 1))
    measured = set(lengths[["start_date", "end_date", "days"]].itertuples(index=False, name=None))
    assert {(date(2015, 1, 1), date(2015, 3, 1), 59), (date(2015, 9, 1), date(2015, 10, 1), 30)} <= measured


def test_the_migration_fills_the_table_and_fill_repairs_it(engine, world):
    assert_the_table_holds_the_stays_its_placements_make(engine)
    with engine.connect() as connection:
        before = sorted(tuple(row) for row in connection.execute(select(Stay.__table__)))
    assert before  # the world has placements
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM stay"))
    with engine.connect() as connection:
        assert stays_differences(connection)  # the check sees a table gone wrong
    with engine.begin() as connection:
        stays.fill(connection)
    with engine.connect() as connection:
        assert sorted(tuple(row) for row in connection.execute(select(Stay.__table__))) == before


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(writes, min_size=1, max_size=8))
def test_any_raw_writes_to_the_placements_keep_the_stays_right(engine, world, batch):
    for write in batch:
        run(engine, world, write)
    assert_the_table_holds_the_stays_its_placements_make(engine)


def test_two_writers_of_one_household_each_see_the_others_placement(engine, world):
    """Two transactions place one household at once: the second waits for the first (PostgreSQL: the ledger row's
    lock; SQLite: the write lock) and computes the household's stays from what the first committed."""
    household = world["hE"]
    with engine.connect() as connection:
        units = ids(connection, "unit")
    second_waits_for_first(engine, lambda connection: place(connection, household, units[0], date(2015, 1, 1), 31),
                           lambda connection: place(connection, household, units[1], date(2015, 5, 1), 31))
    assert kept_stays(engine, household) == [(date(2015, 1, 1), date(2015, 2, 1), 1),
                                             (date(2015, 5, 1), date(2015, 6, 1), 1)]
    assert_the_table_holds_the_stays_its_placements_make(engine)


@pytest.mark.parametrize("household", HOUSEHOLDS)
def test_every_household_of_the_world_has_the_stays_of_its_placements(engine, world, household):
    with engine.connect() as connection:
        placements = connection.execute(text("SELECT COUNT(*) FROM placement WHERE household_id = :h"),
                                        {"h": world[household]}).scalar()
    assert sum(count for *_, count in kept_stays(engine, world[household])) == placements

