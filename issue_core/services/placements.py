"""Placements: place, end with an exit destination, transfer, close a site with its relocation plan,
cancel a stay recorded by mistake (the day it was recorded)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Engine, and_, exists, or_, select
from sqlalchemy.orm import Session

from issue_core import clock
from issue_core.auth import Actor, require_admin, require_household_editor
from issue_core.db import write_session
from issue_core.errors import Conflict, InvalidInput
from issue_core.i18n import BRUSSELS
from issue_core.models import AuditEvent, Convention, ExitDestination, Household, Placement, Site, Unit
from issue_core.policy import MAX_NOTES
from issue_core.rules import convention_open_on, end_bounds, leaving_day, stays_past
from issue_core.services import rules
from issue_core.services.common import (
    Checks,
    audit,
    check_version,
    get_or_refuse,
    optional_date,
    optional_text,
    require_choice,
    require_date,
    require_int,
    require_text,
    service,
    snapshot,
)
from issue_core.services.undo import put_back


def _lock_pair(session: Session, household_id: Any, unit_id: Any) -> tuple[Household, Unit]:
    """Lock the unit before the household, always in that order, so concurrent writers queue
    instead of deadlocking (PostgreSQL; SQLite already serialises writers with BEGIN IMMEDIATE)."""
    unit = get_or_refuse(session, Unit, unit_id, "unit", lock=True)
    household = get_or_refuse(session, Household, household_id, "household", lock=True)
    return household, unit


def _new_placement(
    session: Session,
    actor: Actor,
    household: Household,
    unit: Unit,
    start: date,
    end: date | None,
    notes: str | None,
    override_reason: str | None,
    ignore: tuple[int, ...] = (),
) -> tuple[Placement, bool]:
    overridden = rules.check_new_placement(session, actor, household, unit, start, end, override_reason, ignore)
    placement = Placement(household_id=household.id, unit_id=unit.id, start_date=start, end_date=end, notes=notes)
    session.add(placement)
    session.flush()
    return placement, overridden


def _with_override(after: dict | None, overridden: bool, reason: str | None) -> dict | None:
    if overridden and after is not None:
        after = {**after, "reservation_override_reason": reason}
    return after


@service
def place_household(
    engine: Engine,
    actor: Actor,
    *,
    household_id: int,
    unit_id: int,
    start_date: date,
    end_date: date | None = None,
    notes: str | None = None,
    override_reason: str | None = None,
) -> int:
    """Place a household in a unit from start_date (open-ended unless end_date). Returns the placement id."""
    with Checks() as check:
        start = check(require_date, start_date, "field.start_date")
        end = check(optional_date, end_date, "field.end_date")
        notes = check(optional_text, notes, "field.notes", max_length=MAX_NOTES)
        override_reason = check(optional_text, override_reason, "field.override_reason")
        if start and end and end <= start:
            check.refuse("error.end_before_start", start=start, end=end)
    with write_session(engine) as session:
        household, unit = _lock_pair(session, household_id, unit_id)
        require_household_editor(actor, household.referent_organisation_id)
        placement, overridden = _new_placement(session, actor, household, unit, start, end, notes, override_reason)
        audit(
            session, actor, "placement.create", "placement", placement.id,
            after=_with_override(snapshot(placement), overridden, override_reason),
        )
        return placement.id


def _check_exit(session: Session, placement: Placement, end: date, *, shorten: bool = False) -> None:
    """A stay may end on `end`: it is still open, or only planned to end (an end date, no exit
    destination yet) on or after `end` — brought forward, or confirmed on its planned day —, or, when
    a site closes (`shorten`), ending after `end`; the end follows its start, and stays within the
    convention (invariant 4). A finished stay (with its destination) is not changed."""
    earliest, latest = end_bounds(placement.start_date, placement.end_date)
    if latest is not None:
        planned = placement.exit_destination is None
        if planned and end > latest and not shorten:
            raise Conflict("error.placement_planned_end_earlier", end=placement.end_date)
        if not (planned and end <= latest) and not (shorten and placement.end_date > end):
            raise Conflict("error.placement_already_ended", end=placement.end_date)
    if end < earliest:
        raise InvalidInput("error.end_before_start", start=placement.start_date, end=end)
    unit = session.get(Unit, placement.unit_id)
    rules.check_inside_convention(session, unit, placement.start_date, end)


@service
def end_placement(
    engine: Engine,
    actor: Actor,
    placement_id: int,
    *,
    version: int,
    end_date: date,
    exit_destination: str,
    notes: str | None = None,
) -> None:
    """End an open placement on end_date (the first day the household no longer occupies the unit)."""
    with Checks() as check:
        end = check(require_date, end_date, "field.end_date")
        destination = check(require_choice, exit_destination, ExitDestination, "field.exit_destination")
        if destination == ExitDestination.OTHER_ISSUE_UNIT:
            check.refuse("error.use_transfer")
        notes = check(optional_text, notes, "field.notes", max_length=MAX_NOTES)
    with write_session(engine) as session:
        placement = get_or_refuse(session, Placement, placement_id, "placement", lock=True)
        household = session.get(Household, placement.household_id)
        require_household_editor(actor, household.referent_organisation_id)
        check_version(placement, version)
        _check_exit(session, placement, end)
        before = snapshot(placement)
        placement.end_date = end
        placement.exit_destination = destination
        if notes:
            placement.notes = notes
        session.flush()
        audit(session, actor, "placement.end", "placement", placement.id, before=before, after=snapshot(placement))


@service
def transfer_household(
    engine: Engine,
    actor: Actor,
    placement_id: int,
    *,
    version: int,
    transfer_date: date,
    unit_id: int,
    notes: str | None = None,
    override_reason: str | None = None,
) -> int:
    """End the placement on transfer_date and open one in another unit the same day. Returns the new id."""
    with Checks() as check:
        day = check(require_date, transfer_date, "field.transfer_date")
        notes = check(optional_text, notes, "field.notes", max_length=MAX_NOTES)
        override_reason = check(optional_text, override_reason, "field.override_reason")
    with write_session(engine) as session:
        placement = get_or_refuse(session, Placement, placement_id, "placement", lock=True)
        household, target = _lock_pair(session, placement.household_id, unit_id)
        require_household_editor(actor, household.referent_organisation_id)
        check_version(placement, version)
        new_id, after = _transfer(session, actor, placement, target, day, notes, override_reason)
        audit(session, actor, "placement.transfer", "placement", new_id, before={"from": after["from_before"]},
              after={"from": after["from"], "to": after["to"]})
        return new_id


def _transfer(
    session: Session,
    actor: Actor,
    placement: Placement,
    target: Unit,
    day: date,
    notes: str | None,
    override_reason: str | None,
    *,
    shorten: bool = False,
) -> tuple[int, dict]:
    if target.id == placement.unit_id:
        raise InvalidInput("error.transfer_same_unit")
    _check_exit(session, placement, day, shorten=shorten)
    household = session.get(Household, placement.household_id)
    before = snapshot(placement)
    placement.end_date = day
    placement.exit_destination = ExitDestination.OTHER_ISSUE_UNIT.value
    session.flush()
    new, overridden = _new_placement(session, actor, household, target, day, None, notes, override_reason)
    return new.id, {
        "from_before": before,
        "from": snapshot(placement),
        "to": _with_override(snapshot(new), overridden, override_reason),
    }


@dataclass(frozen=True)
class Relocation:
    """What happens to one occupant when a site closes: an exit destination, or a unit to move to."""

    exit_destination: str | None = None
    unit_id: int | None = None


def site_occupants(session: Session, site_id: int, last_day: date) -> list[Placement]:
    """Placements of the site that run past `last_day`, the last day of its convention: started by
    then and still running on the day after (leaving_day)."""
    return list(
        session.scalars(
            select(Placement)
            .join(Unit, Unit.id == Placement.unit_id)
            .where(Unit.site_id == site_id, stays_past(last_day))
            .order_by(Placement.id)
        )
    )


def _placements_starting_from(session: Session, site_id: int, day: date) -> list[Placement]:
    return list(
        session.scalars(
            select(Placement)
            .join(Unit, Unit.id == Placement.unit_id)
            .where(Unit.site_id == site_id, Placement.start_date >= day)
        )
    )


def _open_convention(session: Session, site: Site, day: date) -> Convention:
    convention = session.scalars(
        select(Convention)
        .where(Convention.site_id == site.id, convention_open_on(day))
        .order_by(Convention.start_date.desc())
        .limit(1)
        .with_for_update()
    ).first()
    if convention is None:
        raise Conflict("error.site_has_no_open_convention", site=site.name, date=day)
    return convention


def _relocate(
    session: Session, actor: Actor, placement: Placement, relocation: Relocation, day: date, override_reason: str | None
) -> dict:
    if not isinstance(relocation, Relocation):
        raise InvalidInput("error.plan_invalid")
    if relocation.unit_id is not None:
        target = get_or_refuse(session, Unit, relocation.unit_id, "unit", lock=True)
        if target.site_id == session.get(Unit, placement.unit_id).site_id:
            raise InvalidInput("error.transfer_same_site")
        _, moved = _transfer(session, actor, placement, target, day, None, override_reason, shorten=True)
        return {"transfer": {"from_before": moved["from_before"], "from": moved["from"], "to": moved["to"]}}
    destination = require_choice(relocation.exit_destination, ExitDestination, "field.exit_destination")
    if destination == ExitDestination.OTHER_ISSUE_UNIT:
        raise InvalidInput("error.use_transfer")
    _check_exit(session, placement, day, shorten=True)
    before = snapshot(placement)
    placement.end_date = day
    placement.exit_destination = destination
    session.flush()
    return {"exit": {"before": before, "after": snapshot(placement)}}


@service
def close_site(
    engine: Engine,
    actor: Actor,
    site_id: int,
    *,
    closing_date: date,
    reason: str,
    plan: dict[int, Relocation],
    override_reason: str | None = None,
) -> None:
    """End the site's open convention on closing_date (its last day) and, in the same transaction, end
    or transfer every occupant on the day after (leaving_day) according to the plan (placement id ->
    Relocation)."""
    require_admin(actor)
    day = require_date(closing_date, "field.closing_date")
    reason = require_text(reason, "field.closure_reason")
    override_reason = optional_text(override_reason, "field.override_reason")
    if not isinstance(plan, dict):
        raise InvalidInput("error.plan_invalid")
    plan = {require_int(key, "field.placement_id", minimum=1): value for key, value in plan.items()}
    with write_session(engine) as session:
        site = get_or_refuse(session, Site, site_id, "site", lock=True)
        convention = _open_convention(session, site, day)
        leave = leaving_day(day)
        later = _placements_starting_from(session, site.id, leave)
        if later:
            raise Conflict("error.placements_after_closing", site=site.name, count=len(later), date=day)
        occupants = site_occupants(session, site.id, day)
        occupant_ids = {p.id for p in occupants}
        missing = [p for p in occupants if p.id not in plan]
        if missing:
            household = session.get(Household, missing[0].household_id)
            raise InvalidInput("error.plan_missing_occupant", holder=rules.household_label(session, actor, household), count=len(missing))
        if set(plan) - occupant_ids:
            raise InvalidInput("error.plan_unknown_placement")
        moves = {p.id: _relocate(session, actor, p, plan[p.id], leave, override_reason) for p in occupants}
        before = snapshot(convention)
        convention.actual_end_date = day
        convention.closure_reason = reason
        session.flush()
        audit(
            session, actor, "site.close", "site", site.id,
            before={"convention": before},
            after={"convention": snapshot(convention), "occupants": moves},
        )


# --- cancelling a stay recorded by mistake ----------------------------------------------------------

RECORDING_ACTIONS = ("placement.create", "placement.transfer")  # the audit rows that create a stay


def _brussels_day_in_utc(day: date) -> tuple[datetime, datetime]:
    """[start, end) of `day` in Brussels, as UTC instants (the audit rows' time)."""
    start, end = (datetime.combine(d, time.min, tzinfo=BRUSSELS) for d in (day, day + timedelta(days=1)))
    return start.astimezone(UTC), end.astimezone(UTC)


def cancellable(day: date) -> ColumnElement[bool]:
    """SQL condition on Placement — the stays that may be cancelled on `day` (Brussels): recorded that
    day (their own audit row, placement.create or placement.transfer) and not left for another ISSUE
    unit (a transfer: the household's later stay in the chain rests on it). cancel_placement's rule,
    and the Stays page's list."""
    start, end = _brussels_day_in_utc(day)
    recorded = exists().where(
        AuditEvent.entity == "placement", AuditEvent.entity_id == Placement.id,
        AuditEvent.action.in_(RECORDING_ACTIONS), AuditEvent.at >= start, AuditEvent.at < end,
    )
    not_transferred = or_(Placement.exit_destination.is_(None),
                          Placement.exit_destination != ExitDestination.OTHER_ISSUE_UNIT.value)
    return and_(recorded, not_transferred)


@service
def cancel_placement(engine: Engine, actor: Actor, placement_id: int, *, version: int) -> None:
    """Delete a stay recorded by mistake, on the day it was recorded (cancellable): no fake exit in the
    figures. The audit row "placement.cancel" keeps the stay as it was (and undo puts it back). A stay
    that began with a transfer gives the previous stay back what the transfer changed (its end and
    destination), as if the transfer had not been recorded (undo's put_back: refused if it changed since)."""
    with write_session(engine) as session:
        placement = get_or_refuse(session, Placement, placement_id, "placement", lock=True)
        household = session.get(Household, placement.household_id)
        require_household_editor(actor, household.referent_organisation_id)
        check_version(placement, version)
        if placement.exit_destination == ExitDestination.OTHER_ISSUE_UNIT:
            raise Conflict("error.cancel_transferred")
        if session.scalar(select(Placement.id).where(Placement.id == placement.id, cancellable(clock.today()))) is None:
            raise Conflict("error.cancel_not_today")
        recorded = session.scalars(
            select(AuditEvent).where(AuditEvent.entity == "placement", AuditEvent.entity_id == placement.id,
                                     AuditEvent.action.in_(RECORDING_ACTIONS))
            .order_by(AuditEvent.id.desc()).limit(1)
        ).one()
        before = snapshot(placement)
        session.delete(placement)
        session.flush()
        after = None
        if recorded.action == "placement.transfer":
            moved_from, moved_from_before = recorded.after["from"], recorded.before["from"]
            put_back(session, "placement", moved_from, moved_from_before)
            session.flush()
            previous = session.get(Placement, moved_from["id"])
            rules.check_inside_convention(session, session.get(Unit, previous.unit_id), previous.start_date,
                                          previous.end_date)
            after = {"previous": {"before": moved_from, "after": snapshot(previous)}}
        audit(session, actor, "placement.cancel", "placement", before["id"], before=before, after=after)

