"""Data leaving the app (CSV and XLSX downloads): spreadsheet formula injection neutralised."""

from __future__ import annotations

from datetime import date, datetime

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
    separator, decimal = CSV_LAYOUTS[layout]
    return neutralise_formulas(frame).to_csv(index=False, sep=separator, decimal=decimal).encode("utf-8-sig")


MAX_SHEET_NAME = 31  # Excel's limit
MAX_COLUMN_WIDTH = 60


def to_xlsx(sheets: dict[str, pd.DataFrame]) -> bytes:
    """A workbook with one formatted sheet per frame (bold frozen header, fitted column widths).

    Every text cell is written as text, never as a formula, and neutralised like the CSV."""
    from io import BytesIO

    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

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
        for index, column in enumerate(safe.columns, start=1):
            values = [str(column), *(str(value) for value in safe[column].head(500) if value is not None)]
            sheet.column_dimensions[get_column_letter(index)].width = min(
                MAX_COLUMN_WIDTH, max(len(value) for value in values) + 2
            )
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # openpyxl would otherwise take "=…" for a formula
                elif isinstance(cell.value, datetime) and cell.value.time() != datetime.min.time():
                    cell.number_format = "DD/MM/YYYY HH:MM:SS"
                elif isinstance(cell.value, (date, datetime)):
                    cell.number_format = "DD/MM/YYYY"
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


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
