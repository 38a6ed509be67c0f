"""A write invalidates only what it changed (issue 13): cached reads (issue_core.ui.data.read) are keyed by the
versions of the data areas they read (issue_core.queries.areas), kept in the database (the audit trail), read once
per script run. Real services, real databases (both engines), the real cache; the queries are counted by wrappers
that call the real ones (read() finds a query by module and name, as it finds the pages' queries)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from issue_core.db import create_issue_engine, read_connection
from issue_core.queries import areas
from issue_core.queries.areas import AREAS, DATA_AREAS, ENTITY_AREAS, areas_of, reads
from issue_core.queries.screens.occupancy_board import unit_board
from issue_core.queries.screens.payments import household_balance
from issue_core.queries.sql.functions import data_versions
from issue_core.services import contributions, placements, screen_settings, users
from tests.conftest import PROJECT_ROOT, run_page, use_database

PASSWORD = "correct-horse-42"
DAY = date(2026, 11, 2)
calls: Counter[str] = Counter()


@reads(*areas_of(unit_board))
def counted_board(engine: Engine, site_id: int, day: date) -> object:
    calls["board"] += 1
    return unit_board(engine, site_id, day)


@reads(*areas_of(household_balance))
def counted_balance(engine: Engine, household_id: int, as_of: date) -> dict[str, float]:
    calls["balance"] += 1
    return household_balance(engine, household_id, as_of)


def counted_undeclared(engine: Engine) -> int:
    calls["undeclared"] += 1
    return 1


@pytest.fixture
def app_on_world(world, monkeypatch):
    """The world, with issue_core.ui.data.read (its own engine, as in the app) pointed at its database."""
    use_database(monkeypatch, world.engine.url.render_as_string(hide_password=False))
    calls.clear()
    return world


def read(query, *args):
    from issue_core.ui.data import read as cached_read

    return cached_read(query, *args)


def board_states(world) -> dict[str, str]:
    board = read(counted_board, world.alpha, DAY)
    return dict(zip(board["unit"], board["state"], strict=True))


def pay(world, amount: str, engine: Engine | None = None) -> None:
    contributions.record_payment(engine or world.engine, world.admin, world.h_samu, paid_on=DAY, amount=Decimal(amount),
                                 period_months=date(2026, 11, 1), method="transfer")


def test_every_area_is_known_and_a_query_declares_only_known_areas():
    assert set(DATA_AREAS) < set(AREAS)
    assert all(set(written) <= set(AREAS) for written in ENTITY_AREAS.values())
    with pytest.raises(ValueError):
        reads("payments")
    assert areas_of(counted_undeclared) == AREAS  # undeclared: depends on everything, so stays correct


def test_every_audited_entity_says_which_areas_it_writes():
    """An audit entity missing from ENTITY_AREAS would count as a write into every area: each service's entity
    is listed (undo writes the entity of the event it undoes, already listed)."""
    written = set()
    for path in (PROJECT_ROOT / "issue_core").rglob("*.py"):
        source = path.read_text()
        written |= set(re.findall(r"""audit\(\s*session,\s*[^,]+,\s*[^,]+,\s*"(\w+)\"""", source))
    assert written >= {"placement", "payment", "site", "household", "app_user", "import"}
    assert written - set(ENTITY_AREAS) == set()


def test_the_versions_are_the_latest_audit_ids_of_each_area(world):
    versions = data_versions(world.engine)
    with read_connection(world.engine) as connection:
        latest = dict(connection.execute(text("SELECT entity, max(id) FROM audit_event GROUP BY entity")).all())
    assert versions[areas.AUDIT] == max(latest.values())
    assert versions[areas.STAYS] == max(latest["household"], latest["site"])  # no placement in the world yet
    assert versions[areas.SITES] == max(latest[e] for e in ("site", "convention", "unit"))
    assert versions[areas.REFERENCE] == max(latest["organisation"], latest["axis"])
    assert versions[areas.MONEY] == 0  # nothing paid, no status set


