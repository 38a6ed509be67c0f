"""Whether the database answers: `python -m issue_core health` (for systemd, a proxy or monitoring;
Streamlit's own /_stcore/health says only that the web server is up) and the pages' wait for the
database to come back."""

from __future__ import annotations

import argparse
import time

from sqlalchemy import Engine

from issue_core.db import get_engine, is_sqlite

HEALTH_TIMEOUT_SECONDS = 3


def database_problem(engine: Engine, timeout: float = HEALTH_TIMEOUT_SECONDS) -> str | None:
    """None if `SELECT 1` answers within `timeout` seconds (on PostgreSQL), else why not, in one line."""
    try:
        with engine.connect() as connection:
            if not is_sqlite(engine):
                connection.exec_driver_sql(f"SET LOCAL statement_timeout = {max(1, round(timeout * 1000))}")
            connection.exec_driver_sql("SELECT 1").scalar_one()
            connection.rollback()
    except Exception as error:  # noqa: BLE001 (whatever the driver raises, the database did not answer)
        return " ".join(str(getattr(error, "orig", None) or error).split()) or type(error).__name__
    return None


def database_answers(engine: Engine) -> bool:
    return database_problem(engine) is None


def health_command(args: argparse.Namespace) -> int:
    """One line; exit status 0 when the database answers, 1 when it does not. Never migrates."""
    engine = get_engine(args.database_url)
    started = time.monotonic()
    problem = database_problem(engine, args.timeout)
    where = f"{engine.dialect.name} {engine.url.render_as_string(hide_password=True)}"
    if problem is not None:
        print(f"unavailable: {where}: {problem}")
        return 1
    print(f"ok: {where} answered in {(time.monotonic() - started) * 1000:.0f} ms")
    return 0
