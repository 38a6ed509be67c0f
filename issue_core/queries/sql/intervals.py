"""Interval arithmetic in SQL, the same on SQLite and PostgreSQL.

Every period here is a half-open range of days [start, end), an open end (NULL) running past any
window it meets. The stored ranges and the rules on them (overlap, a convention's inclusive end, …)
are in issue_core.rules.

The metrics sum the lengths of intersections of such ranges with "windows" (a month, a day, a
period) instead of expanding days: a window is a row of a small calendar built in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Date, Float, Integer, func, literal, select, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from issue_core.queries.sql.functions import date_param, days_between

ONE_DAY = timedelta(days=1)


# --- functions that differ between the engines ---------------------------------------------------


class greatest(FunctionElement):  # noqa: N801 (reads like the SQL function it is)
    """The largest argument. Arguments must not be NULL (SQLite's max() would return NULL)."""

    inherit_cache = True
    name = "greatest"


class least(FunctionElement):  # noqa: N801
    """The smallest argument. Arguments must not be NULL (SQLite's min() would return NULL)."""

    inherit_cache = True
    name = "least"


@compiles(greatest, "sqlite")
def _greatest_sqlite(element, compiler, **kw):  # noqa: ANN001
    return f"max({compiler.process(element.clauses, **kw)})"


@compiles(least, "sqlite")
def _least_sqlite(element, compiler, **kw):  # noqa: ANN001
    return f"min({compiler.process(element.clauses, **kw)})"


@compiles(greatest, "postgresql")
def _greatest_postgresql(element, compiler, **kw):  # noqa: ANN001
    return f"GREATEST({compiler.process(element.clauses, **kw)})"


@compiles(least, "postgresql")
def _least_postgresql(element, compiler, **kw):  # noqa: ANN001
    return f"LEAST({compiler.process(element.clauses, **kw)})"


class next_day(FunctionElement):  # noqa: N801
    """The day after a date (a convention's inclusive last day → the exclusive end of its range)."""

    type = Date()
    inherit_cache = True
    name = "next_day"


@compiles(next_day, "sqlite")
def _next_day_sqlite(element, compiler, **kw):  # noqa: ANN001
    return f"date({compiler.process(element.clauses, **kw)}, '+1 day')"


@compiles(next_day, "postgresql")
def _next_day_postgresql(element, compiler, **kw):  # noqa: ANN001
    return f"(CAST({compiler.process(element.clauses, **kw)} AS DATE) + 1)"


class month_position(FunctionElement):  # noqa: N801
    """A day as a number of months: month index + (day of month − 1) ÷ days in that month.

    For any days x ≤ y, month_position(y) − month_position(x) = Σ over the days of [x, y) of
    1 ÷ (days in that day's month). So a monthly amount A due over [x, y) is A × that difference,
    however many month boundaries the range crosses — no calendar expansion needed.
    """

    type = Float()
    inherit_cache = True
    name = "month_position"


@compiles(month_position, "sqlite")
def _month_position_sqlite(element, compiler, **kw):  # noqa: ANN001
    # SQLite keeps dates as ISO text (YYYY-MM-DD): substr is much cheaper than strftime, and so is working
    # out the days in the month from its number (a quarter of the due computation's time with strftime).
    day = compiler.process(element.clauses, **kw)
    year, month = f"CAST(substr({day}, 1, 4) AS INTEGER)", f"CAST(substr({day}, 6, 2) AS INTEGER)"
    leap = f"({year} % 4 = 0 AND ({year} % 100 <> 0 OR {year} % 400 = 0))"
    days_in_month = f"(CASE {month} WHEN 2 THEN 28 + {leap} WHEN 4 THEN 30 WHEN 6 THEN 30 WHEN 9 THEN 30" \
                    " WHEN 11 THEN 30 ELSE 31 END)"
    return f"({year} * 12 + {month} - 1 + (CAST(substr({day}, 9, 2) AS REAL) - 1) / {days_in_month})"


@compiles(month_position, "postgresql")
def _month_position_postgresql(element, compiler, **kw):  # noqa: ANN001
    # date_part (double precision) rather than EXTRACT (numeric, much slower to compute with).
    day = f"CAST({compiler.process(element.clauses, **kw)} AS DATE)"
    return (
        f"(date_part('year', {day}) * 12 + date_part('month', {day}) - 1"
        f" + (date_part('day', {day}) - 1)"
        f" / date_part('day', date_trunc('month', {day}) + INTERVAL '1 month' - INTERVAL '1 day'))"
    )


# --- sums over ranges (a range is a pair (start, exclusive end or NULL); issue_core.rules names the
# stored ones) ----------------------------------------------------------------------------------------


def common_days(ranges, window_start, window_end):  # noqa: ANN001, ANN201
    """Days shared by every range (start, end — NULL for open) and the window [window_start, window_end).

    Open ends are clipped at the window end, so no argument of greatest/least is NULL."""
    first, last = common_bounds(ranges, window_start, window_end)
    return greatest(literal(0), days_between(first, last))


def common_months(ranges, window_start, window_end):  # noqa: ANN001, ANN201
    """Like common_days, measured in months: Σ over the shared days of 1 ÷ days in their month."""
    first, last = common_bounds(ranges, window_start, window_end)
    return greatest(literal(0.0), month_position(last) - month_position(first))


def common_bounds(ranges, window_start, window_end):  # noqa: ANN001, ANN201
    """(first, last): the range of the days shared by every range and the window (first ≥ last when none)."""
    starts = [window_start] + [start for start, _ in ranges]
    ends = [window_end] + [func.coalesce(end, window_end) for _, end in ranges]
    return greatest(*starts), least(*ends)


def sum_of_parts(parts, keys: list[str], values: list[str]):  # noqa: ANN001, ANN201
    """Σ of `values` per `keys` over the UNION ALL of already grouped queries (each part sums its
    own rows first, so the union carries a few rows per window, not one per range)."""
    union = union_all(*parts).subquery("parts")
    key_columns = [union.c[key] for key in keys]
    return select(*key_columns, *(func.sum(union.c[value]).label(value) for value in values)).group_by(*key_columns)


# --- windows: a small calendar built in Python ----------------------------------------------------


@dataclass(frozen=True)
class Window:
    """One row of a calendar: [start, end), labelled by `key` (a month's first day, or a day)."""

    key: date
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def month_windows(start: date, end: date, *, whole_months: bool = False) -> list[Window]:
    """The calendar months meeting [start, end), each clipped to it (or whole when asked)."""
    windows, month = [], first_of_month(start)
    while month < end:
        following = next_month(month)
        if whole_months:
            windows.append(Window(month, month, following))
        else:
            windows.append(Window(month, max(month, start), min(following, end)))
        month = following
    return windows


def period_window(start: date, end: date) -> list[Window]:
    return [Window(start, start, end)] if start < end else []


def day_window(day: date) -> list[Window]:
    return [Window(day, day, day + ONE_DAY)]


def windows_table(windows: list[Window], name: str = "window"):  # noqa: ANN201
    """The windows as a subquery (key, start, end, days): a UNION ALL of bound rows.

    A UNION ALL rather than VALUES, which SQLite cannot alias column by column."""
    if not windows:
        raise ValueError("at least one window")
    rows = [
        select(
            date_param(w.key).label("key"),
            date_param(w.start).label("start"),
            date_param(w.end).label("end"),
            literal(w.days, Integer).label("days"),
        )
        for w in windows
    ]
    return (rows[0] if len(rows) == 1 else union_all(*rows)).subquery(name)
