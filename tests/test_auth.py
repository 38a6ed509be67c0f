"""Sign-in rules: passwords, lockout, identical refusals, revocation, cookie key, user administration."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from sqlalchemy import select

from issue_core import security
from issue_core.auth import SYSTEM, Actor
from issue_core.db import read_session
from issue_core.errors import Conflict, InvalidInput, PermissionDenied
from issue_core.models import AppUser, AuditEvent, Role
from issue_core.services import users
from tests.world import build_world

PASSWORD = "correct-horse-42"


@pytest.fixture
def world(engine):
    world = build_world(engine)
    world.coordinator_id = users.create_user(
        engine, SYSTEM, username="coord.samu", display_name="Coordinatrice", role="coordinator",
        organisation_id=world.samu, password=PASSWORD,
    )
    return world


def account(engine, username="coord.samu") -> AppUser:
    with read_session(engine) as session:
        return session.scalars(select(AppUser).where(AppUser.username == username)).one()


def audit_actions(engine, username="coord.samu") -> list[str]:
    with read_session(engine) as session:
        return list(session.scalars(select(AuditEvent.action).where(AuditEvent.username == username).order_by(AuditEvent.id)))


# --- passwords -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password, key",
    [("short-pw-1", "error.password_too_short"), (" leading-space-ok", "error.password_spaces"),
     ("aaaaaaaaaaaaaaaa", "error.password_too_simple"), ("my-coord.samu-pass", "error.password_contains_username"),
     (None, "error.password_required"), ("é" * 40, "error.password_too_long")],
)
def test_password_rules(password, key):
    with pytest.raises(InvalidInput) as refused:
        security.check_password_rules(password, "coord.samu")
    assert refused.value.key == key


def test_passwords_are_bcrypt_with_cost_12_and_never_in_the_audit(world):
    stored = account(world.engine).password_hash
    assert stored.startswith("$2b$12$") and PASSWORD not in stored
    with read_session(world.engine) as session:
        for event in session.scalars(select(AuditEvent)):
            assert "password_hash" not in str(event.before) + str(event.after)
            assert PASSWORD not in str(event.before) + str(event.after)


# --- signing in ----------------------------------------------------------------------------------


def test_sign_in_success_and_failure_are_audited(world):
    assert users.sign_in(world.engine, "Coord.Samu ", PASSWORD).accepted
    assert not users.sign_in(world.engine, "coord.samu", "wrong-password-1").accepted
    assert audit_actions(world.engine)[-2:] == ["auth.login_success", "auth.login_failure"]
    assert account(world.engine).failed_logins == 1


def test_ten_failures_within_fifteen_minutes_lock_for_fifteen_minutes(world):
    start = datetime.now(UTC)
    for attempt in range(9):
        assert users.sign_in(world.engine, "coord.samu", f"wrong-{attempt}-password", now=start).reason == "wrong_password"
    assert account(world.engine).locked_until is None
    users.sign_in(world.engine, "coord.samu", "wrong-9-password", now=start)
    locked_until = security.as_utc(account(world.engine).locked_until)
    assert locked_until == start + timedelta(minutes=15)
    # Locked: even the right password is refused, with the same answer as a wrong one.
    assert users.sign_in(world.engine, "coord.samu", PASSWORD, now=start + timedelta(minutes=14)) == users.SignInResult(False, "locked")
    # After the period the right password works again and the counter restarts.
    assert users.sign_in(world.engine, "coord.samu", PASSWORD, now=start + timedelta(minutes=16)).accepted
    assert account(world.engine).failed_logins == 0


def test_failures_older_than_the_window_do_not_count(world):
    start = datetime.now(UTC)
    for attempt in range(9):
        users.sign_in(world.engine, "coord.samu", f"wrong-{attempt}-password", now=start)
    # The audit keeps real times: 20 minutes later, those nine are out of the window.
    later = start + timedelta(minutes=20)
    assert users.sign_in(world.engine, "coord.samu", "wrong-again-password", now=later).reason == "wrong_password"
    assert account(world.engine).locked_until is None
    assert account(world.engine).failed_logins == 1


def test_unknown_user_wrong_password_and_locked_account_look_the_same(world):
    """Same refusal (the page shows one message for all) and a bcrypt check each, so similar time."""
    start = datetime.now(UTC)
    for attempt in range(10):
        users.sign_in(world.engine, "coord.samu", f"wrong-{attempt}-password", now=start)
    timings = {}
    for label, username in (("unknown", "nobody.here"), ("wrong", "coord.samu"), ("locked", "coord.samu")):
        now = start + (timedelta(minutes=1) if label == "locked" else timedelta(minutes=30))
        if label == "wrong":
            users.sign_in(world.engine, "coord.samu", PASSWORD, now=now)  # unlock by success, then fail once
        began = time.perf_counter()
        result = users.sign_in(world.engine, username, "wrong-password-x", now=now)
        timings[label] = time.perf_counter() - began
        assert result.accepted is False
    # Not a timing assertion on speed: each refusal must have paid for a bcrypt check (cost 12 ≫ 50 ms).
    assert min(timings.values()) > 0.05, timings


def test_inactive_accounts_cannot_sign_in(world):
    users.set_active(world.engine, world.admin, world.coordinator_id, version=1, active=False)
    assert users.sign_in(world.engine, "coord.samu", PASSWORD) == users.SignInResult(False, "inactive")


# --- sessions and revocation ---------------------------------------------------------------------


def session_valid(user: AppUser, signed_in_at: datetime, now: datetime | None = None) -> bool:
    now = now or datetime.now(UTC)
    return security.session_still_valid(active=user.active, sessions_valid_after=user.sessions_valid_after,
                                        signed_in_at=signed_in_at, last_activity=now, now=now)


@pytest.mark.parametrize("change", ["sign_out", "password", "deactivate", "role"])
def test_changes_revoke_every_session_issued_before(world, change):
    issued = datetime.now(UTC) - timedelta(minutes=5)
    assert session_valid(account(world.engine), issued)
    actor = Actor("coord.samu", Role.COORDINATOR, world.samu)
    if change == "sign_out":
        users.sign_out(world.engine, actor)
    elif change == "password":
        users.change_own_password(world.engine, actor, current_password=PASSWORD, new_password="another-horse-43")
    elif change == "deactivate":
        users.set_active(world.engine, world.admin, world.coordinator_id, version=1, active=False)
    else:
        users.change_role(world.engine, world.admin, world.coordinator_id, version=1, role="director", organisation_id=world.samu)
    assert not session_valid(account(world.engine), issued)
    if change != "deactivate":
        assert session_valid(account(world.engine), datetime.now(UTC) + timedelta(seconds=1))


def test_sessions_end_after_twelve_hours_and_after_thirty_idle_minutes(world):
    user, now = account(world.engine), datetime.now(UTC)
    fresh = dict(active=True, sessions_valid_after=None, now=now)
    assert security.session_still_valid(signed_in_at=now - timedelta(hours=11), last_activity=now, **fresh)
    assert not security.session_still_valid(signed_in_at=now - timedelta(hours=13), last_activity=now, **fresh)
    assert not security.session_still_valid(signed_in_at=now - timedelta(hours=1), last_activity=now - timedelta(minutes=31), **fresh)
    assert user.active


def test_cookie_reading_checks_signature_and_expiry():
    key = "k" * 10 + "abcdefghijklmnopqrstuvwxyz0123456789"
    now = datetime.now(UTC)
    expires = now + timedelta(hours=11)
    token = jwt.encode({"username": "admin", "exp_date": expires.timestamp()}, key, algorithm="HS256")
    session = security.read_cookie(token, key, now)
    assert session.username == "admin"
    assert abs((session.issued_at - (expires - security.SESSION_LIFETIME)).total_seconds()) < 1
    assert security.read_cookie(token, key + "x", now) is None  # forged: another key
    assert security.read_cookie(token, key, now + timedelta(hours=12)) is None  # expired
    assert security.read_cookie("not-a-token", key, now) is None


# --- cookie key ----------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["some_key", "short-but-random-9f3", "a" * 40, "REPLACE-WITH-48-RANDOM-CHARACTERS"])
def test_weak_cookie_keys_stop_the_app(key, monkeypatch, tmp_path):
    monkeypatch.setenv("ISSUE_COOKIE_KEY", key)
    with pytest.raises(security.CookieKeyError):
        security.cookie_key(tmp_path / "secrets.toml", tmp_path / "cookie_key")


def test_missing_cookie_key_stops_the_app_outside_demo_mode(monkeypatch, tmp_path):
    monkeypatch.delenv("ISSUE_COOKIE_KEY", raising=False)
    monkeypatch.setenv("ISSUE_DEMO", "0")
    with pytest.raises(security.CookieKeyError):
        security.cookie_key(tmp_path / "secrets.toml", tmp_path / "cookie_key")


def test_demo_mode_generates_a_key_once(monkeypatch, tmp_path):
    monkeypatch.delenv("ISSUE_COOKIE_KEY", raising=False)
    monkeypatch.setenv("ISSUE_DEMO", "1")
    first = security.cookie_key(tmp_path / "secrets.toml", tmp_path / "cookie_key")
    assert len(first) >= 32 and security.cookie_key(tmp_path / "secrets.toml", tmp_path / "cookie_key") == first
    assert oct((tmp_path / "cookie_key").stat().st_mode)[-3:] == "600"


def test_cookie_key_from_secrets(monkeypatch, tmp_path):
    monkeypatch.delenv("ISSUE_COOKIE_KEY", raising=False)
    (tmp_path / "secrets.toml").write_text('[auth]\ncookie_key = "Zq8v-3LmN1pR7sT0wXyB4cD6eF2gH9jK"\n')
    assert security.cookie_key(tmp_path / "secrets.toml", tmp_path / "cookie_key") == "Zq8v-3LmN1pR7sT0wXyB4cD6eF2gH9jK"


# --- user administration -------------------------------------------------------------------------


def test_only_admins_administer_users(world):
    coordinator = Actor("coord.samu", Role.COORDINATOR, world.samu)
    with pytest.raises(PermissionDenied):
        users.create_user(world.engine, coordinator, username="someone", display_name="x", role="admin", password=PASSWORD)
    with pytest.raises(PermissionDenied):
        users.reset_password(world.engine, coordinator, world.coordinator_id, version=1)


def test_reset_password_gives_a_temporary_password_to_change(world):
    temporary = users.reset_password(world.engine, world.admin, world.coordinator_id, version=1)
    assert account(world.engine).must_change_password
    assert not users.sign_in(world.engine, "coord.samu", PASSWORD).accepted
    assert users.sign_in(world.engine, "coord.samu", temporary).accepted
    actor = Actor("coord.samu", Role.COORDINATOR, world.samu)
    users.change_own_password(world.engine, actor, current_password=temporary, new_password="brand-new-horse-7")
    assert not account(world.engine).must_change_password


def test_coordinators_and_directors_need_a_partner(world):
    with pytest.raises(InvalidInput) as refused:
        users.create_user(world.engine, world.admin, username="dir.x", display_name="x", role="director", password=PASSWORD)
    assert refused.value.key == "error.role_needs_organisation"
    with pytest.raises(InvalidInput):
        users.create_user(world.engine, world.admin, username="dir.x", display_name="x", role="director",
                          organisation_id=world.hou, password=PASSWORD)
    with pytest.raises(Conflict):
        users.create_user(world.engine, world.admin, username="COORD.SAMU", display_name="x", role="screen", password=PASSWORD)


def test_command_line_creates_the_first_administrator(tmp_path):
    from issue_core.db import PROJECT_ROOT, create_issue_engine

    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    command = [sys.executable, "-m", "issue_core", "--database-url", url, "create-user", "--role", "admin",
               "--username", "Marie", "--password-stdin"]
    result = subprocess.run(command, input="a-long-secret-phrase\n", cwd=PROJECT_ROOT, capture_output=True,
                            text=True, timeout=120, env={**os.environ, "ISSUE_DEMO": "0"})
    assert result.returncode == 0, result.stderr
    engine = create_issue_engine(url)
    assert users.sign_in(engine, "marie", "a-long-secret-phrase").accepted
    assert account(engine, "marie").role == "admin"
    weak = subprocess.run(command[:-3] + ["--username", "paul", "--password-stdin"], input="short\n",
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert weak.returncode == 2 and "12" in weak.stderr
