"""Shared fixtures. Every database test runs on SQLite, and on PostgreSQL when
ISSUE_TEST_DATABASE_URL is set (CI sets it; under CI=true a missing PostgreSQL fails the run)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from issue_core import clock
from issue_core.db import create_issue_engine, migrate, normalise_url
from issue_core.models import Base

TODAY = date(2026, 11, 23)
ENGINES = ["sqlite", "postgresql"]
PG_HINT = (
    "PostgreSQL tests skipped: set ISSUE_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test "
    "(any database the user may create databases from) to run every database test on PostgreSQL too."
)
# Reference rows written by the migration, kept between tests.
KEEP_TABLES = {"axis", "alembic_version"}


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(autouse=True)
def pinned_today() -> Iterator[date]:
    """Tests see a fixed today, so results do not depend on the day they run."""
    clock.pin(TODAY)
    yield TODAY
    clock.pin(None)


# --- SQLite: a migrated template file, copied for each test ---------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "issue.sqlite"
    engine = create_issue_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()  # the last connection checkpoints the WAL into the file
    return path


def sqlite_engine(template: Path, directory: Path) -> Engine:
    path = directory / f"issue-{uuid.uuid4().hex[:8]}.sqlite"
    shutil.copy(template, path)
    return create_issue_engine(f"sqlite:///{path}")


# --- the demo data, seeded once per run, copied for each module that reads it -----------------------


@pytest.fixture(scope="session")
def demo_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from issue_core.demo import seed_demo

    path = tmp_path_factory.mktemp("demo-template") / "demo.sqlite"
    engine = create_issue_engine(f"sqlite:///{path}")
    migrate(engine)
    seed_demo(engine, TODAY)
    engine.dispose()
    return path


@pytest.fixture(scope="module")
def demo_url(demo_sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite database holding the demo data as of TODAY, this module's own copy."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    shutil.copy(demo_sqlite_template, path)
    return f"sqlite:///{path}"


# --- PostgreSQL: a database of our own, migrated once, emptied between tests ----------------------


def postgres_admin_url() -> str | None:
    url = os.environ.get("ISSUE_TEST_DATABASE_URL", "").strip()
    return normalise_url(url) if url else None


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    admin_url = postgres_admin_url()
    if admin_url is None:
        if in_ci():
            pytest.fail("CI=true but ISSUE_TEST_DATABASE_URL is not set: PostgreSQL tests cannot be skipped in CI")
        pytest.skip(PG_HINT)
    name = f"issue_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 (any connection failure means the same here)
        if in_ci():
            pytest.fail(f"PostgreSQL at ISSUE_TEST_DATABASE_URL cannot be reached: {exc}")
        pytest.skip(f"PostgreSQL at ISSUE_TEST_DATABASE_URL cannot be reached ({exc}). {PG_HINT}")
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    engine = create_issue_engine(url)
    migrate(engine)
    engine.dispose()
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def new_postgres_database() -> Iterator:
    """A factory of brand-new, empty PostgreSQL databases (dropped at the end of the run)."""
    admin_url = postgres_admin_url()
    if admin_url is None:
        if in_ci():
            pytest.fail("CI=true but ISSUE_TEST_DATABASE_URL is not set: PostgreSQL tests cannot be skipped in CI")
        pytest.skip(PG_HINT)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    created: list[str] = []

    def make() -> str:
        name = f"issue_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return make_url(admin_url).set(database=name).render_as_string(hide_password=False)

    yield make
    with admin.connect() as connection:
        for name in created:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=ENGINES)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a database with no table at all, on each engine."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.sqlite'}"
    return request.getfixturevalue("new_postgres_database")()


def empty_postgres(engine: Engine) -> None:
    tables = [t.name for t in Base.metadata.sorted_tables if t.name not in KEEP_TABLES]
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database (but for the three axes) on each engine."""
    if request.param == "sqlite":
        database = sqlite_engine(request.getfixturevalue("sqlite_template"), tmp_path)
    else:
        url = request.getfixturevalue("postgres_database")
        database = create_issue_engine(url)
        empty_postgres(database)
    yield database
    database.dispose()
