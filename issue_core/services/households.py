"""Households: register with a generated pseudonymous reference, update, end the follow-up."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from issue_core.auth import Actor, require_household_editor
from issue_core.db import write_session
from issue_core.errors import Conflict, InvalidInput, PermissionDenied
from issue_core.models import AdministrativeStatus, Axis, AxisOperator, Household, Organisation, Placement
from issue_core.policy import MAX_PEOPLE
from issue_core.rules import REFERENT_NOT_AXIS_OPERATOR, household_placements_meeting
from issue_core.services.common import (
    Checks,
    audit,
    check_version,
    get_or_refuse,
    require_choice,
    require_date,
    require_id,
    require_int,
    service,
    snapshot,
)

REFERENCE_PREFIX = "ISS"
REFERENCE_ATTEMPTS = 5
REFERENCE_PATTERN = re.compile(rf"{REFERENCE_PREFIX}-(\d{{4}})-(\d{{3,6}})")


def reference_for(year: int, number: int) -> str:
    return f"{REFERENCE_PREFIX}-{year}-{number:03d}"


def next_reference(session: Session, year: int) -> str:
    """ISS-<year>-<n>, one more than the highest number used that year."""
    prefix = f"{REFERENCE_PREFIX}-{year}-"
    existing = session.scalars(select(Household.reference).where(Household.reference.like(f"{prefix}%"))).all()
    numbers = [int(ref[len(prefix):]) for ref in existing if ref[len(prefix):].isdigit()]
    return reference_for(year, max(numbers, default=0) + 1)


def require_reference(value: Any) -> str:
    """A reference the partners already use, in the generator's shape (ISS-2021-014)."""
    text = value.strip() if isinstance(value, str) else ""
    match = REFERENCE_PATTERN.fullmatch(text)
    if match is None or reference_for(int(match[1]), int(match[2])) != text:
        raise InvalidInput("import.error.reference_format", reference=str(value)[:40], example=reference_for(2021, 14))
    return text


def check_reference_free(session: Session, reference: str) -> None:
    if session.scalar(select(Household.id).where(Household.reference == reference)) is not None:
        raise Conflict("import.error.reference_taken", reference=reference)


def check_referent_operates_axis(session: Session, axis_id: int, organisation_id: int) -> None:
    """Invariant 5 (also a foreign key to axis_operator in the database)."""
    axis = get_or_refuse(session, Axis, axis_id, "axis")
    organisation = get_or_refuse(session, Organisation, organisation_id, "organisation")
    operates = session.get(AxisOperator, (axis.id, organisation.id))
    if operates is None:
        raise Conflict(REFERENT_NOT_AXIS_OPERATOR, organisation=organisation.short_name, axis=axis.id)


def _check_fields(
    adults: Any, children: Any, axis_id: Any, organisation_id: Any, status: Any, referred_on: Any
) -> tuple[int, int, int, int, str, date]:
    """A household's fields, every problem told at once: adults, children, axis, referent
    organisation, administrative status, referral date."""
    with Checks() as check:
        checked = (
            check(require_int, adults, "field.adults", minimum=1, maximum=MAX_PEOPLE),
            check(require_int, children, "field.children", minimum=0, maximum=MAX_PEOPLE),
            check(require_id, axis_id, "field.axis"),
            check(require_id, organisation_id, "field.referent_organisation"),
            check(require_choice, status, AdministrativeStatus, "field.administrative_status"),
            check(require_date, referred_on, "field.referred_on"),
        )
    return checked


