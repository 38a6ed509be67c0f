"""Engine and sessions from the configured URL; SQLite pragmas; migrations at start.

Reads and writes use different sessions. On SQLite a write session starts with `BEGIN IMMEDIATE`,
so two writers queue on the database lock (up to the busy timeout) instead of failing half-way
with "database is locked"; a read session starts a plain deferred transaction.

Reads (`read_connection`, `read_session`) cannot write and have a time limit (datasette's discipline):
on SQLite `PRAGMA query_only`, set on the pooled connection for the read only and taken off when it ends, and
a watchdog thread that interrupts the read after policy.READ_TIME_LIMIT_SECONDS (SqliteDeadlines); on PostgreSQL a
`READ ONLY` transaction with `SET LOCAL statement_timeout`, which end with the transaction. A read
stopped by the limit raises ReadTooSlow. Writes (write_session, batch, migrations) are untouched.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
import tomllib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, func, select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session

from issue_core import policy
from issue_core.errors import ReadTooSlow

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "db" / "issue.sqlite"
SECRETS_PATH = PROJECT_ROOT / ".streamlit" / "secrets.toml"
WRITE_OPTION = "issue_write"
POSTGRESQL_CONNECT_TIMEOUT_SECONDS = 5  # unless the URL says ?connect_timeout=…
POSTGRESQL_QUERY_CANCELED = "57014"  # the SQLSTATE of a statement stopped by statement_timeout

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def configured_url(secrets_path: Path = SECRETS_PATH) -> str:
    """ISSUE_DATABASE_URL, else [connections.issue] url in secrets.toml, else the embedded SQLite file."""
    url = os.environ.get("ISSUE_DATABASE_URL", "").strip()
    if url:
        return url
    if secrets_path.is_file():
        with secrets_path.open("rb") as handle:
            secrets = tomllib.load(handle)
        url = str(secrets.get("connections", {}).get("issue", {}).get("url", "")).strip()
        if url:
            return url
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever driver the URL names (or none)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() != "psycopg":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def create_issue_engine(url: str) -> Engine:
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"timeout": policy.SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        )
        _install_sqlite_pragmas(engine, in_memory=database in ("", ":memory:"))
        return engine
    # A database host that does not answer is told apart from a slow one in seconds, not after TCP's minutes.
    connect_args = {} if "connect_timeout" in parsed.query else {"connect_timeout": POSTGRESQL_CONNECT_TIMEOUT_SECONDS}
    # The dashboards' grouped reads over the large tables cost enough for PostgreSQL to compile them (JIT),
    # which takes longer (0.5–3 s at sector scale) than running them: off, unless the URL sets its own options.
    if "options" not in parsed.query:
        connect_args["options"] = "-c jit=off"
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args)


def _install_sqlite_pragmas(engine: Engine, in_memory: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # noqa: ANN001
        # Let SQLAlchemy's "begin" event below issue BEGIN itself (pysqlite's own is deferred).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={policy.SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):  # noqa: ANN001
        options = connection.get_execution_options()
        if options.get("isolation_level") == "AUTOCOMMIT":  # each statement commits by itself: no BEGIN
            return
        connection.exec_driver_sql("BEGIN IMMEDIATE" if options.get(WRITE_OPTION, False) else "BEGIN")


def get_engine(url: str | None = None) -> Engine:
    """One engine per URL per process (Streamlit reruns and threads share it)."""
    url = normalise_url(url or configured_url())
    with _engines_lock:
        if url not in _engines:
            _engines[url] = create_issue_engine(url)
        return _engines[url]


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


@contextmanager
def read_connection(engine: Engine, *, limited: bool = True) -> Iterator[Connection]:
    """A read transaction that cannot write; `limited`: stopped after policy.READ_TIME_LIMIT_SECONDS with
    ReadTooSlow. Inside `batch(engine)` it is the batch's own connection (the batch's writes are seen)."""
    connection = _batch_connection(engine)
    if connection is not None:
        yield connection
        return
    seconds = policy.READ_TIME_LIMIT_SECONDS if limited else None
    read_only = _sqlite_read_only if is_sqlite(engine) else _postgresql_read_only
    with engine.connect() as connection, read_only(connection, seconds) as stopped:
        try:
            yield connection
        except Exception as error:  # pandas wraps the database's error in its own
            if stopped(error):
                raise ReadTooSlow() from error
            raise


class SqliteDeadlines:
    """Stops the SQLite reads that run past their deadline, from one thread of its own (sqlite3's
    Connection.interrupt is made for that), so that no Python code runs while SQLite reads: a progress handler,
    called every few thousand SQLite steps, took Python's lock each time — 12 % of a report's time, and reads on
    several threads (ui.data.prefetch, read_side_by_side) waiting for each other."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._watched: dict[int, tuple[float, Any, list[bool]]] = {}
        self._tokens = itertools.count()
        self._thread: threading.Thread | None = None

    def watch(self, raw: Any, deadline: float) -> tuple[int, list[bool]]:
        """Interrupt `raw` (a sqlite3 connection) at `deadline` unless forgotten by then; the list says
        whether it was."""
        expired = [False]
        with self._condition:
            token = next(self._tokens)
            self._watched[token] = (deadline, raw, expired)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="issue-sqlite-deadlines", daemon=True)
                self._thread.start()
            self._condition.notify()
        return token, expired

    def forget(self, token: int) -> None:
        """Once this returns, the read's connection is not interrupted any more (it may go back to the pool)."""
        with self._condition:
            self._watched.pop(token, None)

    def _run(self) -> None:
        with self._condition:
            while True:
                now = time.monotonic()
                for token, (deadline, raw, expired) in list(self._watched.items()):
                    if deadline <= now:
                        expired[0] = True
                        raw.interrupt()
                        del self._watched[token]
                next_deadline = min((deadline for deadline, _, _ in self._watched.values()), default=None)
                self._condition.wait(None if next_deadline is None else next_deadline - now)


