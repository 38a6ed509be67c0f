"""Sites, conventions, units, unavailability periods and reservations (admin)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from issue_core import clock
from issue_core.auth import Actor, require_admin
from issue_core.db import write_session
from issue_core.errors import Conflict, InvalidInput, Term
from issue_core.models import (
    Convention,
    Household,
    Organisation,
    OrganisationKind,
    Placement,
    Site,
    Unit,
    UnitUnavailability,
)
from issue_core.policy import MAX_NOTES
from issue_core.rules import convention_active_during, leaving_day, overlaps, placement_range
from issue_core.services import rules
from issue_core.services.common import (
    audit,
    check_version,
    get_or_refuse,
    optional_date,
    optional_int,
    optional_text,
    require_bool,
    require_date,
    require_int,
    require_text,
    service,
    snapshot,
)
from issue_core.services.placements import site_occupants


def _organisation_of_kind(session: Session, organisation_id: Any, kind: OrganisationKind, field: str) -> Organisation:
    organisation = get_or_refuse(session, Organisation, organisation_id, "organisation")
    if organisation.kind != kind:
        raise InvalidInput("error.wrong_organisation_kind", field=Term(field), kind=Term(f"organisation_kind.{kind.value}"))
    return organisation


def _coordinate(value: Any, field: str, limit: float) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(str(value).replace(",", "."))
    except ValueError:
        raise InvalidInput("error.required_number", field=Term(field)) from None
    if not -limit <= number <= limit:
        raise InvalidInput("error.coordinate_out_of_range", field=Term(field), limit=limit)
    return number


def _site_fields(session: Session, values: dict[str, Any]) -> dict[str, Any]:
    fields = {
        "name": require_text(values.get("name"), "field.site_name", max_length=200),
        "address": optional_text(values.get("address"), "field.address"),
        "commune": optional_text(values.get("commune"), "field.commune", max_length=100),
        "latitude": _coordinate(values.get("latitude"), "field.latitude", 90),
        "longitude": _coordinate(values.get("longitude"), "field.longitude", 180),
        "location_approximate": require_bool(values.get("location_approximate", True), "field.location_approximate"),
        "notes": optional_text(values.get("notes"), "field.notes", max_length=MAX_NOTES),
    }
    fields["housing_operator_id"] = _organisation_of_kind(
        session, values.get("housing_operator_id"), OrganisationKind.HOUSING_OPERATOR, "field.housing_operator"
    ).id
    manager_id = optional_int(values.get("manager_id"), "field.manager", minimum=1)
    fields["manager_id"] = (
        _organisation_of_kind(session, manager_id, OrganisationKind.MANAGER, "field.manager").id if manager_id else None
    )
    return fields


def _check_site_name_free(session: Session, name: str, site_id: int | None = None) -> None:
    clash = session.scalars(select(Site).where(Site.name == name, Site.id != (site_id or 0))).first()
    if clash is not None:
        raise Conflict("error.site_name_taken", name=name)


@service
def create_site(engine: Engine, actor: Actor, **values: Any) -> int:
    """Create a site: name, address, commune, latitude, longitude, location_approximate,
    housing_operator_id, manager_id, notes."""
    require_admin(actor)
    with write_session(engine) as session:
        fields = _site_fields(session, values)
        _check_site_name_free(session, fields["name"])
        site = Site(**fields)
        session.add(site)
        session.flush()
        audit(session, actor, "site.create", "site", site.id, after=snapshot(site))
        return site.id


@service
def update_site(engine: Engine, actor: Actor, site_id: int, *, version: int, **values: Any) -> None:
    require_admin(actor)
    with write_session(engine) as session:
        site = get_or_refuse(session, Site, site_id, "site", lock=True)
        check_version(site, version)
        fields = _site_fields(session, values)
        _check_site_name_free(session, fields["name"], site.id)
        before = snapshot(site)
        for name, value in fields.items():
            setattr(site, name, value)
        session.flush()
        audit(session, actor, "site.update", "site", site.id, before=before, after=snapshot(site))


def _check_no_overlapping_convention(session: Session, site: Site, start: date) -> None:
    """A site has at most one convention on any day; an open convention runs until it is closed."""
    clash = session.scalars(
        select(Convention)
        .where(Convention.site_id == site.id)
        .where(convention_active_during(start, None))
        .limit(1)
    ).first()
    if clash is not None:
        raise Conflict("error.convention_overlap", site=site.name, start=clash.start_date)


@service
def create_convention(
    engine: Engine,
    actor: Actor,
    *,
    site_id: int,
    start_date: date,
    planned_end_date: date,
    units_planned: int,
    operator_id: int | None = None,
    notes: str | None = None,
) -> int:
    """A precarious occupancy agreement for a site (or its renewal, after the previous one is closed)."""
    require_admin(actor)
    start = require_date(start_date, "field.start_date")
    planned_end = require_date(planned_end_date, "field.planned_end_date")
    units = require_int(units_planned, "field.units_planned", minimum=0, maximum=10_000)
    notes = optional_text(notes, "field.notes", max_length=MAX_NOTES)
    if planned_end < start:
        raise InvalidInput("error.end_before_start", start=start, end=planned_end)
    with write_session(engine) as session:
        site = get_or_refuse(session, Site, site_id, "site", lock=True)
        operator = _organisation_of_kind(
            session, operator_id or site.housing_operator_id, OrganisationKind.HOUSING_OPERATOR, "field.housing_operator"
        )
        _check_no_overlapping_convention(session, site, start)
        convention = Convention(
            site_id=site.id, operator_id=operator.id, start_date=start,
            planned_end_date=planned_end, units_planned=units, notes=notes,
        )
        session.add(convention)
        session.flush()
        audit(session, actor, "convention.create", "convention", convention.id, after=snapshot(convention))
        return convention.id


@service
def extend_convention(engine: Engine, actor: Actor, convention_id: int, *, version: int, planned_end_date: date) -> None:
    """Move the planned end of a running convention later."""
    require_admin(actor)
    planned_end = require_date(planned_end_date, "field.planned_end_date")
    with write_session(engine) as session:
        convention = get_or_refuse(session, Convention, convention_id, "convention", lock=True)
        check_version(convention, version)
        if convention.actual_end_date is not None:
            raise Conflict("error.convention_closed", end=convention.actual_end_date)
        if planned_end <= convention.planned_end_date:
            raise InvalidInput("error.extension_not_later", end=convention.planned_end_date)
        before = snapshot(convention)
        convention.planned_end_date = planned_end
        session.flush()
        audit(session, actor, "convention.extend", "convention", convention.id, before=before, after=snapshot(convention))


@service
def close_convention(
    engine: Engine, actor: Actor, convention_id: int, *, version: int, actual_end_date: date, reason: str
) -> None:
    """Close a convention on its last day, actual_end_date (inclusive: occupiable like any other), when
    nobody occupies the site beyond it (otherwise: close the site with a plan)."""
    require_admin(actor)
    end = require_date(actual_end_date, "field.actual_end_date")
    reason = require_text(reason, "field.closure_reason")
    with write_session(engine) as session:
        convention = get_or_refuse(session, Convention, convention_id, "convention", lock=True)
        check_version(convention, version)
        if convention.actual_end_date is not None:
            raise Conflict("error.convention_closed", end=convention.actual_end_date)
        if end < convention.start_date:
            raise InvalidInput("error.end_before_start", start=convention.start_date, end=end)
        occupants = [p for p in site_occupants(session, convention.site_id, end) if p.start_date >= convention.start_date]
        later = session.scalars(
            select(Placement).join(Unit, Unit.id == Placement.unit_id)
            .where(Unit.site_id == convention.site_id, Placement.start_date >= leaving_day(end))
            .where(Placement.start_date >= convention.start_date)
            .limit(1)
        ).first()
        if occupants or later is not None:
            raise Conflict("error.convention_has_occupants", count=len(occupants) + (later is not None), date=end)
        before = snapshot(convention)
        convention.actual_end_date, convention.closure_reason = end, reason
        session.flush()
        audit(session, actor, "convention.close", "convention", convention.id, before=before, after=snapshot(convention))


def _unit_fields(values: dict[str, Any]) -> dict[str, Any]:
    return {
        "label": require_text(values.get("label"), "field.unit_label", max_length=100),
        "bedrooms": require_int(values.get("bedrooms"), "field.bedrooms", minimum=0, maximum=20),
        "capacity": require_int(values.get("capacity"), "field.capacity", minimum=1, maximum=40),
    }


def _check_label_free(session: Session, site_id: int, label: str, unit_id: int | None = None) -> None:
    clash = session.scalars(
        select(Unit).where(Unit.site_id == site_id, Unit.label == label, Unit.id != (unit_id or 0))
    ).first()
    if clash is not None:
        raise Conflict("error.unit_label_taken", label=label)


@service
def create_unit(
    engine: Engine,
    actor: Actor,
    *,
    site_id: int,
    label: str,
    bedrooms: int,
    capacity: int,
    reserved_for_organisation_id: int | None = None,
) -> int:
    require_admin(actor)
    fields = _unit_fields({"label": label, "bedrooms": bedrooms, "capacity": capacity})
    reserved = optional_int(reserved_for_organisation_id, "field.reserved_for", minimum=1)
    with write_session(engine) as session:
        site = get_or_refuse(session, Site, site_id, "site", lock=True)
        _check_label_free(session, site.id, fields["label"])
        if reserved is not None:
            _organisation_of_kind(session, reserved, OrganisationKind.PARTNER, "field.reserved_for")
        unit = Unit(site_id=site.id, reserved_for_organisation_id=reserved, **fields)
        session.add(unit)
        session.flush()
        audit(session, actor, "unit.create", "unit", unit.id, after=snapshot(unit))
        return unit.id


@service
def update_unit(engine: Engine, actor: Actor, unit_id: int, *, version: int, label: str, bedrooms: int, capacity: int) -> None:
    require_admin(actor)
    fields = _unit_fields({"label": label, "bedrooms": bedrooms, "capacity": capacity})
    with write_session(engine) as session:
        unit = get_or_refuse(session, Unit, unit_id, "unit", lock=True)
        check_version(unit, version)
        _check_label_free(session, unit.site_id, fields["label"], unit.id)
        before = snapshot(unit)
        for name, value in fields.items():
            setattr(unit, name, value)
        session.flush()
        audit(session, actor, "unit.update", "unit", unit.id, before=before, after=snapshot(unit))


@service
def set_unit_reservation(
    engine: Engine, actor: Actor, unit_id: int, *, version: int, organisation_id: int | None
) -> None:
    """Reserve a unit for one partner's households (None lifts the reservation)."""
    require_admin(actor)
    reserved = optional_int(organisation_id, "field.reserved_for", minimum=1)
    with write_session(engine) as session:
        unit = get_or_refuse(session, Unit, unit_id, "unit", lock=True)
        check_version(unit, version)
        if reserved is not None:
            organisation = _organisation_of_kind(session, reserved, OrganisationKind.PARTNER, "field.reserved_for")
            other = session.scalars(
                select(Household).join(Placement, Placement.household_id == Household.id)
                .where(Placement.unit_id == unit.id, Household.referent_organisation_id != reserved)
                .where(overlaps(*placement_range(), clock.today(), None))
                .limit(1)
            ).first()
            if other is not None:
                raise Conflict(
                    "error.reservation_conflicts_occupant",
                    organisation=organisation.short_name,
                    holder=rules.household_label(session, actor, other),
                )
        before = snapshot(unit)
        unit.reserved_for_organisation_id = reserved
        session.flush()
        audit(session, actor, "unit.reserve", "unit", unit.id, before=before, after=snapshot(unit))


