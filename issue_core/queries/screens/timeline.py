"""The timeline: every convention with its status and duration; a site's units with their placements
and unavailability periods (the lanes)."""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Engine, Integer, String, cast, literal, null, or_, select, union_all
from sqlalchemy.orm import aliased

from issue_core.models import Convention, Household, Organisation, Placement, Site, Unit, UnitUnavailability
from issue_core.policy import DEFAULT_WARNING_DAYS, TIMELINE_SINCE
from issue_core.queries.areas import reads
from issue_core.queries.metrics.conventions import duration_months_sql
from issue_core.queries.sql.columns import household_columns, join_household_columns
from issue_core.queries.sql.filters import NO_FILTERS, Filters
from issue_core.queries.sql.frames import read_frame
from issue_core.queries.sql.functions import date_param
from issue_core.rules import convention_end_sql, convention_status_sql
from issue_core.visibility import NOBODY, Scope, blank_references


@reads("sites", "stays", "reference")
def conventions_timeline(
    engine: Engine,
    today: date,
    filters: Filters = NO_FILTERS,
    since: date = TIMELINE_SINCE,
    warning_days: int = DEFAULT_WARNING_DAYS,
) -> pd.DataFrame:
    """Every convention running on or after `since` (its actual end, else its planned end, is on
    or after it; an overdue one always is), unit filters applied. duration_months as sites_overview:
    (actual end, else planned end − start + 1 day) ÷ (365.25 ÷ 12), to the nearest half month.

    columns: convention_id, site_id, site, housing_operator, start_date, planned_end_date,
    actual_end_date, duration_months, status, units_planned, closure_reason — by start, then site."""
    operator = aliased(Organisation)
    end = convention_end_sql()
    query = (
        select(
            Convention.id.label("convention_id"),
            Site.id.label("site_id"),
            Site.name.label("site"),
            operator.short_name.label("housing_operator"),
            Convention.start_date,
            Convention.planned_end_date,
            Convention.actual_end_date,
            duration_months_sql().label("duration_months"),
            convention_status_sql(today, warning_days).label("status"),
            Convention.units_planned,
            Convention.closure_reason,
        )
        .join(Site, Site.id == Convention.site_id)
        .join(operator, operator.id == Site.housing_operator_id)
        .where(or_(end >= date_param(since), Convention.actual_end_date.is_(None)))
        .where(*filters.site_conditions(Convention.site_id))
        .order_by(Convention.start_date, Site.name, Convention.id)
    )
    return read_frame(
        engine,
        query,
        dates=["start_date", "planned_end_date", "actual_end_date"],
        ints=["convention_id", "site_id", "units_planned"],
        floats=["duration_months"],
    )


@reads("sites", "stays", "reference")
def site_units(engine: Engine, site_id: int) -> pd.DataFrame:
    """The units of a site, one lane each. columns: unit_id, unit, reserved_for (short name or None)."""
    reserved = aliased(Organisation)
    query = (
        select(Unit.id.label("unit_id"), Unit.label.label("unit"), reserved.short_name.label("reserved_for"))
        .outerjoin(reserved, reserved.id == Unit.reserved_for_organisation_id)
        .where(Unit.site_id == site_id)
        .order_by(Unit.label, Unit.id)
    )
    return read_frame(engine, query, ints=["unit_id"])


@reads("sites", "stays", "reference")
def unit_periods(engine: Engine, site_id: int, filters: Filters = NO_FILTERS, scope: Scope = NOBODY) -> pd.DataFrame:
    """The placements (household filters apply) and unavailability periods of a site's units, as
    half-open [start_date, end_date) ranges; end_date None = still running.

    kind is "placement" or "unavailable". For placements: household_id, reference, axis_id,
    partner_id (the household's referent organisation), partner, exit_destination; for
    unavailability periods: reason. reference is None where the viewer's scope may not see it
    (issue_core.visibility).

    columns: kind, unit_id, unit, start_date, end_date, household_id, reference, axis_id,
    partner_id, partner, exit_destination, reason — by unit, then start."""
    placements = (
        join_household_columns(
            select(
                literal("placement", String).label("kind"),
                Unit.id.label("unit_id"),
                Unit.label.label("unit"),
                Placement.start_date,
                Placement.end_date,
                *household_columns(),
                Placement.exit_destination,
                cast(null(), String).label("reason"),
            )
            .join(Unit, Unit.id == Placement.unit_id)
            .join(Household, Household.id == Placement.household_id)
        )
        .where(Unit.site_id == site_id, *filters.household_conditions())
    )
    unavailable = (
        select(
            literal("unavailable", String).label("kind"),
            Unit.id,
            Unit.label,
            UnitUnavailability.start_date,
            UnitUnavailability.end_date,
            cast(null(), Integer),
            cast(null(), String),
            cast(null(), Integer),
            cast(null(), Integer),
            cast(null(), String),
            cast(null(), String),
            UnitUnavailability.reason,
        )
        .join(Unit, Unit.id == UnitUnavailability.unit_id)
        .where(Unit.site_id == site_id)
    )
    both = union_all(placements, unavailable).subquery("periods")
    query = select(both).order_by(both.c.unit, both.c.start_date)
    frame = read_frame(engine, query, dates=["start_date", "end_date"], ints=["unit_id"], keys=["exit_destination"])
    for column in ("household_id", "axis_id", "partner_id"):
        frame[column] = pd.to_numeric(frame[column]).astype("Int64")
    return blank_references(frame, scope)
