"""Read models of a site's own page (pages/site.py): the site, its conventions with their renewals and
extensions, its units today, its occupancy per month, the households at risk when its convention ends and
whether the units elsewhere can take them.

Every rule comes from where DOMAIN.md's rules live (docs/RULES.md): the convention status, end, duration
and days to end (issue_core.rules, metrics.conventions), the units' state (occupancy_board.unit_board), the
metrics (metrics.occupancy with the site as filter), the occupants who must leave when the site closes
(rules.stays_past, as services.placements.close_site) and the units they can move to
(closure.relocation_units, the closure page's choices). References: blanked by issue_core.visibility.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import aliased

from issue_core.models import AuditEvent, Convention, Household, Organisation, Placement, Site, Unit
from issue_core.policy import DEFAULT_WARNING_DAYS
from issue_core.queries.metrics.conventions import duration_months_sql
from issue_core.queries.metrics.occupancy import Occupancy, Utilisation, monthly_occupancy, occupancy_on, utilisation
from issue_core.queries.screens.closure import relocation_units
from issue_core.queries.screens.occupancy_board import unit_board
from issue_core.queries.sql.columns import household_columns, join_household_columns, join_site_columns, site_columns
from issue_core.queries.sql.filters import Filters
from issue_core.queries.sql.frames import as_date, read_frame
from issue_core.queries.sql.intervals import first_of_month
from issue_core.rules import (
    ONE_DAY,
    ConventionStatus,
    convention_open_on,
    convention_status_sql,
    days_to_end_sql,
    leaving_day,
    stays_past,
)
from issue_core.visibility import NOBODY, Scope, blank_references

MAX_NAME = 200  # site.name's length: a longer ?name= cannot be a site
RUNNING = (ConventionStatus.ACTIVE.value, ConventionStatus.ENDING_SOON.value, ConventionStatus.OVERDUE.value)
NO_CONVENTION = "no_convention"  # a unit's state when its site has no convention running today


def find_site(engine: Engine, *, name: str | None = None, site_id: int | None = None) -> dict | None:
    """The site named `name` (exactly, else ignoring case and surrounding spaces) or with id `site_id`;
    None when there is none. keys: site_id, name, address, commune, housing_operator, manager,
    location_approximate."""
    query = join_site_columns(select(*site_columns()))
    if site_id is not None:
        frame = read_frame(engine, query.where(Site.id == int(site_id)), ints=["site_id"])
    elif name is not None and 0 < len(name.strip()) <= MAX_NAME:
        wanted = name.strip()
        frame = read_frame(engine, query.where(func.lower(Site.name) == wanted.lower()), ints=["site_id"])
        exact = frame[frame["name"] == wanted]
        frame = exact if not exact.empty else frame
    else:
        return None
    if frame.empty:
        return None
    site = {key: None if isinstance(value, float) and pd.isna(value) else value
            for key, value in frame.iloc[0].to_dict().items()}
    site["location_approximate"] = bool(site["location_approximate"])
    return site


def site_conventions_history(
    engine: Engine, site_id: int, today: date, warning_days: int = DEFAULT_WARNING_DAYS
) -> pd.DataFrame:
    """The site's conventions, oldest first: operator, start, planned and actual end, duration (months,
    metrics.conventions), status and days to end on `today` (issue_core.rules), units planned, closure
    reason; `renewal`: True when an earlier convention of the site exists, `gap_days`: days without
    convention between the previous one's last day and this start (0: renewed without a gap);
    `extensions`: how many times its planned end was moved later (the audit's convention.extend).

    columns: convention_id, operator, start_date, planned_end_date, actual_end_date, duration_months,
    status, days_to_end, units_planned, closure_reason, renewal, gap_days, extensions."""
    operator = aliased(Organisation)
    extensions = (
        select(func.count(AuditEvent.id))
        .where(AuditEvent.entity == "convention", AuditEvent.entity_id == Convention.id,
               AuditEvent.action == "convention.extend")
        .scalar_subquery()
    )
    query = (
        select(
            Convention.id.label("convention_id"), operator.short_name.label("operator"), Convention.start_date,
            Convention.planned_end_date, Convention.actual_end_date,
            duration_months_sql().label("duration_months"),
            convention_status_sql(today, warning_days).label("status"),
            days_to_end_sql(today).label("days_to_end"),
            Convention.units_planned, Convention.closure_reason, extensions.label("extensions"),
        )
        .join(operator, operator.id == Convention.operator_id)
        .where(Convention.site_id == site_id)
        .order_by(Convention.start_date, Convention.id)
    )
    frame = read_frame(
        engine, query, dates=["start_date", "planned_end_date", "actual_end_date"],
        ints=["convention_id", "days_to_end", "units_planned", "extensions"], floats=["duration_months"],
        keys=["status", "closure_reason"],
    )
    previous_end = frame["actual_end_date"].combine(frame["planned_end_date"], lambda a, p: a or p).shift(1)
    frame["renewal"] = previous_end.notna()
    frame["gap_days"] = [
        max((start - end).days - 1, 0) if isinstance(end, date) else None
        for start, end in zip(frame["start_date"], previous_end, strict=True)
    ]
    frame["gap_days"] = pd.array(frame["gap_days"], dtype="Int64")
    return frame


def convention_extensions(engine: Engine, site_id: int) -> pd.DataFrame:
    """Every extension of the site's conventions, from the audit (one convention.extend row each): when
    it was recorded and the planned end before and after. columns: convention_id, recorded_on (date, UTC),
    planned_end_before, planned_end_after. Oldest first."""
    query = (
        select(AuditEvent.entity_id.label("convention_id"), AuditEvent.at, AuditEvent.before, AuditEvent.after)
        .where(AuditEvent.entity == "convention", AuditEvent.action == "convention.extend",
               AuditEvent.entity_id.in_(select(Convention.id).where(Convention.site_id == site_id)))
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    frame = read_frame(engine, query, ints=["convention_id"])
    rows = [
        {
            "convention_id": int(row.convention_id),
            "recorded_on": as_date(pd.Timestamp(row.at).date()),
            "planned_end_before": as_date((row.before or {}).get("planned_end_date")),
            "planned_end_after": as_date((row.after or {}).get("planned_end_date")),
        }
        for row in frame.itertuples()
    ]
    return pd.DataFrame(rows, columns=["convention_id", "recorded_on", "planned_end_before", "planned_end_after"])


def site_units_today(engine: Engine, site_id: int, today: date, scope: Scope = NOBODY) -> pd.DataFrame:
    """occupancy_board.unit_board of the site on `today` (state occupied / vacant / unavailable, axis,
    reservation; references blanked for `scope`), where a unit of a site without a convention running
    today is in state 'no_convention' rather than vacant (nobody can be placed there)."""
    units = unit_board(engine, site_id, today, scope)
    running = read_frame(
        engine,
        select(func.count(Convention.id).label("running"))
        .where(Convention.site_id == site_id, convention_status_sql(today).in_(RUNNING)),
        ints=["running"],
    )["running"].iloc[0]
    if not running:
        units.loc[units["state"] == "vacant", "state"] = NO_CONVENTION
    return units


def occupancy_today(engine: Engine, site_id: int, today: date) -> Occupancy:
    """metrics.occupancy.occupancy_on for the site alone."""
    return occupancy_on(engine, today, Filters(site_ids=(site_id,)))


def utilisation_to_date(engine: Engine, site_id: int, today: date) -> Utilisation | None:
    """metrics.occupancy.utilisation of the site from its first convention's start to today (included);
    None before it starts."""
    start = _first_start(engine, site_id)
    if start is None or start > today:
        return None
    return utilisation(engine, start, today + ONE_DAY, Filters(site_ids=(site_id,)))


def monthly_site_occupancy(engine: Engine, site_id: int, today: date) -> pd.DataFrame:
    """metrics.occupancy.monthly_occupancy of the site, per month from its first convention's month to
    today's (included), with each month's utilisation = occupied ÷ available unit-days (None when no
    unit was available). columns: month, axis_id, available_units, occupied_units, days, utilisation."""
    start = _first_start(engine, site_id)
    columns = ["month", "axis_id", "available_units", "occupied_units", "days", "utilisation"]
    if start is None or start > today:
        return pd.DataFrame(columns=columns)
    frame = monthly_occupancy(engine, first_of_month(start), today + ONE_DAY, Filters(site_ids=(site_id,)))
    occupied = frame.groupby("month")["occupied_units"].transform("sum")
    frame["utilisation"] = (occupied / frame["available_units"]).where(frame["available_units"] > 0)
    return frame[columns]


def _first_start(engine: Engine, site_id: int) -> date | None:
    query = select(func.min(Convention.start_date).label("start")).where(Convention.site_id == site_id)
    return as_date(read_frame(engine, query)["start"].iloc[0])


def running_convention(engine: Engine, site_id: int, today: date) -> dict | None:
    """The site's convention without actual end that has started by `today` (the one a closing ends:
    rules.convention_open_on), or None. keys: convention_id, start_date, planned_end_date."""
    query = (
        select(Convention.id.label("convention_id"), Convention.start_date, Convention.planned_end_date)
        .where(Convention.site_id == site_id, convention_open_on(today))
        .order_by(Convention.start_date.desc())
        .limit(1)
    )
    frame = read_frame(engine, query, dates=["start_date", "planned_end_date"], ints=["convention_id"])
    return None if frame.empty else frame.iloc[0].to_dict()


def risk_day(planned_end: date, today: date) -> date:
    """The last day the households at risk are counted from: the planned end, or yesterday once it has
    passed (an overdue convention can end any day: everyone there from today on must leave then)."""
    return max(planned_end, today - ONE_DAY)


def households_at_risk(engine: Engine, site_id: int, today: date, scope: Scope = NOBODY) -> pd.DataFrame:
    """The stays of the site that run past its running convention's end (rules.stays_past on risk_day:
    still there the day after), one row per household; empty without a running convention.
    columns: placement_id, household_id, reference (None where `scope` may not see it), partner_id,
    partner, axis_id, unit, start_date, end_date (None: open)."""
    convention = running_convention(engine, site_id, today)
    columns = ["placement_id", "household_id", "reference", "partner_id", "partner", "axis_id", "unit",
               "start_date", "end_date"]
    if convention is None:
        return pd.DataFrame(columns=columns)
    query = (
        join_household_columns(
            select(Placement.id.label("placement_id"), *household_columns(), Unit.label.label("unit"),
                   Placement.start_date, Placement.end_date)
            .join(Unit, Unit.id == Placement.unit_id)
            .join(Household, Household.id == Placement.household_id)
        )
        .where(Unit.site_id == site_id, stays_past(risk_day(convention["planned_end_date"], today)))
        .order_by(Organisation.short_name, Unit.label, Placement.id)
    )
    frame = read_frame(engine, query, dates=["start_date", "end_date"],
                       ints=["placement_id", "household_id", "partner_id", "axis_id"])
    return blank_references(frame[columns], scope)


@dataclass(frozen=True)
class RelocationStatus:
    """Whether the units elsewhere can take the households at risk on the day they must leave.

    leaving_on: the day after the convention's (planned, or yesterday when overdue) last day;
    households: how many must leave; units_elsewhere: units of other sites free and available from that
    day on (closure.relocation_units: the closure page's choices); placeable: how many households get
    one, a unit reserved for a partner going to that partner's households only."""

    leaving_on: date
    households: int
    units_elsewhere: int
    placeable: int

    @property
    def short_by(self) -> int:
        return self.households - self.placeable


def relocation_status(engine: Engine, site_id: int, today: date) -> RelocationStatus | None:
    """RelocationStatus of the site's running convention; None without one."""
    convention = running_convention(engine, site_id, today)
    if convention is None:
        return None
    last_day = risk_day(convention["planned_end_date"], today)
    at_risk = households_at_risk(engine, site_id, today)
    units = relocation_units(engine, last_day, site_id)
    return RelocationStatus(
        leaving_on=leaving_day(last_day),
        households=len(at_risk),
        units_elsewhere=len(units),
        placeable=_placeable(at_risk["partner_id"].tolist(), units["reserved_for_id"].tolist()),
    )


def _placeable(partners: list[int], reservations: list[int]) -> int:
    """How many households (their partners) get a unit (reserved for a partner, or 0: for anyone): the
    reserved units first to their partner's households, then the free units to the others."""
    left = list(partners)
    for reserved_for in (r for r in reservations if r):
        if reserved_for in left:
            left.remove(reserved_for)
    free = sum(1 for r in reservations if not r)
    return len(partners) - len(left) + min(free, len(left))
