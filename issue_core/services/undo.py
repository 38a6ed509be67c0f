"""Undo: a compensating write for a change made less than 10 minutes ago, by the same user (or an
admin), refused when the records changed since. Audited like any write.

The audit row of every write holds the rows before and after it; undoing puts the "before" back
(or removes what the write created) — but only if every row is still exactly as the write left it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, DateTime, Engine, Numeric, func, inspect, select
from sqlalchemy.orm import Session

from issue_core.auth import Actor
from issue_core.db import read_session, write_session
from issue_core.errors import Conflict, NotFound, PermissionDenied
from issue_core.models import (
    AuditEvent,
    Base,
    ContributionScale,
    ContributionStatus,
    Convention,
    Household,
    Organisation,
    Payment,
    Placement,
    Site,
    Unit,
    UnitUnavailability,
)
from issue_core.security import as_utc, now_utc
from issue_core.services.common import audit, require_int, service, snapshot

UNDO_WINDOW = timedelta(minutes=10)
MODELS: dict[str, type[Base]] = {
    "household": Household,
    "placement": Placement,
    "site": Site,
    "convention": Convention,
    "unit": Unit,
    "unit_unavailability": UnitUnavailability,
    "organisation": Organisation,
    "contribution_status": ContributionStatus,
    "contribution_scale": ContributionScale,
    "payment": Payment,
}
# Writes whose audit row is one row's before/after (before is None when the write created the row).
SINGLE_ROW_ACTIONS = {
    "household.create", "household.update", "household.end_follow_up",
    "placement.create", "placement.end",
    "site.create", "site.update",
    "convention.create", "convention.extend", "convention.close",
    "unit.create", "unit.update", "unit.reserve", "unit.unavailable", "unit.available",
    "organisation.create", "organisation.update",
    "contribution.set_status", "scale.set",
}


def latest_event_id(engine: Engine, username: str) -> int | None:
    """The id of this user's latest audited write."""
    with read_session(engine) as session:
        return session.scalar(select(func.max(AuditEvent.id)).where(AuditEvent.username == username))


def _value(column, raw: Any) -> Any:  # noqa: ANN001
    """A value of an audit snapshot (JSON) back into the column's Python type."""
    if raw is None:
        return None
    if isinstance(column.type, DateTime):
        return datetime.fromisoformat(raw)
    if isinstance(column.type, Date):
        return date.fromisoformat(raw)
    if isinstance(column.type, Numeric):
        return Decimal(raw)
    return raw


def _row_as_left(session: Session, entity: str, state: dict) -> Base:
    """The row a snapshot describes, provided nothing changed it since (same version, same values)."""
    row = session.get(MODELS[entity], state["id"], with_for_update=True)
    if row is None or snapshot(row) != state:
        raise Conflict("error.undo_changed_since")
    return row


def _put_back(session: Session, entity: str, after: dict, before: dict | None) -> None:
    """Return one row to `before` (or remove it when the write created it)."""
    row = _row_as_left(session, entity, after)
    if before is None:
        session.delete(row)
        return
    mapper = inspect(type(row))
    for attribute in mapper.column_attrs:
        if attribute.key in ("id", "version", "password_hash"):
            continue
        setattr(row, attribute.key, _value(attribute.columns[0], before.get(attribute.key)))


def _without_extras(state: dict | None) -> dict | None:
    """Snapshots may carry notes for the audit (e.g. a reservation override reason)."""
    if state is None:
        return None
    return {key: value for key, value in state.items() if key != "reservation_override_reason"}


def _undo_transfer(session: Session, moved_from: dict, moved_from_before: dict, moved_to: dict) -> None:
    _put_back(session, "placement", _without_extras(moved_to), None)
    session.flush()  # the new stay must be gone before the old one reopens (no overlap, even briefly)
    _put_back(session, "placement", moved_from, moved_from_before)


def _undo(session: Session, event: AuditEvent) -> None:
    if event.action in SINGLE_ROW_ACTIONS:
        _put_back(session, event.entity, _without_extras(event.after), event.before)
    elif event.action == "placement.transfer":
        _undo_transfer(session, event.after["from"], event.before["from"], event.after["to"])
    elif event.action == "payment.create":
        for payment in event.after["payments"]:
            _put_back(session, "payment", payment, None)
    elif event.action == "site.close":
        for move in event.after["occupants"].values():
            if "transfer" in move:
                transfer = move["transfer"]
                before = transfer.get("from_before") or {**transfer["from"], "end_date": None, "exit_destination": None}
                _undo_transfer(session, transfer["from"], before, transfer["to"])
            else:
                _put_back(session, "placement", move["exit"]["after"], move["exit"]["before"])
        _put_back(session, "convention", event.after["convention"], event.before["convention"])
    else:
        raise Conflict("error.undo_not_supported")


@service
def undo_event(engine: Engine, actor: Actor, event_id: int) -> None:
    """Undo the write recorded as audit event `event_id` (see the module docstring)."""
    event_id = require_int(event_id, "field.event_id", minimum=1)
    with write_session(engine) as session:
        event = session.get(AuditEvent, event_id)
        if event is None:
            raise NotFound("error.not_found", what="audit", id=event_id)
        if event.username != actor.username and not actor.is_admin:
            raise PermissionDenied("error.undo_not_yours")
        if now_utc() - as_utc(event.at) > UNDO_WINDOW:
            raise Conflict("error.undo_too_late")
        undone = session.scalars(
            select(AuditEvent.after).where(AuditEvent.action == "undo", AuditEvent.entity == event.entity)
        ).all()
        if any(isinstance(after, dict) and after.get("undone_event_id") == event.id for after in undone):
            raise Conflict("error.undo_already_done")
        _undo(session, event)
        session.flush()
        audit(session, actor, "undo", event.entity, event.entity_id,
              before={"undone_event_id": event.id, "action": event.action},
              after={"undone_event_id": event.id, "action": event.action})
