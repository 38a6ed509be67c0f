"""Every table of the app, for the admin export page and `python -m issue_core export`.

Rows come ordered by primary key; the password hashes never leave the database; JSON columns come
out as JSON text and date-times as ISO 8601 text in UTC (exact, and the same in CSV and XLSX).
Several tables are read in one transaction, so an export taken while the app writes is consistent
(a payment and its audit row are both in it, or neither). The exports stream: each table is read
CHUNK_ROWS rows at a time and written as it comes (CSV parts, openpyxl's write-only workbook), so
their memory does not grow with the tables (the sector-scale CSV export, 1.5 M payments, peaks at
about 190 MB, against 1.3 GB when tables were read whole). A workbook is refused from the row counts,
before any row is read. `table_frames` reads whole tables, for tests and checks on small databases.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import pandas as pd
from sqlalchemy import JSON, Column, Connection, Engine, Float, Integer, Select, Table, func, select, text

from issue_core.db import is_sqlite, read_connection
from issue_core.errors import DomainError
from issue_core.export import csv_parts, write_xlsx
from issue_core.models import DERIVED_TABLES, Base

# Reference data first, then what refers to it (the order of DOMAIN.md).
TABLE_ORDER = (
    "organisation", "axis", "axis_operator", "site", "convention", "unit", "unit_unavailability",
    "household", "placement", "contribution_scale", "contribution_status", "payment", "app_user", "audit_event",
)
SECRET_COLUMNS = {"app_user": {"password_hash"}, "app_session": {"token_hash"}, "screen_token": {"token_hash"},
                  "screen_session": {"token_hash"}}
EXCEL_MAX_ROWS = 1_048_576  # per sheet, the header row included
CHUNK_ROWS = 20_000  # rows an export reads (and writes) at a time
COUNTED_UP_TO = 50_000  # PostgreSQL: the export page shows the estimate of larger tables (table_counts)
# How far PostgreSQL's estimate may be from the count: autovacuum lets up to 20 % of a table's rows die (or be
# replaced) before it vacuums, so the estimate can be up to 1.25 times too high or too low.
ESTIMATE_MARGIN = 1.25


class TooManyRowsForExcel(DomainError):
    def __init__(self, table: str, rows: int) -> None:
        super().__init__("export.too_many_rows", table=table, rows=rows, maximum=EXCEL_MAX_ROWS - 1)


def table_names() -> list[str]:
    """Every table of the models: the known ones in a sensible order, then any newer one."""
    known = [name for name in TABLE_ORDER if name in Base.metadata.tables]
    return known + sorted(name for name in Base.metadata.tables if name not in (*TABLE_ORDER, *DERIVED_TABLES))


def _table(name: str) -> Table:
    if name not in Base.metadata.tables or name in DERIVED_TABLES:
        raise DomainError("export.unknown_table", table=name)
    return Base.metadata.tables[name]


def exported_columns(name: str) -> list[Column]:
    hidden = SECRET_COLUMNS.get(name, set())
    return [column for column in _table(name).columns if column.name not in hidden]


def _export_value(value: object, column: Column) -> object:
    if value is None:
        return None
    if isinstance(column.type, JSON):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, datetime):
        as_utc = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)  # stored in UTC
        return as_utc.isoformat()
    return value


def _query(name: str) -> Select:
    return select(*exported_columns(name)).order_by(*_table(name).primary_key.columns)


def _frame(rows: Iterable[Sequence], columns: list[Column]) -> pd.DataFrame:
    values = [[_export_value(value, column) for value, column in zip(row, columns)] for row in rows]
    # object dtype: integers with gaps stay integers (not 3.0), dates stay dates.
    return pd.DataFrame(values, columns=[column.name for column in columns], dtype=object)


def _read_table(connection: Connection, name: str) -> pd.DataFrame:
    return _frame(connection.execute(_query(name)), exported_columns(name))


def _table_chunks(connection: Connection, name: str) -> Iterator[pd.DataFrame]:
    """The table's rows as the exports write them, CHUNK_ROWS rows at a time (at least one frame)."""
    columns = exported_columns(name)
    as_floats = _numbers_with_gaps(connection, name)
    result = connection.execute(_query(name).execution_options(yield_per=CHUNK_ROWS))
    read_any = False
    for rows in result.partitions():
        read_any = True
        yield _frame(rows, columns).astype(dict.fromkeys(as_floats, "float64"))
    if not read_any:
        yield _frame([], columns)


