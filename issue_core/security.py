"""Passwords, the cookie key and the session rules (no Streamlit here). The durations and limits
below are issue_core.policy's (PASSWORD_MIN_LENGTH, SESSION_LIFETIME, IDLE_TIMEOUT, LOCKOUT_*, ADDRESS_FAILURES).

- Passwords: bcrypt, cost 12; at least 12 characters.
- The sign-in cookie is signed with a key of at least 32 random characters, from ISSUE_COOKIE_KEY or
  `[auth] cookie_key` in secrets.toml; in demo mode a random key is generated once into a git-ignored
  file. A missing, short, well-known or low-variety (< 128 bits estimated) key stops the app.
- A session (a row of `app_session`, whose token the cookie carries) lives at most 12 hours, ends after
  30 minutes without activity (kept in the database, so a reload cannot undo it) and at sign-out,
  password change, deactivation or role change.
- Sign-in attempts: 10 wrong passwords within 15 minutes lock the account for 15 minutes; 30 refused
  attempts within 15 minutes from one client address refuse that address for 15 minutes.
"""

from __future__ import annotations

import math
import os
import secrets
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import bcrypt
import jwt

from issue_core.db import PROJECT_ROOT, SECRETS_PATH, demo_enabled
from issue_core.errors import InvalidInput
from issue_core.policy import IDLE_TIMEOUT, PASSWORD_MIN_LENGTH, SESSION_LIFETIME

BCRYPT_COST = 12
PASSWORD_MAX_LENGTH = 72  # bcrypt ignores what lies beyond 72 bytes
COOKIE_NAME = "issue_session"
SESSION_TOUCH_INTERVAL = timedelta(minutes=1)  # last activity is written at most this often
COOKIE_KEY_MIN_LENGTH = 32
COOKIE_KEY_MIN_BITS = 128
DEMO_COOKIE_KEY_PATH = PROJECT_ROOT / ".streamlit" / "cookie_key"
KNOWN_DEFAULT_KEYS = frozenset(
    {"some_key", "some_signature_key", "random_signature_key", "abcdef", "secret", "changeme", "change-me",
     "replace-with-48-random-characters"}
)


