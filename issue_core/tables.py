"""Every table of the app as a DataFrame, for the admin export page and `python -m issue_core export`.

Rows come ordered by primary key; the password hashes never leave the database; JSON columns come
out as JSON text and date-times as ISO 8601 text in UTC (exact, and the same in CSV and XLSX).
Several tables are read in one transaction, so an export taken while the app writes is consistent
(a payment and its audit row are both in it, or neither). Tables are read whole into memory: fine
for the partnership's size; a very large audit_event would need a streamed export.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from sqlalchemy import JSON, Column, Connection, Engine, Table, func, select

from issue_core.db import read_connection
from issue_core.errors import DomainError
from issue_core.export import to_csv, to_xlsx
from issue_core.models import Base

# Reference data first, then what refers to it (the order of DOMAIN.md).
TABLE_ORDER = (
    "organisation", "axis", "axis_operator", "site", "convention", "unit", "unit_unavailability",
    "household", "placement", "contribution_scale", "contribution_status", "payment", "app_user", "audit_event",
)
SECRET_COLUMNS = {"app_user": {"password_hash"}, "app_session": {"token_hash"}, "screen_token": {"token_hash"},
                  "screen_session": {"token_hash"}}
EXCEL_MAX_ROWS = 1_048_576  # per sheet, the header row included


class TooManyRowsForExcel(DomainError):
    def __init__(self, table: str, rows: int) -> None:
        super().__init__("export.too_many_rows", table=table, rows=rows, maximum=EXCEL_MAX_ROWS - 1)


def table_names() -> list[str]:
    """Every table of the models: the known ones in a sensible order, then any newer one."""
    known = [name for name in TABLE_ORDER if name in Base.metadata.tables]
    return known + sorted(name for name in Base.metadata.tables if name not in TABLE_ORDER)


def _table(name: str) -> Table:
    if name not in Base.metadata.tables:
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


def _read_table(connection: Connection, name: str) -> pd.DataFrame:
    columns = exported_columns(name)
    query = select(*columns).order_by(*_table(name).primary_key.columns)
    rows = [[_export_value(value, column) for value, column in zip(row, columns)] for row in connection.execute(query)]
    # object dtype: integers with gaps stay integers (not 3.0), dates stay dates.
    return pd.DataFrame(rows, columns=[column.name for column in columns], dtype=object)


def table_frames(engine: Engine, names: Iterable[str] | None = None) -> dict[str, pd.DataFrame]:
    """The tables asked for (all by default), read in one read-only transaction (one snapshot on both
    engines). Without the time limit of the pages' reads: a whole table has no filter to narrow."""
    names = list(table_names() if names is None else names)
    for name in names:
        _table(name)
    with read_connection(engine, limited=False) as connection:
        return {name: _read_table(connection, name) for name in names}


def table_frame(engine: Engine, name: str) -> pd.DataFrame:
    """All rows of one table, ordered by primary key (never a password hash)."""
    return table_frames(engine, [name])[name]


def table_counts(engine: Engine) -> pd.DataFrame:
    """Rows per table, in the export order (columns: table, rows)."""
    with read_connection(engine) as connection:
        counts = [
            (name, connection.scalar(select(func.count()).select_from(_table(name)))) for name in table_names()
        ]
    return pd.DataFrame(counts, columns=["table", "rows"])


def fits_in_excel(rows: int) -> bool:
    return rows <= EXCEL_MAX_ROWS - 1


def too_big_for_excel(frames: dict[str, pd.DataFrame]) -> dict[str, int]:
    """The tables (with their row counts) that would not fit in a sheet."""
    return {name: len(frame) for name, frame in frames.items() if not fits_in_excel(len(frame))}


def tables_csv(engine: Engine, name: str) -> bytes:
    return to_csv(table_frame(engine, name))


def tables_xlsx(engine: Engine, names: Iterable[str] | None = None) -> bytes:
    """One workbook, a sheet per table; refused (TooManyRowsForExcel) when a sheet would not fit."""
    frames = table_frames(engine, names)
    for name, rows in too_big_for_excel(frames).items():
        raise TooManyRowsForExcel(name, rows)
    return to_xlsx(frames)


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
    frames = table_frames(engine)
    too_big = too_big_for_excel(frames)
    if too_big:
        for name, rows in too_big.items():
            print(TooManyRowsForExcel(name, rows).message("en"), file=sys.stderr)
        print("nothing written: export to a folder instead (one CSV file per table)", file=sys.stderr)
        return 2
    destination.parent.mkdir(parents=True, exist_ok=True)
    destination.write_bytes(to_xlsx(frames))
    _print_summary(frames, f"workbook {destination} (one sheet per table)")
    return 0


def _export_folder(engine: Engine, destination: Path) -> int:
    frames = table_frames(engine)
    destination.mkdir(parents=True, exist_ok=True)
    for name, frame in frames.items():
        (destination / f"{name}.csv").write_bytes(to_csv(frame))
    _print_summary(frames, f"folder {destination} (one CSV file per table)")
    return 0


def _print_summary(frames: dict[str, pd.DataFrame], where: str) -> None:
    for name, frame in frames.items():
        print(f"  {name}: {len(frame)} rows")
    print(f"{len(frames)} tables exported to {where}; formulas neutralised, password hashes left out")
