"""Read models of the site-closure page: the sites that can be closed on a day (the last day of their
convention), the occupants who must leave the day after, and the units they can move to from then on.

The rules are those of services.placements.close_site, from issue_core.rules: the site's open
convention (convention_open_on) ends on the closing day; the occupants (stays_past) leave on the day
after (leaving_day); a relocation opens an open-ended placement on the leaving day, so a target unit
is on another site and takes that stay (site_takes_stay, unit_available, unit_free: the conditions
of the placement form)."""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Engine, and_, select

from issue_core.models import Convention, Household, Organisation, Placement, Site, Unit
from issue_core.queries.areas import reads
from issue_core.queries.sql.columns import UNIT_INTS, join_unit_columns, unit_columns
from issue_core.queries.sql.frames import read_frame
from issue_core.rules import convention_open_on, leaving_day, site_takes_stay, stays_past, unit_available, unit_free


@reads("sites", "stays", "reference")
def closable_sites(engine: Engine, day: date) -> pd.DataFrame:
    """Sites with an open convention started on or before `day`.
    columns: site_id, site, convention_id, convention_start, planned_end_date."""
    query = (
        select(
            Site.id.label("site_id"), Site.name.label("site"), Convention.id.label("convention_id"),
            Convention.start_date.label("convention_start"), Convention.planned_end_date,
        )
        .join(Convention, and_(Convention.site_id == Site.id, convention_open_on(day)))
        .order_by(Site.name)
    )
    return read_frame(engine, query, dates=["convention_start", "planned_end_date"], ints=["site_id", "convention_id"])


@reads("sites", "stays", "reference")
def occupants_on(engine: Engine, site_id: int, day: date) -> pd.DataFrame:
    """Placements of the site that run past `day`, the closing day: started by then, still running on
    the leaving day. columns: placement_id, household_id, reference, partner_id, partner, unit_id, unit, start_date,
    end_date (None: open)."""
    query = (
        select(
            Placement.id.label("placement_id"), Household.id.label("household_id"), Household.reference,
            Household.referent_organisation_id.label("partner_id"), Organisation.short_name.label("partner"),
            Unit.id.label("unit_id"), Unit.label.label("unit"), Placement.start_date, Placement.end_date,
        )
        .join(Unit, Unit.id == Placement.unit_id)
        .join(Household, Household.id == Placement.household_id)
        .join(Organisation, Organisation.id == Household.referent_organisation_id)
        .where(Unit.site_id == site_id, stays_past(day))
        .order_by(Unit.label, Placement.id)
    )
    return read_frame(engine, query, dates=["start_date", "end_date"],
                      ints=["placement_id", "household_id", "partner_id", "unit_id"])


@reads("sites", "stays", "reference")
def relocation_units(engine: Engine, day: date, excluded_site_id: int) -> pd.DataFrame:
    """Units free from the leaving day on (the day after `day`, the closing day), on sites other than
    `excluded_site_id` with an open convention started by then.
    columns: unit_id, site_id, site, unit, bedrooms, capacity, reserved_for_id (0: none), reserved_for
    (sql.columns.unit_columns)."""
    leave = leaving_day(day)
    query = (
        join_unit_columns(select(*unit_columns()))
        .where(Site.id != excluded_site_id)
        .where(site_takes_stay(Site.id, leave, None))
        .where(unit_available(Unit.id, leave, None), unit_free(Unit.id, leave, None))
        .order_by(Site.name, Unit.label)
    )
    return read_frame(engine, query, ints=UNIT_INTS)


def units_offered(units: pd.DataFrame, typed: str, partner_id: int, taken: set[int], limit: int) -> tuple[list[int], int]:
    """(unit ids, how many match): the relocation units (rows of relocation_units) an occupant of partner
    `partner_id` may take — not `taken` by another occupant, no reservation for another organisation — whose
    site or unit name holds `typed` (any case; nothing typed: all), the first `limit` in the read's order
    (site, unit). A choice offers those few: at sector scale 800 units to 17 occupants made 600 KB of options."""
    text = typed.strip().casefold()
    fitting = units["reserved_for_id"].isin((0, partner_id)) & ~units["unit_id"].isin(taken)
    if text:
        fitting &= (units["site"].str.casefold().str.contains(text, regex=False)
                    | units["unit"].str.casefold().str.contains(text, regex=False))
    matching = units.loc[fitting, "unit_id"]
    return [int(unit) for unit in matching.head(limit)], len(matching)
