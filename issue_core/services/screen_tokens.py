"""Screen tokens: a wall screen signed in once, for the meeting screen only, until an admin revokes it.

An admin creates a token for an account of the screen role and sees it once (only its SHA-256 is kept,
as for session tokens: it is 256 random bits, so a hash is enough and lets it be found). A device opens
the meeting screen's address with `?screen_token=…` once: a screen session opens, whose own token the
device's screen cookie carries. The session lasts while the token is not revoked, the account is active
and still of the screen role; revoking the token ends its sessions. A refused token counts against the
client address like a refused sign-in (issue_core.services.users: 30 refusals in 15 minutes refuse the
address for 15 minutes). Neither token is ever written to the audit or a log.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt
from sqlalchemy import Engine, select, update

from issue_core import security
from issue_core.auth import Actor, require_admin
from issue_core.db import read_session, write_session
from issue_core.errors import Conflict, InvalidInput
from issue_core.models import AppUser, Role, ScreenSession, ScreenToken
from issue_core.policy import SCREEN_COOKIE_LIFETIME
from issue_core.services.common import audit, get_or_refuse, require_int, require_text, service
from issue_core.services.users import _address_refused, _count_address_attempt, token_hash

SCREEN_COOKIE_NAME = "issue_screen"
TOKEN_MAX_LENGTH = 200  # longer is not one of ours: refused without hashing it


# --- the admin's side ------------------------------------------------------------------------------


@service
def create_screen_token(engine: Engine, actor: Actor, *, user_id: int, label: str) -> str:
    """A new token for the screen account `user_id` (admin). Returns the token, to be shown once."""
    require_admin(actor)
    user_id = require_int(user_id, "field.screen_account", minimum=1)
    label = require_text(label, "field.screen_label", max_length=120)
    token = secrets.token_urlsafe(32)
    with write_session(engine) as session:
        user = get_or_refuse(session, AppUser, user_id, "user")
        if user.role != Role.SCREEN or not user.active:
            raise InvalidInput("error.screen_token_needs_screen_account")
        row = ScreenToken(label=label, user_id=user.id, token_hash=token_hash(token), created_at=security.now_utc(),
                          created_by=actor.username)
        session.add(row)
        session.flush()
        audit(session, actor, "screen_token.create", "screen_token", row.id,
              after={"label": label, "account": user.username})  # never the token, nor its hash
    return token


@service
def revoke_screen_token(engine: Engine, actor: Actor, token_id: int) -> None:
    """Revoke a token (admin): every device signed in with it leaves the screen at its next rotation."""
    require_admin(actor)
    with write_session(engine) as session:
        row = get_or_refuse(session, ScreenToken, token_id, "screen_token", lock=True)
        if row.revoked_at is not None:
            raise Conflict("error.screen_token_already_revoked")
        now = security.now_utc()
        row.revoked_at = now
        session.execute(
            update(ScreenSession).where(ScreenSession.screen_token_id == row.id, ScreenSession.ended_at.is_(None))
            .values(ended_at=now).execution_options(synchronize_session=False)
        )
        session.flush()
        audit(session, actor, "screen_token.revoke", "screen_token", row.id,
              before={"label": row.label, "revoked_at": None}, after={"label": row.label, "revoked_at": now})


# --- the device's side -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ScreenSignIn:
    accepted: bool
    reason: str  # accepted, unknown_token, address_blocked
    session_token: str | None = None  # the new screen session's, when accepted (the screen cookie carries it)


def _token_in_force(token: ScreenToken, user: AppUser) -> bool:
    return token.revoked_at is None and user.active and user.role == Role.SCREEN


@service
def sign_in_with_token(engine: Engine, token: Any, *, address: Any = None, now: datetime | None = None) -> ScreenSignIn:
    """Open a screen session with a screen token. A refusal is audited (never the token) and counted
    against the client address (None when unknown: not counted, as for sign-ins)."""
    now = now or security.now_utc()
    address = address.strip()[:64] if isinstance(address, str) and address.strip() else None
    token = token.strip() if isinstance(token, str) else ""
    with read_session(engine) as session:
        if address is not None and _address_refused(session, address, now):
            return ScreenSignIn(False, "address_blocked")
        found = None
        if token and len(token) <= TOKEN_MAX_LENGTH:
            found = session.execute(
                select(ScreenToken, AppUser).join(AppUser, AppUser.id == ScreenToken.user_id)
                .where(ScreenToken.token_hash == token_hash(token))
            ).first()
    system = Actor(username="screen-token", role=Role.SCREEN)
    with write_session(engine) as session:
        if found is None or not _token_in_force(*found):
            if address is not None:
                _count_address_attempt(session, address, now)
            reason = "unknown_token" if found is None else "revoked_token"
            audit(session, system, "auth.screen_token_refused", "screen_token",
                  None if found is None else found[0].id, after={"reason": reason})
            return ScreenSignIn(False, reason)
        row, user = found
        session_token = secrets.token_urlsafe(32)
        session.add(ScreenSession(token_hash=token_hash(session_token), screen_token_id=row.id, issued_at=now))
        session.execute(update(ScreenToken).where(ScreenToken.id == row.id).values(last_used_at=now)
                        .execution_options(synchronize_session=False))
        audit(session, Actor(username=user.username, role=Role.SCREEN), "auth.screen_sign_in", "screen_token", row.id)
        return ScreenSignIn(True, "accepted", session_token)


def session_user(engine: Engine, session_token: Any) -> AppUser | None:
    """The screen account of the device's screen session, if it is still open (its token not revoked,
    the account active and of the screen role); None otherwise. One read, at every rotation."""
    if not isinstance(session_token, str) or not session_token or len(session_token) > TOKEN_MAX_LENGTH:
        return None
    with read_session(engine) as session:
        found = session.execute(
            select(ScreenSession, ScreenToken, AppUser)
            .join(ScreenToken, ScreenToken.id == ScreenSession.screen_token_id)
            .join(AppUser, AppUser.id == ScreenToken.user_id)
            .where(ScreenSession.token_hash == token_hash(session_token))
        ).first()
    if found is None:
        return None
    record, token, user = found
    return user if record.ended_at is None and _token_in_force(token, user) else None


@service
def end_screen_session(engine: Engine, session_token: str) -> None:
    """The device signs out: its screen session ends (its token stays in force for another sign-in)."""
    with write_session(engine) as session:
        session.execute(
            update(ScreenSession).where(ScreenSession.token_hash == token_hash(session_token),
                                        ScreenSession.ended_at.is_(None))
            .values(ended_at=security.now_utc()).execution_options(synchronize_session=False)
        )


# --- the device's cookie ---------------------------------------------------------------------------


def make_screen_cookie(session_token: str, issued_at: datetime, key: str) -> str:
    """The signed screen cookie: the screen session's token, for a year (the sign-in cookie's 12 hours
    do not apply: the session ends when its screen token is revoked)."""
    payload = {"sid": session_token, "screen": True, "issued_date": issued_at.timestamp(),
               "exp_date": (issued_at + SCREEN_COOKIE_LIFETIME).timestamp()}
    return jwt.encode(payload, key, algorithm="HS256")


def read_screen_cookie(cookie: str | None, key: str, now: datetime) -> str | None:
    """The screen session token a screen cookie carries, if signed by us and not expired."""
    if not cookie:
        return None
    try:
        payload = jwt.decode(cookie, key, algorithms=["HS256"])
        expires = datetime.fromtimestamp(float(payload["exp_date"]), UTC)
        token = str(payload["sid"]) if payload.get("screen") is True else ""
    except (jwt.PyJWTError, KeyError, TypeError, ValueError, OverflowError):
        return None
    return token if token and expires > now else None