def test_a_payment_leaves_the_occupancy_board_warm_and_refreshes_the_balance(app_on_world):
    world = app_on_world
    placements.place_household(world.engine, world.admin, household_id=world.h_samu, unit_id=world.a1,
                               start_date=date(2026, 10, 1))
    assert board_states(world) == {"A1": "occupied", "A2": "vacant", "A3": "vacant"}
    assert read(counted_balance, world.h_samu, DAY)["paid"] == 0
    assert calls == {"board": 1, "balance": 1}

    pay(world, "50")

    assert board_states(world) == {"A1": "occupied", "A2": "vacant", "A3": "vacant"}
    assert calls["board"] == 1  # served from the cache: a payment writes no site nor stay
    assert read(counted_balance, world.h_samu, DAY)["paid"] == 50
    assert calls["balance"] == 2


def test_a_placement_refreshes_the_occupancy_board(app_on_world):
    world = app_on_world
    assert board_states(world) == {"A1": "vacant", "A2": "vacant", "A3": "vacant"}
    assert board_states(world) == {"A1": "vacant", "A2": "vacant", "A3": "vacant"}
    assert calls["board"] == 1

    placements.place_household(world.engine, world.admin, household_id=world.h_dio, unit_id=world.a3,
                               start_date=date(2026, 10, 1))

    assert board_states(world) == {"A1": "vacant", "A2": "vacant", "A3": "occupied"}
    assert calls["board"] == 2


def test_a_sign_in_and_the_screen_settings_bump_no_data_version(app_on_world):
    world = app_on_world
    users.create_user(world.engine, world.admin, username="coord.samu", display_name="Coord", role="coordinator",
                      password=PASSWORD, organisation_id=world.samu)
    board_states(world)
    read(counted_undeclared)
    before = data_versions(world.engine)

    assert users.sign_in(world.engine, "coord.samu", PASSWORD).accepted
    assert not users.sign_in(world.engine, "coord.samu", "wrong-password-1").accepted
    screen_settings.save_screen_settings(world.engine, world.coord_samu, paused=True)

    after = data_versions(world.engine)
    assert {area: after[area] for area in DATA_AREAS} == {area: before[area] for area in DATA_AREAS}
    assert after[areas.USERS] > before[areas.USERS]  # the accounts list shows failed sign-ins and locks
    assert after[areas.AUDIT] > before[areas.AUDIT]  # the audit trail shows the sign-ins
    board_states(world)
    assert calls["board"] == 1
    read(counted_undeclared)
    assert calls["undeclared"] == 2  # a query that declares nothing is recomputed after any write


def test_a_write_through_another_engine_is_seen(app_on_world):
    """Another app process (here a second Engine on the same database) pays: this one's cache sees it."""
    world = app_on_world
    placements.place_household(world.engine, world.admin, household_id=world.h_samu, unit_id=world.a1,
                               start_date=date(2026, 10, 1))
    assert read(counted_balance, world.h_samu, DAY)["paid"] == 0
    before = data_versions(world.engine)
    other = create_issue_engine(world.engine.url.render_as_string(hide_password=False))
    try:
        pay(world, "30", engine=other)
        assert data_versions(other) == data_versions(world.engine)
    finally:
        other.dispose()
    assert data_versions(world.engine)[areas.MONEY] > before[areas.MONEY]
    assert read(counted_balance, world.h_samu, DAY)["paid"] == 30
    assert calls["balance"] == 2


