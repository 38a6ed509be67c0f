"""SQL building blocks that differ between SQLite and PostgreSQL, and the data versions."""

from __future__ import annotations

from sqlalchemy import BigInteger, Date, Engine, Float, Integer, cast, func, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from issue_core.db import read_connection
from issue_core.queries.areas import area_versions

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


def in_cents(amount):  # noqa: ANN001, ANN201
    """An amount to the cent (a Money column, or the SQL text of one in a trigger) as a whole number of cents:
    exact sums on both engines, where SQLite keeps amounts as floats."""
    return cast(func.round(amount * 100), BigInteger)


def date_param(value):  # noqa: ANN001, ANN201
    """A date as a typed bound parameter (so both engines compare dates, not text)."""
    from sqlalchemy import literal

    return literal(value, Date)


# The latest audit id of each entity, found by walking the index (entity, id) of migration 0004: one probe for the
# next entity, one for its latest id (a "skip scan", same SQL on both engines), so the cost grows with the number
# of entities (~15), not of audit rows. `GROUP BY entity` would read the whole index on both engines.
_LATEST_PER_ENTITY = text("""
WITH RECURSIVE entities(entity) AS (
    SELECT min(entity) FROM audit_event
    UNION ALL
    SELECT (SELECT min(later.entity) FROM audit_event AS later WHERE later.entity > entities.entity)
    FROM entities WHERE entities.entity IS NOT NULL
)
SELECT entity, (SELECT max(latest.id) FROM audit_event AS latest WHERE latest.entity = entities.entity)
FROM entities WHERE entity IS NOT NULL
""")


def data_versions(engine: Engine) -> dict[str, int]:
    """The version of each data area (issue_core.queries.areas): the latest audit id of the entities written
    into it. One cheap query; the database holds the truth, so every app process sees every write."""
    with read_connection(engine) as connection:
        return area_versions((entity, int(latest)) for entity, latest in connection.execute(_LATEST_PER_ENTITY))
