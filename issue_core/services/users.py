"""Users: accounts (admin), own password and language, sign-in attempts with lockout, sign-out.

Every change that should end a user's other sessions (password change or reset, deactivation, role
change, sign-out) moves `sessions_valid_after` to now: cookies issued before no longer sign in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from issue_core import security
from issue_core.auth import Actor, require_admin
from issue_core.db import read_session, write_session
from issue_core.errors import Conflict, InvalidInput, PermissionDenied
from issue_core.models import AppUser, AuditEvent, Language, Organisation, OrganisationKind, Role
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
    password = security.check_password_rules(password, username)
    with write_session(engine) as session:
        user = add_user(
            session, username=username, display_name=display_name, role=role, organisation_id=organisation_id,
            language=language, password_hash=security.hash_password(password), email=email,
            must_change_password=must_change_password,
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


def _revoke_sessions(user: AppUser, now: datetime) -> None:
    user.sessions_valid_after = now


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
        _revoke_sessions(user, security.now_utc())
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
            _revoke_sessions(user, security.now_utc())
        else:
            user.failed_logins, user.locked_until = 0, None
        session.flush()
        action = "user.reactivate" if active else "user.deactivate"
        audit(session, actor, action, "app_user", user.id, before=before, after=snapshot(user))


@service
def reset_password(engine: Engine, actor: Actor, user_id: int, *, version: int) -> str:
    """Give the user a temporary password, to be changed at the next sign-in. Returns it (shown once)."""
    require_admin(actor)
    temporary = security.temporary_password()
    with write_session(engine) as session:
        user = get_or_refuse(session, AppUser, user_id, "user", lock=True)
        check_version(user, version)
        before = snapshot(user)
        user.password_hash = security.hash_password(temporary)
        user.must_change_password = True
        user.failed_logins, user.locked_until = 0, None
        _revoke_sessions(user, security.now_utc())
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
def change_own_password(engine: Engine, actor: Actor, *, current_password: str, new_password: str) -> datetime:
    """Change one's own password; every other session ends. Returns the moment of the change."""
    with write_session(engine) as session:
        user = _own_account(session, actor)
        if not isinstance(current_password, str) or not security.verify_password(current_password, user.password_hash):
            raise InvalidInput("error.current_password_wrong")
        new_password = security.check_password_rules(new_password, user.username)
        if new_password == current_password:
            raise InvalidInput("error.password_unchanged")
        before = snapshot(user)
        now = security.now_utc()
        user.password_hash = security.hash_password(new_password)
        user.must_change_password = False
        _revoke_sessions(user, now)
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
        _revoke_sessions(user, security.now_utc())
        session.flush()
        audit(session, actor, "auth.logout", "app_user", user.id)


# --- signing in ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignInResult:
    accepted: bool
    reason: str  # accepted, wrong_password, unknown_user, inactive, locked


def _recent_failures(session: Session, username: str, now: datetime) -> int:
    """Wrong passwords for this account within the lockout window (attempts while locked not counted)."""
    since = now - security.LOCKOUT_WINDOW
    last_success = session.scalar(
        select(func.max(AuditEvent.at)).where(AuditEvent.username == username, AuditEvent.action == "auth.login_success")
    )
    if last_success is not None:
        since = max(since, security.as_utc(last_success))
    return session.scalar(
        select(func.count()).select_from(AuditEvent)
        .where(AuditEvent.username == username, AuditEvent.action == "auth.login_failure", AuditEvent.at > since)
    )


@service
def sign_in(engine: Engine, username: Any, password: Any, now: datetime | None = None) -> SignInResult:
    """Check a sign-in attempt, record it in the audit (never the password), lock the account after
    10 wrong passwords within 15 minutes, for 15 minutes. Every refusal costs one bcrypt check."""
    now = now or security.now_utc()
    name = username.strip().lower()[:60] if isinstance(username, str) else ""
    password = password if isinstance(password, str) else ""
    with write_session(engine) as session:
        user = session.scalars(select(AppUser).where(AppUser.username == name)).first() if name else None
        system = Actor(username=name or "?", role=Role.SCREEN)
        if user is None or not user.active:
            security.spend_verification_time(password)
            reason = "unknown_user" if user is None else "inactive"
            audit(session, system, "auth.login_refused", "app_user", user.id if user else None, after={"reason": reason})
            return SignInResult(False, reason)
        locked_until = security.as_utc(user.locked_until)
        if locked_until is not None and locked_until > now:
            security.spend_verification_time(password)
            audit(session, system, "auth.login_refused", "app_user", user.id, after={"reason": "locked"})
            return SignInResult(False, "locked")
        if security.verify_password(password, user.password_hash):
            user.failed_logins, user.locked_until = 0, None
            audit(session, system, "auth.login_success", "app_user", user.id)
            return SignInResult(True, "accepted")
        failures = _recent_failures(session, user.username, now) + 1
        user.failed_logins = failures
        if failures >= security.LOCKOUT_FAILURES:
            user.locked_until = now + security.LOCKOUT_DURATION
        audit(session, system, "auth.login_failure", "app_user", user.id,
              after={"reason": "wrong_password", "failures": failures, "locked": failures >= security.LOCKOUT_FAILURES})
        return SignInResult(False, "wrong_password")


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
