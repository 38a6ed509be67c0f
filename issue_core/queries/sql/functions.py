"""SQL building blocks that differ between SQLite and PostgreSQL, and the data version."""

from __future__ import annotations

from sqlalchemy import Date, Engine, Float, Integer, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from issue_core.db import read_connection
from issue_core.models import AuditEvent

DAYS_PER_MONTH = 365.25 / 12


class days_between(FunctionElement):  # noqa: N801 (reads like the SQL function it is)
    """Whole days from `start` to `end` (end − start), on both engines."""

    type = Integer()
    inherit_cache = True
    name = "days_between"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element, compiler, **kw):  # noqa: ANN001
    start, end = list(element.clauses)
    return f"CAST(julianday({compiler.process(end, **kw)}) - julianday({compiler.process(start, **kw)}) AS INTEGER)"


@compiles(days_between, "postgresql")
def _days_between_postgresql(element, compiler, **kw):  # noqa: ANN001
    start, end = list(element.clauses)
    return f"(CAST({compiler.process(end, **kw)} AS DATE) - CAST({compiler.process(start, **kw)} AS DATE))"


def months_to_nearest_half(days):  # noqa: ANN001, ANN201
    """Days → months (365.25 ÷ 12 days each), to the nearest half month, as SQL."""
    return func.round(func.cast(days, Float) * 2 / DAYS_PER_MONTH) / 2.0


def date_param(value):  # noqa: ANN001, ANN201
    """A date as a typed bound parameter (so both engines compare dates, not text)."""
    from sqlalchemy import literal

    return literal(value, Date)


def data_version(engine: Engine) -> int:
    """The id of the latest write: cached reads stay valid until it changes (any user, any process)."""
    with read_connection(engine) as connection:
        return connection.execute(select(func.coalesce(func.max(AuditEvent.id), 0))).scalar_one()
