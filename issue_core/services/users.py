"""Users: accounts (admin), own password and language, sign-in attempts with lockout, sessions, sign-out.

Every change that should end a user's other sessions (password change or reset, deactivation, role
change, sign-out) ends their rows of `app_session` (and moves `sessions_valid_after` to now): their
cookies no longer sign in. Passwords are hashed and checked outside any write transaction (bcrypt
takes a quarter of a second; SQLite has one write lock).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Engine, case, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from issue_core import policy, security
from issue_core.auth import Actor, require_admin
from issue_core.db import read_session, write_session
from issue_core.errors import Conflict, DomainError, InvalidInput, PermissionDenied
from issue_core.models import (
    AppSession,
    AppUser,
    Language,
    Organisation,
    OrganisationKind,
    Role,
    SignInAddress,
)
from issue_core.services.common import (
    audit,
    check_version,
    get_or_refuse,
    optional_int,
    optional_text,
    require_choice,
    require_text,
    service,
    snapshot,
)

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{2,59}$")
ROLES_WITH_ORGANISATION = (Role.COORDINATOR, Role.DIRECTOR)


def normalise_username(username: Any) -> str:
    if not isinstance(username, str) or not USERNAME_PATTERN.match(username.strip().lower()):
        raise InvalidInput("error.username_invalid")
    return username.strip().lower()


def _role_and_organisation(session: Session, role: Any, organisation_id: Any) -> tuple[str, int | None]:
    role = require_choice(role, Role, "field.role")
    organisation_id = optional_int(organisation_id, "field.organisation", minimum=1)
    if role in ROLES_WITH_ORGANISATION and organisation_id is None:
        raise InvalidInput("error.role_needs_organisation")
    if organisation_id is not None:
        organisation = get_or_refuse(session, Organisation, organisation_id, "organisation")
        if organisation.kind != OrganisationKind.PARTNER:
            raise InvalidInput("error.user_organisation_not_partner", organisation=organisation.short_name)
    return role, organisation_id


@service
def create_user(
    engine: Engine,
    actor: Actor,
    *,
    username: str,
    display_name: str,
    role: str,
    password: str,
    organisation_id: int | None = None,
    language: str = "fr",
    email: str | None = None,
    must_change_password: bool = False,
) -> int:
    """Create an account (admin). Returns its id."""
    require_admin(actor)
    username = normalise_username(username)
    display_name = require_text(display_name, "field.display_name", max_length=120)
    email = optional_text(email, "field.email", max_length=200)
    language = require_choice(language, Language, "field.language")
    password_hash = security.hash_password(security.check_password_rules(password, username))
    with write_session(engine) as session:
        user = add_user(
            session, username=username, display_name=display_name, role=role, organisation_id=organisation_id,
            language=language, password_hash=password_hash, email=email, must_change_password=must_change_password,
        )
        audit(session, actor, "user.create", "app_user", user.id, after=snapshot(user))
        return user.id


def add_user(session: Session, *, username: str, display_name: str, role: Any, organisation_id: Any, language: str,
             password_hash: str, email: str | None = None, must_change_password: bool = False) -> AppUser:
    """Insert an account in the caller's transaction (the caller audits)."""
    role, organisation_id = _role_and_organisation(session, role, organisation_id)
    if session.scalars(select(AppUser).where(AppUser.username == username)).first() is not None:
        raise Conflict("error.username_taken", username=username)
    user = AppUser(
        username=username, display_name=display_name, email=email, role=role, organisation_id=organisation_id,
        language=language, password_hash=password_hash, active=True, failed_logins=0,
        must_change_password=must_change_password,
    )
    session.add(user)
    session.flush()
    return user


def _revoke_sessions(session: Session, user: AppUser, now: datetime, keep_token: str | None = None) -> None:
    """End every open session of the user (but the one of `keep_token`, if given)."""
    user.sessions_valid_after = now
    ending = update(AppSession).where(AppSession.user_id == user.id, AppSession.ended_at.is_(None))
    if keep_token is not None:
        ending = ending.where(AppSession.token_hash != token_hash(keep_token))
    session.execute(ending.values(ended_at=now).execution_options(synchronize_session=False))


@service
def change_role(
    engine: Engine, actor: Actor, user_id: int, *, version: int, role: str, organisation_id: int | None
) -> None:
    require_admin(actor)
    with write_session(engine) as session:
        user = get_or_refuse(session, AppUser, user_id, "user", lock=True)
        check_version(user, version)
        role, organisation_id = _role_and_organisation(session, role, organisation_id)
        if user.username == actor.username and role != Role.ADMIN:
            raise Conflict("error.cannot_demote_yourself")
        before = snapshot(user)
        user.role, user.organisation_id = role, organisation_id
        _revoke_sessions(session, user, security.now_utc())
        session.flush()
        audit(session, actor, "user.change_role", "app_user", user.id, before=before, after=snapshot(user))