@service
def add_unavailability(
    engine: Engine,
    actor: Actor,
    *,
    unit_id: int,
    start_date: date,
    reason: str,
    end_date: date | None = None,
) -> int:
    """Mark a unit unavailable over [start_date, end_date) (open-ended when no end): works, damage, fire."""
    require_admin(actor)
    start = require_date(start_date, "field.start_date")
    end = optional_date(end_date, "field.end_date")
    reason = require_text(reason, "field.reason")
    if end is not None and end <= start:
        raise InvalidInput("error.end_before_start", start=start, end=end)
    with write_session(engine) as session:
        unit = get_or_refuse(session, Unit, unit_id, "unit", lock=True)
        rules.check_unit_free(session, actor, unit, start, end)
        rules.check_unit_available(session, unit, start, end)
        period = UnitUnavailability(unit_id=unit.id, start_date=start, end_date=end, reason=reason)
        session.add(period)
        session.flush()
        audit(session, actor, "unit.unavailable", "unit_unavailability", period.id, after=snapshot(period))
        return period.id


@service
def end_unavailability(engine: Engine, actor: Actor, unavailability_id: int, *, version: int, end_date: date) -> None:
    """Set (or move) the day a unit becomes available again."""
    require_admin(actor)
    end = require_date(end_date, "field.end_date")
    with write_session(engine) as session:
        period = get_or_refuse(session, UnitUnavailability, unavailability_id, "unavailability", lock=True)
        check_version(period, version)
        if end <= period.start_date:
            raise InvalidInput("error.end_before_start", start=period.start_date, end=end)
        unit = session.get(Unit, period.unit_id)
        if period.end_date is None or end > period.end_date:
            rules.check_unit_free(session, actor, unit, period.start_date, end)
        before = snapshot(period)
        period.end_date = end
        session.flush()
        audit(session, actor, "unit.available", "unit_unavailability", period.id, before=before, after=snapshot(period))
