"""What an import file holds: one table per sheet (XLSX) or per file (CSV), its columns and their
kinds, and the downloadable templates built from them."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from issue_core.export import to_csv, to_xlsx
from issue_core.i18n import translate
from issue_core.models import AdministrativeStatus, ExitDestination, IncomeStatus, PaymentMethod


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # text, integer, decimal, date, month, boolean, choice
    required: bool = False
    choices: tuple[str, ...] = ()


def _choice(name: str, values: list[str], required: bool = False) -> Column:
    return Column(name, "choice", required, tuple(values))


TABLES: dict[str, tuple[Column, ...]] = {
    "sites": (
        Column("name", "text", True),
        Column("address", "text"),
        Column("commune", "text"),
        Column("latitude", "decimal"),
        Column("longitude", "decimal"),
        Column("location_approximate", "boolean"),
        Column("housing_operator", "text", True),
        Column("manager", "text"),
        Column("notes", "text"),
    ),
    "conventions": (
        Column("site", "text", True),
        Column("operator", "text"),
        Column("start_date", "date", True),
        Column("planned_end_date", "date", True),
        Column("actual_end_date", "date"),
        Column("closure_reason", "text"),
        Column("units_planned", "integer", True),
        Column("notes", "text"),
    ),
    "units": (
        Column("site", "text", True),
        Column("label", "text", True),
        Column("bedrooms", "integer", True),
        Column("capacity", "integer", True),
        Column("reserved_for_organisation", "text"),
    ),
    "households": (
        Column("reference", "text", True),
        Column("adults", "integer", True),
        Column("children", "integer", True),
        _choice("axis", ["1", "2", "3"], True),
        Column("referent_organisation", "text", True),
        _choice("administrative_status", AdministrativeStatus.values(), True),
        Column("referred_on", "date", True),
        Column("follow_up_ended_on", "date"),
    ),
    "placements": (
        Column("reference", "text", True),
        Column("site", "text", True),
        Column("unit", "text", True),
        Column("start_date", "date", True),
        Column("end_date", "date"),
        _choice("exit_destination", ExitDestination.values()),
        Column("notes", "text"),
        Column("override_reason", "text"),
    ),
    "contribution_statuses": (
        Column("reference", "text", True),
        Column("effective_from", "date", True),
        _choice("income_status", IncomeStatus.values(), True),
        Column("monthly_income", "decimal"),
        Column("monthly_amount", "decimal"),
        Column("override_reason", "text"),
    ),
    "payments": (
        Column("reference", "text", True),
        Column("paid_on", "date", True),
        Column("amount", "decimal", True),
        Column("period_month", "month", True),
        _choice("method", PaymentMethod.values(), True),
        Column("notes", "text"),
    ),
}


def columns_of(table: str) -> dict[str, Column]:
    return {column.name: column for column in TABLES[table]}


def instructions_sheet_name(language: str) -> str:
    return translate("import.template.instructions_sheet", language)


def instructions(language: str) -> pd.DataFrame:
    """One line per column of every table: what to write in it."""
    rows = []
    for table, columns in TABLES.items():
        for column in columns:
            allowed = ", ".join(column.choices) if column.choices else translate(f"import.kind.{column.kind}", language)
            rows.append({
                translate("import.template.table", language): table,
                translate("import.template.column", language): column.name,
                translate("import.template.required", language): translate(
                    "import.template.yes" if column.required else "import.template.no", language
                ),
                translate("import.template.expected", language): allowed,
                translate("import.template.meaning", language): translate(f"import.help.{table}.{column.name}", language),
            })
    general = pd.DataFrame({translate("import.template.table", language): [
        translate(f"import.template.rule_{n}", language) for n in range(1, 6)
    ]})
    return pd.concat([general, pd.DataFrame(rows)], ignore_index=True)


def empty_table(table: str) -> pd.DataFrame:
    return pd.DataFrame(columns=[column.name for column in TABLES[table]])


def template_xlsx(language: str = "fr") -> bytes:
    """The instructions sheet (ignored by the importer), then one empty sheet per table, in import order."""
    sheets = {instructions_sheet_name(language): instructions(language)}
    sheets.update({table: empty_table(table) for table in TABLES})
    return to_xlsx(sheets)


def template_csv(table: str) -> bytes:
    return to_csv(empty_table(table))
