"""Backups (issue 6, item 5): a backup taken while a writer keeps writing through the services
restores to a sound database holding every write committed before the backup started, each with its
audit row, and nothing half-written. SQLite always; PostgreSQL (pg_dump / pg_restore) when
ISSUE_TEST_DATABASE_URL is set."""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import threading
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from issue_core import backup
from issue_core.auth import Actor
from issue_core.db import alembic_config, create_issue_engine, current_revision, migrate
from issue_core.models import Role
from issue_core.services.contributions import record_payment
from issue_core.tables import table_frames
from tests.checks import violations
from tests.conftest import TODAY, in_ci, sqlite_engine
from tests.world import World, build_world, row_counts

WRITER = Actor("writer", Role.ADMIN)
WARM_UP_WRITES = 15  # committed before the backup starts
WRITES_AFTER = 10  # the writer is still writing once the backup is over


class Writer(threading.Thread):
    """Records one payment after another through the service, on its own engine, until stopped.
    `done` lists the payment ids in the order their calls returned (so committed)."""

    def __init__(self, url: str, household_id: int) -> None:
        super().__init__(daemon=True)
        self.url, self.household_id = url, household_id
        self.done: list[int] = []
        self.failure: BaseException | None = None
        self.stop = threading.Event()
        self.progress = threading.Condition()

    def run(self) -> None:
        engine = create_issue_engine(self.url)
        try:
            while not self.stop.is_set():
                ids = record_payment(
                    engine, WRITER, self.household_id, paid_on=date(2024, 1, 5), amount=Decimal("1.00"),
                    period_months=date(2024, 1, 1), method="cash", notes=f"writer {len(self.done)}",
                    confirm_duplicate=True,  # the same payment again and again, on purpose
                )
                with self.progress:
                    self.done.extend(ids)
                    self.progress.notify_all()
        except BaseException as exc:  # noqa: BLE001 (reported by the test)
            self.failure = exc
            with self.progress:
                self.progress.notify_all()
        finally:
            engine.dispose()

    def committed(self) -> list[int]:
        with self.progress:
            return list(self.done)

    def wait_for(self, count: int) -> None:
        with self.progress:
            assert self.progress.wait_for(lambda: len(self.done) >= count or self.failure, timeout=120)
        assert self.failure is None, self.failure

    def finish(self) -> list[int]:
        self.stop.set()
        self.join(timeout=120)
        assert not self.is_alive() and self.failure is None, self.failure
        return self.committed()


def url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def backup_during_writes(world: World, destination: Path) -> tuple[list[int], list[int], list[int]]:
    """Backup while the writer writes: (writes committed before it started, before it ended, all writes)."""
    writer = Writer(url_of(world.engine), world.h_samu)
    writer.start()
    try:
        writer.wait_for(WARM_UP_WRITES)
        before_start = writer.committed()
        assert backup.backup_command(world.engine, argparse.Namespace(dest=str(destination))) == 0
        before_end = writer.committed()
        writer.wait_for(len(before_end) + WRITES_AFTER)  # so the backup ran while the writer was busy
    finally:
        everything = writer.finish()
    return before_start, before_end, everything


def restore(engine: Engine, source: Path, yes: bool = True) -> int:
    return backup.restore_command(engine, argparse.Namespace(source=str(source), yes=yes))


def writer_payments(engine: Engine) -> list[int]:
    with engine.connect() as connection:
        return list(connection.scalars(text("SELECT id FROM payment WHERE notes LIKE 'writer %' ORDER BY id")))


def writer_audited_payments(engine: Engine) -> list[int]:
    with engine.connect() as connection:
        return list(connection.scalars(text(
            "SELECT entity_id FROM audit_event WHERE username = 'writer' AND action = 'payment.create'"
            " ORDER BY entity_id"
        )))


def head(engine: Engine) -> str:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def assert_restored_copy_is_sound(
    restored: Engine, world: World, before_start: list[int], everything: list[int]
) -> None:
    kept = writer_payments(restored)
    assert set(before_start) <= set(kept), "a write committed before the backup started is missing"
    # One writer, one write at a time: the copy holds exactly the first writes, none skipped.
    assert kept == everything[: len(kept)]
    assert writer_audited_payments(restored) == kept, "a payment without its audit row, or the reverse"
    assert {name: rows for name, rows in violations(restored, TODAY).items() if rows} == {}
    assert current_revision(restored) == head(restored)
    # The restored database takes new writes (identity sequences restored too).
    new = record_payment(restored, WRITER, world.h_cel, paid_on=date(2024, 1, 6), amount=Decimal("2.00"),
                         period_months=date(2024, 2, 1), method="cash", notes="after restore")
    assert new[0] > max(kept)


def same_contents(first: Engine, second: Engine) -> None:
    one, other = table_frames(first), table_frames(second)
    assert list(one) == list(other)
    for name in one:
        assert one[name].equals(other[name]), name


