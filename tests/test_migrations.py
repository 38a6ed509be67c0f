"""Migrations: from an empty database to the latest revision on both engines; twice is a no-op;
the models and the migration history describe the same schema."""

from __future__ import annotations

import subprocess
import sys

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select

from issue_core.db import PROJECT_ROOT, alembic_config, create_issue_engine, current_revision, migrate
from issue_core.models import Axis, Base


def schema_of(engine) -> dict[str, list[str]]:
    inspector = inspect(engine)
    return {table: sorted(c["name"] for c in inspector.get_columns(table)) for table in sorted(inspector.get_table_names())}


def head_revision(engine) -> str:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def test_migrate_from_empty_creates_every_table_of_the_domain(empty_database_url):
    engine = create_issue_engine(empty_database_url)
    assert current_revision(engine) is None
    migrate(engine)
    assert current_revision(engine) == head_revision(engine)
    tables = set(schema_of(engine))
    assert {t.name for t in Base.metadata.sorted_tables} <= tables
    with engine.connect() as connection:
        assert connection.execute(select(Axis.id).order_by(Axis.id)).scalars().all() == [1, 2, 3]
    engine.dispose()


def test_migrate_twice_is_a_no_op(empty_database_url):
    engine = create_issue_engine(empty_database_url)
    migrate(engine)
    schema, revision = schema_of(engine), current_revision(engine)
    migrate(engine)
    assert (schema_of(engine), current_revision(engine)) == (schema, revision)
    with engine.connect() as connection:
        assert len(connection.execute(select(Axis.id)).all()) == 3
    engine.dispose()


def test_models_and_migrations_agree(empty_database_url):
    engine = create_issue_engine(empty_database_url)
    migrate(engine)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata)
    assert differences == []
    engine.dispose()


def test_command_line_migrate_twice(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    for _ in range(2):
        result = subprocess.run(
            [sys.executable, "-m", "issue_core", "--database-url", url, "migrate"],
            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120,
        )
        assert result.returncode == 0, result.stderr
        assert "revision" in result.stdout
    engine = create_issue_engine(url)
    assert current_revision(engine) == head_revision(engine)
