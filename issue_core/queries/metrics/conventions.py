"""Sites and their conventions: duration, units, and the status derived by issue_core.rules."""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Engine, and_, func, select
from sqlalchemy.orm import aliased

from issue_core.db import read_connection
from issue_core.models import Convention, Organisation, Site, Unit
from issue_core.policy import DEFAULT_WARNING_DAYS
from issue_core.queries.areas import reads
from issue_core.queries.sql.functions import days_between, months_to_nearest_half
from issue_core.rules import convention_end_sql, convention_status_sql, days_to_end_sql


def duration_months_sql():  # noqa: ANN201
    """SQL: a convention's duration in months (DOMAIN.md): (end − start + 1 day) ÷ (365.25 ÷ 12), to the
    nearest half month, with its actual end, else its planned end."""
    return months_to_nearest_half(days_between(Convention.start_date, convention_end_sql()) + 1)


@reads("sites", "stays", "reference")
def sites_overview(engine: Engine, today: date, warning_days: int = DEFAULT_WARNING_DAYS) -> pd.DataFrame:
    """One row per site with its latest convention: operator, units, period, duration, status."""
    operator = aliased(Organisation)
    manager = aliased(Organisation)
    latest_start = (
        select(func.max(Convention.start_date)).where(Convention.site_id == Site.id).correlate(Site).scalar_subquery()
    )
    units = select(func.count(Unit.id)).where(Unit.site_id == Site.id).correlate(Site).scalar_subquery()
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
            duration_months_sql().label("duration_months"),
            days_to_end_sql(today).label("days_to_end"),
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
