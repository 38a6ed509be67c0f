"""Sign-in rules: passwords, lockout, identical refusals, sessions and revocation, cookie key, user administration."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import bcrypt
import jwt
import pytest
from sqlalchemy import event, select

from issue_core import policy, security
from issue_core.auth import SYSTEM, Actor
from issue_core.db import create_issue_engine, read_session
from issue_core.errors import Conflict, InvalidInput, PermissionDenied
from issue_core.models import AppSession, AppUser, AuditEvent, Role, SignInAddress
from issue_core.queries.screens.accounts_audit import audit_choices
from issue_core.services import users
from issue_core.services.contributions import record_payment

PASSWORD = "correct-horse-42"


@pytest.fixture
def world(world):
    world.coordinator_id = users.create_user(
        world.engine, SYSTEM, username="coord.samu", display_name="Coordinatrice", role="coordinator",
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


@pytest.mark.production_bcrypt
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


@pytest.mark.production_bcrypt
def test_unknown_user_wrong_password_and_locked_account_look_the_same(world, monkeypatch):
    """Same refusal (the page shows one message for all) and a bcrypt check each, so similar time."""
    monkeypatch.setattr(policy, "LOCKOUT_FAILURES", 2)  # 10 in the app: fewer checks at the production cost
    start = datetime.now(UTC)
    for attempt in range(policy.LOCKOUT_FAILURES):
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


class BcryptCounter:
    """Counts bcrypt checks (thread-safe): those against the account's own hash, and all of them."""

    def __init__(self, monkeypatch, stored_hash: str) -> None:
        self.stored, self.lock = stored_hash.encode("ascii"), threading.Lock()
        self.real = self.all = 0
        check = bcrypt.checkpw

        def counting(password: bytes, hashed: bytes) -> bool:
            with self.lock:
                self.all += 1
                self.real += hashed == self.stored
            return check(password, hashed)

        monkeypatch.setattr(bcrypt, "checkpw", counting)


def in_parallel(count: int, call) -> list[object]:
    """`call(i)` in `count` threads started together; what each returned or raised."""
    barrier, outcomes = threading.Barrier(count), [None] * count

    def run(index: int) -> None:
        barrier.wait(timeout=60)
        try:
            outcomes[index] = call(index)
        except BaseException as exc:  # noqa: BLE001 (every outcome is inspected by the test)
            outcomes[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads), "a sign-in never returned"
    return outcomes


def test_thirty_parallel_wrong_passwords_check_ten_before_the_lock(world, monkeypatch):
    """The account is counted before bcrypt runs, atomically: 10 passwords checked, 20 refused as locked
    without a check of the account's hash (a dummy check each), no exception, a consistent counter."""
    bcrypt_checks = BcryptCounter(monkeypatch, account(world.engine).password_hash)
    results = in_parallel(30, lambda i: users.sign_in(world.engine, "coord.samu", f"wrong-password-{i}"))
    assert all(isinstance(result, users.SignInResult) for result in results), results
    assert Counter(result.reason for result in results) == {"wrong_password": 10, "locked": 20}
    assert (bcrypt_checks.real, bcrypt_checks.all) == (10, 30)
    user = account(world.engine)
    assert user.failed_logins == 10 and security.as_utc(user.locked_until) > datetime.now(UTC) + timedelta(minutes=14)
    with read_session(world.engine) as session:
        failures = [event.after["failures"] for event in session.scalars(
            select(AuditEvent).where(AuditEvent.action == "auth.login_failure"))]
        refused = session.scalars(select(AuditEvent.after).where(AuditEvent.action == "auth.login_refused")).all()
    assert sorted(failures) == list(range(1, 11))
    assert refused == [{"reason": "locked"}] * 20