@service
def register_household(
    engine: Engine,
    actor: Actor,
    *,
    axis_id: int,
    referent_organisation_id: int,
    adults: int,
    children: int,
    administrative_status: str,
    referred_on: date,
    reference: str | None = None,
) -> tuple[int, str]:
    """Register a household referred to ISSUE. Returns (id, reference): the reference given (the one
    the partner already uses, refused if taken) or, by default, a generated one."""
    chosen = None if reference is None else require_reference(reference)
    adults, children, axis_id, organisation_id, status, referred = _check_fields(
        adults, children, axis_id, referent_organisation_id, administrative_status, referred_on)
    require_household_editor(actor, organisation_id)
    # Two registrations racing for the same number: the unique reference refuses one; try the next.
    for attempt in range(REFERENCE_ATTEMPTS):
        try:
            return _register(engine, actor, axis_id, organisation_id, adults, children, status, referred, chosen)
        except IntegrityError as exc:
            if chosen is not None or "reference" not in str(exc.orig) or attempt == REFERENCE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _register(
    engine, actor, axis_id, organisation_id, adults, children, status, referred, reference=None
) -> tuple[int, str]:
    with write_session(engine) as session:
        check_referent_operates_axis(session, axis_id, organisation_id)
        if reference is not None:
            check_reference_free(session, reference)
        household = Household(
            reference=reference or next_reference(session, referred.year),
            adults=adults,
            children=children,
            axis_id=axis_id,
            referent_organisation_id=organisation_id,
            administrative_status=status,
            referred_on=referred,
        )
        session.add(household)
        session.flush()
        audit(session, actor, "household.create", "household", household.id, after=snapshot(household))
        return household.id, household.reference


def _first_placement_start(session: Session, household_id: int) -> date | None:
    return session.scalar(select(func.min(Placement.start_date)).where(Placement.household_id == household_id))


@service
def update_household(
    engine: Engine,
    actor: Actor,
    household_id: int,
    *,
    version: int,
    adults: int,
    children: int,
    axis_id: int,
    referent_organisation_id: int,
    administrative_status: str,
    referred_on: date,
) -> None:
    """Change a household's composition, axis, referent partner, status or referral date."""
    adults, children, axis_id, organisation_id, status, referred = _check_fields(
        adults, children, axis_id, referent_organisation_id, administrative_status, referred_on)
    with write_session(engine) as session:
        household = get_or_refuse(session, Household, household_id, "household", lock=True)
        require_household_editor(actor, household.referent_organisation_id)
        check_version(household, version)
        if organisation_id != household.referent_organisation_id and not actor.is_admin:
            raise PermissionDenied("error.change_referent_admin_only")
        check_referent_operates_axis(session, axis_id, organisation_id)
        first_start = _first_placement_start(session, household.id)
        if first_start is not None and referred > first_start:
            raise InvalidInput("error.referral_after_placement", date=first_start)
        if household.follow_up_ended_on is not None and referred > household.follow_up_ended_on:
            raise InvalidInput("error.referral_after_follow_up_end", date=household.follow_up_ended_on)
        before = snapshot(household)
        household.adults, household.children = adults, children
        household.axis_id, household.referent_organisation_id = axis_id, organisation_id
        household.administrative_status, household.referred_on = status, referred
        session.flush()
        audit(session, actor, "household.update", "household", household.id, before=before, after=snapshot(household))


@service
def end_follow_up(engine: Engine, actor: Actor, household_id: int, *, version: int, ended_on: date) -> None:
    """End the follow-up of a household that is no longer placed."""
    ended = require_date(ended_on, "field.follow_up_ended_on")
    with write_session(engine) as session:
        household = get_or_refuse(session, Household, household_id, "household", lock=True)
        require_household_editor(actor, household.referent_organisation_id)
        check_version(household, version)
        if household.follow_up_ended_on is not None:
            raise Conflict("error.follow_up_already_ended", date=household.follow_up_ended_on)
        if ended < household.referred_on:
            raise InvalidInput("error.follow_up_end_before_referral", date=household.referred_on)
        running = session.scalars(
            select(Placement)
            .where(household_placements_meeting(household.id, ended, None))
            .limit(1)
        ).first()
        if running is not None:
            raise Conflict("error.follow_up_has_placement", reference=household.reference, start=running.start_date)
        before = snapshot(household)
        household.follow_up_ended_on = ended
        session.flush()
        audit(session, actor, "household.end_follow_up", "household", household.id, before=before, after=snapshot(household))