@service
def set_active(engine: Engine, actor: Actor, user_id: int, *, version: int, active: bool) -> None:
    """Deactivate (ending every session at once) or reactivate an account."""
    require_admin(actor)
    if not isinstance(active, bool):
        raise InvalidInput("error.required_boolean", field="active")
    with write_session(engine) as session:
        user = get_or_refuse(session, AppUser, user_id, "user", lock=True)
        check_version(user, version)
        if user.username == actor.username and not active:
            raise Conflict("error.cannot_deactivate_yourself")
        before = snapshot(user)
        user.active = active
        if not active:
            _revoke_sessions(session, user, security.now_utc())
        else:
            user.failed_logins, user.last_failed_at, user.locked_until = 0, None, None
        session.flush()
        action = "user.reactivate" if active else "user.deactivate"
        audit(session, actor, action, "app_user", user.id, before=before, after=snapshot(user))


@service
def reset_password(engine: Engine, actor: Actor, user_id: int, *, version: int) -> str:
    """Give the user a temporary password, to be changed at the next sign-in. Returns it (shown once)."""
    require_admin(actor)
    temporary = security.temporary_password()
    password_hash = security.hash_password(temporary)
    with write_session(engine) as session:
        user = get_or_refuse(session, AppUser, user_id, "user", lock=True)
        check_version(user, version)
        before = snapshot(user)
        user.password_hash = password_hash
        user.must_change_password = True
        user.failed_logins, user.last_failed_at, user.locked_until = 0, None, None
        _revoke_sessions(session, user, security.now_utc())
        session.flush()
        audit(session, actor, "user.reset_password", "app_user", user.id, before=before, after=snapshot(user))
    return temporary


def _own_account(session: Session, actor: Actor) -> AppUser:
    if not isinstance(actor, Actor):
        raise PermissionDenied("error.read_only_role")
    user = session.scalars(select(AppUser).where(AppUser.username == actor.username)).first()
    if user is None or not user.active:
        raise PermissionDenied("error.account_inactive")
    return user


@service
def change_own_password(
    engine: Engine, actor: Actor, *, current_password: str, new_password: str, keep_session: str | None = None
) -> datetime:
    """Change one's own password; every other session ends (all of them but `keep_session`, the token of
    the session making the change). Returns the moment of the change."""
    with read_session(engine) as session:
        checked_hash = _own_account(session, actor).password_hash
    if not isinstance(current_password, str) or not security.verify_password(current_password, checked_hash):
        raise InvalidInput("error.current_password_wrong")
    new_password = security.check_password_rules(new_password, actor.username)
    if new_password == current_password:
        raise InvalidInput("error.password_unchanged")
    new_hash = security.hash_password(new_password)
    with write_session(engine) as session:
        user = _own_account(session, actor)
        if user.password_hash != checked_hash:  # changed (or reset) meanwhile: check against the new one
            raise InvalidInput("error.current_password_wrong")
        before = snapshot(user)
        now = security.now_utc()
        user.password_hash = new_hash
        user.must_change_password = False
        _revoke_sessions(session, user, now, keep_token=keep_session)
        session.flush()
        audit(session, actor, "user.change_password", "app_user", user.id, before=before, after=snapshot(user))
        return now


@service
def set_own_language(engine: Engine, actor: Actor, language: str) -> None:
    language = require_choice(language, Language, "field.language")
    with write_session(engine) as session:
        user = _own_account(session, actor)
        if user.language == language:
            return
        before = snapshot(user)
        user.language = language
        session.flush()
        audit(session, actor, "user.set_language", "app_user", user.id, before=before, after=snapshot(user))


@service
def sign_out(engine: Engine, actor: Actor) -> None:
    """End every session of the user (cookies issued before now no longer sign in)."""
    with write_session(engine) as session:
        user = session.scalars(select(AppUser).where(AppUser.username == actor.username)).first()
        if user is None:
            return
        _revoke_sessions(session, user, security.now_utc())
        session.flush()
        audit(session, actor, "auth.logout", "app_user", user.id)


# --- signing in ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignInResult:
    accepted: bool
    reason: str  # accepted, wrong_password, unknown_user, inactive, locked, address_blocked
    token: str | None = None  # the new session's, when accepted (the sign-in cookie carries it)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def audited_name(name: str, known: bool) -> str:
    """What the audit keeps of the name typed: an account's username, else a short hash (a password
    typed into the username box must not be stored, nor listed in the audit filter)."""
    return name if known else "unknown:" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]


