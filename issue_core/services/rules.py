"""The placement invariants of DOMAIN.md (1, 2, 4, 6), checked inside the writing transaction so the
user is told exactly what conflicts before the database would refuse it."""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from issue_core.auth import Actor, can_see_household
from issue_core.errors import Conflict, HouseholdOf, InvalidInput
from issue_core.models import Convention, Household, Organisation, Placement, Site, Unit, UnitUnavailability
from issue_core.queries.sql.intervals import leaving_day, stay_fits_convention

FAR_FUTURE = date(9999, 12, 31)


def overlaps(start_column, end_column, start: date, end: date | None):
    """SQL condition: the half-open range [start_column, end_column) meets [start, end)."""
    return and_(
        start_column < (end or FAR_FUTURE),
        or_(end_column.is_(None), end_column > start),
    )


def first_overlapping(session: Session, model, owner_column, owner_id: int, start: date, end: date | None,
                      ignore: tuple[int, ...] = ()):  # noqa: ANN001 (a model and one of its columns)
    """The earliest period (placement or unavailability) of one unit or household that meets [start, end)."""
    query = (
        select(model)
        .where(owner_column == owner_id)
        .where(overlaps(model.start_date, model.end_date, start, end))
        .order_by(model.start_date)
        .limit(1)
    )
    if ignore:
        query = query.where(model.id.not_in(ignore))
    return session.scalars(query).first()


def household_label(session: Session, actor: Actor, household: Household) -> str | HouseholdOf:
    """The reference when the actor may see it, else which organisation follows the household."""
    if can_see_household(actor, household.referent_organisation_id):
        return household.reference
    organisation = session.get(Organisation, household.referent_organisation_id)
    return HouseholdOf(organisation.short_name if organisation else "?")


def unit_name(session: Session, unit: Unit) -> str:
    site = session.get(Site, unit.site_id)
    return f"{site.name if site else '?'} · {unit.label}"


def check_unit_free(
    session: Session, actor: Actor, unit: Unit, start: date, end: date | None, ignore: tuple[int, ...] = ()
) -> None:
    """Invariant 1: the unit holds no other placement in [start, end)."""
    clash = first_overlapping(session, Placement, Placement.unit_id, unit.id, start, end, ignore)
    if clash is None:
        return
    holder = household_label(session, actor, session.get(Household, clash.household_id))
    if clash.end_date is None:
        raise Conflict("error.unit_occupied_open", unit=unit_name(session, unit), holder=holder, start=clash.start_date)
    raise Conflict(
        "error.unit_occupied",
        unit=unit_name(session, unit),
        holder=holder,
        start=clash.start_date,
        end=clash.end_date,
    )


def check_household_free(
    session: Session, household: Household, start: date, end: date | None, ignore: tuple[int, ...] = ()
) -> None:
    """Invariant 2: the household is in no other unit in [start, end)."""
    clash = first_overlapping(session, Placement, Placement.household_id, household.id, start, end, ignore)
    if clash is None:
        return
    unit = session.get(Unit, clash.unit_id)
    raise Conflict(
        "error.household_already_placed",
        reference=household.reference,
        unit=unit_name(session, unit),
        start=clash.start_date,
    )


def check_inside_convention(session: Session, unit: Unit, start: date, end: date | None) -> Convention:
    """Invariant 4 (convention part, intervals.stay_fits_convention): the stay [start, end) starts on
    or after a convention's start and ends by the day after its last day (its actual end, inclusive:
    an occupiable day like any other). A convention with an actual end (even a future one) takes no
    open-ended stay: it would outlive it."""
    fitting = session.scalars(
        select(Convention).where(Convention.site_id == unit.site_id, stay_fits_convention(start, end))
        .order_by(Convention.start_date).limit(1)
    ).first()
    if fitting is not None:
        return fitting
    site = session.get(Site, unit.site_id)
    conventions = session.scalars(
        select(Convention).where(Convention.site_id == unit.site_id).order_by(Convention.start_date)
    ).all()
    if not conventions:
        raise Conflict("error.no_convention", site=site.name)
    started = [c for c in conventions if c.start_date <= start]
    if not started:
        raise Conflict("error.before_convention_start", site=site.name, start=conventions[0].start_date)
    closed = started[-1]
    raise Conflict("error.after_convention_end", site=site.name, end=closed.actual_end_date,
                   leave_by=leaving_day(closed.actual_end_date))


def check_unit_available(session: Session, unit: Unit, start: date, end: date | None) -> None:
    """Invariant 4 (availability part): no unavailability period of the unit meets [start, end)."""
    period = first_overlapping(session, UnitUnavailability, UnitUnavailability.unit_id, unit.id, start, end)
    if period is None:
        return
    if period.end_date is None:
        raise Conflict("error.unit_unavailable_open", unit=unit_name(session, unit), start=period.start_date, reason=period.reason)
    raise Conflict(
        "error.unit_unavailable",
        unit=unit_name(session, unit),
        start=period.start_date,
        end=period.end_date,
        reason=period.reason,
    )


def check_reservation(
    session: Session, actor: Actor, unit: Unit, household: Household, override_reason: str | None
) -> bool:
    """Invariant 6. Returns True when an admin overrode the reservation (the reason goes to the audit)."""
    reserved_for = unit.reserved_for_organisation_id
    if reserved_for is None or reserved_for == household.referent_organisation_id:
        return False
    organisation = session.get(Organisation, reserved_for)
    if actor.is_admin and override_reason:
        return True
    key = "error.unit_reserved_admin_hint" if actor.is_admin else "error.unit_reserved"
    raise Conflict(key, unit=unit_name(session, unit), organisation=organisation.short_name)


def check_household_can_be_placed(household: Household, start: date) -> None:
    if household.follow_up_ended_on is not None:
        raise Conflict("error.follow_up_ended", reference=household.reference, date=household.follow_up_ended_on)
    if start < household.referred_on:
        raise InvalidInput("error.placement_before_referral", reference=household.reference, date=household.referred_on)


def check_new_placement(
    session: Session,
    actor: Actor,
    household: Household,
    unit: Unit,
    start: date,
    end: date | None,
    override_reason: str | None,
    ignore: tuple[int, ...] = (),
) -> bool:
    """All placement invariants, most specific message first. Returns whether a reservation was overridden."""
    if end is not None and end <= start:
        raise InvalidInput("error.end_before_start", start=start, end=end)
    check_household_can_be_placed(household, start)
    check_inside_convention(session, unit, start, end)
    check_unit_available(session, unit, start, end)
    overridden = check_reservation(session, actor, unit, household, override_reason)
    check_unit_free(session, actor, unit, start, end, ignore)
    check_household_free(session, household, start, end, ignore)
    return overridden