# --- SQLite ------------------------------------------------------------------------------------------------


@pytest.fixture
def sqlite_world(sqlite_template, tmp_path) -> World:
    engine = sqlite_engine(sqlite_template, tmp_path)
    world = build_world(engine)
    yield world
    engine.dispose()


def integrity(path: Path) -> str:
    connection = sqlite3.connect(path)
    try:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        connection.close()


def test_sqlite_backup_during_writes_restores_every_committed_write(sqlite_world, tmp_path, capsys):
    copy = tmp_path / "backups" / "issue-copy.sqlite"
    copy.parent.mkdir()
    before_start, before_end, everything = backup_during_writes(sqlite_world, copy)
    assert len(everything) >= len(before_end) + WRITES_AFTER > len(before_start) >= WARM_UP_WRITES
    said = capsys.readouterr().out
    assert f"SQLite: consistent copy written and checked (integrity ok): {copy}" in said and "latest audit id" in said
    assert integrity(copy) == "ok"
    assert sorted(path.name for path in copy.parent.iterdir()) == ["issue-copy.sqlite"]  # no -wal, no partial

    fresh = create_issue_engine(f"sqlite:///{tmp_path / 'fresh' / 'restored.sqlite'}")
    try:
        assert restore(fresh, copy) == 0
        assert integrity(tmp_path / "fresh" / "restored.sqlite") == "ok"
        assert_restored_copy_is_sound(fresh, sqlite_world, before_start, everything)
    finally:
        fresh.dispose()


def test_sqlite_restore_command_replaces_the_database_with_the_backup(sqlite_world, tmp_path, capsys):
    copy = tmp_path / "copy.sqlite"
    before_start, _, everything = backup_during_writes(sqlite_world, copy)
    live = backup.sqlite_path(sqlite_world.engine.url)
    payments_before_restore = row_counts(sqlite_world.engine)["payment"]

    assert restore(sqlite_world.engine, copy) == 0
    said = capsys.readouterr().out
    assert f"SQLite: {live} restored from {copy}" in said
    assert integrity(live) == "ok"
    reference = create_issue_engine(f"sqlite:///{copy}")
    try:
        same_contents(sqlite_world.engine, reference)
    finally:
        reference.dispose()
    assert writer_payments(sqlite_world.engine) == everything[: len(writer_payments(sqlite_world.engine))]
    assert set(before_start) <= set(writer_payments(sqlite_world.engine))
    # The database as it was is kept beside it, whole.
    kept = [path for path in live.parent.iterdir() if ".before-restore-" in path.name]
    assert len(kept) == 1 and str(kept[0]) in said
    assert integrity(kept[0]) == "ok"
    kept_engine = create_issue_engine(f"sqlite:///{kept[0]}")
    try:
        assert row_counts(kept_engine)["payment"] == payments_before_restore
    finally:
        kept_engine.dispose()


def test_sqlite_restore_asks_first_and_changes_nothing_unless_told_yes(sqlite_world, tmp_path, monkeypatch, capsys):
    copy = tmp_path / "copy.sqlite"
    assert backup.backup_command(sqlite_world.engine, argparse.Namespace(dest=str(copy))) == 0
    record_payment(sqlite_world.engine, WRITER, sqlite_world.h_samu, paid_on=date(2024, 1, 5), amount=Decimal("1"),
                   period_months=date(2024, 1, 1), method="cash", notes="writer 0")
    counts = row_counts(sqlite_world.engine)

    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    assert restore(sqlite_world.engine, copy, yes=False) == 2
    assert row_counts(sqlite_world.engine) == counts
    said = capsys.readouterr()
    assert "Stop the app first" in said.out and "not confirmed: nothing was changed" in said.err

    monkeypatch.setattr("builtins.input", lambda prompt: "yes")
    assert restore(sqlite_world.engine, copy, yes=False) == 0
    assert row_counts(sqlite_world.engine)["payment"] == counts["payment"] - 1


def test_sqlite_backup_never_overwrites_a_file(sqlite_world, tmp_path, capsys):
    existing = tmp_path / "precious.sqlite"
    existing.write_bytes(b"an older backup")
    assert backup.backup_command(sqlite_world.engine, argparse.Namespace(dest=str(existing))) == 2
    assert existing.read_bytes() == b"an older backup"
    assert "already exists" in capsys.readouterr().err


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_an_in_memory_database_is_refused(url, tmp_path, capsys):
    engine = create_issue_engine(url)
    try:
        assert backup.backup_command(engine, argparse.Namespace(dest=str(tmp_path / "copy.sqlite"))) == 2
        assert restore(engine, tmp_path / "copy.sqlite") == 2
    finally:
        engine.dispose()
    assert "in memory" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_a_missing_database_file_is_refused_and_no_file_is_left(tmp_path, capsys):
    engine = create_issue_engine(f"sqlite:///{tmp_path / 'db' / 'none.sqlite'}")
    (tmp_path / "db" / "none.sqlite").unlink(missing_ok=True)
    try:
        assert backup.backup_command(engine, argparse.Namespace(dest=str(tmp_path / "copy.sqlite"))) == 2
    finally:
        engine.dispose()
    assert "no database file" in capsys.readouterr().err
    assert not (tmp_path / "copy.sqlite").exists() and not (tmp_path / ".copy.sqlite.partial").exists()


