"""Read models of the administration pages (sites, conventions, units, unavailability periods, the
contribution scale): the rows as they are, with the version the forms send back to the services."""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.orm import aliased

from issue_core.models import ContributionScale, Convention, Organisation, Site, Unit, UnitUnavailability
from issue_core.queries.areas import reads
from issue_core.queries.sql.columns import join_site_columns, site_columns
from issue_core.queries.sql.frames import read_frame
from issue_core.rules import convention_status_sql


@reads("sites", "reference")
def sites_admin(engine: Engine) -> pd.DataFrame:
    """Every site. columns: site_id, name, address, commune, latitude, longitude,
    location_approximate, housing_operator_id, housing_operator, manager_id (0: none), manager, notes, version."""
    query = join_site_columns(select(
        *site_columns(), Site.latitude, Site.longitude, Site.housing_operator_id, Site.manager_id, Site.notes,
        Site.version,
    )).order_by(Site.name)
    frame = read_frame(engine, query, ints=["site_id", "housing_operator_id", "manager_id", "version"],
                       floats=["latitude", "longitude"])
    frame["location_approximate"] = frame["location_approximate"].astype(bool)
    return frame


@reads("sites", "reference")
def site_conventions(engine: Engine, site_id: int, today: date) -> pd.DataFrame:
    """The site's conventions, latest first, with their derived status on `today`.
    columns: convention_id, operator, start_date, planned_end_date, actual_end_date, units_planned,
    closure_reason, status, version."""
    operator = aliased(Organisation)
    query = (
        select(
            Convention.id.label("convention_id"), operator.short_name.label("operator"), Convention.start_date,
            Convention.planned_end_date, Convention.actual_end_date, Convention.units_planned,
            Convention.closure_reason, convention_status_sql(today).label("status"), Convention.version,
        )
        .join(operator, operator.id == Convention.operator_id)
        .where(Convention.site_id == site_id)
        .order_by(Convention.start_date.desc())
    )
    return read_frame(engine, query, dates=["start_date", "planned_end_date", "actual_end_date"],
                      ints=["convention_id", "units_planned", "version"])


@reads("sites", "reference")
def site_units_admin(engine: Engine, site_id: int) -> pd.DataFrame:
    """The site's units. columns: unit_id, label, bedrooms, capacity, reserved_for_id (0: none),
    reserved_for, version."""
    reserved = aliased(Organisation)
    query = (
        select(
            Unit.id.label("unit_id"), Unit.label, Unit.bedrooms, Unit.capacity,
            Unit.reserved_for_organisation_id.label("reserved_for_id"), reserved.short_name.label("reserved_for"),
            Unit.version,
        )
        .outerjoin(reserved, reserved.id == Unit.reserved_for_organisation_id)
        .where(Unit.site_id == site_id)
        .order_by(Unit.label)
    )
    return read_frame(engine, query, ints=["unit_id", "bedrooms", "capacity", "reserved_for_id", "version"])


@reads("sites")
def site_unavailability(engine: Engine, site_id: int) -> pd.DataFrame:
    """Unavailability periods of the site's units, latest first.
    columns: unavailability_id, unit_id, unit, start_date, end_date (None: open), reason, version."""
    query = (
        select(
            UnitUnavailability.id.label("unavailability_id"), Unit.id.label("unit_id"), Unit.label.label("unit"),
            UnitUnavailability.start_date, UnitUnavailability.end_date, UnitUnavailability.reason,
            UnitUnavailability.version,
        )
        .join(Unit, Unit.id == UnitUnavailability.unit_id)
        .where(Unit.site_id == site_id)
        .order_by(UnitUnavailability.start_date.desc(), Unit.label)
    )
    return read_frame(engine, query, dates=["start_date", "end_date"], ints=["unavailability_id", "unit_id", "version"])


@reads("money")
def scale_entries(engine: Engine) -> pd.DataFrame:
    """The contribution scale, per income status, latest first. columns: scale_id, income_status,
    label, rule, amount, percent, minimum, maximum (NaN when not set), effective_from."""
    query = select(
        ContributionScale.id.label("scale_id"), ContributionScale.income_status, ContributionScale.label,
        ContributionScale.rule, ContributionScale.amount, ContributionScale.percent, ContributionScale.minimum,
        ContributionScale.maximum, ContributionScale.effective_from,
    ).order_by(ContributionScale.income_status, ContributionScale.effective_from.desc())
    return read_frame(engine, query, dates=["effective_from"], ints=["scale_id"],
                      floats=["amount", "percent", "minimum", "maximum"])
