"""The columns several read models show of a unit, a site or a household, with the joins they take:
written once, so that a name means the same value on every screen.

Each `<x>_columns()` gives labelled columns for a select; `join_<x>_columns(query)` adds the joins they
need to a query whose FROM already holds the unit, the site or the household. The organisations they
name are module-level aliases, so a query may use them beside its own `Organisation`.
"""

from __future__ import annotations

from sqlalchemy import Select
from sqlalchemy.orm import aliased

from issue_core.models import Household, Organisation, Site, Unit

RESERVED_FOR = aliased(Organisation, name="reserved_for_organisation")
HOUSING_OPERATOR = aliased(Organisation, name="housing_operator_organisation")
MANAGER = aliased(Organisation, name="manager_organisation")

UNIT_INTS = ["unit_id", "site_id", "bedrooms", "capacity", "reserved_for_id"]


def unit_columns() -> tuple:
    """unit_id, site_id, site, unit, bedrooms, capacity, reserved_for_id (NULL: reserved for no one; read_frame's
    ints=UNIT_INTS makes it 0), reserved_for (the organisation's short name). Joins: join_unit_columns."""
    return (
        Unit.id.label("unit_id"), Site.id.label("site_id"), Site.name.label("site"), Unit.label.label("unit"),
        Unit.bedrooms, Unit.capacity, Unit.reserved_for_organisation_id.label("reserved_for_id"),
        RESERVED_FOR.short_name.label("reserved_for"),
    )


def join_unit_columns(query: Select) -> Select:
    """`query` (its FROM holds Unit) joined to the unit's site and, when it has one, its reservation."""
    return (query.join(Site, Site.id == Unit.site_id)
            .outerjoin(RESERVED_FOR, RESERVED_FOR.id == Unit.reserved_for_organisation_id))


def site_columns() -> tuple:
    """site_id, name, address, commune, location_approximate, housing_operator, manager (None: none), the
    organisations by short name. Joins: join_site_columns."""
    return (
        Site.id.label("site_id"), Site.name, Site.address, Site.commune, Site.location_approximate,
        HOUSING_OPERATOR.short_name.label("housing_operator"), MANAGER.short_name.label("manager"),
    )


def join_site_columns(query: Select) -> Select:
    """`query` (its FROM holds Site) joined to the site's housing operator and, when it has one, its manager."""
    return (query.join(HOUSING_OPERATOR, HOUSING_OPERATOR.id == Site.housing_operator_id)
            .outerjoin(MANAGER, MANAGER.id == Site.manager_id))


def household_columns() -> tuple:
    """household_id, reference, axis_id, partner_id, partner (the referent organisation's short name).
    Joins: join_household_columns."""
    return (
        Household.id.label("household_id"), Household.reference, Household.axis_id,
        Household.referent_organisation_id.label("partner_id"), Organisation.short_name.label("partner"),
    )


def join_household_columns(query: Select) -> Select:
    """`query` (its FROM holds Household) joined to the household's referent organisation."""
    return query.join(Organisation, Organisation.id == Household.referent_organisation_id)
