"""The map: one row per site with its place, its latest convention and its units occupied today."""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Engine, and_, case, func, literal, select
from sqlalchemy.orm import aliased

from issue_core.models import Convention, Organisation, Site, Unit
from issue_core.policy import DEFAULT_WARNING_DAYS
from issue_core.queries.areas import reads
from issue_core.queries.metrics.conventions import duration_months_sql
from issue_core.queries.metrics.occupancy import occupied_days_query
from issue_core.queries.sql.filters import NO_FILTERS, Filters
from issue_core.queries.sql.frames import read_frame
from issue_core.queries.sql.intervals import day_window
from issue_core.rules import convention_status_sql


@reads("sites", "stays", "reference")
def sites_on_map(
    engine: Engine, today: date, filters: Filters = NO_FILTERS, warning_days: int = DEFAULT_WARNING_DAYS
) -> pd.DataFrame:
    """One row per site (unit filters apply), with its latest convention (status "none" without one)
    and its units occupied today — occupied as in occupancy_on: an available unit (convention active
    today, not unavailable) with a placement covering today, of the filtered households.

    columns: site_id, site, commune, latitude, longitude, location_approximate, housing_operator,
    manager, units, occupied_today, convention_id, start_date, planned_end_date, actual_end_date,
    duration_months, status — sites without coordinates included (latitude/longitude None)."""
    operator, manager = aliased(Organisation), aliased(Organisation)
    latest_start = (
        select(func.max(Convention.start_date)).where(Convention.site_id == Site.id).correlate(Site).scalar_subquery()
    )
    units = (
        select(Unit.site_id, func.count(Unit.id).label("units")).group_by(Unit.site_id).subquery("units")
    )
    occupied = occupied_days_query(day_window(today), filters, by_site=True).subquery("occupied")
    query = (
        select(
            Site.id.label("site_id"),
            Site.name.label("site"),
            Site.commune,
            Site.latitude,
            Site.longitude,
            Site.location_approximate,
            operator.short_name.label("housing_operator"),
            manager.short_name.label("manager"),
            func.coalesce(units.c.units, 0).label("units"),
            func.coalesce(occupied.c.occupied_days, 0).label("occupied_today"),
            Convention.id.label("convention_id"),
            Convention.start_date,
            Convention.planned_end_date,
            Convention.actual_end_date,
            duration_months_sql().label("duration_months"),
            case(
                (Convention.id.is_(None), literal("none")), else_=convention_status_sql(today, warning_days)
            ).label("status"),
        )
        .join(operator, operator.id == Site.housing_operator_id)
        .outerjoin(manager, manager.id == Site.manager_id)
        .outerjoin(Convention, and_(Convention.site_id == Site.id, Convention.start_date == latest_start))
        .outerjoin(units, units.c.site_id == Site.id)
        .outerjoin(occupied, occupied.c.site_id == Site.id)
        .where(*filters.site_conditions(Site.id))
        .order_by(Site.name)
    )
    frame = read_frame(
        engine,
        query,
        dates=["start_date", "planned_end_date", "actual_end_date"],
        ints=["site_id", "units", "occupied_today"],
        floats=["latitude", "longitude", "duration_months"],
    )
    frame["location_approximate"] = frame["location_approximate"].astype(bool)
    frame["convention_id"] = frame["convention_id"].astype("Int64")
    return frame
