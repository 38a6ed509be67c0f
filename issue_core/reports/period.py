"""The period report's figures, built from the dashboard metrics (issue_core.queries.metrics.kpis).

The period is [start, end): `end` is the day after the last day reported. Sections, in order:

- operators     per housing operator (and in total): units available on at least one day of the
                period, available / occupied / vacant unit-days, utilisation, entries, exits,
                transfers, durable exits, length of stay (SCOPE_COLUMNS)
- households    households served (a placement meeting the period) per axis × partner
- flows         entries, exits, transfers and durable exits per axis
- destinations  exits per destination × axis (transfers excluded)
- stay          length of stay per axis
- contributions due, paid and collection rate per calendar month meeting the period
- arrears       per partner, on the period's last day (or today, if earlier)
- one section per housing operator: the SCOPE_COLUMNS of each of its sites, and its total

Filters: unit figures (units, unit-days, utilisation) follow the unit filters only — a vacant day
is lost whoever might have used it. Household figures follow the household filters, and also the
unit filters when they concern a placement (served, entries, exits, stays: placements in those
units). Contributions and arrears follow the household filters only (they follow the household
across units).

Rates are percentages (58.8 for 58.8 %), money is in euros to the cent, days are whole days.

The figures per site, per housing operator and per axis are read by a few grouped queries (per site ×
axis: metrics.flows.flows_by_site_and_axis, stays_by_site; metrics.occupancy.unit_figures_by_site) and
split in pandas: no query per site, so a year at sector scale (500 sites) takes seconds, not minutes.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date

import pandas as pd
from sqlalchemy import Engine, func, select

from issue_core import clock
from issue_core.db import read_connection, read_side_by_side
from issue_core.models import DURABLE_DESTINATIONS, ExitDestination, Household, Organisation, Placement, Site
from issue_core.policy import SMALL_COUNT_LIMIT
from issue_core.queries.areas import MONEY, REFERENCE, SITES, STAYS, reads
from issue_core.queries.metrics import arrears_by_partner, contributions_monthly, exit_destinations
from issue_core.queries.metrics.flows import TRANSFER, flows_by_site_and_axis, stays_by_site
from issue_core.queries.metrics.occupancy import unit_days_query, unit_figures_by_site
from issue_core.queries.sql.filters import NO_FILTERS, Filters
from issue_core.queries.sql.frames import read_frame
from issue_core.queries.sql.intervals import ONE_DAY, first_of_month, period_window
from issue_core.rules import overlaps, placement_range

TOTAL = "__total__"  # the label of a total row, translated when written
SMALL_COUNT = f"<{SMALL_COUNT_LIMIT}"  # a hidden count
SMALL_BASE = f"n<{SMALL_COUNT_LIMIT}"  # a rate or an average computed from fewer cases

FLOW_COUNTS = ("entries", "exits", "transfers_in", "transfers_out", "durable_exits")
STAY_COUNTS = ("stays", "ongoing")
UNIT_COLUMNS = ("units_available", "available_unit_days", "occupied_unit_days", "vacant_unit_days", "utilisation")
SCOPE_COLUMNS = (*UNIT_COLUMNS, *FLOW_COUNTS, "durable_share", *STAY_COUNTS, "mean_days", "median_days")
# Rates and averages, with the count they are computed from (hidden when that count is 1..4).
FLOW_AND_STAY_RATES = {"durable_share": "exits", "mean_days": "stays", "median_days": "stays"}
MONEY_COLUMNS = ("due", "paid", "arrears")
RATE_COLUMNS = ("utilisation", "durable_share", "collection_rate")  # percentages


@dataclass(frozen=True)
class Section:
    """One table of the report. `title` is a translation key (with `params`); `labels` name the
    row label columns; `counts` the columns of counts of households or of their moves (the ones
    suppression hides); `rates` the rates and averages, each with the count column it divides by."""

    key: str
    title: str
    frame: pd.DataFrame
    labels: tuple[str, ...]
    counts: tuple[str, ...] = ()
    rates: dict[str, str] = field(default_factory=dict)
    params: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class PeriodReport:
    start: date
    end: date  # exclusive
    filters: Filters
    filter_names: dict[str, tuple[str, ...]]  # partners, operators, sites: their names
    generated_on: date
    measured_to: date  # ongoing stays are measured to this day (excluded)
    arrears_on: date
    sections: tuple[Section, ...]
    suppressed: bool = False

    @property
    def last_day(self) -> date:
        return self.end - ONE_DAY

    def section(self, key: str) -> Section:
        return next(section for section in self.sections if section.key == key)


# --- periods -----------------------------------------------------------------------------------------


def previous_month(today: date) -> tuple[date, date]:
    """The calendar month before today's: (first day, last day)."""
    last = first_of_month(today) - ONE_DAY
    return first_of_month(last), last


