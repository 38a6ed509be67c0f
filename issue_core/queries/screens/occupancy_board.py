"""Read models of the occupancy page: the sites to show a board for, and one site's units on a day.

Definitions as in queries.metrics.occupancy: a unit is *unavailable* on d when one of its unavailability
periods [start_date, end_date) covers d, *occupied* when a placement [start_date, end_date) covers
d (and it is not unavailable), otherwise *vacant*; a vacant unit is vacant since the first day of its
current unbroken run of available, empty days (occupancy.vacant_since_sql, as in
occupancy.vacant_units: a convention renewed without a gap does not break the run).

A reference is None where the viewer's scope may not see it (issue_core.visibility).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Engine, and_, case, exists, func, literal, select
from sqlalchemy.orm import aliased

from issue_core.models import Convention, Household, Organisation, Placement, Site, Unit, UnitUnavailability
from issue_core.queries.areas import reads
from issue_core.queries.metrics.occupancy import vacant_since_sql
from issue_core.queries.sql.filters import NO_FILTERS, Filters
from issue_core.queries.sql.frames import read_frame
from issue_core.queries.sql.functions import date_param, days_between
from issue_core.rules import convention_active_on, covers
from issue_core.visibility import NOBODY, Scope, blank_references

BOARD_COLUMNS = [
    "unit_id", "unit", "bedrooms", "capacity", "reserved_for_id", "reserved_for", "state",
    "placement_id", "household_id", "reference", "axis_id", "partner_id", "partner", "placed_since",
    "unavailable_reason", "unavailable_since", "unavailable_until", "vacant_since", "days_vacant",
    "next_placement_start",
]


@reads("sites", "stays", "reference")
def sites_with_active_convention(engine: Engine, day: date, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """Sites with a convention active on `day` (the overdue ones included, as in the metrics), with
    their number of units. Unit filters apply; household filters do not.

    columns: site_id, site, units."""
    units = select(func.count(Unit.id)).where(Unit.site_id == Site.id).correlate(Site).scalar_subquery()
    query = (
        select(Site.id.label("site_id"), Site.name.label("site"), units.label("units"))
        .where(
            Site.id.in_(select(Convention.site_id).where(convention_active_on(day))),
            *filters.site_conditions(Site.id),
        )
        .order_by(Site.name)
    )
    return read_frame(engine, query, ints=["site_id", "units"])


@reads("sites", "stays", "reference")
def unit_board(engine: Engine, site_id: int, day: date, scope: Scope = NOBODY) -> pd.DataFrame:
    """One row per unit of the site on `day`, in one query:

    unit (label), bedrooms, capacity, reserved_for (short name of the partner the unit is reserved
    for, or None), state ('unavailable' | 'occupied' | 'vacant'), the placement covering the day
    (placement_id, household_id, reference, axis_id, partner, placed_since), the unavailability
    covering it (unavailable_reason, unavailable_since, unavailable_until — None when open), and for
    a vacant unit vacant_since (occupancy.vacant_since_sql, as in the alerts), days_vacant and
    next_placement_start (a placement already planned). reference: None where `scope` may not see it.

    The ids of missing parts are 0 (placement_id, household_id, axis_id, partner_id, reserved_for_id)."""
    d = date_param(day)
    reserved = aliased(Organisation)
    partner = aliased(Organisation)

    def covers_day(model):  # noqa: ANN001, ANN202
        return and_(model.unit_id == Unit.id, covers(model.start_date, model.end_date, day))

    later = aliased(Placement)
    next_start = (
        select(func.min(later.start_date)).where(later.unit_id == Unit.id, later.start_date > d)
        .correlate(Unit).scalar_subquery()
    )
    state = case(
        (UnitUnavailability.id.is_not(None), literal("unavailable")),
        (Placement.id.is_not(None), literal("occupied")),
        else_=literal("vacant"),
    )
    under_convention = exists().where(Convention.site_id == Unit.site_id, convention_active_on(day))
    vacant = and_(UnitUnavailability.id.is_(None), Placement.id.is_(None), under_convention)
    since = vacant_since_sql(Unit.id, Unit.site_id, day)
    vacant_since = case((vacant, since), else_=None)
    query = (
        select(
            Unit.id.label("unit_id"),
            Unit.label.label("unit"),
            Unit.bedrooms,
            Unit.capacity,
            Unit.reserved_for_organisation_id.label("reserved_for_id"),
            reserved.short_name.label("reserved_for"),
            state.label("state"),
            Placement.id.label("placement_id"),
            Household.id.label("household_id"),
            Household.reference,
            Household.axis_id,
            Household.referent_organisation_id.label("partner_id"),
            partner.short_name.label("partner"),
            Placement.start_date.label("placed_since"),
            UnitUnavailability.reason.label("unavailable_reason"),
            UnitUnavailability.start_date.label("unavailable_since"),
            UnitUnavailability.end_date.label("unavailable_until"),
            vacant_since.label("vacant_since"),
            case((vacant, days_between(since, d)), else_=None).label("days_vacant"),
            case((vacant, next_start), else_=None).label("next_placement_start"),
        )
        .outerjoin(reserved, reserved.id == Unit.reserved_for_organisation_id)
        .outerjoin(UnitUnavailability, covers_day(UnitUnavailability))
        .outerjoin(Placement, covers_day(Placement))
        .outerjoin(Household, Household.id == Placement.household_id)
        .outerjoin(partner, partner.id == Household.referent_organisation_id)
        .where(Unit.site_id == site_id)
        .order_by(Unit.label)
    )
    frame = read_frame(
        engine, query,
        dates=["placed_since", "unavailable_since", "unavailable_until", "vacant_since", "next_placement_start"],
        ints=["unit_id", "bedrooms", "capacity", "reserved_for_id", "placement_id", "household_id", "axis_id",
              "partner_id"],
    )
    frame["days_vacant"] = pd.to_numeric(frame["days_vacant"]).astype("Int64")
    return blank_references(frame[BOARD_COLUMNS], scope)