def now_utc() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite gives naive datetimes back: they were written in UTC."""
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# --- passwords -----------------------------------------------------------------------------------


def check_password_rules(password: object, username: str = "") -> str:
    if not isinstance(password, str):
        raise InvalidInput("error.password_required")
    if password != password.strip():
        raise InvalidInput("error.password_spaces")
    if len(password) < PASSWORD_MIN_LENGTH:
        raise InvalidInput("error.password_too_short", minimum=PASSWORD_MIN_LENGTH)
    if len(password.encode("utf-8")) > PASSWORD_MAX_LENGTH:
        raise InvalidInput("error.password_too_long", maximum=PASSWORD_MAX_LENGTH)
    if username and username.lower() in password.lower():
        raise InvalidInput("error.password_contains_username")
    if len(set(password)) < 4:
        raise InvalidInput("error.password_too_simple")
    return password


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(BCRYPT_COST)).decode("ascii")


def verify_password(password: str, password_hash: str) -> bool:
    try:
        return bcrypt.checkpw(password.encode("utf-8"), password_hash.encode("ascii"))
    except ValueError:
        return False


@cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def spend_verification_time(password: str) -> None:
    """A bcrypt check against nothing, so an unknown or locked account answers as slowly as a wrong
    password (the response time must not tell them apart)."""
    verify_password(password or "x", _dummy_hash())


def temporary_password() -> str:
    return secrets.token_urlsafe(12)  # 16 characters


# --- the cookie key ------------------------------------------------------------------------------


class CookieKeyError(RuntimeError):
    """The sign-in cookie cannot be signed safely: the app refuses to start."""


def configured_cookie_key(secrets_path: Path = SECRETS_PATH) -> str | None:
    key = os.environ.get("ISSUE_COOKIE_KEY", "").strip()
    if key:
        return key
    if secrets_path.is_file():
        with secrets_path.open("rb") as handle:
            key = str(tomllib.load(handle).get("auth", {}).get("cookie_key", "")).strip()
    return key or None


def estimated_key_bits(key: str) -> float:
    """A low estimate of a key's randomness: the length of its shortest repeating block times
    log2 of the number of distinct characters (`abcdefgh` × 4 → 8 × 3 = 24 bits)."""
    if not key:
        return 0.0
    period = next(p for p in range(1, len(key) + 1) if all(key[i] == key[i % p] for i in range(p, len(key))))
    return period * math.log2(len(set(key)))


def check_cookie_key(key: str) -> str:
    if key.lower() in KNOWN_DEFAULT_KEYS:
        raise CookieKeyError("the cookie key is a well-known default: set a new one")
    if len(key) < COOKIE_KEY_MIN_LENGTH:
        raise CookieKeyError(f"the cookie key must hold at least {COOKIE_KEY_MIN_LENGTH} characters")
    bits = estimated_key_bits(key)
    if bits < COOKIE_KEY_MIN_BITS:
        raise CookieKeyError(
            f"the cookie key is not random enough (about {bits:.0f} bits, at least {COOKIE_KEY_MIN_BITS} needed): "
            "make one with python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )
    return key


def cookie_key(
    secrets_path: Path = SECRETS_PATH, demo_key_path: Path = DEMO_COOKIE_KEY_PATH, *, demo: bool | None = None
) -> str:
    """The configured key, checked; in demo mode without one, a random key generated once.

    `demo`: whether the app runs in demo mode (the app passes issue_core.demo_mode.demo_mode: demo data
    enabled and the database holds the demo); by default, whether demo data is enabled."""
    key = configured_cookie_key(secrets_path)
    if key is not None:
        return check_cookie_key(key)
    if not (demo_enabled() if demo is None else demo):
        raise CookieKeyError(
            "no cookie key: set ISSUE_COOKIE_KEY (or [auth] cookie_key in .streamlit/secrets.toml) to at least "
            f"{COOKIE_KEY_MIN_LENGTH} random characters, e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )
    if not demo_key_path.is_file():
        demo_key_path.parent.mkdir(parents=True, exist_ok=True)
        demo_key_path.write_text(secrets.token_urlsafe(48), encoding="ascii")
        demo_key_path.chmod(0o600)
    return check_cookie_key(demo_key_path.read_text(encoding="ascii").strip())


# --- sessions ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CookieSession:
    username: str
    issued_at: datetime
    token: str  # the session's token (app_session keeps its SHA-256)


def make_cookie(username: str, token: str, issued_at: datetime, key: str) -> str:
    """The signed sign-in cookie. `username` and `exp_date` are what streamlit-authenticator reads."""
    payload = {"username": username, "sid": token, "issued_date": issued_at.timestamp(),
               "exp_date": (issued_at + SESSION_LIFETIME).timestamp()}
    return jwt.encode(payload, key, algorithm="HS256")


def read_cookie(cookie: str | None, key: str, now: datetime) -> CookieSession | None:
    """The session a sign-in cookie names, if its signature holds, it has not expired and its expiry
    is no further than 12 hours from its issue. Whether the session itself is still open is the
    database's answer (issue_core.services.users.session_user)."""
    if not cookie:
        return None
    try:
        payload = jwt.decode(cookie, key, algorithms=["HS256"])
        issued = datetime.fromtimestamp(float(payload["issued_date"]), UTC)
        expires = datetime.fromtimestamp(float(payload["exp_date"]), UTC)
        username, token = str(payload["username"]), str(payload["sid"])
    except (jwt.PyJWTError, KeyError, TypeError, ValueError, OverflowError):
        return None
    if not token or expires <= now or expires - issued > SESSION_LIFETIME + timedelta(seconds=1):
        return None
    return CookieSession(username=username, issued_at=issued, token=token)


def session_still_valid(
    *, active: bool, ended: bool, issued_at: datetime, last_seen_at: datetime, now: datetime
) -> bool:
    """A session ends with the account, at sign-out or revocation, after 12 hours, and after 30 idle minutes."""
    if not active or ended:
        return False
    return now - as_utc(issued_at) <= SESSION_LIFETIME and now - as_utc(last_seen_at) <= IDLE_TIMEOUT