# --- filters ------------------------------------------------------------------------------------------


def unit_filters(filters: Filters) -> Filters:
    return Filters(housing_operator_ids=filters.housing_operator_ids, site_ids=filters.site_ids)


def household_filters(filters: Filters) -> Filters:
    return Filters(axis_ids=filters.axis_ids, partner_ids=filters.partner_ids)


# --- figures missing from the metrics ----------------------------------------------------------------


def units_available(engine: Engine, start: date, end: date, filters: Filters = NO_FILTERS) -> int:
    """Units available (DOMAIN.md) on at least one day of [start, end). Unit filters apply."""
    per_unit = unit_days_query(period_window(start, end), unit_filters(filters), by_unit=True).subquery("per_unit")
    query = select(func.count()).where(per_unit.c.convention_days - per_unit.c.unavailable_days > 0)
    with read_connection(engine) as connection:
        return int(connection.execute(query).scalar_one())


def households_served(engine: Engine, start: date, end: date, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """Households served in [start, end): households with a placement meeting the period (in the
    filtered units), per axis × referent partner. Both filter kinds apply.

    columns: axis_id, partner, households_served."""
    query = (
        select(
            Household.axis_id,
            Organisation.short_name.label("partner"),
            func.count(func.distinct(Placement.household_id)).label("households_served"),
        )
        .join(Household, Household.id == Placement.household_id)
        .join(Organisation, Organisation.id == Household.referent_organisation_id)
        .where(overlaps(*placement_range(), start, end))
        .where(*filters.household_conditions(), *filters.of_units(Placement.unit_id))
        .group_by(Household.axis_id, Organisation.short_name)
        .order_by(Household.axis_id, Organisation.short_name)
    )
    return read_frame(engine, query, ints=["axis_id", "households_served"])


def sites_in_scope(engine: Engine, start: date, end: date, filters: Filters) -> pd.DataFrame:
    """Sites with at least one available unit-day in the period, with their housing operator.

    columns: site_id, site, operator_id, operator (full name), operator_short."""
    windows = period_window(start, end)
    per_site = unit_days_query(windows, unit_filters(filters), by_site=True).subquery("per_site")
    query = (
        select(
            Site.id.label("site_id"), Site.name.label("site"), Organisation.id.label("operator_id"),
            Organisation.name.label("operator"), Organisation.short_name.label("operator_short"),
        )
        .join(per_site, per_site.c.site_id == Site.id)
        .join(Organisation, Organisation.id == Site.housing_operator_id)
        .where(per_site.c.convention_days - per_site.c.unavailable_days > 0)
        .order_by(Organisation.name, Site.name)
    )
    return read_frame(engine, query, ints=["site_id", "operator_id"])


# --- rows ----------------------------------------------------------------------------------------------


def percent(part: float, whole: float) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def stay_figures(stays: pd.DataFrame) -> dict:
    """Number of stays, ongoing ones, mean and median days (None without stays)."""
    days = stays["days"]
    return {
        "stays": len(days),
        "ongoing": int(stays["ongoing"].sum()),
        "mean_days": round(float(days.mean()), 1) if len(days) else None,
        "median_days": float(days.median()) if len(days) else None,
    }


def flow_figures(flows: pd.DataFrame) -> dict:
    """FLOW_COUNTS and the durable share, summed over rows of flows_by_site_and_axis."""
    figures = {column: int(flows[column].sum()) for column in FLOW_COUNTS}
    return {**figures, "durable_share": percent(figures["durable_exits"], figures["exits"])}


def unit_figures(units: pd.DataFrame) -> dict:
    """UNIT_COLUMNS, summed over rows of unit_figures_by_site."""
    available, occupied = int(units["available_unit_days"].sum()), int(units["occupied_unit_days"].sum())
    return {
        "units_available": int(units["units_available"].sum()),
        "available_unit_days": available,
        "occupied_unit_days": occupied,
        "vacant_unit_days": available - occupied,
        "utilisation": percent(occupied, available),
    }


@dataclass(frozen=True)
class ScopeData:
    """The rows the SCOPE_COLUMNS of every site, operator and of the total are summed from, read once
    by grouped queries: unit figures per site, flows per site × axis, stays per site (a stay that
    moved between sites of an operator counts once for it), each row with its site's operator; and
    the stays of the whole filtered scope, one row each."""

    units: pd.DataFrame
    flows: pd.DataFrame
    stays: pd.DataFrame
    all_stays: pd.DataFrame

    def total(self) -> dict:
        return {**unit_figures(self.units), **flow_figures(self.flows), **stay_figures(self.all_stays)}

    def by(self, key: str, ids: Iterable[int]) -> dict[int, dict]:
        """The SCOPE_COLUMNS of each site (key "site_id") or housing operator ("operator_id") of
        `ids`, each frame split once."""
        stays = self.stays if key == "site_id" else self.stays.drop_duplicates([key, "household_id", "start_date"])
        frames = (self.units, self.flows, stays)
        units, flows, stays = (split(frame, key) for frame in frames)
        empty = [frame.iloc[:0] for frame in frames]
        return {
            scope: {
                **unit_figures(units.get(scope, empty[0])),
                **flow_figures(flows.get(scope, empty[1])),
                **stay_figures(stays.get(scope, empty[2])),
            }
            for scope in ids
        }


def split(frame: pd.DataFrame, key: str) -> dict[int, pd.DataFrame]:
    return {int(value): rows for value, rows in frame.groupby(key, sort=False)}


def scope_reads(engine: Engine, start: date, end: date, filters: Filters, measured_to: date) -> dict:
    """The reads ScopeData is made of (scope_data_of), to run side by side with the sections' (read_side_by_side)."""
    return {
        "operator_of": lambda: site_operators(engine),
        "units": lambda: unit_figures_by_site(engine, start, end, unit_filters(filters)),
        "flows": lambda: flows_by_site_and_axis(engine, start, end, filters),
        "stays": lambda: stays_by_site(engine, start, end, filters, measured_to),
    }


def scope_data_of(operator_of: dict[int, int], units: pd.DataFrame, flows: pd.DataFrame,
                  stays: pd.DataFrame) -> ScopeData:
    for frame in (units, flows, stays):
        frame["operator_id"] = frame["site_id"].map(operator_of)
    return ScopeData(
        units=units, flows=flows, stays=stays,
        # the stays of length_of_stay(..., in_filtered_units=True): each has a placement meeting the period
        all_stays=stays.drop_duplicates(["household_id", "start_date"]).sort_values(["axis_id", "start_date"]),
    )


def site_operators(engine: Engine) -> dict[int, int]:
    """Every site's housing operator (the sites without an available day in the period too: their
    flows and stays count in the operator's total)."""
    sites = read_frame(engine, select(Site.id.label("site_id"), Site.housing_operator_id.label("operator_id")),
                       ints=["site_id", "operator_id"])
    return dict(zip(sites["site_id"], sites["operator_id"], strict=True))


def with_total(frame: pd.DataFrame, label_column: str, sums: list[str], total: dict | None = None) -> pd.DataFrame:
    """The frame with a last row labelled TOTAL: the sums of `sums`, then the figures of `total`."""
    row = {column: None for column in frame.columns}
    row[label_column] = TOTAL
    row.update({column: frame[column].sum() if len(frame) else 0 for column in sums})
    row.update(total or {})
    return frame_of([*frame.to_dict("records"), row], list(frame.columns))


def frame_of(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    """Plain Python values, None for a missing one (not NaN), whatever pandas would infer."""
    frame = pd.DataFrame(rows, columns=columns).astype(object)
    return frame.where(frame.notna(), None)


# --- sections ------------------------------------------------------------------------------------------


def operator_sections(sites: pd.DataFrame, data: ScopeData) -> list[Section]:
    """The operators summary and one section per housing operator (its sites, sites_in_scope, and its total)."""
    site_figures = data.by("site_id", sites["site_id"])
    operator_figures = data.by("operator_id", sites["operator_id"].unique())
    summary_rows, per_operator = [], []
    for (operator_id, operator), own_sites in sites.groupby(["operator_id", "operator"], sort=False):
        operator_total = operator_figures[operator_id]
        summary_rows.append({"operator": operator, **operator_total})
        site_rows = [
            {"site": site, **site_figures[site_id]}
            for site_id, site in zip(own_sites["site_id"], own_sites["site"], strict=True)
        ]
        site_rows.append({"site": TOTAL, **operator_total})
        per_operator.append(Section(
            key=f"operator-{operator_id}", title="report.section.operator", params={"operator": operator},
            frame=frame_of(site_rows, ["site", *SCOPE_COLUMNS]), labels=("site",),
            counts=(*FLOW_COUNTS, *STAY_COUNTS), rates=FLOW_AND_STAY_RATES,
        ))
    summary_rows.append({"operator": TOTAL, **data.total()})
    summary = Section(
        key="operators", title="report.section.operators", frame=frame_of(summary_rows, ["operator", *SCOPE_COLUMNS]),
        labels=("operator",), counts=(*FLOW_COUNTS, *STAY_COUNTS), rates=FLOW_AND_STAY_RATES,
    )
    return [summary, *per_operator]


def households_section(engine: Engine, start: date, end: date, filters: Filters) -> Section:
    served = households_served(engine, start, end, filters)
    frame = with_total(served, "axis_id", ["households_served"])
    return Section(key="households", title="report.section.households", frame=frame,
                   labels=("axis_id", "partner"), counts=("households_served",))


def flows_section(filters: Filters, flows: pd.DataFrame) -> Section:
    """Per axis, from the rows of flows_by_site_and_axis (read once for the operators too)."""
    rows = [{"axis_id": axis, **flow_figures(flows[flows["axis_id"] == axis])} for axis in filters.axes]
    rows.append({"axis_id": TOTAL, **flow_figures(flows)})
    columns = ["axis_id", *FLOW_COUNTS, "durable_share"]
    return Section(key="flows", title="report.section.flows", frame=frame_of(rows, columns), labels=("axis_id",),
                   counts=FLOW_COUNTS, rates={"durable_share": "exits"})


def axis_column(axis: int) -> str:
    return f"axis_{axis}"


def destinations_section(engine: Engine, start: date, end: date, filters: Filters) -> Section:
    """Every destination but the transfer, zeros included, one column per axis and a total."""
    exits = exit_destinations(engine, start, end, filters)
    counts = exits.pivot_table(index="destination", columns="axis_id", values="exits", aggfunc="sum", fill_value=0)
    axis_columns = [axis_column(axis) for axis in filters.axes]
    rows = []
    for destination in ExitDestination:
        if destination.value == TRANSFER:
            continue
        row = {"destination": destination.value, "durable": destination in DURABLE_DESTINATIONS}
        for axis in filters.axes:
            found = destination.value in counts.index and axis in counts.columns
            row[axis_column(axis)] = int(counts.loc[destination.value, axis]) if found else 0
        row["total"] = sum(row[column] for column in axis_columns)
        rows.append(row)
    frame = with_total(pd.DataFrame(rows, columns=["destination", "durable", *axis_columns, "total"]),
                       "destination", [*axis_columns, "total"])
    return Section(key="destinations", title="report.section.destinations", frame=frame,
                   labels=("destination", "durable"), counts=(*axis_columns, "total"))


def stay_section(filters: Filters, stays: pd.DataFrame) -> Section:
    """Per axis, from the stays of length_of_stay(..., in_filtered_units=True), one row each (ScopeData)."""
    rows = [{"axis_id": axis, **stay_figures(stays[stays["axis_id"] == axis])} for axis in filters.axes]
    rows.append({"axis_id": TOTAL, **stay_figures(stays)})
    columns = ["axis_id", *STAY_COUNTS, "mean_days", "median_days"]
    return Section(key="stay", title="report.section.stay", frame=frame_of(rows, columns), labels=("axis_id",),
                   counts=STAY_COUNTS, rates={"mean_days": "stays", "median_days": "stays"})


def contributions_section(engine: Engine, start: date, end: date, filters: Filters) -> Section:
    monthly = contributions_monthly(engine, start, end, household_filters(filters))
    frame = monthly[["month", "due", "paid"]].copy()
    frame["collection_rate"] = [percent(paid, due) for due, paid in zip(frame["due"], frame["paid"], strict=True)]
    due, paid = round(float(frame["due"].sum()), 2), round(float(frame["paid"].sum()), 2)
    frame = with_total(frame, "month", [], {"due": due, "paid": paid, "collection_rate": percent(paid, due)})
    return Section(key="contributions", title="report.section.contributions", frame=frame,
                   labels=("month",))


def arrears_section(engine: Engine, as_of: date, filters: Filters) -> Section:
    by_partner = arrears_by_partner(engine, as_of, household_filters(filters))
    frame = by_partner[["partner", "due", "paid", "arrears", "households_in_arrears"]]
    sums = {column: round(float(frame[column].sum()), 2) for column in ("due", "paid", "arrears")}
    frame = with_total(frame, "partner", ["households_in_arrears"], sums)
    return Section(key="arrears", title="report.section.arrears", params={"day": as_of}, frame=frame,
                   labels=("partner",), counts=("households_in_arrears",))


def filter_names(engine: Engine, filters: Filters) -> dict[str, tuple[str, ...]]:
    def names(column, ids: tuple[int, ...]) -> tuple[str, ...]:  # noqa: ANN001
        if not ids:
            return ()
        table = column.class_
        with read_connection(engine) as connection:
            return tuple(connection.execute(select(column).where(table.id.in_(ids)).order_by(column)).scalars())

    return {
        "partners": names(Organisation.short_name, filters.partner_ids),
        "operators": names(Organisation.short_name, filters.housing_operator_ids),
        "sites": names(Site.name, filters.site_ids),
    }


@reads(SITES, STAYS, MONEY, REFERENCE)
def build_period_report(engine: Engine, start: date, end: date, filters: Filters = NO_FILTERS) -> PeriodReport:
    """The report over [start, end) (end exclusive). Ongoing stays are measured to the end of the
    period, or to today if the period runs past it; arrears are taken on the last day, or today."""
    if end <= start:
        raise ValueError(f"empty period [{start}, {end})")
    today = clock.today()
    measured_to = min(end, today)
    arrears_on = min(end - ONE_DAY, today)
    # one grouped query per section (and per part of the scope's figures), independent: read side by side
    read = read_side_by_side(engine, {
        **scope_reads(engine, start, end, filters, measured_to),
        "sites": lambda: sites_in_scope(engine, start, end, filters),
        "contributions": lambda: contributions_section(engine, start, end, filters),
        "arrears": lambda: arrears_section(engine, arrears_on, filters),
        "households": lambda: households_section(engine, start, end, filters),
        "destinations": lambda: destinations_section(engine, start, end, filters),
        "names": lambda: filter_names(engine, filters),
    })
    data = scope_data_of(read["operator_of"], read["units"], read["flows"], read["stays"])
    operators, *per_operator = operator_sections(read["sites"], data)
    sections = (
        operators,
        read["households"],
        flows_section(filters, data.flows),
        read["destinations"],
        stay_section(filters, data.all_stays),
        read["contributions"],
        read["arrears"],
        *per_operator,
    )
    return PeriodReport(
        start=start, end=end, filters=filters, filter_names=read["names"], generated_on=today,
        measured_to=measured_to, arrears_on=arrears_on, sections=sections,
    )


# --- suppression of small counts ------------------------------------------------------------------------


def is_small(value: object) -> bool:
    """A count from 1 to SMALL_COUNT_LIMIT - 1 (0 is not hidden: it discloses no one)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and 0 < value < SMALL_COUNT_LIMIT


def suppress_small_section(section: Section) -> Section:
    original, frame = section.frame, section.frame.astype(object)
    for rate, base in section.rates.items():
        frame[rate] = [SMALL_BASE if is_small(count) else value for value, count in zip(original[rate], original[base],
                                                                                          strict=True)]
    for column in section.counts:
        frame[column] = [SMALL_COUNT if is_small(value) else value for value in original[column]]
    return replace(section, frame=frame)


def suppress_small_counts(report: PeriodReport) -> PeriodReport:
    """For sharing outside the partnership: counts of households or of their moves from 1 to 4
    become "<5"; a rate or an average computed from 1 to 4 cases becomes "n<5". Money, unit counts,
    unit-days and rates of unit-days are left as they are; 0 stays 0."""
    if report.suppressed:
        return report
    return replace(report, sections=tuple(suppress_small_section(s) for s in report.sections), suppressed=True)

