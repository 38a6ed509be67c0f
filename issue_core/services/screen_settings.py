"""The meeting screen's settings of an account (rotation seconds, pause, "changes since"), in the database.

Several app processes serve the partnership: the wall's settings must not live in the one that drew the
page. Not audited: they change no data of the domain (and an audit row would invalidate every cached read).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import Engine, select

from issue_core import security
from issue_core.auth import Actor
from issue_core.db import read_session, write_session
from issue_core.models import AppUser, ScreenSetting
from issue_core.services.common import service
from issue_core.services.users import _own_account


@dataclass(frozen=True)
class ScreenSettings:
    seconds: int | None = None  # None: the page's defaults
    paused: bool = False
    since: date | None = None


def screen_settings(engine: Engine, actor: Actor) -> ScreenSettings:
    """The actor's settings (the defaults when never set): one row read by its key, at every rotation."""
    with read_session(engine) as session:
        row = session.execute(
            select(ScreenSetting.seconds, ScreenSetting.paused, ScreenSetting.since)
            .join(AppUser, AppUser.id == ScreenSetting.user_id).where(AppUser.username == actor.username)
        ).first()
    return ScreenSettings() if row is None else ScreenSettings(row.seconds, bool(row.paused), row.since)


@service
def save_screen_settings(engine: Engine, actor: Actor, **changes: object) -> ScreenSettings:
    """Change some of the actor's settings (`seconds=`, `paused=`, `since=`); the others stay."""
    wanted = replace(ScreenSettings(), **changes)  # a field that does not exist raises TypeError
    with write_session(engine) as session:
        user_id = _own_account(session, actor).id  # an active account changes its own settings only
        row = session.get(ScreenSetting, user_id)
        if row is None:
            row = ScreenSetting(user_id=user_id, paused=False)
            session.add(row)
        for name in changes:
            setattr(row, name, getattr(wanted, name))
        row.updated_at = security.now_utc()
        session.flush()
        return ScreenSettings(row.seconds, bool(row.paused), row.since)
