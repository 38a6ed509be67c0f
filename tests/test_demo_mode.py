"""When demo data is written and shown: only into a new database, never into a production setup
(a cookie key or PostgreSQL) unless asked, and the demo passwords only while they are the demo ones."""

from __future__ import annotations

import io
import shutil
import sys

import pytest
import streamlit as st
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from issue_core import security
from issue_core.__main__ import main
from issue_core.auth import Actor
from issue_core.db import create_issue_engine, demo_enabled, read_session
from issue_core.models import AppUser, Role, Site
from issue_core.services import users
from tests.conftest import APP, PASSWORDS, as_the_live_server, page_titles, sign_in

STRONG_KEY = "Zq8v-3LmN1pR7sT0wXyB4cD6eF2gH9jK-uW5x"
ADMIN_PASSWORD = "a-long-secret-phrase"
REFUSED = "Nom d'utilisateur ou mot de passe incorrect, ou compte temporairement bloqué."
NO_ACCOUNT = "Aucun compte n'existe encore."
DEMO_ACCOUNTS_LABEL = "Comptes de démonstration"
COOKIE_KEY_PROBLEM = "L'application ne peut démarrer : la clé de signature des cookies manque"


def migrate_and_create_a_real_admin(url: str, monkeypatch) -> None:
    """The attack's first steps: `ISSUE_DEMO=0 python -m issue_core migrate`, then create-user."""
    monkeypatch.setenv("ISSUE_DEMO", "0")
    assert main(["--database-url", url, "migrate"]) == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO(ADMIN_PASSWORD + "\n"))
    assert main(["--database-url", url, "create-user", "--role", "admin", "--username", "marie",
                 "--password-stdin"]) == 0