def _next_count(failures: ColumnElement, last_failed_at: ColumnElement, now: datetime) -> ColumnElement:
    """The failure counter once this attempt is counted: restarts at 1 when the previous failure is
    older than the window (each counted failure lies within 15 minutes of the one before)."""
    fresh = or_(last_failed_at.is_(None), last_failed_at <= now - policy.LOCKOUT_WINDOW)
    return case((fresh, 1), else_=failures + 1)


def _unlocked(locked_until: ColumnElement, now: datetime) -> ColumnElement:
    return or_(locked_until.is_(None), locked_until <= now)


def _lock_from(count: ColumnElement, limit: int, now: datetime) -> ColumnElement:
    return case((count >= limit, now + policy.LOCKOUT_DURATION), else_=None)


def _count_account_attempt(session: Session, user_id: int, now: datetime) -> tuple[int, str] | None:
    """Count the attempt as a wrong password BEFORE its check, in one UPDATE (undone by a success):
    however many attempts run at once, at most 10 passwords are checked before the lock. Returns
    (failures, password hash), or None when the account is locked (or no longer active)."""
    count = _next_count(AppUser.failed_logins, AppUser.last_failed_at, now)
    counting = (
        update(AppUser)
        .where(AppUser.id == user_id, AppUser.active.is_(True), _unlocked(AppUser.locked_until, now))
        .values(failed_logins=count, last_failed_at=now,
                locked_until=_lock_from(count, policy.LOCKOUT_FAILURES, now))
        .returning(AppUser.failed_logins, AppUser.password_hash)
        .execution_options(synchronize_session=False)
    )
    row = session.execute(counting).first()
    return None if row is None else (row[0], row[1])


def _count_address_attempt(session: Session, address: str, now: datetime) -> bool:
    """Count the attempt against the client address BEFORE any check (one upsert; a success takes it
    back). False when the address is refused."""
    table = SignInAddress.__table__
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    count = _next_count(table.c.failures, table.c.last_failed_at, now)
    counting = (
        dialect.insert(table)
        .values(address=address, failures=1, last_failed_at=now, locked_until=None)
        .on_conflict_do_update(
            index_elements=[table.c.address],
            set_={"failures": count, "last_failed_at": now,
                  "locked_until": _lock_from(count, policy.ADDRESS_FAILURES, now)},
            where=_unlocked(table.c.locked_until, now),
        )
        .returning(table.c.failures)
    )
    return session.execute(counting).first() is not None


def _address_refused(session: Session, address: str, now: datetime) -> bool:
    locked_until = session.scalar(select(SignInAddress.locked_until).where(SignInAddress.address == address))
    return locked_until is not None and security.as_utc(locked_until) > now


def _accept(session: Session, user_id: int, address: str | None, now: datetime) -> str:
    """A right password: the counters forget this attempt, a session opens. Returns its token."""
    session.execute(
        update(AppUser).where(AppUser.id == user_id)
        .values(failed_logins=0, last_failed_at=None, locked_until=None)
        .execution_options(synchronize_session=False)
    )
    if address is not None:
        remaining = SignInAddress.failures - 1
        session.execute(
            update(SignInAddress).where(SignInAddress.address == address, SignInAddress.failures > 0)
            .values(failures=remaining, locked_until=case(
                (remaining < policy.ADDRESS_FAILURES, None), else_=SignInAddress.locked_until))
            .execution_options(synchronize_session=False)
        )
    return _new_session(session, user_id, now)


def _new_session(session: Session, user_id: int, now: datetime) -> str:
    token = secrets.token_urlsafe(32)
    session.add(AppSession(token_hash=token_hash(token), user_id=user_id, issued_at=now, last_seen_at=now))
    return token


