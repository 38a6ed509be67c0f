"""Read models of the Users page's screen tokens (issue_core.services.screen_tokens writes them)."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine, select

from issue_core.db import read_connection
from issue_core.models import AppUser, Role, ScreenToken
from issue_core.queries.areas import USERS, reads


@reads(USERS)
def screen_tokens(engine: Engine) -> pd.DataFrame:
    """Every token for the Users page (never the hash). columns: id, label, account, created_at,
    created_by, last_used_at, revoked_at; newest first."""
    query = (
        select(ScreenToken.id, ScreenToken.label, AppUser.username.label("account"), ScreenToken.created_at,
               ScreenToken.created_by, ScreenToken.last_used_at, ScreenToken.revoked_at)
        .join(AppUser, AppUser.id == ScreenToken.user_id)
        .order_by(ScreenToken.created_at.desc(), ScreenToken.id.desc())
    )
    with read_connection(engine) as connection:
        return pd.read_sql(query, connection)


@reads(USERS)
def screen_accounts(engine: Engine) -> dict[int, str]:
    """The active accounts of the screen role a token may be created for: id → username."""
    with read_connection(engine) as connection:
        rows = connection.execute(
            select(AppUser.id, AppUser.username)
            .where(AppUser.role == Role.SCREEN.value, AppUser.active.is_(True)).order_by(AppUser.username)
        ).all()
    return {row.id: row.username for row in rows}