def test_a_password_check_never_holds_the_write_lock(world, monkeypatch):
    """While a sign-in's bcrypt runs, another writer (its own engine, 2 s busy timeout) records a payment
    at once: for an unknown name, a wrong password and the right one. On SQLite, a check made inside
    the sign-in's write transaction would hold the only write lock and the payment would fail busy."""
    monkeypatch.setattr(policy, "SQLITE_BUSY_TIMEOUT_MS", 2_000)
    other = create_issue_engine(world.engine.url.render_as_string(hide_password=False))
    payments, check = [], bcrypt.checkpw

    def check_while_someone_writes(password: bytes, hashed: bytes) -> bool:
        payments.extend(record_payment(other, world.admin, world.h_samu, paid_on=date(2024, 1, 5),
                                       amount=Decimal("1.00") + Decimal(len(payments)) / 100,
                                       period_months=date(2024, 1, 1), method="cash"))
        return check(password, hashed)

    monkeypatch.setattr(bcrypt, "checkpw", check_while_someone_writes)
    security.spend_verification_time("warm-up")  # the dummy hash, made once (its check writes one payment)
    results = [users.sign_in(world.engine, name, password, address="198.51.100.9")
               for name, password in (("nobody.here", "some-password-1"), ("coord.samu", "wrong-password-1"),
                                      ("coord.samu", PASSWORD))]
    other.dispose()
    assert [result.reason for result in results] == ["unknown_user", "wrong_password", "accepted"]
    assert len(payments) == 4


def test_parallel_sign_ins_from_one_address_are_all_counted_and_leave_writers_alone(world):
    """12 sign-ins with unknown names at once, from one address, while a writer records payments:
    each is refused and counted once against the address, and the writer never meets a busy database."""
    stop, written, problems = threading.Event(), [], []

    def write() -> None:
        while not stop.is_set():
            try:
                written.extend(record_payment(world.engine, world.admin, world.h_samu, paid_on=date(2024, 1, 5),
                                              amount=Decimal("1.00") + Decimal(len(written)) / 100,
                                              period_months=date(2024, 1, 1), method="cash"))
            except Exception as exc:  # noqa: BLE001 (reported by the test)
                problems.append(exc)

    writer = threading.Thread(target=write)
    writer.start()
    outcomes = in_parallel(12, lambda i: users.sign_in(world.engine, f"nobody-{i}", "some-password-1",
                                                       address="198.51.100.9"))
    stop.set()
    writer.join(timeout=120)
    assert [getattr(outcome, "reason", outcome) for outcome in outcomes] == ["unknown_user"] * 12
    assert problems == [] and written
    with read_session(world.engine) as session:
        assert session.get(SignInAddress, "198.51.100.9").failures == 12


