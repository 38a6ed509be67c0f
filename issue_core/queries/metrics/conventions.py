"""Sites and their conventions: derived status, duration, units."""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Engine, and_, case, func, literal, select
from sqlalchemy.orm import aliased

from issue_core.db import read_connection
from issue_core.models import Convention, Organisation, Site, Unit
from issue_core.queries.sql.functions import date_param, days_between, months_to_nearest_half

DEFAULT_WARNING_DAYS = 180
STATUSES = ("upcoming", "active", "ending_soon", "overdue", "closed")


def convention_status_sql(today: date, warning_days: int = DEFAULT_WARNING_DAYS):  # noqa: ANN201
    """Derived, never stored: upcoming, active, ending soon (≤ warning days to the planned end),
    overdue (planned end passed, no actual end), closed (actual end passed)."""
    day = date_param(today)
    return case(
        (Convention.start_date > day, literal("upcoming")),
        (and_(Convention.actual_end_date.is_not(None), Convention.actual_end_date < day), literal("closed")),
        (and_(Convention.actual_end_date.is_(None), Convention.planned_end_date < day), literal("overdue")),
        (
            days_between(day, func.coalesce(Convention.actual_end_date, Convention.planned_end_date)) <= warning_days,
            literal("ending_soon"),
        ),
        else_=literal("active"),
    )


def convention_end_sql():  # noqa: ANN201
    """The actual end, else the planned end."""
    return func.coalesce(Convention.actual_end_date, Convention.planned_end_date)


def sites_overview(engine: Engine, today: date, warning_days: int = DEFAULT_WARNING_DAYS) -> pd.DataFrame:
    """One row per site with its latest convention: operator, units, period, duration, status."""
    operator = aliased(Organisation)
    manager = aliased(Organisation)
    latest_start = (
        select(func.max(Convention.start_date)).where(Convention.site_id == Site.id).correlate(Site).scalar_subquery()
    )
    units = select(func.count(Unit.id)).where(Unit.site_id == Site.id).correlate(Site).scalar_subquery()
    end = convention_end_sql()
    query = (
        select(
            Site.id.label("site_id"),
            Site.name.label("site"),
            Site.commune,
            operator.short_name.label("housing_operator"),
            manager.short_name.label("manager"),
            units.label("units"),
            Convention.id.label("convention_id"),
            Convention.start_date,
            Convention.planned_end_date,
            Convention.actual_end_date,
            months_to_nearest_half(days_between(Convention.start_date, end) + 1).label("duration_months"),
            days_between(date_param(today), end).label("days_to_end"),
            convention_status_sql(today, warning_days).label("status"),
            Site.location_approximate,
        )
        .join(operator, operator.id == Site.housing_operator_id)
        .outerjoin(manager, manager.id == Site.manager_id)
        .outerjoin(Convention, and_(Convention.site_id == Site.id, Convention.start_date == latest_start))
        .order_by(Convention.start_date, Site.name)
    )
    with read_connection(engine) as connection:
        frame = pd.read_sql(query, connection)
    for column in ("start_date", "planned_end_date", "actual_end_date"):
        frame[column] = pd.to_datetime(frame[column]).dt.date
    frame["duration_months"] = frame["duration_months"].astype(float)
    return frame