def _numbers_with_gaps(connection: Connection, name: str) -> list[str]:
    """The number columns holding both NULLs and numbers. Before the exports streamed they wrote whole
    tables, where pandas turns such a column into floats (12 comes out as 12.0): each chunk does the
    same, so the files stay as they were, wherever a chunk starts."""
    nullable = [column for column in exported_columns(name)
                if column.nullable and isinstance(column.type, (Integer, Float))]
    if not nullable:
        return []
    total, *filled = connection.execute(
        select(func.count(), *(func.count(column) for column in nullable)).select_from(_table(name))
    ).one()
    return [column.name for column, count in zip(nullable, filled) if 0 < count < total]


def _row_counts(connection: Connection, names: Iterable[str]) -> dict[str, int]:
    return {name: connection.scalar(select(func.count()).select_from(_table(name))) for name in names}


def _checked_names(names: Iterable[str] | None) -> list[str]:
    names = list(table_names() if names is None else names)
    for name in names:
        _table(name)
    return names


def table_frames(engine: Engine, names: Iterable[str] | None = None) -> dict[str, pd.DataFrame]:
    """The tables asked for (all by default), read in one read-only transaction (one snapshot on both
    engines). Without the time limit of the pages' reads: a whole table has no filter to narrow.
    Whole tables in memory: for tests and small databases; the exports stream (`_table_chunks`)."""
    names = _checked_names(names)
    with read_connection(engine, limited=False) as connection:
        return {name: _read_table(connection, name) for name in names}


def table_frame(engine: Engine, name: str) -> pd.DataFrame:
    """All rows of one table, ordered by primary key (never a password hash)."""
    return table_frames(engine, [name])[name]


def table_counts(engine: Engine) -> pd.DataFrame:
    """Rows per table, in the export order (columns: table, rows, exact).

    PostgreSQL's count(*) reads the whole table (70 ms for 1.5 M payments, where SQLite counts every table
    in 20 ms): a table its statistics put above COUNTED_UP_TO rows shows that estimate instead (exact False,
    to three significant digits), which autovacuum keeps current, unless it is within ESTIMATE_MARGIN of
    Excel's limit, where the exact count decides whether the table fits a sheet. SQLite keeps no such
    statistics: every table is counted."""
    names = table_names()
    with read_connection(engine) as connection:
        estimated = {} if is_sqlite(engine) else _estimated_rows(connection, names)
        estimated = {name: _three_digits(rows) for name, rows in estimated.items() if _estimate_will_do(rows)}
        counted = _row_counts(connection, [name for name in names if name not in estimated])
    rows = [(name, counted[name], True) if name in counted else (name, estimated[name], False) for name in names]
    return pd.DataFrame(rows, columns=["table", "rows", "exact"])


def _estimated_rows(connection: Connection, names: list[str]) -> dict[str, int]:
    """PostgreSQL: each table's rows as its planner estimates them (the rows per page of the last VACUUM or ANALYZE
    times the pages it has now); none for a table never analysed."""
    estimates = connection.execute(text(
        "SELECT name, c.reltuples / c.relpages * (pg_relation_size(c.oid) / current_setting('block_size')::int)"
        " FROM unnest(CAST(:names AS text[])) AS name JOIN pg_class AS c ON c.oid = to_regclass(name)"
        " WHERE c.relpages > 0 AND c.reltuples >= 0"
    ), {"names": names})
    return {name: int(rows) for name, rows in estimates}