@service
def sign_in(
    engine: Engine, username: Any, password: Any, now: datetime | None = None, address: Any = None
) -> SignInResult:
    """Check a sign-in attempt from a client `address` (None when unknown), record it in the audit
    (never the password, nor an unknown name), and open a session when accepted.

    The account and the address are counted before the password is checked, in short write
    transactions; bcrypt runs outside any. 10 wrong passwords within 15 minutes lock the account for
    15 minutes; 30 refused attempts from an address refuse it for 15 minutes (answered at once).
    Every other refusal costs one bcrypt check, so its time tells nothing about the account."""
    now = now or security.now_utc()
    name = username.strip().lower()[:60] if isinstance(username, str) else ""
    password = password if isinstance(password, str) else ""
    address = address.strip()[:64] if isinstance(address, str) and address.strip() else None
    with read_session(engine) as session:
        user = session.scalars(select(AppUser).where(AppUser.username == name)).first() if name else None
        if address is not None and _address_refused(session, address, now):
            return SignInResult(False, "address_blocked")
    system = Actor(username=audited_name(name, user is not None), role=Role.SCREEN)
    user_id = user.id if user is not None else None
    with write_session(engine) as session:
        if address is not None and not _count_address_attempt(session, address, now):
            return SignInResult(False, "address_blocked")
        counted = _count_account_attempt(session, user_id, now) if user is not None and user.active else None
        if counted is None:
            reason = "unknown_user" if user is None else "locked" if user.active else "inactive"
            audit(session, system, "auth.login_refused", "app_user", user_id, after={"reason": reason})
    if counted is None:
        security.spend_verification_time(password)
        return SignInResult(False, reason)
    failures, password_hash = counted
    accepted = security.verify_password(password, password_hash)
    with write_session(engine) as session:
        if accepted:
            token = _accept(session, user_id, address, now)
            audit(session, system, "auth.login_success", "app_user", user_id)
            return SignInResult(True, "accepted", token)
        locked = failures >= policy.LOCKOUT_FAILURES
        audit(session, system, "auth.login_failure", "app_user", user_id,
              after={"reason": "wrong_password", "failures": failures, "locked": locked})
    return SignInResult(False, "wrong_password")


# --- sessions ------------------------------------------------------------------------------------


@service
def open_session(engine: Engine, username: str, now: datetime | None = None) -> str:
    """A session for an active account without a password check, for tools that run beside the server
    with its database (the load bench). Returns its token (security.make_cookie turns it into a cookie)."""
    now = now or security.now_utc()
    with write_session(engine) as session:
        user = session.scalars(select(AppUser).where(AppUser.username == username, AppUser.active.is_(True))).first()
        if user is None:
            raise PermissionDenied("error.account_inactive")
        return _new_session(session, user.id, now)


@service
def session_user(engine: Engine, token: Any, now: datetime | None = None) -> AppUser | None:
    """The user of the session whose token a browser holds, if the session is still open; None otherwise.

    Its last activity moves on at most once a minute (not at every rerun); a session found idle or
    expired is ended, so neither a click nor a reload brings it back."""
    if not isinstance(token, str) or not token:
        return None
    now = now or security.now_utc()
    with read_session(engine) as session:
        found = session.execute(
            select(AppSession, AppUser).join(AppUser, AppUser.id == AppSession.user_id)
            .where(AppSession.token_hash == token_hash(token))
        ).first()
    if found is None:
        return None
    record, user = found
    if not security.session_still_valid(active=user.active, ended=record.ended_at is not None,
                                        issued_at=record.issued_at, last_seen_at=record.last_seen_at, now=now):
        if record.ended_at is None:
            _mark_session(engine, record.id, now, ended=True)
        return None
    if now - security.as_utc(record.last_seen_at) >= security.SESSION_TOUCH_INTERVAL:
        _mark_session(engine, record.id, now, ended=False)
    return user


def _mark_session(engine: Engine, session_id: int, now: datetime, *, ended: bool) -> None:
    """Move the session's last activity on, or end it. Best effort: a busy database leaves it for the
    next run (what session_user answers does not depend on it)."""
    try:
        _update_session(engine, session_id, {"ended_at": now} if ended else {"last_seen_at": now})
    except DomainError:
        pass


@service
def _update_session(engine: Engine, session_id: int, values: dict[str, datetime]) -> None:
    with write_session(engine) as session:
        session.execute(
            update(AppSession).where(AppSession.id == session_id, AppSession.ended_at.is_(None))
            .values(**values).execution_options(synchronize_session=False)
        )


def user_by_username(engine: Engine, username: str) -> AppUser | None:
    with read_session(engine) as session:
        return session.scalars(select(AppUser).where(AppUser.username == username.strip().lower())).first()


def active_accounts(engine: Engine) -> dict[str, dict[str, Any]]:
    """The accounts streamlit-authenticator may know, without their password hashes (the check is ours)."""
    with read_session(engine) as session:
        users = session.scalars(select(AppUser).where(AppUser.active.is_(True))).all()
    return {
        user.username: {"name": user.display_name, "email": user.email, "roles": [user.role], "password": "-"}
        for user in users
    }


def has_any_account(engine: Engine) -> bool:
    with read_session(engine) as session:
        return session.scalar(select(func.count()).select_from(AppUser)) > 0