def test_a_page_reads_the_versions_once_per_run(app_on_world, monkeypatch):
    """The overview makes several cached reads; the versions are asked once per run, not once per read."""
    from issue_core.ui import data

    asked = Counter()

    def counted_versions(engine: Engine) -> dict[str, int]:
        asked["versions"] += 1
        return data_versions(engine)

    cached_read = data._cached_read

    def counted_read(**arguments: object) -> object:
        asked["reads"] += 1
        return cached_read(**arguments)

    monkeypatch.setattr(data, "data_versions", counted_versions)
    monkeypatch.setattr(data, "_cached_read", counted_read)
    app = run_page("pages/overview.py")
    assert asked["versions"] == 1 and asked["reads"] > 5
    app.run()
    assert asked["versions"] == 2


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)  # PostgreSQL's plan: see the migration 0004's notes
def test_the_index_serves_the_version_query_on_sqlite(world):
    from issue_core.queries.sql.functions import _LATEST_PER_ENTITY

    with read_connection(world.engine) as connection:
        plan = " | ".join(row[-1] for row in connection.execute(text("EXPLAIN QUERY PLAN " + _LATEST_PER_ENTITY.text)))
    assert "USING COVERING INDEX ix_audit_event_entity_version (entity>?)" in plan
    assert "USING COVERING INDEX ix_audit_event_entity_version (entity=?)" in plan
    assert "SCAN audit_event" not in plan and "SCAN later" not in plan and "SCAN latest" not in plan


def test_the_migration_adds_the_index(world):
    path = Path(PROJECT_ROOT / "db/migrations/versions/0004_audit_entity_version.py")
    assert "ix_audit_event_entity_version" in path.read_text()
    with read_connection(world.engine) as connection:
        if world.engine.dialect.name == "sqlite":
            names = {row[1] for row in connection.execute(text("PRAGMA index_list('audit_event')"))}
        else:
            names = set(connection.execute(text("SELECT indexname FROM pg_indexes WHERE tablename = 'audit_event'"))
                        .scalars())
    assert "ix_audit_event_entity_version" in names


def test_the_versions_of_a_run_are_asked_again_after_a_write_of_this_process(app_on_world, monkeypatch):
    """Within one run the versions are kept; a write committed by this process (a form that shows its result in the
    same run) or the next run asks the database again."""
    from types import SimpleNamespace

    from issue_core.ui import data

    world, asked = app_on_world, Counter()
    context = SimpleNamespace(cursors={})

    def counted_versions(engine: Engine) -> dict[str, int]:
        asked["versions"] += 1
        return data_versions(engine)

    monkeypatch.setattr(data, "get_script_run_ctx", lambda suppress_warning=False: context)
    monkeypatch.setattr(data, "data_versions", counted_versions)
    first = data.current_versions(data.engine())
    assert data.current_versions(data.engine()) == first and asked["versions"] == 1

    pay(world, "20", engine=data.engine())  # the app's own engine, as a page's form writes
    assert data.current_versions(data.engine())[areas.MONEY] > first[areas.MONEY]
    assert asked["versions"] == 2

    context.cursors = {}  # what Streamlit does when the next run starts
    data.current_versions(data.engine())
    assert asked["versions"] == 3


def occupied_units(board) -> int:
    """A figure derived from the board (as the overview's arrears from the balances), counted."""
    calls["occupied"] += 1
    return int((board["state"] == "occupied").sum())


def test_a_figure_derived_from_a_read_is_derived_once_per_version_of_that_read(app_on_world):
    from issue_core.ui.data import read_from

    world = app_on_world

    def occupied() -> int:
        return read_from(occupied_units, counted_board, (world.alpha, DAY))

    placements.place_household(world.engine, world.admin, household_id=world.h_samu, unit_id=world.a1,
                               start_date=date(2026, 10, 1))
    assert occupied() == 1
    assert occupied() == 1
    assert calls == {"board": 1, "occupied": 1}
    assert board_states(world)["A1"] == "occupied"
    assert calls["board"] == 1  # the read it was derived from is the page's own read, cached with it

    pay(world, "50")
    assert occupied() == 1
    assert calls == {"board": 1, "occupied": 1}  # a payment writes no site nor stay: both stay cached

    placements.place_household(world.engine, world.admin, household_id=world.h_dio, unit_id=world.a3,
                               start_date=date(2026, 10, 1))
    assert occupied() == 2
    assert calls == {"board": 2, "occupied": 2}