_sqlite_deadlines = SqliteDeadlines()


@contextmanager
def _sqlite_read_only(connection: Connection, seconds: float | None) -> Iterator[Callable[[BaseException], bool]]:
    """query_only is a property of the pooled sqlite3 connection, which a write may use next: taken off when the
    read ends, however it ends, as is its deadline."""
    raw = connection.connection.driver_connection
    raw.execute("PRAGMA query_only=1")
    token, expired = (None, [False]) if seconds is None else _sqlite_deadlines.watch(raw, time.monotonic() + seconds)
    try:
        yield lambda _error: expired[0]
    finally:
        if token is not None:
            _sqlite_deadlines.forget(token)
        if not connection.invalidated:
            raw.execute("PRAGMA query_only=0")


@contextmanager
def _postgresql_read_only(connection: Connection, seconds: float | None) -> Iterator[Callable[[BaseException], bool]]:
    """Both settings belong to the transaction (one snapshot for the whole read): nothing to take off."""
    connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
    if seconds is not None:
        connection.exec_driver_sql(f"SET LOCAL statement_timeout = {max(1, round(seconds * 1000))}")
    yield _canceled


def _canceled(error: BaseException | None) -> bool:
    """psycopg's QueryCanceled somewhere down the chain of causes (SQLAlchemy's, then pandas' wrapping)."""
    while error is not None:
        if getattr(error, "sqlstate", None) == POSTGRESQL_QUERY_CANCELED:
            return True
        error = error.__cause__
    return False


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """An ORM session on a `read_connection`: it cannot write and has the time limit."""
    connection = _batch_connection(engine)
    if connection is not None:
        with _batch_session(connection) as session:
            yield session
        return
    with read_connection(engine) as connection, Session(bind=connection) as session:
        yield session


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """One transaction: committed when the block ends normally, rolled back on any exception.

    Inside `batch(engine)` the transaction is a SAVEPOINT of the batch's one transaction instead."""
    connection = _batch_connection(engine)
    if connection is not None:
        with _batch_session(connection) as session:
            with session.begin():
                yield session
        return
    with Session(bind=engine.execution_options(**{WRITE_OPTION: True}), expire_on_commit=False) as session:
        with session.begin():
            yield session


# --- batch: many service calls in one transaction (the spreadsheet import) ----------------------

_batches: ContextVar[dict[Engine, Connection] | None] = ContextVar("issue_batches", default=None)


def read_side_by_side(engine: Engine, calls: dict[str, Callable[[], Any]]) -> dict[str, Any]:
    """Run the reads `calls` (of `engine`) at once, policy.SIDE_BY_SIDE_READS at a time, each on its own thread and
    connection (SQLite and psycopg let go of Python's lock while the database works), and return their results
    by name; the first failure is raised. In a batch, whose reads share its one connection, one after the other."""
    if _batch_connection(engine) is not None or len(calls) < 2:
        return {name: call() for name, call in calls.items()}
    with ThreadPoolExecutor(max_workers=policy.SIDE_BY_SIDE_READS, thread_name_prefix="issue-read") as pool:
        running = {name: pool.submit(call) for name, call in calls.items()}
        return {name: future.result() for name, future in running.items()}


