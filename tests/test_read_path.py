"""The read path (issue_core.db.read_connection / read_session, which every query of the pages uses):
it cannot write, and a runaway read is stopped by the time limit with a message, never a traceback.
Writes through the services are unaffected, also on the pooled connection a read just used."""

from __future__ import annotations

import importlib
import threading
from datetime import date

import pytest
import streamlit as st
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import DBAPIError
from streamlit.testing.v1 import AppTest

from issue_core import db, errors, policy
from issue_core.auth import SYSTEM
from issue_core.i18n import Translator
from issue_core.models import Organisation
from issue_core.queries import metrics
from issue_core.queries.sql.frames import read_frame
from issue_core.services import organisations
from tests.conftest import APP, TODAY, as_the_live_server, signed_in
from tests.world import build_world

# Counts to 10^9 one row at a time: minutes on either engine, far past any time limit.
RUNAWAY = text(
    "WITH RECURSIVE counter(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM counter WHERE n < 1000000000) "
    "SELECT count(*) AS rows FROM counter"
)
LOW_LIMIT_SECONDS = 0.5
# The limit for the reads that must end (the sign-in's, a page's or a dashboard's others than the runaway): on a
# busy CI machine one of them once took over half a second. The runaway never ends, so any limit stops it.
PAGE_LIMIT_SECONDS = 3.0


@pytest.fixture
def low_limit(monkeypatch) -> None:
    monkeypatch.setattr(policy, "READ_TIME_LIMIT_SECONDS", LOW_LIMIT_SECONDS)


def new_organisation(short_name: str) -> dict:
    return {"name": f"{short_name} asbl", "short_name": short_name, "kind": "partner", "active": True, "version": 1}


def organisation_count(engine) -> int:  # noqa: ANN001
    with engine.connect() as connection:  # a plain connection: what is really in the database
        return connection.scalar(select(func.count()).select_from(Organisation))


def test_a_write_through_the_read_session_is_refused(engine):
    with pytest.raises(DBAPIError), db.read_session(engine) as session:
        session.execute(insert(Organisation).values(**new_organisation("Sneak")))
        session.commit()
    assert organisation_count(engine) == 0


def test_a_statement_on_an_autocommit_connection_commits_by_itself(engine):
    """AUTOCOMMIT means what it says on both engines: SQLite's own BEGIN (db.py) is not issued for it, so the
    statement is not rolled back when the connection closes (the bench's VACUUM ANALYZE was, on SQLite)."""
    with engine.connect() as connection:
        autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
        autocommit.execute(insert(Organisation).values(**new_organisation("Kept")))
    assert organisation_count(engine) == 1


def test_a_write_through_a_read_connection_is_refused(engine):
    with pytest.raises(DBAPIError), db.read_connection(engine) as connection:
        connection.execute(insert(Organisation).values(**new_organisation("Sneak")))
        connection.commit()
    assert organisation_count(engine) == 0


def test_a_runaway_read_is_stopped_with_a_clear_error_and_writes_still_work(engine, low_limit, monkeypatch):
    with pytest.raises(errors.ReadTooSlow) as stopped:
        read_frame(engine, RUNAWAY)  # the path of the dashboards' queries
    assert stopped.value.key == "error.read_too_slow"
    for language in ("fr", "nl", "en"):
        assert stopped.value.message(language) == Translator(language)("error.read_too_slow") != "error.read_too_slow"
    with pytest.raises(errors.ReadTooSlow), db.read_session(engine) as session:
        session.execute(RUNAWAY).scalar_one()

    # The pool now holds the one connection both reads used: the service's write gets it back,
    # without the read's query_only nor its time limit.
    if db.is_sqlite(engine):
        assert engine.pool.checkedin() == 1
    organisations.create_organisation(engine, SYSTEM, name="Samu asbl", short_name="Samu", kind="partner")
    # With a limit no read could meet, a write transaction still runs a long statement to its end.
    monkeypatch.setattr(policy, "READ_TIME_LIMIT_SECONDS", 1e-6)
    with db.write_session(engine) as session:
        assert session.execute(text(
            "WITH RECURSIVE counter(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM counter WHERE n < 200000) "
            "SELECT count(*) FROM counter")).scalar_one() == 200_000
    organisations.create_organisation(engine, SYSTEM, name="Dio asbl", short_name="Dio", kind="partner")
    assert organisation_count(engine) == 2


