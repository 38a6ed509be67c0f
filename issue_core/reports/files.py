"""The period report as translated tables, an XLSX workbook and a CSV file (formulas neutralised by
issue_core.export).

XLSX: a first sheet with the period, the filters, the generation date, the suppression rule and the
definitions; then one sheet per section. CSV: one file in long format — section, row, measure,
value — which any spreadsheet can pivot back."""

from __future__ import annotations

import functools
import math
from datetime import date

import pandas as pd

from issue_core.charts import month_label
from issue_core.export import to_csv, to_xlsx
from issue_core.i18n import Translator, format_number
from issue_core.reports.period import (
    MONEY_COLUMNS,
    RATE_COLUMNS,
    SMALL_BASE,
    SMALL_COUNT,
    TOTAL,
    PeriodReport,
    Section,
)

AXIS_COLUMN_PREFIX = "axis_"  # destinations: one column per axis (axis_1 …)


def is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def header(t: Translator, column: str) -> str:
    if column.startswith(AXIS_COLUMN_PREFIX) and column != "axis_id":
        return t("common.axis", axis=int(column.removeprefix(AXIS_COLUMN_PREFIX)))
    return t(f"report.col.{column}")


def label(t: Translator, column: str, value: object) -> object:
    """A row label as shown: axes, destinations, months and yes/no in the reader's language."""
    if isinstance(value, str) and value == TOTAL:
        return t("report.total")
    if is_missing(value):
        return ""
    if column == "axis_id":
        return t("common.axis", axis=int(value))
    if column == "destination":
        return t(f"exit.{value}")
    if column == "durable":
        return t("common.yes") if value else t("common.no")
    if column == "month" and isinstance(value, date):
        return month_label(value)
    return value


def section_title(t: Translator, section: Section, *, markdown: bool = False) -> str:
    """The section's title (an operator's or a site's name in it is escaped for Markdown on request)."""
    return (t.md if markdown else t)(section.title, **section.params)


def sheet_title(t: Translator, section: Section) -> str:
    """A short title for a sheet tab (Excel allows 31 characters)."""
    return t(section.title.replace("report.section.", "report.sheet."), **section.params)


def display_frame(t: Translator, section: Section) -> pd.DataFrame:
    """The section with translated labels and headers; figures stay numbers (or "<5")."""
    frame = section.frame.astype(object).copy()
    for column in frame.columns:
        if column in section.labels:
            frame[column] = [label(t, column, value) for value in frame[column]]
        else:
            frame[column] = [None if is_missing(value) else value for value in frame[column]]
    frame.columns = [header(t, column) for column in frame.columns]
    return frame


def screen_frame(t: Translator, section: Section) -> pd.DataFrame:
    """The section as text in the reader's language, for the screen: money as money, rates with
    "%", days with one decimal (a column mixing "<5" and numbers cannot be a number column)."""

    @functools.cache  # per call: the same counts and amounts come again and again (a section per site)
    def number(kind: str, value: object) -> str:
        if kind == "money":
            return t.money(value)
        return format_number(value, t.language, 1) + (" %" if kind == "rate" else "")

    def text(column: str, value: object) -> str:
        if is_missing(value) or column in section.labels or isinstance(value, str):
            return "" if is_missing(value) else str(label(t, column, value))
        kind = "money" if column in MONEY_COLUMNS else "rate" if column in RATE_COLUMNS else "number"
        return number(kind, value)

    frame = pd.DataFrame({column: [text(column, value) for value in section.frame[column]]
                          for column in section.frame.columns})
    frame.columns = [header(t, column) for column in frame.columns]
    return frame


def short_headers(t: Translator, section: Section) -> dict[str, str]:
    """Header -> shorter header, for the screen: the sections per housing operator and site have too many
    columns to show side by side with their whole names (those stay in the files and in a tooltip)."""
    shorts = {}
    for column in section.frame.columns:
        key = f"report.short.{column}"
        if t(key) != key:
            shorts[header(t, column)] = t(key)
    return shorts


def _filter_values(t: Translator, report: PeriodReport) -> list[tuple[str, str]]:
    every = t("common.all")
    axes = ", ".join(t("common.axis", axis=axis) for axis in report.filters.axis_ids) or every
    return [
        (t("filters.axes"), axes),
        *((t(f"filters.{kind}"), ", ".join(names) or every) for kind, names in report.filter_names.items()),
    ]


def notes(t: Translator, report: PeriodReport) -> list[str]:
    """The definitions behind the figures, and the suppression rule when it applies."""
    texts = [
        t("report.note.units"),
        t("report.note.households"),
        t("report.note.flows"),
        t("report.note.stay", day=report.measured_to),
        t("report.note.contributions"),
        t("report.note.arrears", day=report.arrears_on),
        t("report.note.operators"),
    ]
    if report.suppressed:
        texts.append(t("report.note.suppressed", count=SMALL_COUNT, base=SMALL_BASE))
    return texts


def info_frame(t: Translator, report: PeriodReport) -> pd.DataFrame:
    rows = [
        (t("report.info.report"), t("report.title")),
        (t("report.info.period"), t("report.period_value", start=report.start, end=report.last_day)),
        *_filter_values(t, report),
        (t("report.info.generated_on"), t.date(report.generated_on)),
        (t("report.info.suppression"), t("report.info.suppressed", count=SMALL_COUNT) if report.suppressed
         else t("report.info.not_suppressed")),
        *((t("report.info.note"), note) for note in notes(t, report)),
    ]
    return pd.DataFrame(rows, columns=[t("report.col.item"), t("report.col.value")])


def to_workbook(report: PeriodReport, language: str) -> bytes:
    t = Translator(language)
    sheets = {t("report.sheet.info"): info_frame(t, report)}
    for section in report.sections:
        name = sheet_title(t, section)
        while name in sheets:  # two operators with the same name: keep both sheets
            name += "'"
        sheets[name] = display_frame(t, section)
    return to_xlsx(sheets)


def long_frame(t: Translator, report: PeriodReport) -> pd.DataFrame:
    """section, row, measure, value: one line per figure, after the report's information."""
    rows = [(t("report.sheet.info"), "", item, value) for item, value in info_frame(t, report).itertuples(index=False)]
    for section in report.sections:
        title, shown = section_title(t, section), display_frame(t, section)
        label_count = len(section.labels)
        for record in shown.itertuples(index=False):
            row_label = " · ".join(str(value) for value in record[:label_count] if value != "")
            for measure, value in zip(shown.columns[label_count:], record[label_count:], strict=True):
                rows.append((title, row_label, measure, value))
    columns = [t("report.col.section"), t("report.col.row"), t("report.col.measure"), t("report.col.value")]
    return pd.DataFrame(rows, columns=columns)


def to_long_csv(report: PeriodReport, language: str) -> bytes:
    return to_csv(long_frame(Translator(language), report))


def file_name(report: PeriodReport, extension: str) -> str:
    return f"issue-rapport-{report.start.isoformat()}-{report.last_day.isoformat()}.{extension}"


def report_file(report: PeriodReport, language: str, extension: str) -> bytes:
    """The report as `xlsx` or `csv`."""
    if extension == "xlsx":
        return to_workbook(report, language)
    if extension == "csv":
        return to_long_csv(report, language)
    raise ValueError(f"unknown report format {extension!r}")