def _batch_connection(engine: Engine) -> Connection | None:
    return (_batches.get() or {}).get(engine)


def _batch_session(connection: Connection) -> Session:
    # Each session opens its own SAVEPOINT: a refused service call undoes only itself.
    return Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)


class Batch:
    """One write transaction that every write_session/read_session on the same engine joins
    (in this thread or task) until the block ends. Nothing is kept unless `commit()` is called."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.committed = False

    @contextmanager
    def step(self) -> Iterator[None]:
        """A SAVEPOINT around several service calls: if one is refused, the others are undone too."""
        with self.connection.begin_nested():
            yield

    def commit(self) -> None:
        self.committed = True


@contextmanager
def batch(engine: Engine) -> Iterator[Batch]:
    """`with batch(engine) as b: ...; b.commit()`: all or nothing. Rolled back unless b.commit() was
    called and the block ended normally. On SQLite the transaction starts with BEGIN IMMEDIATE."""
    if _batch_connection(engine) is not None:
        raise RuntimeError("a batch is already open on this engine")
    with engine.connect() as connection:
        connection.execution_options(**{WRITE_OPTION: True})
        transaction = connection.begin()
        token = _batches.set({**(_batches.get() or {}), engine: connection})
        try:
            current = Batch(connection)
            yield current
            if current.committed:
                transaction.commit()
        finally:
            _batches.reset(token)
            if transaction.is_active:
                transaction.rollback()


def alembic_config(engine: Engine):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(PROJECT_ROOT / "db" / "migrations"))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


MIGRATION_LOCK_ID = 0x155E_D0C5  # the PostgreSQL advisory lock that one migrating process holds at a time


@contextmanager
def migration_lock(engine: Engine) -> Iterator[None]:
    """On PostgreSQL, one process at a time migrates (and seeds): N app processes started together against a
    new version queue here, and those that follow the first find the work done. Held on a connection of its
    own (a session-level advisory lock, released when the process dies)."""
    if is_sqlite(engine):
        yield
        return
    with engine.connect() as holder:
        holder.exec_driver_sql(f"SELECT pg_advisory_lock({MIGRATION_LOCK_ID})")
        try:
            yield
        finally:
            holder.exec_driver_sql(f"SELECT pg_advisory_unlock({MIGRATION_LOCK_ID})")


def _upgrade(engine: Engine) -> None:
    from alembic import command

    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def migrate(engine: Engine) -> None:
    """Bring the database to the latest migration; a no-op when it is already there."""
    with migration_lock(engine):
        _upgrade(engine)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def is_empty(engine: Engine) -> bool:
    from issue_core.models import Site

    with read_session(engine) as session:
        return session.scalar(select(func.count()).select_from(Site)) == 0


def is_pristine(engine: Engine) -> bool:
    """Nothing was ever written: no account, no site, no audit row (the only database demo data may go into)."""
    from issue_core.models import AppUser, AuditEvent, Site

    with read_session(engine) as session:
        return all(session.scalar(select(model.id).limit(1)) is None for model in (AppUser, Site, AuditEvent))


DEMO_ON = ("1", "true", "yes", "on")


def demo_enabled(url: str | URL | None = None) -> bool:
    """Whether demo data may be written into a new database and shown (banner, demo passwords).

    ISSUE_DEMO=1 asks for it; ISSUE_DEMO=0 (or any other value) refuses it. Unset, only the setup
    of a first try has it: no cookie key configured and an SQLite database. A production setup (a
    cookie key, or PostgreSQL) never gets demo accounts unless asked for them."""
    asked = os.environ.get("ISSUE_DEMO", "").strip().lower()
    if asked:
        return asked in DEMO_ON
    from issue_core.security import configured_cookie_key  # security imports this module

    if configured_cookie_key() is not None:
        return False
    return make_url(url or configured_url()).get_backend_name() == "sqlite"


def prepare_database(engine: Engine) -> None:
    """What the app and the command line do at start: migrate, then seed the demo into a new database
    (never used) when demo data is enabled."""
    with migration_lock(engine):
        _upgrade(engine)
        if demo_enabled(engine.url) and is_pristine(engine):
            from issue_core.demo import seed_demo

            seed_demo(engine)