def test_the_dashboards_read_as_before_through_the_hardened_path(engine, low_limit, monkeypatch):
    world = build_world(engine)
    with pytest.raises(DBAPIError), db.read_connection(engine) as connection:
        connection.execute(insert(Organisation).values(**new_organisation("Sneak")))
    with pytest.raises(errors.ReadTooSlow):
        read_frame(engine, RUNAWAY)
    monkeypatch.setattr(policy, "READ_TIME_LIMIT_SECONDS", PAGE_LIMIT_SECONDS)  # a dashboard's read, on a busy CI
    # tests/world.py: Alpha's convention (01/01/2024, overdue) keeps A1, A2, A3 available and nobody was
    # ever placed: all three vacant since 01/01/2024, 366 + 365 + 326 (01/01 → 23/11/2026) = 1057 days.
    frame = metrics.vacant_units(world.engine, TODAY)
    assert [(row["unit"], row["vacant_since"], row["days_vacant"]) for row in frame.to_dict("records")] == [
        ("A1", date(2024, 1, 1), 1057), ("A2", date(2024, 1, 1), 1057), ("A3", date(2024, 1, 1), 1057)]
    assert organisation_count(engine) == 5  # Samu, Dio, Cel, Ilot, Hou: "Sneak" was never written


def runaway_site_figures(engine, today, filters=None):  # noqa: ANN001, ANN201 (read() finds it by module and name)
    return read_frame(engine, RUNAWAY)


def test_a_page_whose_read_is_too_slow_says_so_in_the_users_language(demo_url, monkeypatch):
    """The overview's key figures run away: the page shows the translated message, no traceback."""
    monkeypatch.setattr(policy, "READ_TIME_LIMIT_SECONDS", PAGE_LIMIT_SECONDS)
    kpis_module = importlib.import_module("issue_core.queries.metrics.kpis")  # `metrics.kpis` is the function
    monkeypatch.setattr(kpis_module, "site_figures", runaway_site_figures)
    monkeypatch.setenv("ISSUE_DATABASE_URL", demo_url)
    as_the_live_server(monkeypatch)
    st.cache_resource.clear()
    st.cache_data.clear()
    app = signed_in(AppTest.from_file(APP, default_timeout=60), "admin")
    assert not app.exception
    assert [error.value for error in app.error] == [Translator("fr")("error.read_too_slow")]


def stopped_read() -> None:
    raise errors.ReadTooSlow()


def organisations_read(engine) -> int:  # noqa: ANN001
    with db.read_connection(engine) as connection:
        return connection.scalar(select(func.count()).select_from(Organisation))


def test_reads_side_by_side_give_each_result_by_name_and_raise_a_failure(engine):
    organisations.create_organisation(engine, SYSTEM, name="Samu asbl", short_name="Samu", kind="partner")
    threads = set()

    def counted():
        threads.add(threading.current_thread().name)
        return organisations_read(engine)

    assert db.read_side_by_side(engine, {"one": counted, "two": counted, "three": lambda: 3}) == {
        "one": 1, "two": 1, "three": 3}
    assert threads and all(name.startswith("issue-read") for name in threads)
    with pytest.raises(errors.ReadTooSlow):
        db.read_side_by_side(engine, {"fine": counted, "stopped": stopped_read})


def test_in_a_batch_reads_side_by_side_run_here_and_see_its_writes(engine):
    with db.batch(engine):
        organisations.create_organisation(engine, SYSTEM, name="Samu asbl", short_name="Samu", kind="partner")
        threads = set()

        def counted():
            threads.add(threading.current_thread().name)
            return organisations_read(engine)

        assert db.read_side_by_side(engine, {"one": counted, "two": counted}) == {"one": 1, "two": 1}
        assert threads == {threading.current_thread().name}  # the batch's one connection: never shared by threads
    assert organisation_count(engine) == 0  # the batch was not committed
