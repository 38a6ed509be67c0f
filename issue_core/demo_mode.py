"""Demo mode: the database holds the demo data (it was written into a new database) and demo data is
enabled (issue_core.db.demo_enabled). Only then does the app show its banner, accept the generated
cookie key, and list the demo passwords under the sign-in form, as long as none of them changed."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

from sqlalchemy import Engine, select

from issue_core import security
from issue_core.db import demo_enabled, read_session
from issue_core.demo import DEMO_ACCOUNTS, DEMO_ACTOR
from issue_core.models import AppUser, AuditEvent


def holds_demo(engine: Engine) -> bool:
    """The demo seeding wrote the database's first audit row (it only writes into a new database)."""
    with read_session(engine) as session:
        first = session.scalar(select(AuditEvent.username).order_by(AuditEvent.id).limit(1))
    return first == DEMO_ACTOR.username


def demo_mode(engine: Engine) -> bool:
    return demo_enabled(engine.url) and holds_demo(engine)


@lru_cache(maxsize=64)
def _is_hash_of(password: str, password_hash: str) -> bool:
    """bcrypt once per stored hash (a changed password is a new hash), not at every page view."""
    return security.verify_password(password, password_hash)


def demo_passwords_shown(engine: Engine) -> bool:
    """In demo mode, while every demo account is active and still has its demo password."""
    if not demo_mode(engine):
        return False
    passwords = {account.username: account.password for account in DEMO_ACCOUNTS}
    with read_session(engine) as session:
        accounts = session.execute(
            select(AppUser.username, AppUser.password_hash, AppUser.active).where(AppUser.username.in_(passwords))
        ).all()
    if len(accounts) != len(passwords) or not all(active for _, _, active in accounts):
        return False
    # The demo accounts of one role share a hash (issue_core.demo): a few bcrypt checks, side by side (bcrypt
    # leaves the interpreter lock), once per process — they are the sign-in form's slowest step.
    pairs = {(passwords[username], password_hash) for username, password_hash, _ in accounts}
    with ThreadPoolExecutor(max_workers=len(pairs)) as pool:
        return all(pool.map(lambda pair: _is_hash_of(*pair), pairs))
