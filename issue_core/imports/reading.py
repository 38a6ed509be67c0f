"""Reading a filled-in template: sheets or CSV rows, each cell parsed to its kind, every problem kept
with its table, row (as the spreadsheet shows it), column and reason. Never raises on bad cells;
an unreadable file raises UnreadableFile.

Whatever a file declares, reading it stays small: its bytes, its unpacked size (checked from the zip
headers before openpyxl opens it), the size each sheet declares, its rows (streamed, counted for the
whole file) and, in a CSV, its columns and fields are bounded; of a sheet only the template's columns
are read."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from issue_core.errors import InvalidInput
from issue_core.i18n import translate
from issue_core.imports.templates import TABLES, Column, columns_of
from issue_core.policy import (
    IMPORT_MAX_CELL_CHARS,
    IMPORT_MAX_CSV_COLUMNS,
    IMPORT_MAX_FILE_BYTES,
    IMPORT_MAX_FILE_MB,
    IMPORT_MAX_ROWS,
    IMPORT_MAX_SHEET_CELLS,
    IMPORT_MAX_UNPACKED_BYTES,
)

XLSX_MAGIC = b"PK\x03\x04"
ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
BELGIAN_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
ISO_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
BELGIAN_MONTH = re.compile(r"(\d{1,2})/(\d{4})")
TRUE_WORDS = {"1", "true", "yes", "oui", "vrai", "ja", "waar", "x"}
FALSE_WORDS = {"0", "false", "no", "non", "faux", "nee", "onwaar"}


@dataclass(frozen=True)
class Problem:
    """Why a row (or the whole file, row 0) is refused; the reason is a catalogue key and parameters."""

    table: str
    row: int
    column: str
    key: str
    params: dict[str, Any] = field(default_factory=dict)

    def reason(self, language: str) -> str:
        return translate(self.key, language, **self.params)


@dataclass
class Row:
    table: str
    number: int
    values: dict[str, Any]


@dataclass
class ReadFile:
    """What was read: typed rows per table (in import order) and the problems found on the way."""

    rows: dict[str, list[Row]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {table: len(rows) for table, rows in self.rows.items() if rows}

    def total(self) -> int:
        return sum(len(rows) for rows in self.rows.values())


class UnreadableFile(InvalidInput):
    """Not an XLSX or CSV file we can open (or too big); the key says why."""

    def reason(self, language: str) -> str:
        return self.message(language)


# --- cells -------------------------------------------------------------------------------------


class CellError(Exception):
    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


def _shown(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    text = value.isoformat() if isinstance(value, date) else str(value).strip()
    if len(text) > IMPORT_MAX_CELL_CHARS:
        raise CellError("import.cell.too_long", maximum=IMPORT_MAX_CELL_CHARS)
    return text


def _integer(value: Any) -> int:
    if isinstance(value, bool):
        raise CellError("import.cell.not_integer", value=_shown(value))
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = str(value).strip()
    if re.fullmatch(r"[+-]?\d{1,9}", text):
        return int(text)
    raise CellError("import.cell.not_integer", value=_shown(value))


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool) or isinstance(value, (date, datetime)):
        raise CellError("import.cell.not_number", value=_shown(value))
    if isinstance(value, (int, float)):
        number = Decimal(str(value))
    else:
        text = str(value).strip().replace("\u00a0", "").replace(" ", "").replace("€", "")
        if "," in text and "." in text:  # 1.234,50 or 1,234.50: the last one is the decimal mark
            text = text.replace(".", "").replace(",", ".") if text.rfind(",") > text.rfind(".") else text.replace(",", "")
        text = text.replace(",", ".")
        if not re.fullmatch(r"[+-]?(\d{1,12}(\.\d*)?|\.\d+)", text):
            raise CellError("import.cell.not_number", value=_shown(value))
        number = Decimal(text)
    if not number.is_finite():
        raise CellError("import.cell.not_number", value=_shown(value))
    return number


def _make_date(year: int, month: int, day: int, raw: Any) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise CellError("import.cell.not_a_date", value=_shown(raw)) from None


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if (match := ISO_DATE.fullmatch(text)) is not None:
        return _make_date(int(match[1]), int(match[2]), int(match[3]), value)
    if (match := BELGIAN_DATE.fullmatch(text)) is not None:
        return _make_date(int(match[3]), int(match[2]), int(match[1]), value)
    raise CellError("import.cell.not_a_date", value=_shown(value))


def _month(value: Any) -> date:
    if not isinstance(value, (date, datetime)):
        text = str(value).strip()
        for pattern, year_group, month_group in ((ISO_MONTH, 1, 2), (BELGIAN_MONTH, 2, 1)):
            if (match := pattern.fullmatch(text)) is not None:
                return _make_date(int(match[year_group]), int(match[month_group]), 1, value)
    try:
        return _date(value).replace(day=1)
    except CellError:
        raise CellError("import.cell.not_a_month", value=_shown(value)) from None


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise CellError("import.cell.not_yes_no", value=_shown(value))


def _choice(value: Any, column: Column) -> str:
    text = _text(value).lower()
    if text not in column.choices:
        raise CellError("import.cell.not_a_choice", value=_shown(value), choices=", ".join(column.choices))
    return text


PARSERS = {"text": _text, "integer": _integer, "decimal": _decimal, "date": _date, "month": _month, "boolean": _boolean}


def looks_like_formula(value: Any) -> bool:
    if type(value).__name__ in ("ArrayFormula", "DataTableFormula"):  # openpyxl's non-text formulas
        return True
    return isinstance(value, str) and value.lstrip().startswith("=")


def parse_cell(value: Any, column: Column) -> Any:
    """The typed value of a cell (None when blank); raises CellError with the reason."""
    if looks_like_formula(value):
        raise CellError("import.cell.formula", value=_shown(value))
    if _is_blank(value):
        if column.required:
            raise CellError("import.cell.required")
        return None
    if column.kind == "choice":
        return _choice(value, column)
    return PARSERS[column.kind](value)


# --- tables ------------------------------------------------------------------------------------


def _header_problems(table: str, headers: list[str]) -> list[Problem]:
    known = columns_of(table)
    problems = [Problem(table, 1, name, "import.header.unknown_column") for name in headers if name and name not in known]
    seen: set[str] = set()
    for name in headers:
        if name and name in seen:  # blank headers (columns left empty, or beyond the sheet's last) are no column
            problems.append(Problem(table, 1, name, "import.header.repeated_column"))
        seen.add(name)
    problems += [Problem(table, 1, c.name, "import.header.missing_column") for c in known.values()
                 if c.required and c.name not in headers]
    return problems


def read_table(table: str, headers: list[Any], rows: list[tuple[int, list[Any]]], result: ReadFile) -> None:
    """Parse the rows of one table into result (typed rows, or problems)."""
    names = [_text(h) if not _is_blank(h) else "" for h in headers]
    header_problems = _header_problems(table, names)
    result.problems += header_problems
    if header_problems:
        return
    columns = columns_of(table)
    typed: list[Row] = []
    for number, cells in rows:
        if all(_is_blank(cell) for cell in cells):
            continue
        values: dict[str, Any] = {name: None for name in columns}
        failed = False
        for index, name in enumerate(names):
            cell = cells[index] if index < len(cells) else None
            if not name:
                if not _is_blank(cell):
                    result.problems.append(Problem(table, number, "", "import.cell.outside_columns"))
                    failed = True
                continue
            try:
                values[name] = parse_cell(cell, columns[name])
            except CellError as error:
                result.problems.append(Problem(table, number, name, error.key, error.params))
                failed = True
        if not failed:
            typed.append(Row(table, number, values))
    result.rows[table] = typed


# --- files -------------------------------------------------------------------------------------


def read_upload(file_name: str, content: bytes) -> ReadFile:
    """An XLSX workbook (one sheet per table, others ignored) or a CSV file holding one table."""
    if len(content) > IMPORT_MAX_FILE_BYTES:
        raise UnreadableFile("import.file.too_big", maximum=IMPORT_MAX_FILE_MB)
    if content.startswith(XLSX_MAGIC) or PurePath(file_name).suffix.lower() == ".xlsx":
        return read_xlsx(content)
    return read_csv(file_name, content)


def check_unpacked_size(content: bytes) -> None:
    """Refuse a zip that would unpack to more than IMPORT_MAX_UNPACKED_BYTES. The sizes its headers declare
    are what zipfile reads at most (a member that unpacks to more fails its CRC check)."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise UnreadableFile("import.file.not_xlsx") from None
    if unpacked > IMPORT_MAX_UNPACKED_BYTES:
        raise UnreadableFile("import.file.too_big_unpacked", maximum=IMPORT_MAX_UNPACKED_BYTES // (1024 * 1024))


def table_sheets(sheet_names: list[str]) -> dict[str, str]:
    """The sheet of each table, in import order: names compared without case or spaces; two sheets
    for one table are refused (which one was meant cannot be told)."""
    found: dict[str, str] = {}
    for name in sheet_names:
        table = "".join(name.split()).lower()
        if table in TABLES:
            if table in found:
                raise UnreadableFile("import.file.duplicate_sheet", table=table)
            found[table] = name
    return {table: found[table] for table in TABLES if table in found}


def declared_rows(table: str, sheet: Any) -> int:
    """The rows under its header a sheet declares (0 when it does not say). A sheet declaring more
    cells than IMPORT_MAX_SHEET_CELLS is refused before any row is read."""
    rows, columns = sheet.max_row, sheet.max_column  # its <dimension>, when it has one
    if rows and columns and rows * columns > IMPORT_MAX_SHEET_CELLS:
        raise UnreadableFile("import.file.sheet_too_large", table=table, rows=rows, columns=columns,
                             maximum=IMPORT_MAX_SHEET_CELLS)
    return max((rows or 0) - 1, 0)


def read_xlsx(content: bytes) -> ReadFile:
    from openpyxl import load_workbook

    check_unpacked_size(content)
    try:
        # data_only=False: a formula is read as its text ("=A1+1"), so it can be refused.
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception:  # noqa: BLE001 (zip, XML or openpyxl errors: all mean "not a workbook we can read")
        raise UnreadableFile("import.file.not_xlsx") from None
    result = ReadFile()
    rows_read = 0
    try:
        sheets = {table: workbook[name] for table, name in table_sheets(workbook.sheetnames).items()}
        if sum(declared_rows(table, sheet) for table, sheet in sheets.items()) > IMPORT_MAX_ROWS:
            raise UnreadableFile("import.file.too_many_rows", maximum=IMPORT_MAX_ROWS)
        for table, sheet in sheets.items():
            sheet.reset_dimensions()  # then rows are read as they are, not cut to (or padded to) the declared size
            rows = sheet.iter_rows(values_only=True, max_col=len(TABLES[table]))  # streamed, template's columns
            headers = next(rows, None)
            if headers is None:
                continue
            numbered = []
            for number, cells in enumerate(rows, start=2):
                rows_read += 1
                if rows_read > IMPORT_MAX_ROWS:
                    raise UnreadableFile("import.file.too_many_rows", maximum=IMPORT_MAX_ROWS)
                numbered.append((number, list(cells)))
            read_table(table, list(headers), numbered, result)
    except UnreadableFile:
        raise
    except Exception:  # noqa: BLE001 (a damaged sheet)
        raise UnreadableFile("import.file.not_xlsx") from None
    finally:
        workbook.close()
    if not result.rows and not result.problems:
        raise UnreadableFile("import.file.no_table", tables=", ".join(TABLES))
    return result


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile("import.file.not_text")


def table_of_csv(file_name: str, headers: list[str]) -> str | None:
    """The table a CSV file holds: the only one whose columns fit its header, else the one its name says."""
    names = {h for h in headers if h}
    fitting = [table for table, columns in TABLES.items()
               if names <= {c.name for c in columns} and {c.name for c in columns if c.required} <= names]
    if len(fitting) == 1:
        return fitting[0]
    stem = PurePath(file_name).stem.lower()
    named = [table for table in TABLES if table in stem]
    return max(named, key=len) if named else None


def csv_records(text: str, delimiter: str) -> list[list[str]]:
    """The records, streamed: at most a header and IMPORT_MAX_ROWS rows of IMPORT_MAX_CSV_COLUMNS fields each, every
    field within the csv module's limit."""
    records: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for record in reader:
            if len(records) > IMPORT_MAX_ROWS:  # the header and IMPORT_MAX_ROWS rows already read
                raise UnreadableFile("import.file.too_many_rows", maximum=IMPORT_MAX_ROWS)
            if len(record) > IMPORT_MAX_CSV_COLUMNS:
                raise UnreadableFile("import.file.too_many_columns", row=len(records) + 1,
                                     maximum=IMPORT_MAX_CSV_COLUMNS)
            records.append(record)
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise UnreadableFile("import.file.field_too_long", row=len(records) + 1,
                                 maximum=csv.field_size_limit()) from None
        raise UnreadableFile("import.file.not_csv") from None
    return records


def read_csv(file_name: str, content: bytes) -> ReadFile:
    text = _decode(content)
    if "\x00" in text:
        raise UnreadableFile("import.file.not_text")
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    records = csv_records(text, delimiter)
    if not records or not any(cell.strip() for cell in records[0]):
        raise UnreadableFile("import.file.no_table", tables=", ".join(TABLES))
    headers = [cell.strip() for cell in records[0]]
    table = table_of_csv(file_name, headers)
    if table is None:
        raise UnreadableFile("import.file.unknown_csv_table", tables=", ".join(TABLES))
    result = ReadFile()
    read_table(table, headers, [(index, cells) for index, cells in enumerate(records[1:], start=2)], result)
    return result
