"""Read models for the administration pages: accounts and the audit trail."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pandas as pd
from sqlalchemy import Engine, select

from issue_core.db import read_connection
from issue_core.models import AppUser, AuditEvent, Organisation
from issue_core.policy import AUDIT_PAGE_SIZE
from issue_core.queries.areas import reads


@reads("users", "reference")
def accounts(engine: Engine) -> pd.DataFrame:
    """Every account with its organisation (never the password hash)."""
    query = (
        select(
            AppUser.id, AppUser.username, AppUser.display_name, AppUser.email, AppUser.role,
            Organisation.short_name.label("organisation"), AppUser.organisation_id, AppUser.language,
            AppUser.active, AppUser.failed_logins, AppUser.locked_until, AppUser.must_change_password,
            AppUser.version,
        )
        .outerjoin(Organisation, Organisation.id == AppUser.organisation_id)
        .order_by(AppUser.username)
    )
    with read_connection(engine) as connection:
        return pd.read_sql(query, connection)


@reads("audit")
def audit_choices(engine: Engine) -> dict[str, list[str]]:
    """The users, entities and actions present in the audit trail (for the filters)."""
    with read_connection(engine) as connection:
        return {
            column: sorted(connection.execute(select(getattr(AuditEvent, column)).distinct()).scalars())
            for column in ("username", "entity", "action")
        }


@reads("audit")
def audit_events(
    engine: Engine,
    *,
    usernames: tuple[str, ...] = (),
    entities: tuple[str, ...] = (),
    actions: tuple[str, ...] = (),
    start: date | None = None,
    end: date | None = None,
    limit: int = AUDIT_PAGE_SIZE,
) -> pd.DataFrame:
    """The latest audit events matching the filters (dates inclusive, in UTC), newest first."""
    table = AuditEvent.__table__
    query = select(table).order_by(table.c.id.desc()).limit(limit)
    if usernames:
        query = query.where(AuditEvent.username.in_(usernames))
    if entities:
        query = query.where(AuditEvent.entity.in_(entities))
    if actions:
        query = query.where(AuditEvent.action.in_(actions))
    if start:
        query = query.where(AuditEvent.at >= datetime.combine(start, time.min, UTC))
    if end:
        query = query.where(AuditEvent.at < datetime.combine(end + timedelta(days=1), time.min, UTC))
    with read_connection(engine) as connection:
        rows = connection.execute(query).all()
    return pd.DataFrame(rows, columns=[column.name for column in table.columns])
