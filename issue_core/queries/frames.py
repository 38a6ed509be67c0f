"""Reading an aggregate query into a DataFrame with the same column types on both engines.

SQLite returns computed dates as text and PostgreSQL returns sums as Decimal: each metric names
its date, count and amount columns, and they come out as `date`, int and float (money to the cent).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.sql import Select

MONEY_DECIMALS = 2


def read_frame(
    engine: Engine,
    query: Select,
    *,
    dates: Iterable[str] = (),
    ints: Iterable[str] = (),
    floats: Iterable[str] = (),
    money: Iterable[str] = (),
) -> pd.DataFrame:
    with engine.connect() as connection:
        frame = pd.read_sql(query, connection)
    return typed(frame, dates=dates, ints=ints, floats=floats, money=money)


def typed(
    frame: pd.DataFrame,
    *,
    dates: Iterable[str] = (),
    ints: Iterable[str] = (),
    floats: Iterable[str] = (),
    money: Iterable[str] = (),
) -> pd.DataFrame:
    for column in dates:
        frame[column] = [as_date(value) for value in frame[column]]
        frame[column] = frame[column].astype(object)
    for column in ints:
        frame[column] = pd.to_numeric(frame[column]).fillna(0).astype("int64")
    for column in floats:
        frame[column] = pd.to_numeric(frame[column]).astype("float64")
    for column in money:
        frame[column] = pd.to_numeric(frame[column]).fillna(0).astype("float64").round(MONEY_DECIMALS)
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