def test_refusals_never_read_the_audit_and_each_costs_one_bcrypt_check(world, monkeypatch):
    """Unknown name, wrong password, locked account: one bcrypt check each (the same cost), and none
    of them scans the audit trail (whose size would tell them apart)."""
    monkeypatch.setattr(policy, "LOCKOUT_FAILURES", 2)
    statements: list[str] = []
    event.listen(world.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    for username in ("nobody.here", "coord.samu", "coord.samu", "coord.samu"):  # the third locks, the fourth is refused
        bcrypt_checks = BcryptCounter(monkeypatch, account(world.engine).password_hash)
        assert not users.sign_in(world.engine, username, "wrong-password-x").accepted
        assert bcrypt_checks.all == 1
    assert account(world.engine).locked_until is not None
    assert [sql for sql in statements if "audit_event" in sql and not sql.lstrip().upper().startswith("INSERT")] == []


def test_an_unknown_name_is_audited_as_a_short_hash(world):
    """A password typed into the username box is neither stored nor offered in the audit filter."""
    typed = "Tr0ub4dor&3-horse-staple"
    users.sign_in(world.engine, f"  {typed} ", "anything-at-all-1")
    expected = "unknown:" + hashlib.sha256(typed.lower().encode()).hexdigest()[:8]
    usernames = audit_choices(world.engine)["username"]
    assert expected in usernames and typed.lower() not in usernames
    with read_session(world.engine) as session:
        for audited in session.scalars(select(AuditEvent)):
            assert typed.lower() not in f"{audited.username} {audited.before} {audited.after}"


def test_an_address_is_refused_after_too_many_refusals(world, monkeypatch):
    """3 refusals (for the test; 30 in the app) from one address refuse it for 15 minutes, at once and
    without a bcrypt check, even with the right password; a success does not count; other addresses
    and the account itself are not affected."""
    monkeypatch.setattr(policy, "ADDRESS_FAILURES", 3)
    start, address = datetime.now(UTC), "203.0.113.7"
    assert users.sign_in(world.engine, "coord.samu", PASSWORD, now=start, address=address).accepted
    for name in ("nobody.one", "nobody.two"):
        assert users.sign_in(world.engine, name, "some-password-1", now=start, address=address).reason == "unknown_user"
    assert users.sign_in(world.engine, "coord.samu", PASSWORD, now=start, address=address).accepted
    wrong = users.sign_in(world.engine, "coord.samu", "wrong-password-1", now=start, address=address)
    assert wrong.reason == "wrong_password"
    bcrypt_checks = BcryptCounter(monkeypatch, account(world.engine).password_hash)
    refused = users.sign_in(world.engine, "coord.samu", PASSWORD, now=start + timedelta(minutes=14), address=address)
    assert refused == users.SignInResult(False, "address_blocked") and bcrypt_checks.all == 0
    assert users.sign_in(world.engine, "coord.samu", PASSWORD, now=start, address="203.0.113.8").accepted
    later = start + timedelta(minutes=16)
    assert users.sign_in(world.engine, "coord.samu", PASSWORD, now=later, address=address).accepted


# --- sessions and revocation ---------------------------------------------------------------------


@pytest.mark.parametrize("change", ["sign_out", "password", "deactivate", "role"])
def test_changes_end_every_session_of_the_account(world, change):
    """Two browsers signed in; the change ends both (a password change keeps the session making it)."""
    first = users.sign_in(world.engine, "coord.samu", PASSWORD).token
    second = users.sign_in(world.engine, "coord.samu", PASSWORD).token
    assert users.session_user(world.engine, first).username == "coord.samu"
    actor = Actor("coord.samu", Role.COORDINATOR, world.samu)
    password = PASSWORD
    if change == "sign_out":
        users.sign_out(world.engine, actor)
    elif change == "password":
        password = "another-horse-43"
        users.change_own_password(world.engine, actor, current_password=PASSWORD, new_password=password,
                                  keep_session=second)
    elif change == "deactivate":
        users.set_active(world.engine, world.admin, world.coordinator_id, version=1, active=False)
    else:
        users.change_role(world.engine, world.admin, world.coordinator_id, version=1, role="director", organisation_id=world.samu)
    assert users.session_user(world.engine, first) is None
    assert (users.session_user(world.engine, second) is not None) is (change == "password")
    if change != "deactivate":
        assert users.session_user(world.engine, users.sign_in(world.engine, "coord.samu", password).token) is not None


def test_sessions_end_after_twelve_hours_and_after_thirty_idle_minutes(world):
    start = datetime.now(UTC)
    busy = users.sign_in(world.engine, "coord.samu", PASSWORD, now=start).token
    for step in range(1, 25):  # active every 29 minutes: open until 11 h 36
        assert users.session_user(world.engine, busy, start + step * timedelta(minutes=29)) is not None
    assert users.session_user(world.engine, busy, start + timedelta(hours=12, minutes=1)) is None
    idle = users.sign_in(world.engine, "coord.samu", PASSWORD, now=start).token
    assert users.session_user(world.engine, idle, start + timedelta(minutes=31)) is None
    fresh = dict(active=True, ended=False, now=start)
    assert security.session_still_valid(issued_at=start - timedelta(hours=11), last_seen_at=start, **fresh)
    assert not security.session_still_valid(issued_at=start - timedelta(hours=13), last_seen_at=start, **fresh)
    assert not security.session_still_valid(issued_at=start, last_seen_at=start, active=True, ended=True, now=start)


def session_row(engine, token: str) -> AppSession:
    with read_session(engine) as session:
        return session.scalars(select(AppSession).where(AppSession.token_hash == users.token_hash(token))).one()


def test_idle_expiry_is_kept_in_the_database_and_written_at_most_once_a_minute(world):
    """What ends an idle session is its row, so a reload (a new browser session with the same cookie)
    cannot undo it; and a rerun does not write each time."""
    start = datetime.now(UTC)
    token = users.sign_in(world.engine, "coord.samu", PASSWORD, now=start).token
    assert users.session_user(world.engine, token, start + timedelta(seconds=30)) is not None
    assert security.as_utc(session_row(world.engine, token).last_seen_at) == start  # not written: < 1 minute
    assert users.session_user(world.engine, token, start + timedelta(seconds=61)) is not None
    assert security.as_utc(session_row(world.engine, token).last_seen_at) == start + timedelta(seconds=61)
    assert users.session_user(world.engine, token, start + timedelta(seconds=90)) is not None
    assert security.as_utc(session_row(world.engine, token).last_seen_at) == start + timedelta(seconds=61)
    idle_until = start + timedelta(seconds=61) + policy.IDLE_TIMEOUT + timedelta(seconds=1)
    assert users.session_user(world.engine, token, idle_until) is None
    assert session_row(world.engine, token).ended_at is not None
    assert users.session_user(world.engine, token, start + timedelta(minutes=2)) is None  # ended for good
    assert users.session_user(world.engine, "a-token-nobody-was-given") is None


def test_a_tool_beside_the_server_opens_sessions_for_active_accounts_only(world):
    token = users.open_session(world.engine, "coord.samu")
    assert users.session_user(world.engine, token).username == "coord.samu"
    users.set_active(world.engine, world.admin, world.coordinator_id, version=1, active=False)
    assert users.session_user(world.engine, token) is None
    with pytest.raises(PermissionDenied):
        users.open_session(world.engine, "coord.samu")


def test_cookie_reading_checks_signature_expiry_and_lifetime():
    key = "k" * 10 + "abcdefghijklmnopqrstuvwxyz0123456789"
    now = datetime.now(UTC)
    issued = now - timedelta(hours=1)
    cookie = security.make_cookie("admin", "session-token", issued, key)
    session = security.read_cookie(cookie, key, now)
    assert (session.username, session.token) == ("admin", "session-token")
    assert abs((session.issued_at - issued).total_seconds()) < 1
    assert security.read_cookie(cookie, key + "x", now) is None  # forged: another key
    assert security.read_cookie(cookie, key, now + timedelta(hours=12)) is None  # expired
    assert security.read_cookie("not-a-token", key, now) is None
    # Signed with the key but living longer than 12 hours, or naming no session: refused.
    long_lived = {"username": "admin", "sid": "t", "issued_date": issued.timestamp(),
                  "exp_date": (issued + timedelta(hours=24)).timestamp()}
    assert security.read_cookie(jwt.encode(long_lived, key, algorithm="HS256"), key, now) is None
    old_style = {"username": "admin", "exp_date": (now + timedelta(hours=11)).timestamp()}
    assert security.read_cookie(jwt.encode(old_style, key, algorithm="HS256"), key, now) is None


# --- cookie key ----------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["some_key", "short-but-random-9f3", "a" * 40, "REPLACE-WITH-48-RANDOM-CHARACTERS",
                                 "abcdefgh" * 4, "0123456789abcdef" * 3])
def test_weak_cookie_keys_stop_the_app(key, monkeypatch, tmp_path):
    monkeypatch.setenv("ISSUE_COOKIE_KEY", key)
    with pytest.raises(security.CookieKeyError):
        security.cookie_key(tmp_path / "secrets.toml", tmp_path / "cookie_key")


def test_a_low_variety_key_is_refused_with_a_clear_message():
    with pytest.raises(security.CookieKeyError) as refused:
        security.check_cookie_key("abcdefgh" * 4)
    assert "not random enough" in str(refused.value) and "128" in str(refused.value)
    assert "token_urlsafe(48)" in str(refused.value)
    for good in ("Zq8v-3LmN1pR7sT0wXyB4cD6eF2gH9jK", "50f4fcc524df4f74b2051a3e9d7c86b0" * 2):
        assert security.check_cookie_key(good) == good


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
