"""household_ledger, kept by the database's triggers (issue_core.ledger): whatever is written, by raw SQL
included — stays placed, ended, moved to another household, deleted; statuses and payments added, changed,
deleted; writes refused by an invariant and rolled back — the ledger holds what its tables say, and the balances
read from it are those computed from every stay and payment (due_by_household_query, paid_by_household_query)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from issue_core import ledger
from issue_core.models import HouseholdLedger
from issue_core.queries import metrics as m
from issue_core.queries.metrics.contributions import due_by_household_query, paid_by_household_query
from issue_core.queries.sql.filters import NO_FILTERS, Filters
from issue_core.queries.sql.frames import cents
from tests.checks import ledger_differences
from tests.conftest import TODAY, world_from
from tests.world import build_money_world

FIRST_DAY = date(2025, 1, 1)
days = st.integers(0, 800).map(lambda offset: FIRST_DAY + timedelta(days=offset))
amounts = st.integers(0, 40_000).map(lambda cents: f"{cents // 100}.{cents % 100:02d}")
picks = st.integers(0, 1_000)


@pytest.fixture
def world(engine, built_worlds) -> dict[str, int]:
    return world_from(build_money_world, engine, built_worlds)


def ids(connection, table: str) -> list[int]:
    return list(connection.execute(text(f"SELECT id FROM {table} ORDER BY id")).scalars())


def picked(connection, table: str, pick: int) -> int | None:
    rows = ids(connection, table)
    return rows[pick % len(rows)] if rows else None


def place(connection, household, unit, start, length):
    end = None if length is None else (start + timedelta(days=length)).isoformat()
    connection.execute(text("INSERT INTO placement (household_id, unit_id, start_date, end_date) "
                            "VALUES (:h, :u, :s, :e)"), {"h": household, "u": unit, "s": start.isoformat(), "e": end})


def end_stay(connection, pick, day):
    connection.execute(text("UPDATE placement SET end_date = :e WHERE id = :id AND start_date < :e"),
                       {"id": picked(connection, "placement", pick), "e": day.isoformat()})


def move_stay(connection, pick, household):
    connection.execute(text("UPDATE placement SET household_id = :h WHERE id = :id"),
                       {"id": picked(connection, "placement", pick), "h": household})


def delete_stay(connection, pick):
    connection.execute(text("DELETE FROM placement WHERE id = :id"), {"id": picked(connection, "placement", pick)})


def set_status(connection, household, day, amount):
    connection.execute(text("INSERT INTO contribution_status (household_id, effective_from, income_status, "
                            "monthly_amount) VALUES (:h, :d, 'no_income', :a)"),
                       {"h": household, "d": day.isoformat(), "a": amount})


def change_status(connection, pick, day, amount):
    connection.execute(text("UPDATE contribution_status SET effective_from = :d, monthly_amount = :a WHERE id = :id"),
                       {"id": picked(connection, "contribution_status", pick), "d": day.isoformat(), "a": amount})


def delete_status(connection, pick):
    connection.execute(text("DELETE FROM contribution_status WHERE id = :id"),
                       {"id": picked(connection, "contribution_status", pick)})


def pay(connection, household, day, amount):
    connection.execute(text("INSERT INTO payment (household_id, paid_on, amount, period_month, method) "
                            "VALUES (:h, :d, :a, :m, 'transfer')"),
                       {"h": household, "d": day.isoformat(), "a": amount, "m": day.replace(day=1).isoformat()})


def change_payment(connection, pick, household, amount):
    connection.execute(text("UPDATE payment SET household_id = :h, amount = :a WHERE id = :id"),
                       {"id": picked(connection, "payment", pick), "h": household, "a": amount})


def delete_payment(connection, pick):
    connection.execute(text("DELETE FROM payment WHERE id = :id"), {"id": picked(connection, "payment", pick)})


HOUSEHOLDS = ("hA", "hB", "hC", "hD", "hE")
households = st.sampled_from(HOUSEHOLDS)
writes = st.one_of(
    st.tuples(st.just(place), households, st.integers(0, 3), days, st.none() | st.integers(1, 300)),
    st.tuples(st.just(end_stay), picks, days),
    st.tuples(st.just(move_stay), picks, households),
    st.tuples(st.just(delete_stay), picks),
    st.tuples(st.just(set_status), households, days, amounts),
    st.tuples(st.just(change_status), picks, days, amounts),
    st.tuples(st.just(delete_status), picks),
    st.tuples(st.just(pay), households, days, amounts),
    st.tuples(st.just(change_payment), picks, households, amounts),
    st.tuples(st.just(delete_payment), picks),
)


def run(engine, world, write) -> None:
    """One write in its own transaction; one an invariant refuses (two stays of a unit on one day, …) is rolled
    back with whatever its triggers did."""
    function, *arguments = write
    named = [world[value] if value in HOUSEHOLDS else value for value in arguments]
    if function is place:
        unit_ids = ids_of_units(engine)
        named[1] = unit_ids[named[1] % len(unit_ids)]
    try:
        with engine.begin() as connection:
            function(connection, *named)
    except IntegrityError:
        pass


def ids_of_units(engine) -> list[int]:
    with engine.connect() as connection:
        return ids(connection, "unit")


def ledger_rows(engine) -> dict[int, tuple]:
    """What household_ledger holds, per household."""
    with engine.connect() as connection:
        return {row.household_id: row[1:] for row in connection.execute(select(HouseholdLedger.__table__))}


def without_zeros(rows: dict[int, tuple]) -> dict[int, tuple]:
    return {household: row for household, row in rows.items() if any(row)}


def assert_ledger_holds_what_its_tables_say(engine) -> None:
    with engine.connect() as connection:
        assert ledger_differences(connection) == []


def direct_balances(engine, day, filters=NO_FILTERS) -> dict[int, tuple[float, float]]:
    """Due and paid per household computed from every stay and payment, to the cent."""
    with engine.connect() as connection:
        due = dict(connection.execute(due_by_household_query(day, filters)).all())
        paid = dict(connection.execute(paid_by_household_query(day, filters)).all())
    return {household: (float(cents(due.get(household, 0))), float(cents(paid.get(household, 0))))
            for household in due.keys() | paid.keys()}


def assert_balances_match_every_stay_and_payment(engine, world, day) -> None:
    for filters in (NO_FILTERS, Filters(partner_ids=(world["dio"],))):
        for frame in m.arrears_on(engine, (day, day - timedelta(days=30)), filters):
            assert frame.empty or frame["arrears"].notna().all()
        now = m.arrears_on(engine, (day,), filters)[0]
        shown = {row.household_id: (row.due, row.paid) for row in now.itertuples()}
        direct = direct_balances(engine, day, filters)
        assert {household: shown.get(household, (0.0, 0.0)) for household in direct} == direct
        assert all(direct.get(household, (0.0, 0.0)) == balance for household, balance in shown.items())


def second_waits_for_first(engine, first: Callable, second: Callable) -> None:
    """`first` and `second` (each a write on a connection) in two transactions at once: the second is held until the
    first commits (PostgreSQL: the household's ledger row's lock; SQLite: the write lock), then commits."""
    with engine.connect() as one, engine.connect() as other:
        one.begin()
        first(one)
        other.begin()
        waiting = threading.Thread(target=second, args=(other,))
        waiting.start()
        waiting.join(timeout=0.5)
        assert waiting.is_alive()  # held until the first commits
        one.commit()
        waiting.join(timeout=30)
        other.commit()


def test_the_migration_fills_the_ledger_of_what_is_there(engine, world):
    kept = ledger_rows(engine)
    assert kept[world["hD"]] == (0.0, 0, 50_000, 5)  # hD: its stay runs on; 500.00 paid for five months
    assert_ledger_holds_what_its_tables_say(engine)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM household_ledger"))
        ledger.fill(connection)
    assert without_zeros(ledger_rows(engine)) == without_zeros(kept)


def test_ending_a_stay_moves_its_due_into_the_ledger(engine, world):
    with engine.begin() as connection:
        connection.execute(text("UPDATE placement SET end_date = '2026-07-01' WHERE household_id = :h"),
                           {"h": world["hD"]})
    kept = ledger_rows(engine)
    assert kept[world["hD"]][:2] == (pytest.approx(100.0), 1)  # June 2026, whole, at 100 a month
    assert_ledger_holds_what_its_tables_say(engine)
    assert_balances_match_every_stay_and_payment(engine, world, TODAY)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(writes, min_size=1, max_size=8), day=days)
def test_any_raw_writes_keep_the_ledger_and_the_balances_right(engine, world, batch, day):
    for write in batch:
        run(engine, world, write)
    assert_ledger_holds_what_its_tables_say(engine)
    assert_balances_match_every_stay_and_payment(engine, world, day)


def test_two_writers_of_one_household_each_count_the_others_stay(engine, world):
    """Two transactions end two stays of one household at once: the second waits for the first (PostgreSQL: the
    ledger row's lock; SQLite: the write lock) and computes the ledger from what the first committed."""
    household = world["hE"]
    with engine.begin() as connection:
        units = ids(connection, "unit")
        set_status(connection, household, date(2025, 1, 1), "100")
        place(connection, household, units[0], date(2025, 1, 1), 59)  # [01/01, 01/03)
        place(connection, household, units[1], date(2025, 4, 1), 300)
        first, second = ids(connection, "placement")[-2:]
    ends = {first: "2025-02-01", second: "2025-05-01"}

    def end(connection, stay):
        connection.execute(text("UPDATE placement SET end_date = :e WHERE id = :id"), {"id": stay, "e": ends[stay]})

    second_waits_for_first(engine, lambda connection: end(connection, first),
                           lambda connection: end(connection, second))
    kept = ledger_rows(engine)
    assert kept[household][:2] == (pytest.approx(200.0), 2)  # January and April, at 100 a month
    assert_ledger_holds_what_its_tables_say(engine)
