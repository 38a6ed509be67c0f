"""The refusals of the placement invariants of DOMAIN.md (1, 2, 4, 6). The rules themselves are SQL
conditions of issue_core.rules (the one definition, also used by the forms' choices and
tests/checks.py); each check here finds, inside the writing transaction, the row that breaks one and
tells the user exactly what conflicts, before the database would refuse it."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from issue_core import visibility
from issue_core.auth import Actor
from issue_core.errors import Conflict, HouseholdOf, InvalidInput
from issue_core.models import Convention, Household, Organisation, Placement, Site, Unit, UnitUnavailability
from issue_core.rules import (
    AFTER_CONVENTION_END,
    BEFORE_CONVENTION_START,
    FOLLOW_UP_ENDED,
    HOUSEHOLD_ALREADY_PLACED,
    NO_CONVENTION,
    PLACEMENT_BEFORE_REFERRAL,
    UNIT_OCCUPIED,
    UNIT_OCCUPIED_OPEN,
    UNIT_RESERVED,
    UNIT_RESERVED_ADMIN_HINT,
    UNIT_UNAVAILABLE,
    UNIT_UNAVAILABLE_OPEN,
    follow_up_running,
    household_placements_meeting,
    leaving_day,
    referred_by,
    reservation_allows,
    stay_fits_convention,
    unit_placements_meeting,
    unit_unavailability_meeting,
)


def first_meeting(session: Session, model, condition, ignore: tuple[int, ...] = ()):  # noqa: ANN001, ANN201
    """The earliest period (placement or unavailability) meeting a condition of issue_core.rules."""
    query = select(model).where(condition).order_by(model.start_date).limit(1)
    if ignore:
        query = query.where(model.id.not_in(ignore))
    return session.scalars(query).first()


def satisfies(session: Session, row, condition) -> bool:  # noqa: ANN001
    """Whether a loaded row meets a condition of issue_core.rules (evaluated in SQL: one definition)."""
    model = type(row)
    return session.scalar(select(model.id).where(model.id == row.id, condition)) is not None


def household_label(session: Session, actor: Actor, household: Household) -> str | HouseholdOf:
    """The reference when the actor may see it, else which organisation follows the household."""
    organisation = session.get(Organisation, household.referent_organisation_id)
    scope = visibility.scope_of(actor)
    return visibility.household_label(scope, household.reference, household.referent_organisation_id,
                                      organisation.short_name if organisation else "?")


def unit_name(session: Session, unit: Unit) -> str:
    site = session.get(Site, unit.site_id)
    return f"{site.name if site else '?'} · {unit.label}"


def check_unit_free(
    session: Session, actor: Actor, unit: Unit, start: date, end: date | None, ignore: tuple[int, ...] = ()
) -> None:
    """Invariant 1: the unit holds no other placement in [start, end)."""
    clash = first_meeting(session, Placement, unit_placements_meeting(unit.id, start, end), ignore)
    if clash is None:
        return
    holder = household_label(session, actor, session.get(Household, clash.household_id))
    if clash.end_date is None:
        raise Conflict(UNIT_OCCUPIED_OPEN, unit=unit_name(session, unit), holder=holder, start=clash.start_date)
    raise Conflict(
        UNIT_OCCUPIED,
        unit=unit_name(session, unit),
        holder=holder,
        start=clash.start_date,
        end=clash.end_date,
    )


def check_household_free(
    session: Session, household: Household, start: date, end: date | None, ignore: tuple[int, ...] = ()
) -> None:
    """Invariant 2: the household is in no other unit in [start, end)."""
    clash = first_meeting(session, Placement, household_placements_meeting(household.id, start, end), ignore)
    if clash is None:
        return
    unit = session.get(Unit, clash.unit_id)
    raise Conflict(
        HOUSEHOLD_ALREADY_PLACED,
        reference=household.reference,
        unit=unit_name(session, unit),
        start=clash.start_date,
    )


def check_inside_convention(session: Session, unit: Unit, start: date, end: date | None) -> Convention:
    """Invariant 4 (convention part, rules.stay_fits_convention): the stay [start, end) starts on
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
        raise Conflict(NO_CONVENTION, site=site.name)
    started = [c for c in conventions if c.start_date <= start]
    if not started:
        raise Conflict(BEFORE_CONVENTION_START, site=site.name, start=conventions[0].start_date)
    closed = started[-1]
    raise Conflict(AFTER_CONVENTION_END, site=site.name, end=closed.actual_end_date,
                   leave_by=leaving_day(closed.actual_end_date))


def check_unit_available(session: Session, unit: Unit, start: date, end: date | None) -> None:
    """Invariant 4 (availability part): no unavailability period of the unit meets [start, end)."""
    period = first_meeting(session, UnitUnavailability, unit_unavailability_meeting(unit.id, start, end))
    if period is None:
        return
    if period.end_date is None:
        raise Conflict(UNIT_UNAVAILABLE_OPEN, unit=unit_name(session, unit), start=period.start_date, reason=period.reason)
    raise Conflict(
        UNIT_UNAVAILABLE,
        unit=unit_name(session, unit),
        start=period.start_date,
        end=period.end_date,
        reason=period.reason,
    )


def check_reservation(
    session: Session, actor: Actor, unit: Unit, household: Household, override_reason: str | None
) -> bool:
    """Invariant 6. Returns True when an admin overrode the reservation (the reason goes to the audit)."""
    if satisfies(session, unit, reservation_allows(household.referent_organisation_id)):
        return False
    organisation = session.get(Organisation, unit.reserved_for_organisation_id)
    if actor.is_admin and override_reason:
        return True
    key = UNIT_RESERVED_ADMIN_HINT if actor.is_admin else UNIT_RESERVED
    raise Conflict(key, unit=unit_name(session, unit), organisation=organisation.short_name)


def check_household_can_be_placed(session: Session, household: Household, start: date) -> None:
    if not satisfies(session, household, follow_up_running()):
        raise Conflict(FOLLOW_UP_ENDED, reference=household.reference, date=household.follow_up_ended_on)
    if not satisfies(session, household, referred_by(start)):
        raise InvalidInput(PLACEMENT_BEFORE_REFERRAL, reference=household.reference, date=household.referred_on)


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
    check_household_can_be_placed(session, household, start)
    check_inside_convention(session, unit, start, end)
    check_unit_available(session, unit, start, end)
    overridden = check_reservation(session, actor, unit, household, override_reason)
    check_unit_free(session, actor, unit, start, end, ignore)
    check_household_free(session, household, start, end, ignore)
    return overridden
