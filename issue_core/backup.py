"""`python -m issue_core backup DEST` and `restore SOURCE`: a consistent copy while the app runs.

SQLite: the online backup API copies the live file in one step inside a read transaction, so the
copy is one committed state even while the app writes (WAL mode: writers go on meanwhile). The copy
is written beside DEST, checked with `PRAGMA integrity_check`, and only then renamed to DEST.
PostgreSQL: pg_dump (a consistent snapshot by itself) and pg_restore in one transaction.
The password never appears on a command line (PGPASSWORD in the child's environment).

Neither command migrates the database: a restore overwrites it, and a backup copies it as it is.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import URL

from issue_core import policy
from issue_core.db import PROJECT_ROOT

OK, REFUSED = 0, 2
CONFIRMATION = "yes"


class Refusal(Exception):
    """Why a backup or a restore was not done (nothing was changed)."""


@dataclass(frozen=True)
class SqliteSummary:
    path: Path
    size: int
    tables: int
    latest_audit_id: int | None
    revision: str | None

    def describe(self) -> str:
        return (f"{self.path} ({self.size:,} bytes, {self.tables} tables, latest audit id "
                f"{self.latest_audit_id if self.latest_audit_id is not None else '-'}, "
                f"migration {self.revision or '-'})")


# --- which database --------------------------------------------------------------------------------


def sqlite_path(url: URL) -> Path:
    """The database file of a SQLite URL; refuses an in-memory or shared-memory database."""
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:") or "mode=memory" in str(url):
        raise Refusal("the configured SQLite database is in memory: there is no file to back up or restore")
    return Path(database).resolve()


def _kind(engine: Engine) -> str:
    name = engine.url.get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise Refusal(f"unsupported database {name!r}: only SQLite and PostgreSQL are backed up")
    return name


# --- SQLite ------------------------------------------------------------------------------------------


def _connect(path: Path, read_only: bool = False) -> sqlite3.Connection:
    target = path.resolve().as_uri() + ("?mode=ro" if read_only else "")
    return sqlite3.connect(target, uri=True, timeout=policy.SQLITE_BUSY_TIMEOUT_MS / 1000)


def _integrity(connection: sqlite3.Connection) -> str:
    rows = connection.execute("PRAGMA integrity_check").fetchall()
    return "; ".join(str(row[0]) for row in rows)


def _table_names(connection: sqlite3.Connection) -> set[str]:
    rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {row[0] for row in rows}


def _first_value(connection: sqlite3.Connection, query: str) -> object:
    row = connection.execute(query).fetchone()
    return row[0] if row else None


def summarise_sqlite(path: Path) -> SqliteSummary:
    with closing(_connect(path)) as connection:
        tables = _table_names(connection)
        latest = _first_value(connection, "SELECT MAX(id) FROM audit_event") if "audit_event" in tables else None
        revision = _first_value(connection, "SELECT version_num FROM alembic_version") \
            if "alembic_version" in tables else None
    return SqliteSummary(path, path.stat().st_size, len(tables), latest, revision)


def check_sqlite_backup(path: Path) -> None:
    """Refuses a file that is not a sound SQLite database of this app."""
    if not path.is_file():
        raise Refusal(f"{path} does not exist or is not a file")
    try:
        with closing(_connect(path, read_only=True)) as connection:
            verdict = _integrity(connection)
            tables = _table_names(connection)
    except sqlite3.DatabaseError as error:
        raise Refusal(f"{path} is not a readable SQLite database ({error})") from error
    if verdict != "ok":
        raise Refusal(f"{path} fails PRAGMA integrity_check: {verdict}")
    if not {"alembic_version", "audit_event"} <= tables:
        raise Refusal(f"{path} is a SQLite database but not one of this app (no alembic_version or audit_event)")
    revision = summarise_sqlite(path).revision
    if not known_revision(revision):
        raise Refusal(f"{path} is at migration {revision!r}, unknown to this version of the app: update the app first")


def known_revision(revision: str | None) -> bool:
    from alembic.script import ScriptDirectory

    if revision is None:
        return True  # migrated when the app starts
    try:
        return ScriptDirectory(str(PROJECT_ROOT / "db" / "migrations")).get_revision(revision) is not None
    except Exception:  # noqa: BLE001 (alembic raises several kinds for an unknown revision)
        return False


def _copy(source: sqlite3.Connection, target: sqlite3.Connection) -> None:
    # pages=-1: the whole database in one step, so in one read transaction of the source: one
    # committed state. (Step by step, every write by the app would restart the copy.)
    source.backup(target, pages=-1)


def backup_sqlite(source: Path, destination: Path) -> SqliteSummary:
    """Copy the live database `source` to the new file `destination` (checked before it gets its name)."""
    if not source.is_file():
        raise Refusal(f"no database file at {source}")
    partial = destination.with_name(f".{destination.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        with closing(_connect(source)) as live, closing(sqlite3.connect(partial)) as copy:
            _copy(live, copy)
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
            verdict = _integrity(copy)
        if verdict != "ok":
            raise Refusal(f"the copy fails PRAGMA integrity_check ({verdict}): no backup written")
        partial.replace(destination)
    finally:
        partial.unlink(missing_ok=True)
    return summarise_sqlite(destination)


def restore_sqlite(source: Path, target: Path) -> Path | None:
    """Replace the database `target` by the backup `source`. The current database is first kept
    beside it (returned), so a wrong restore can be undone; None when there was no database yet."""
    check_sqlite_backup(source)
    kept = None
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        kept = target.with_name(f"{target.stem}.before-restore-{stamp}{target.suffix}")
        backup_sqlite(target, kept)
    with closing(_connect(source, read_only=True)) as backup, closing(_connect(target)) as live:
        _copy(backup, live)
        verdict = _integrity(live)
    if verdict != "ok":
        raise Refusal(f"the restored database fails PRAGMA integrity_check ({verdict}); the previous one is {kept}")
    return kept


# --- PostgreSQL --------------------------------------------------------------------------------------


def libpq_url(url: URL) -> str:
    """The URL pg_dump and pg_restore understand, without the password (it goes in PGPASSWORD)."""
    without_password = url.set(drivername="postgresql")._replace(password=None)  # set() ignores None
    return without_password.render_as_string(hide_password=False)


def _postgres_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise Refusal(f"{name} is not installed (PostgreSQL client tools, e.g. apt-get install postgresql-client)")
    return path


def tool_environment(url: URL) -> dict[str, str]:
    environment = dict(os.environ)
    if url.password:
        environment["PGPASSWORD"] = str(url.password)
    return environment


def _run_postgres_tool(arguments: list[str], url: URL) -> None:
    finished = subprocess.run(arguments, env=tool_environment(url), capture_output=True, text=True, check=False)
    if finished.returncode != 0:
        raise Refusal(f"{Path(arguments[0]).name} failed: {finished.stderr.strip() or finished.returncode}")


def backup_postgres(url: URL, destination: Path) -> None:
    partial = destination.with_name(f".{destination.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        _run_postgres_tool(
            [_postgres_tool("pg_dump"), "--format=custom", "--file", str(partial), libpq_url(url)], url
        )
        partial.replace(destination)
    finally:
        partial.unlink(missing_ok=True)


def restore_postgres(source: Path, url: URL) -> None:
    pg_restore = _postgres_tool("pg_restore")
    if not source.is_file():
        raise Refusal(f"{source} does not exist or is not a file")
    _run_postgres_tool([pg_restore, "--list", str(source)], url)  # not an archive: refused before any change
    # One transaction: a restore that fails half-way leaves the database as it was.
    _run_postgres_tool(
        [pg_restore, "--clean", "--if-exists", "--no-owner", "--single-transaction", "--dbname", libpq_url(url),
         str(source)],
        url,
    )


# --- the commands ------------------------------------------------------------------------------------


def backup_command(engine: Engine, args: argparse.Namespace) -> int:
    destination = Path(args.dest).resolve()
    try:
        kind = _kind(engine)
        if destination.exists():
            raise Refusal(f"{destination} already exists: a backup never overwrites a file; choose a new name")
        if not destination.parent.is_dir():
            raise Refusal(f"the folder {destination.parent} does not exist")
        if kind == "sqlite":
            summary = backup_sqlite(sqlite_path(engine.url), destination)
            print(f"SQLite: consistent copy written and checked (integrity ok): {summary.describe()}")
        else:
            backup_postgres(engine.url, destination)
            print(f"PostgreSQL: pg_dump wrote {destination} ({destination.stat().st_size:,} bytes); "
                  f"restore with: python -m issue_core restore {destination}")
    except Refusal as refusal:
        print(f"backup refused: {refusal}", file=sys.stderr)
        return REFUSED
    except (sqlite3.Error, OSError) as error:  # disk full, database locked too long…: nothing was written
        print(f"backup failed, no backup written: {error}", file=sys.stderr)
        return REFUSED
    return OK


def _confirmed(target: str) -> bool:
    print(f"This REPLACES the database {target} with the backup. Stop the app first (streamlit), then "
          f"restart it after the restore.")
    try:
        answer = input(f"Type {CONFIRMATION!r} to continue: ")
    except EOFError:
        print()
        return False
    return answer.strip().lower() == CONFIRMATION


def restore_command(engine: Engine, args: argparse.Namespace) -> int:
    source = Path(args.source).resolve()
    try:
        kind = _kind(engine)
        if kind == "sqlite":
            target = sqlite_path(engine.url)
            check_sqlite_backup(source)
            if target == source:
                raise Refusal("the backup is the configured database itself")
            shown = str(target)
        else:
            if not source.is_file():
                raise Refusal(f"{source} does not exist or is not a file")
            shown = engine.url.render_as_string(hide_password=True)
        if not args.yes and not _confirmed(shown):
            raise Refusal("not confirmed: nothing was changed")
        engine.dispose()  # our own pooled connections must not outlive the old database
        if kind == "sqlite":
            kept = restore_sqlite(source, target)
            print(f"SQLite: {target} restored from {source} (integrity ok): {summarise_sqlite(target).describe()}")
            if kept is not None:
                print(f"the database as it was before the restore is kept in {kept}")
        else:
            restore_postgres(source, engine.url)
            print(f"PostgreSQL: pg_restore restored {shown} from {source}")
    except Refusal as refusal:
        print(f"restore refused: {refusal}", file=sys.stderr)
        return REFUSED
    except (sqlite3.Error, OSError) as error:  # the backup API writes in one transaction: rolled back
        print(f"restore failed: {error}", file=sys.stderr)
        return REFUSED
    print("start the app again: it brings the database to the latest migration if the backup is older")
    return OK