def start_app(url: str, monkeypatch, *, demo: str | None, cookie_key: str | None) -> AppTest:
    monkeypatch.setenv("ISSUE_DATABASE_URL", url)
    for name, value in (("ISSUE_DEMO", demo), ("ISSUE_COOKIE_KEY", cookie_key)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    as_the_live_server(monkeypatch)
    st.cache_resource.clear()
    st.cache_data.clear()
    return AppTest.from_file(APP, default_timeout=60)


def usernames(url: str) -> list[str]:
    with read_session(create_issue_engine(url)) as session:
        return list(session.scalars(select(AppUser.username).order_by(AppUser.username)))


def site_count(url: str) -> int:
    with read_session(create_issue_engine(url)) as session:
        return session.scalar(select(func.count()).select_from(Site))


def shows_demo_passwords(app: AppTest) -> bool:
    return DEMO_ACCOUNTS_LABEL in [expander.label for expander in app.expander] or any(
        "Brussels-demo" in str(table.value) for table in app.table)


# --- the attack: a real admin, then the app started with a strong cookie key ---------------------


@pytest.mark.parametrize("demo", [None, "1"], ids=["ISSUE_DEMO-unset", "ISSUE_DEMO=1"])
def test_no_demo_accounts_are_added_to_a_database_with_a_real_admin(empty_database_url, monkeypatch, demo):
    url = empty_database_url
    migrate_and_create_a_real_admin(url, monkeypatch)
    app = start_app(url, monkeypatch, demo=demo, cookie_key=STRONG_KEY)
    app.run()
    assert not app.exception and not app.error
    assert not shows_demo_passwords(app)
    assert usernames(url) == ["marie"] and site_count(url) == 0

    sign_in(app, "admin", PASSWORDS["admin"])  # the demo admin's password
    assert [error.value for error in app.error] == [REFUSED]
    sign_in(app, "marie", ADMIN_PASSWORD)
    assert page_titles(app) == ["Vue d'ensemble"]
    assert usernames(url) == ["marie"]


def test_without_a_cookie_key_a_database_with_a_real_admin_stays_closed(tmp_path, monkeypatch):
    """Demo data enabled (SQLite, nothing configured) but the database is not the demo: no demo
    accounts, and no generated cookie key either (that one is for demo databases)."""
    url = f"sqlite:///{tmp_path / 'real.sqlite'}"
    migrate_and_create_a_real_admin(url, monkeypatch)
    app = start_app(url, monkeypatch, demo=None, cookie_key=None)
    app.run()
    assert not app.exception
    assert [error.value[:len(COOKIE_KEY_PROBLEM)] for error in app.error] == [COOKIE_KEY_PROBLEM]
    assert not shows_demo_passwords(app) and not app.text_input  # no sign-in form
    assert usernames(url) == ["marie"] and site_count(url) == 0


def test_a_new_postgresql_database_gets_no_demo_unless_asked(new_postgres_database, monkeypatch):
    url = new_postgres_database()
    app = start_app(url, monkeypatch, demo=None, cookie_key=STRONG_KEY)
    app.run()
    assert not app.exception and not app.error
    assert [warning.value[:len(NO_ACCOUNT)] for warning in app.warning] == [NO_ACCOUNT]
    assert not shows_demo_passwords(app) and not app.sidebar.info  # no demo banner
    assert usernames(url) == [] and site_count(url) == 0


def test_seed_demo_refuses_a_database_with_an_account(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'real.sqlite'}"
    migrate_and_create_a_real_admin(url, monkeypatch)
    assert main(["--database-url", url, "seed-demo"]) == 1
    assert "new database" in capsys.readouterr().err
    assert usernames(url) == ["marie"] and site_count(url) == 0


@pytest.mark.parametrize(
    ("demo", "cookie_key", "url", "enabled"),
    [
        (None, None, "sqlite:///db/issue.sqlite", True),  # a first try: nothing configured
        (None, STRONG_KEY, "sqlite:///db/issue.sqlite", False),  # a cookie key: production
        (None, None, "postgresql://issue@db:5432/issue", False),  # PostgreSQL: production
        ("1", STRONG_KEY, "postgresql://issue@db:5432/issue", True),  # asked for explicitly
        ("0", None, "sqlite:///db/issue.sqlite", False),
        ("yes please", None, "sqlite:///db/issue.sqlite", False),  # not a clear yes: off
    ],
)
def test_demo_data_is_enabled_only_for_a_first_try_or_when_asked(monkeypatch, demo, cookie_key, url, enabled):
    for name, value in (("ISSUE_DEMO", demo), ("ISSUE_COOKIE_KEY", cookie_key)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert demo_enabled(url) is enabled


# --- the demo passwords: listed only while they are the demo ones -----------------------------------


@pytest.fixture
def demo_copy(demo_sqlite_template, tmp_path) -> str:
    path = tmp_path / "demo.sqlite"
    shutil.copy(demo_sqlite_template, path)
    return f"sqlite:///{path}"


def test_demo_passwords_are_listed_until_one_of_them_changes(demo_copy, monkeypatch):
    app = start_app(demo_copy, monkeypatch, demo=None, cookie_key=None)
    app.run()
    assert not app.exception
    assert shows_demo_passwords(app) and app.sidebar.info  # the demo banner
    admin = Actor("admin", Role.ADMIN)
    users.change_own_password(create_issue_engine(demo_copy), admin, current_password=PASSWORDS["admin"],
                              new_password="now-a-real-password-7")
    app.run()
    assert not app.exception
    assert not shows_demo_passwords(app) and app.sidebar.info  # still the demo data


def test_demo_passwords_are_checked_with_bcrypt_once_per_hash(demo_copy, monkeypatch):
    from issue_core.demo_mode import _is_hash_of, demo_passwords_shown

    monkeypatch.delenv("ISSUE_DEMO", raising=False)
    monkeypatch.delenv("ISSUE_COOKIE_KEY", raising=False)
    calls = []
    verify = security.verify_password
    monkeypatch.setattr(security, "verify_password", lambda *args: calls.append(args) or verify(*args))
    _is_hash_of.cache_clear()
    engine = create_issue_engine(demo_copy)
    assert demo_passwords_shown(engine)
    first = len(calls)
    assert 1 <= first <= 4  # the demo hashes each of its four passwords once
    assert demo_passwords_shown(engine) and demo_passwords_shown(engine)
    assert len(calls) == first
