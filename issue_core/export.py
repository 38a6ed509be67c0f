"""Data leaving the app (CSV and XLSX downloads): spreadsheet formula injection neutralised."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime
from itertools import chain
from typing import IO

import pandas as pd

from issue_core.i18n import BRUSSELS

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: object) -> object:
    """A text cell a spreadsheet would read as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    safe = frame.copy()
    safe.columns = [neutralise_cell(str(column)) for column in safe.columns]
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(neutralise_cell)
    return safe


# CSV layouts (separator, decimal mark): "plain" for any program; "excel_be" for Excel set to Belgian
# (or French, Dutch) settings, which opens a CSV in columns only with ";" and reads 5302,74 as a number.
CSV_LAYOUTS = {"plain": (",", "."), "excel_be": (";", ",")}


def to_csv(frame: pd.DataFrame, layout: str = "plain") -> bytes:
    """UTF-8 with a byte-order mark, so spreadsheet programs read accents right. Numbers are written
    as numbers, with the layout's separator and decimal mark (CSV_LAYOUTS)."""
    return _csv_text(frame, layout, header=True).encode("utf-8-sig")


def csv_parts(frames: Iterable[pd.DataFrame], layout: str = "plain") -> Iterator[bytes]:
    """One CSV file written frame by frame, the header and the byte-order mark once at the top: the bytes
    of `to_csv` of the frames put end to end (when each column keeps its type from frame to frame)."""
    for index, frame in enumerate(frames):
        yield to_csv(frame, layout) if index == 0 else _csv_text(frame, layout, header=False).encode("utf-8")


def _csv_text(frame: pd.DataFrame, layout: str, *, header: bool) -> str:
    separator, decimal = CSV_LAYOUTS[layout]
    return neutralise_formulas(frame).to_csv(index=False, header=header, sep=separator, decimal=decimal)


MAX_SHEET_NAME = 31  # Excel's limit
MAX_COLUMN_WIDTH = 60
WIDTH_SAMPLE_ROWS = 500  # a column's width fits its header and its first values


def to_xlsx(sheets: dict[str, pd.DataFrame]) -> bytes:
    """A workbook with one formatted sheet per frame (bold frozen header, fitted column widths).

    Every text cell is written as text, never as a formula, and neutralised like the CSV."""
    from io import BytesIO

    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, frame in sheets.items():
        sheet = workbook.create_sheet(_sheet_name(name, workbook.sheetnames))
        safe = neutralise_formulas(frame)
        sheet.append([str(column) for column in safe.columns])
        for row in safe.itertuples(index=False):
            sheet.append([_cell_value(value) for value in row])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        _fit_columns(sheet, safe)
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # openpyxl would otherwise take "=…" for a formula
                elif number_format := _date_format(cell.value):
                    cell.number_format = number_format
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_xlsx(target: str | IO[bytes], sheets: Iterable[tuple[str, int, Iterable[pd.DataFrame]]]) -> None:
    """`to_xlsx` for sheets too big to hold in memory: each sheet is given as its number of rows and the
    frames holding them, written one after the other (openpyxl's write-only workbook), with the cells,
    formats and widths `to_xlsx` gives the frames put end to end. `target`: a file name or a binary file."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    for name, rows, frames in sheets:
        sheet = workbook.create_sheet(_sheet_name(name, workbook.sheetnames))
        head, rest = _first_rows(iter(frames), WIDTH_SAMPLE_ROWS)
        safe_head = neutralise_formulas(head)
        # Written before the rows (a write-only sheet cannot go back): the widths, and the sheet's size, which
        # readers take from the file (openpyxl's read-only max_row); write-only sheets leave it out otherwise.
        _fit_columns(sheet, safe_head)
        size = f"A1:{get_column_letter(max(1, len(safe_head.columns)))}{rows + 1}"
        sheet.calculate_dimension = lambda size=size: size
        sheet.freeze_panes = "A2"
        sheet.append([_header_cell(sheet, column) for column in safe_head.columns])
        for safe in chain([safe_head], (neutralise_formulas(frame) for frame in rest)):
            for row in safe.itertuples(index=False):
                sheet.append([_write_only_value(sheet, _cell_value(value)) for value in row])
    workbook.save(target)


def _first_rows(frames: Iterator[pd.DataFrame], rows: int) -> tuple[pd.DataFrame, Iterator[pd.DataFrame]]:
    """The first frames joined until they hold `rows` rows (or all of them), and the frames left."""
    head = [next(frames)]
    while sum(len(frame) for frame in head) < rows and (frame := next(frames, None)) is not None:
        head.append(frame)
    return (head[0] if len(head) == 1 else pd.concat(head, ignore_index=True)), frames


def _fit_columns(sheet: object, safe: pd.DataFrame) -> None:
    from openpyxl.utils import get_column_letter

    for index, column in enumerate(safe.columns, start=1):
        values = [str(column), *(str(value) for value in safe[column].head(WIDTH_SAMPLE_ROWS) if value is not None)]
        sheet.column_dimensions[get_column_letter(index)].width = min(
            MAX_COLUMN_WIDTH, max(len(value) for value in values) + 2
        )


def _date_format(value: object) -> str | None:
    if isinstance(value, datetime) and value.time() != datetime.min.time():
        return "DD/MM/YYYY HH:MM:SS"
    if isinstance(value, (date, datetime)):
        return "DD/MM/YYYY"
    return None


def _header_cell(sheet: object, column: object) -> object:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    cell = WriteOnlyCell(sheet, str(column))
    cell.font = Font(bold=True)
    return cell


def _write_only_value(sheet: object, value: object) -> object:
    """The value itself, or a cell when openpyxl would type it otherwise than `to_xlsx` does."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ERROR_CODES

    if isinstance(value, str) and (value.startswith("=") or value in ERROR_CODES):
        cell = WriteOnlyCell(sheet, value)
        cell.data_type = "s"  # text, never a formula or an error
        return cell
    if number_format := _date_format(value):
        cell = WriteOnlyCell(sheet, value)
        cell.number_format = number_format
        return cell
    return value


def _sheet_name(name: str, taken: list[str]) -> str:
    cleaned = "".join(" " if character in "[]:*?/\\" else character for character in name).strip() or "Sheet"
    cleaned = cleaned[:MAX_SHEET_NAME]
    candidate, number = cleaned, 2
    while candidate in taken:
        suffix = f" ({number})"
        candidate, number = cleaned[: MAX_SHEET_NAME - len(suffix)] + suffix, number + 1
    return candidate


def _cell_value(value: object) -> object:
    """What openpyxl can store: missing values as empty cells, numpy scalars as Python ones."""
    if value is None or (not isinstance(value, str) and pd.isna(value) is True):
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    elif hasattr(value, "item"):
        value = value.item()
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(BRUSSELS).replace(tzinfo=None)  # Excel has no time zones: Brussels time
    return value
