"""Undo: a compensating write for a change made less than 10 minutes ago, by the same user (or an
admin), refused when the records changed since. Audited like any write.

The audit row of every write holds the rows before and after it; undoing puts the "before" back
(or removes what the write created, or puts back what it removed) — but only if every row is still
exactly as the write left it. `recent_changes` lists a user's changes that can still be undone.
"""

from __future__ import annotations

from datetime import date, datetime
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
from issue_core.policy import MAX_RECENT_CHANGES, UNDO_MINUTES, UNDO_WINDOW
from issue_core.security import as_utc, now_utc
from issue_core.services.common import audit, require_int, service, snapshot

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
UNDOABLE_ACTIONS = SINGLE_ROW_ACTIONS | {"placement.transfer", "placement.cancel", "payment.create", "site.close"}
# One step of an undo: (entity, the row as the change left it — None: the change removed it —, the row
# to put back — None: remove it).
Step = tuple[str, dict | None, dict | None]


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


def _is_as_left(session: Session, entity: str, left: dict | None, back: dict | None) -> bool:
    """Is the row still exactly as the change left it (or still absent, when the change removed it)?"""
    if left is None:
        return session.get(MODELS[entity], back["id"]) is None
    row = session.get(MODELS[entity], left["id"])
    return row is not None and snapshot(row) == left


def put_back(session: Session, entity: str, left: dict | None, back: dict | None) -> None:
    """Return one row from `left` (the state a change left it in; None: the change removed it) to
    `back` (None: remove it), provided nothing changed it since (same version, same values)."""
    model = MODELS[entity]
    columns = inspect(model).column_attrs
    if left is None:
        if session.get(model, back["id"]) is not None:
            raise Conflict("error.undo_changed_since")
        session.add(model(**{column.key: _value(column.columns[0], back.get(column.key)) for column in columns}))
        return
    row = session.get(model, left["id"], with_for_update=True)
    if row is None or snapshot(row) != left:
        raise Conflict("error.undo_changed_since")
    if back is None:
        session.delete(row)
        return
    for attribute in columns:
        if attribute.key in ("id", "version", "password_hash"):
            continue
        setattr(row, attribute.key, _value(attribute.columns[0], back.get(attribute.key)))


def _without_extras(state: dict | None) -> dict | None:
    """Snapshots may carry notes for the audit (e.g. a reservation override reason)."""
    if state is None:
        return None
    return {key: value for key, value in state.items() if key != "reservation_override_reason"}


def _transfer_steps(moved_from: dict, moved_from_before: dict, moved_to: dict) -> list[Step]:
    # The new stay goes before the old one reopens (no overlap, even briefly).
    return [("placement", _without_extras(moved_to), None), ("placement", moved_from, moved_from_before)]


def _steps(event: AuditEvent) -> list[Step]:
    """What undoing `event` does, step by step, in order."""
    if event.action in SINGLE_ROW_ACTIONS:
        return [(event.entity, _without_extras(event.after), event.before)]
    if event.action == "placement.cancel":  # the stay comes back; a previous stay it continued ends again
        previous = (event.after or {}).get("previous")
        steps = [("placement", previous["after"], previous["before"])] if previous else []
        return [*steps, ("placement", None, event.before)]
    if event.action == "placement.transfer":
        return _transfer_steps(event.after["from"], event.before["from"], event.after["to"])
    if event.action == "payment.create":
        return [("payment", payment, None) for payment in event.after["payments"]]
    if event.action == "site.close":
        steps: list[Step] = []
        for move in event.after["occupants"].values():
            if "transfer" in move:
                transfer = move["transfer"]
                before = transfer.get("from_before") or {**transfer["from"], "end_date": None, "exit_destination": None}
                steps += _transfer_steps(transfer["from"], before, transfer["to"])
            else:
                steps.append(("placement", move["exit"]["after"], move["exit"]["before"]))
        return [*steps, ("convention", event.after["convention"], event.before["convention"])]
    raise Conflict("error.undo_not_supported")


def _undo(session: Session, event: AuditEvent) -> None:
    for step in _steps(event):
        put_back(session, *step)
        session.flush()


def _undone_ids(session: Session, since: datetime) -> set[int]:
    """The events undone (by anyone) by the undo rows written since `since` (an undo follows its event)."""
    query = select(AuditEvent.after).where(AuditEvent.action == "undo", AuditEvent.at >= since)
    return {after.get("undone_event_id") for after in session.scalars(query) if isinstance(after, dict)}


def _still_as_left(session: Session, event: AuditEvent) -> bool:
    """Every row the change wrote is still as it left it (False for an audit row undo cannot read)."""
    try:
        return all(_is_as_left(session, *step) for step in _steps(event))
    except (Conflict, KeyError, TypeError, AttributeError):
        return False


def recent_changes(engine: Engine, username: str) -> list[dict[str, Any]]:
    """This user's changes that can still be undone, newest first (at most MAX_RECENT_CHANGES): made less than
    UNDO_WINDOW ago, of a kind undo knows, not undone yet, every row still as the change left it.

    Each: event_id, at (UTC), action, entity, entity_id."""
    since = now_utc() - UNDO_WINDOW
    with read_session(engine) as session:
        events = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.username == username, AuditEvent.at >= since,
                   AuditEvent.action.in_(sorted(UNDOABLE_ACTIONS)))
            .order_by(AuditEvent.id.desc())
        ).all()
        undone = _undone_ids(session, since)
        recent = []
        for event in events:
            if event.id in undone or not _still_as_left(session, event):
                continue
            recent.append({"event_id": event.id, "at": as_utc(event.at), "action": event.action,
                           "entity": event.entity, "entity_id": event.entity_id})
            if len(recent) == MAX_RECENT_CHANGES:
                break
    return recent


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
            raise Conflict("error.undo_too_late", minutes=UNDO_MINUTES)
        if event.id in _undone_ids(session, as_utc(event.at)):
            raise Conflict("error.undo_already_done")
        _undo(session, event)
        session.flush()
        audit(session, actor, "undo", event.entity, event.entity_id,
              before={"undone_event_id": event.id, "action": event.action},
              after={"undone_event_id": event.id, "action": event.action})
