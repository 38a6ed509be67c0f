"""`python -m issue_core report --from YYYY-MM-DD --to YYYY-MM-DD --out FILE [filters]`: the period
report as an XLSX workbook or a CSV file (--to is the last day included)."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, select

from issue_core.db import read_connection
from issue_core.models import Organisation, OrganisationKind, Site
from issue_core.policy import REPORT_MAX_YEARS
from issue_core.queries.sql.filters import ALL_AXES, Filters
from issue_core.queries.sql.intervals import ONE_DAY
from issue_core.reports.files import report_file
from issue_core.reports.period import build_period_report, suppress_small_counts
from issue_core.services.common import EARLIEST_DATE, LATEST_DATE

FORMATS = ("xlsx", "csv")


class BadInput(Exception):
    """A clear message for the person at the terminal (exit status 2)."""


def parse_day(text: str, option: str) -> date:
    """A day of the app's range (the dates the forms accept), else bad input."""
    try:
        day = date.fromisoformat(text)
    except (TypeError, ValueError):
        raise BadInput(f"{option}: {text!r} is not a date (YYYY-MM-DD)") from None
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise BadInput(f"{option}: {day} is outside {EARLIEST_DATE} – {LATEST_DATE}")
    return day


def ids_by_name(engine: Engine, column, names: list[str], what: str, *conditions) -> tuple[int, ...]:  # noqa: ANN001
    """The ids of the rows whose `column` is one of `names`; an unknown name is bad input."""
    if not names:
        return ()
    table = column.class_
    with read_connection(engine) as connection:
        found = dict(connection.execute(select(column, table.id).where(column.in_(names), *conditions)).all())
    unknown = [name for name in names if name not in found]
    if unknown:
        with read_connection(engine) as connection:
            known = connection.execute(select(column).where(*conditions).order_by(column)).scalars().all()
        raise BadInput(f"unknown {what}: {', '.join(unknown)} (known: {', '.join(known) or 'none'})")
    return tuple(found[name] for name in names)


def filters_from(engine: Engine, args: argparse.Namespace) -> Filters:
    bad_axes = [axis for axis in args.axis if axis not in ALL_AXES]
    if bad_axes:
        raise BadInput(f"--axis: {', '.join(map(str, bad_axes))} is not an axis (1, 2 or 3)")
    return Filters(
        axis_ids=tuple(args.axis),
        partner_ids=ids_by_name(engine, Organisation.short_name, args.partner, "partner",
                                Organisation.kind == OrganisationKind.PARTNER.value),
        housing_operator_ids=ids_by_name(engine, Organisation.short_name, args.operator, "housing operator",
                                         Organisation.kind == OrganisationKind.HOUSING_OPERATOR.value),
        site_ids=ids_by_name(engine, Site.name, args.site, "site"),
    )


def output_format(out: str) -> str:
    extension = Path(out).suffix.lower().removeprefix(".")
    if extension not in FORMATS:
        raise BadInput(f"--out: {out!r} must end with .xlsx or .csv")
    return extension


def report_command(engine: Engine, args: argparse.Namespace) -> int:
    """Write the report; 0 when written, 2 (with a message on stderr) for bad input."""
    try:
        start, last = parse_day(args.start, "--from"), parse_day(args.end, "--to")
        if last < start:
            raise BadInput(f"--to ({last}) is before --from ({start})")
        if (last - start).days >= REPORT_MAX_YEARS * 366:
            raise BadInput(f"the period {start} – {last} spans more than {REPORT_MAX_YEARS} years: split it")
        extension = output_format(args.out)
        filters = filters_from(engine, args)
        target = Path(args.out)
        if not target.parent.is_dir():
            raise BadInput(f"--out: the folder {str(target.parent)!r} does not exist")
    except BadInput as problem:
        print(f"report: {problem}", file=sys.stderr)
        return 2
    report = build_period_report(engine, start, last + ONE_DAY, filters)
    if args.suppress_small:
        report = suppress_small_counts(report)
    target.write_bytes(report_file(report, args.language, extension))
    print(f"report {start} – {last} written to {target} ({len(report.sections)} sections)")
    return 0