def test_restore_refuses_what_is_not_a_sound_backup_of_this_app(sqlite_world, tmp_path, capsys):
    counts = row_counts(sqlite_world.engine)
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 20)
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE t (x)")
    future = tmp_path / "future.sqlite"
    assert backup.backup_command(sqlite_world.engine, argparse.Namespace(dest=str(future))) == 0
    with sqlite3.connect(future) as connection:
        connection.execute("UPDATE alembic_version SET version_num = 'ffff_from_a_newer_app'")
    for source, reason in ((tmp_path / "missing.sqlite", "does not exist"), (garbage, "not a readable SQLite"),
                           (other, "not one of this app"), (future, "unknown to this version")):
        capsys.readouterr()
        assert restore(sqlite_world.engine, source) == 2, source
        assert reason in capsys.readouterr().err
        assert row_counts(sqlite_world.engine) == counts
    assert not [path for path in tmp_path.rglob("*before-restore*")]


def test_cli_backup_and_restore_through_python_m(sqlite_world, tmp_path, capsys):
    """The real command line (issue_core/__main__.py) backs up and restores the configured file."""
    from issue_core.__main__ import main

    url = url_of(sqlite_world.engine)
    assert main(["--database-url", url, "backup", str(tmp_path / "cli.sqlite")]) == 0
    assert main(["--database-url", url, "restore", str(tmp_path / "cli.sqlite"), "--yes"]) == 0
    assert main(["--database-url", url, "backup", str(tmp_path / "cli.sqlite")]) == 2
    assert integrity(tmp_path / "cli.sqlite") == "ok"


# --- PostgreSQL --------------------------------------------------------------------------------------------


@pytest.fixture
def postgres_tools() -> None:
    missing = [tool for tool in ("pg_dump", "pg_restore") if shutil.which(tool) is None]
    if missing:
        message = (f"{' and '.join(missing)} not installed (apt-get install postgresql-client): "
                   "the PostgreSQL backup and restore are not tested")
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def postgres_world(postgres_tools, new_postgres_database) -> World:
    engine = create_issue_engine(new_postgres_database())
    migrate(engine)
    world = build_world(engine)
    yield world
    engine.dispose()


def test_postgres_backup_during_writes_restores_every_committed_write(postgres_world, new_postgres_database, tmp_path,
                                                                      capsys):
    dump = tmp_path / "issue.dump"
    before_start, _, everything = backup_during_writes(postgres_world, dump)
    assert f"PostgreSQL: pg_dump wrote {dump}" in capsys.readouterr().out
    assert sorted(path.name for path in tmp_path.iterdir()) == ["issue.dump"]

    fresh = create_issue_engine(new_postgres_database())  # empty: no table at all
    try:
        assert restore(fresh, dump) == 0
        assert "PostgreSQL: pg_restore restored" in capsys.readouterr().out
        restored = table_frames(fresh)
        assert_restored_copy_is_sound(fresh, postgres_world, before_start, everything)
        # The restore command onto the live database (more rows by now) makes it the backup again.
        assert len(writer_payments(postgres_world.engine)) == len(everything)
        assert restore(postgres_world.engine, dump) == 0
        live = table_frames(postgres_world.engine)
        assert all(live[name].equals(restored[name]) for name in restored), "the live database differs from the backup"
    finally:
        fresh.dispose()


def test_postgres_restore_of_a_bad_archive_changes_nothing(postgres_world, tmp_path, capsys):
    counts = row_counts(postgres_world.engine)
    bad = tmp_path / "bad.dump"
    bad.write_bytes(b"PGDMP but not really" * 10)
    assert restore(postgres_world.engine, bad) == 2
    assert "pg_restore failed" in capsys.readouterr().err
    assert row_counts(postgres_world.engine) == counts
    existing = tmp_path / "existing.dump"
    existing.write_bytes(b"keep")
    assert backup.backup_command(postgres_world.engine, argparse.Namespace(dest=str(existing))) == 2
    assert existing.read_bytes() == b"keep"


def test_the_password_goes_in_the_environment_never_on_the_command_line():
    from sqlalchemy.engine import make_url

    url = make_url("postgresql+psycopg://issue:s3cret-Pa55@db.example:5433/issue?sslmode=require")
    assert backup.libpq_url(url) == "postgresql://issue@db.example:5433/issue?sslmode=require"
    assert backup.tool_environment(url)["PGPASSWORD"] == "s3cret-Pa55"