def _three_digits(rows: int) -> int:
    return int(float(f"{rows:.3g}"))


def _estimate_will_do(rows: int) -> bool:
    return rows > COUNTED_UP_TO and not EXCEL_MAX_ROWS / ESTIMATE_MARGIN <= rows <= EXCEL_MAX_ROWS * ESTIMATE_MARGIN


def fits_in_excel(rows: int) -> bool:
    return rows <= EXCEL_MAX_ROWS - 1


def too_big_for_excel(counts: dict[str, int]) -> dict[str, int]:
    """The tables (with their row counts) that would not fit in a sheet."""
    return {name: rows for name, rows in counts.items() if not fits_in_excel(rows)}


def _sheets(connection: Connection, counts: dict[str, int]) -> Iterator[tuple[str, int, Iterator[pd.DataFrame]]]:
    return ((name, rows, _table_chunks(connection, name)) for name, rows in counts.items())


def tables_csv(engine: Engine, name: str) -> bytes:
    """One table as CSV, read CHUNK_ROWS rows at a time: only the file's bytes are held."""
    _table(name)
    buffer = BytesIO()
    with read_connection(engine, limited=False) as connection:
        buffer.writelines(csv_parts(_table_chunks(connection, name)))
    return buffer.getvalue()


def tables_xlsx(engine: Engine, names: Iterable[str] | None = None) -> bytes:
    """One workbook, a sheet per table; refused (TooManyRowsForExcel) from the row counts, before any
    row is read, when a sheet would not fit."""
    names = _checked_names(names)
    buffer = BytesIO()
    with read_connection(engine, limited=False) as connection:
        counts = _row_counts(connection, names)
        for name, rows in too_big_for_excel(counts).items():
            raise TooManyRowsForExcel(name, rows)
        write_xlsx(buffer, _sheets(connection, counts))
    return buffer.getvalue()


def export_command(engine: Engine, args: argparse.Namespace) -> int:
    """`python -m issue_core export DEST`: DEST.xlsx → one workbook; any other DEST → a folder of CSV files."""
    destination = Path(args.dest)
    if destination.suffix.lower() == ".xlsx":
        return _export_workbook(engine, destination)
    if destination.exists() and not destination.is_dir():
        print(f"{destination} is a file, not a folder: give an .xlsx file or a folder (nothing written)",
              file=sys.stderr)
        return 2
    return _export_folder(engine, destination)


def _export_workbook(engine: Engine, destination: Path) -> int:
    if destination.is_dir():
        print(f"{destination} is a folder: give a file name ending in .xlsx (nothing written)", file=sys.stderr)
        return 2
    with read_connection(engine, limited=False) as connection:
        counts = _row_counts(connection, table_names())
        too_big = too_big_for_excel(counts)
        if too_big:
            for name, rows in too_big.items():
                print(TooManyRowsForExcel(name, rows).message("en"), file=sys.stderr)
            print("nothing written: export to a folder instead (one CSV file per table)", file=sys.stderr)
            return 2
        destination.parent.mkdir(parents=True, exist_ok=True)
        write_xlsx(str(destination), _sheets(connection, counts))  # the file is written once all rows are read
    _print_summary(counts, f"workbook {destination} (one sheet per table)")
    return 0


def _export_folder(engine: Engine, destination: Path) -> int:
    destination.mkdir(parents=True, exist_ok=True)
    with read_connection(engine, limited=False) as connection:
        counts = _row_counts(connection, table_names())
        for name in counts:
            with (destination / f"{name}.csv").open("wb") as file:
                file.writelines(csv_parts(_table_chunks(connection, name)))
    _print_summary(counts, f"folder {destination} (one CSV file per table)")
    return 0


def _print_summary(counts: dict[str, int], where: str) -> None:
    for name, rows in counts.items():
        print(f"  {name}: {rows} rows")
    print(f"{len(counts)} tables exported to {where}; formulas neutralised, password hashes left out")
