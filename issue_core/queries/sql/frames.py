"""Reading an aggregate query into a DataFrame with the same column types on both engines.

SQLite returns computed dates as text and PostgreSQL returns sums as Decimal: each metric names
its date, count and amount columns, and they come out as `date`, int and float (money to the cent).
Columns of catalogue keys (an exit destination, a status) come out as text or None, never NaN (pandas
reads a missing text as NaN, which is truthy: a page would show the key exit.nan).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.sql import Select

from issue_core.db import read_connection

CENT = Decimal("0.01")


def cents(value: object) -> Decimal:
    """An amount to the cent, half up: the one rounding of money on the read side. A float is taken
    at its shortest decimal form (76.66666666666667, 0.125 → 0.13); None or NaN is 0."""
    if value is None or (not isinstance(value, Decimal) and pd.isna(value)):
        return Decimal("0.00")
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


# Below a million euros, |x| × 100 is within 1e-7 of the exact decimal of x's shortest form × 100: a fraction of a
# cent that far from a half is rounded the same way by floats as by Decimal.
_FAST_CENTS_LIMIT = 1e6
_HALF_MARGIN = 1e-6


def cents_column(values: Iterable[object]) -> np.ndarray:
    """[float(cents(value)) for value in values], the same floats, for a whole column at once (Decimal for
    each row takes seconds for a long table); the values Decimal does differently (a half cent, huge or
    not a float) are still rounded by cents."""
    series = pd.Series(values) if not isinstance(values, pd.Series) else values
    if series.dtype.kind not in "fiu":  # Decimal (PostgreSQL's sums), None…: one by one
        return np.array([float(cents(value)) for value in series], dtype="float64")
    x = series.to_numpy(dtype="float64")
    scaled = np.abs(x) * 100
    result = np.copysign(np.floor(scaled + 0.5) / 100, x)
    doubtful = ~(np.abs(x) < _FAST_CENTS_LIMIT) | (np.abs(scaled - np.floor(scaled) - 0.5) < _HALF_MARGIN)
    for index in np.flatnonzero(doubtful):
        result[index] = float(cents(x[index]))
    return result


def whole_cents(amounts: Iterable[object]) -> np.ndarray:
    """Amounts as whole numbers of cents (int64): their sums are exact."""
    return np.round(cents_column(amounts) * 100).astype("int64")


def money_sum(values: Iterable[object]) -> Decimal:
    """The exact sum of amounts already to the cent (a column of a money frame)."""
    if isinstance(values, pd.Series) and values.dtype.kind in "fiu":  # whole cents added as integers: exact
        return Decimal(int(whole_cents(values).sum())).scaleb(-2)
    return sum((cents(value) for value in values), Decimal("0.00"))


def read_frame(
    engine: Engine,
    query: Select,
    *,
    dates: Iterable[str] = (),
    ints: Iterable[str] = (),
    floats: Iterable[str] = (),
    money: Iterable[str] = (),
    keys: Iterable[str] = (),
) -> pd.DataFrame:
    with read_connection(engine) as connection:
        frame = pd.read_sql(query, connection)
    return typed(frame, dates=dates, ints=ints, floats=floats, money=money, keys=keys)


def typed(
    frame: pd.DataFrame,
    *,
    dates: Iterable[str] = (),
    ints: Iterable[str] = (),
    floats: Iterable[str] = (),
    money: Iterable[str] = (),
    keys: Iterable[str] = (),
) -> pd.DataFrame:
    for column in dates:
        frame[column] = [as_date(value) for value in frame[column]]
        frame[column] = frame[column].astype(object)
    for column in ints:
        frame[column] = pd.to_numeric(frame[column]).fillna(0).astype("int64")
    for column in floats:
        frame[column] = pd.to_numeric(frame[column]).astype("float64")
    for column in money:
        frame[column] = pd.Series(cents_column(frame[column]), index=frame.index, dtype="float64")
    for column in keys:
        frame[column] = pd.Series([value if isinstance(value, str) else None for value in frame[column]],
                                  index=frame.index, dtype=object)
    return frame


def as_date(value) -> date | None:  # noqa: ANN001
    """A date from what either engine returns (date, datetime, ISO text, None/NaN)."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, date):
        return value if type(value) is date else value.date()
    return date.fromisoformat(str(value)[:10])


# A box plot's five figures as quantiles: shortest, first quartile, median, third quartile, longest.
BOX_QUANTILES = {"shortest_days": 0.0, "q1_days": 0.25, "median_days": 0.5, "q3_days": 0.75, "longest_days": 1.0}


def box_figures(days) -> pd.DataFrame:  # noqa: ANN001 (a pandas SeriesGroupBy of days)
    """Per group of `days`: the five figures of its box plot (BOX_QUANTILES' columns, as floats), quartiles
    interpolated linearly between values (pandas' default, as Vega's own box plots) — a chart draws a box
    from them without the rows behind it."""
    return pd.DataFrame({name: days.quantile(share) for name, share in BOX_QUANTILES.items()}).astype("float64")
