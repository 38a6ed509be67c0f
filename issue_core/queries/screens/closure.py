"""Read models of the site-closure page: the sites that can be closed on a day (the last day of their
convention), the occupants who must leave the day after, and the units they can move to from then on.

The rules are those of services.placements.close_site: the site's open convention (no actual end)
started on or before the closing day; the occupants leave on the day after (intervals.leaving_day):
an occupant is a placement started by the closing day and still running on the leaving day
(site_occupants); a relocation opens an open-ended placement on the leaving day, so a target unit is
on another site with an open convention started by then, and holds no placement nor unavailability
period that ends after it (or never)."""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Engine, and_, exists, or_, select
from sqlalchemy.orm import aliased

from issue_core.models import Convention, Household, Organisation, Placement, Site, Unit, UnitUnavailability
from issue_core.queries.sql.frames import read_frame
from issue_core.queries.sql.functions import date_param
from issue_core.queries.sql.intervals import leaving_day


def _open_convention_by(day: date):  # noqa: ANN202
    return and_(Convention.actual_end_date.is_(None), Convention.start_date <= date_param(day))


def closable_sites(engine: Engine, day: date) -> pd.DataFrame:
    """Sites with an open convention started on or before `day`.
    columns: site_id, site, convention_id, convention_start, planned_end_date."""
    query = (
        select(
            Site.id.label("site_id"), Site.name.label("site"), Convention.id.label("convention_id"),
            Convention.start_date.label("convention_start"), Convention.planned_end_date,
        )
        .join(Convention, and_(Convention.site_id == Site.id, _open_convention_by(day)))
        .order_by(Site.name)
    )
    return read_frame(engine, query, dates=["convention_start", "planned_end_date"], ints=["site_id", "convention_id"])


def occupants_on(engine: Engine, site_id: int, day: date) -> pd.DataFrame:
    """Placements of the site that run past `day`, the closing day: started by then, still running on
    the leaving day. columns: placement_id, household_id, reference, partner_id, partner, unit_id, unit, start_date,
    end_date (None: open)."""
    d = date_param(leaving_day(day))
    query = (
        select(
            Placement.id.label("placement_id"), Household.id.label("household_id"), Household.reference,
            Household.referent_organisation_id.label("partner_id"), Organisation.short_name.label("partner"),
            Unit.id.label("unit_id"), Unit.label.label("unit"), Placement.start_date, Placement.end_date,
        )
        .join(Unit, Unit.id == Placement.unit_id)
        .join(Household, Household.id == Placement.household_id)
        .join(Organisation, Organisation.id == Household.referent_organisation_id)
        .where(Unit.site_id == site_id, Placement.start_date < d)
        .where(or_(Placement.end_date.is_(None), Placement.end_date > d))
        .order_by(Unit.label, Placement.id)
    )
    return read_frame(engine, query, dates=["start_date", "end_date"],
                      ints=["placement_id", "household_id", "partner_id", "unit_id"])


def relocation_units(engine: Engine, day: date, excluded_site_id: int) -> pd.DataFrame:
    """Units free from the leaving day on (the day after `day`, the closing day), on sites other than
    `excluded_site_id` with an open convention started by then.
    columns: unit_id, unit, site_id, site, bedrooms, capacity, reserved_for_id (0: none), reserved_for."""
    leave = leaving_day(day)
    d = date_param(leave)

    def busy_after(model):  # noqa: ANN001, ANN202
        return exists().where(model.unit_id == Unit.id, or_(model.end_date.is_(None), model.end_date > d))

    reserved = aliased(Organisation)
    query = (
        select(
            Unit.id.label("unit_id"), Unit.label.label("unit"), Site.id.label("site_id"), Site.name.label("site"),
            Unit.bedrooms, Unit.capacity, Unit.reserved_for_organisation_id.label("reserved_for_id"),
            reserved.short_name.label("reserved_for"),
        )
        .join(Site, Site.id == Unit.site_id)
        .outerjoin(reserved, reserved.id == Unit.reserved_for_organisation_id)
        .where(Site.id != excluded_site_id)
        .where(exists().where(Convention.site_id == Site.id, _open_convention_by(leave)))
        .where(~busy_after(Placement), ~busy_after(UnitUnavailability))
        .order_by(Site.name, Unit.label)
    )
    return read_frame(engine, query, ints=["unit_id", "site_id", "bedrooms", "capacity", "reserved_for_id"])
