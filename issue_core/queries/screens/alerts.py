"""Conventions that end soon or are overdue, and placements outside any convention.

(Units vacant for long: occupancy.vacant_units; households without contribution:
contributions.households_without_contribution.)
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Engine, func, select

from issue_core.models import Convention, Household, Organisation, Placement, Site, Unit
from issue_core.policy import DEFAULT_WARNING_DAYS
from issue_core.queries.areas import reads
from issue_core.queries.sql.filters import NO_FILTERS, Filters
from issue_core.queries.sql.frames import read_frame
from issue_core.rules import ConventionStatus, convention_status_sql, covers, days_to_end_sql, site_takes_stay


def occupied_units_of_site(site_id, today: date):  # noqa: ANN001, ANN201
    """SQL: how many units of the site have a placement covering `today`."""
    return (
        select(func.count(func.distinct(Placement.unit_id)))
        .join(Unit, Unit.id == Placement.unit_id)
        .where(Unit.site_id == site_id, covers(Placement.start_date, Placement.end_date, today))
        .scalar_subquery()
    )


@reads("sites", "stays", "reference")
def conventions_ending(
    engine: Engine, today: date, warning_days: int = DEFAULT_WARNING_DAYS, filters: Filters = NO_FILTERS
) -> pd.DataFrame:
    """Conventions ending soon (active, end within `warning_days`) or overdue (planned end passed,
    no actual end), with the site's occupied units today — the units at risk. Status as in
    queries.metrics.conventions (the end is the actual end when one is set, else the planned end).

    columns: convention_id, site_id, site, housing_operator, start_date, planned_end_date,
    actual_end_date, status ('ending_soon' | 'overdue'), days_to_end (negative when overdue),
    units, occupied_units. Unit filters apply. Overdue first, then by days to end."""
    units = select(func.count(Unit.id)).where(Unit.site_id == Convention.site_id).scalar_subquery()
    inner = (
        select(
            Convention.id.label("convention_id"),
            Site.id.label("site_id"),
            Site.name.label("site"),
            Organisation.short_name.label("housing_operator"),
            Convention.start_date,
            Convention.planned_end_date,
            Convention.actual_end_date,
            convention_status_sql(today, warning_days).label("status"),
            days_to_end_sql(today).label("days_to_end"),
            units.label("units"),
            occupied_units_of_site(Convention.site_id, today).label("occupied_units"),
        )
        .join(Site, Site.id == Convention.site_id)
        .join(Organisation, Organisation.id == Site.housing_operator_id)
        .where(*filters.site_conditions(Convention.site_id))
        .subquery("conventions")
    )
    query = (
        select(inner)
        .where(inner.c.status.in_((ConventionStatus.ENDING_SOON.value, ConventionStatus.OVERDUE.value)))
        .order_by(inner.c.days_to_end, inner.c.site)
    )
    return read_frame(
        engine, query,
        dates=["start_date", "planned_end_date", "actual_end_date"],
        ints=["convention_id", "site_id", "days_to_end", "units", "occupied_units"],
    )


def placements_outside_convention(engine: Engine, today: date, filters: Filters = NO_FILTERS, *,
                                  running_only: bool = False) -> pd.DataFrame:
    """Placements not lying inside one convention of their unit's site (rules.site_takes_stay,
    the rule the services apply): some day they occupy is before the convention's start or after its
    last day (its actual end, inclusive), or they are open-ended in a convention with an actual end.
    Empty on consistent data (the services refuse such placements); a convention closed or moved
    by hand can create them.

    columns: placement_id, household_id, reference, partner_id, unit_id, unit, site_id, site,
    start_date, end_date, running_today. Running ones first. Both filter kinds apply. running_only: the running
    ones only, found among the stays covering today (not every stay ever made)."""
    inside = site_takes_stay(Unit.site_id, Placement.start_date, Placement.end_date)
    running = covers(Placement.start_date, Placement.end_date, today)
    query = (
        select(
            Placement.id.label("placement_id"),
            Household.id.label("household_id"),
            Household.reference,
            Household.referent_organisation_id.label("partner_id"),
            Unit.id.label("unit_id"),
            Unit.label.label("unit"),
            Site.id.label("site_id"),
            Site.name.label("site"),
            Placement.start_date,
            Placement.end_date,
            running.label("running_today"),
        )
        .join(Household, Household.id == Placement.household_id)
        .join(Unit, Unit.id == Placement.unit_id)
        .join(Site, Site.id == Unit.site_id)
        .where(*([running] if running_only else []), ~inside)
        .where(*filters.household_conditions(), *filters.site_conditions(Unit.site_id))
        .order_by(running.desc(), Placement.start_date)
    )
    frame = read_frame(
        engine, query, dates=["start_date", "end_date"],
        ints=["placement_id", "household_id", "partner_id", "unit_id", "site_id"],
    )
    frame["running_today"] = frame["running_today"].astype(bool)
    return frame
