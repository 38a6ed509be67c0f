"""Eight writers race for one unit: exactly one wins, the others get the clear, naming refusal,
and no "database is locked" (or any raw database error) reaches the caller."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import Connection, Engine, select, text

from issue_core.auth import SYSTEM
from issue_core.db import create_issue_engine, read_session
from issue_core.errors import Conflict
from issue_core.models import Household, Placement
from issue_core.services import households, placements
from tests.world import World, audit_count, build_world

RACERS = 8


def register(world: World, axis: int, organisation: int, count: int) -> list[int]:
    """`count` new households followed by `organisation` on `axis`."""
    return [
        households.register_household(
            world.engine, SYSTEM, axis_id=axis, referent_organisation_id=organisation, adults=1, children=0,
            administrative_status="regular", referred_on=date(2023, 12, 1),
        )[0]
        for _ in range(count)
    ]


def connection_identity(connection: Connection) -> int:
    """The server process on PostgreSQL; the driver connection object on SQLite (all eight are alive
    when it is taken, so different ids mean different connections)."""
    if connection.dialect.name == "postgresql":
        return connection.scalar(text("SELECT pg_backend_pid()"))
    return id(connection.connection.dbapi_connection)


def race(world: World, unit_id: int, household_ids: list[int], first_day: date) -> tuple[list[object], list[int]]:
    """Each thread, on its own engine (so its own connection), places one household in `unit_id`
    at the same moment. Returns what each call returned or raised, and each thread's connection."""
    url = world.engine.url.render_as_string(hide_password=False)
    barrier = threading.Barrier(len(household_ids))
    outcomes: list[object] = [None] * len(household_ids)
    connections: list[int] = [0] * len(household_ids)

    def run(index: int, household_id: int) -> None:
        engine = create_issue_engine(url)
        try:
            with engine.connect() as connection:  # opened before the start signal, reused by the service
                connections[index] = connection_identity(connection)
            barrier.wait(timeout=30)
            outcomes[index] = placements.place_household(
                engine, world.admin, household_id=household_id, unit_id=unit_id,
                start_date=first_day + timedelta(days=index),
            )
        except BaseException as exc:  # noqa: BLE001 (every outcome is inspected by the test)
            outcomes[index] = exc
        finally:
            engine.dispose()

    threads = [threading.Thread(target=run, args=(i, h)) for i, h in enumerate(household_ids)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a writer never returned"
    return outcomes, connections


def placements_in(engine: Engine, unit_id: int) -> list[Placement]:
    with read_session(engine) as session:
        return list(session.scalars(select(Placement).where(Placement.unit_id == unit_id)))


def reference_of(engine: Engine, household_id: int) -> str:
    with read_session(engine) as session:
        return session.get(Household, household_id).reference


@pytest.mark.parametrize(
    "unit, axis, partner, first_day",
    [("a1", 3, "dio", date(2024, 3, 1)), ("a3", 2, "samu", date(2025, 6, 15)), ("a2", 2, "samu", date(2024, 1, 1))],
    ids=["A1-dio", "A3-samu", "A2-reserved-samu"],
)
def test_eight_writers_one_unit_exactly_one_wins(engine, unit, axis, partner, first_day):
    world = build_world(engine)
    unit_id = getattr(world, unit)
    racers = register(world, axis, getattr(world, partner), RACERS)
    audit_before = audit_count(engine)

    outcomes, connections = race(world, unit_id, racers, first_day)

    assert len(set(connections)) == RACERS, "the writers shared a connection"
    winners = [o for o in outcomes if isinstance(o, int)]
    refusals = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(winners) == 1, outcomes
    assert len(refusals) == RACERS - 1, outcomes

    stored = placements_in(engine, unit_id)
    assert [p.id for p in stored] == winners
    assert stored[0].household_id in racers and stored[0].end_date is None
    assert audit_count(engine) == audit_before + 1

    # The refusal names the unit and who holds it (the admin may see the reference).
    holder = reference_of(engine, stored[0].household_id)
    for refusal in refusals:
        assert type(refusal) is Conflict, repr(refusal)  # not a raw SQLAlchemy/driver error
        assert refusal.key == "error.unit_occupied_open", (refusal.key, refusal.message("en"))
        assert refusal.params["unit"] == f"Alpha · {unit.upper()}" and refusal.params["holder"] == holder
        assert "locked" not in refusal.message("en").lower()
        assert "locked" not in repr(refusal.__cause__).lower()
