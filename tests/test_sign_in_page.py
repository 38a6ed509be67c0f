"""The sign-in gate in AppTest, on the demo data: the sign-in cookie after 30 idle minutes (a reload
is a new browser session holding the same cookie), and a busy database while signing in."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import extra_streamlit_components as stx
import pytest
import streamlit as st
from sqlalchemy import select
from streamlit.runtime.context import ContextProxy, StreamlitCookies
from streamlit.testing.v1 import AppTest

from issue_core import db, policy, security
from issue_core.models import AppSession, AppUser
from tests.conftest import APP, PASSWORDS, as_the_live_server, page_titles, sign_in

SIGN_IN_FIELDS = ["Nom d'utilisateur", "Mot de passe"]


@pytest.fixture
def new_browser_session(demo_url, monkeypatch):
    """A factory of AppTests on this module's demo database: each one is a new browser session."""
    monkeypatch.setenv("ISSUE_DATABASE_URL", demo_url)
    monkeypatch.setattr(db, "_engines", {})  # engines made by this test only (see the busy timeout below)
    as_the_live_server(monkeypatch)
    st.cache_resource.clear()
    st.cache_data.clear()
    return lambda: AppTest.from_file(APP, default_timeout=60)


def test_a_reload_after_thirty_idle_minutes_shows_the_sign_in_form(new_browser_session, demo_url, monkeypatch):
    cookies: dict[str, str] = {}
    set_cookie = stx.CookieManager.set

    def keep(self, cookie, val, *args, **kwargs):  # what the browser would store
        cookies[cookie] = val
        return set_cookie(self, cookie, val, *args, **kwargs)

    monkeypatch.setattr(stx.CookieManager, "set", keep)
    sign_in(new_browser_session(), "dir.diogenes")
    assert security.COOKIE_NAME in cookies
    monkeypatch.setattr(ContextProxy, "cookies", property(lambda self: StreamlitCookies(cookies)))
    real_now = security.now_utc

    # 10 minutes later, a reload: the cookie signs in without the form.
    monkeypatch.setattr(security, "now_utc", lambda: real_now() + timedelta(minutes=10))
    reload = new_browser_session().run()
    assert not reload.exception and page_titles(reload) == ["Mon organisation"]  # a director's landing page
    assert [field.label for field in reload.text_input] == []

    # Then 31 idle minutes, and a reload: the sign-in form, and the session is over for good.
    monkeypatch.setattr(security, "now_utc", lambda: real_now() + timedelta(minutes=41))
    reload = new_browser_session().run()
    assert not reload.exception
    assert [field.label for field in reload.text_input] == SIGN_IN_FIELDS and page_titles(reload) == []
    engine = db.create_issue_engine(demo_url)
    with db.read_session(engine) as session:
        ended = session.scalars(select(AppSession.ended_at).join(AppUser, AppUser.id == AppSession.user_id)
                                .where(AppUser.username == "dir.diogenes")).all()
    engine.dispose()
    assert len(ended) == 1 and ended[0] is not None


def test_a_busy_database_while_signing_in_shows_the_apps_message(new_browser_session, demo_url, monkeypatch):
    monkeypatch.setattr(policy, "SQLITE_BUSY_TIMEOUT_MS", 300)  # wait 0.3 s for the write lock, not 15 s
    app = new_browser_session().run()
    app.text_input[0].input("admin")
    app.text_input[1].input(PASSWORDS["admin"])
    holder = sqlite3.connect(demo_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds SQLite's only write lock
    try:
        app.button[0].click().run()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert not app.exception
    assert [e.value for e in app.error] == [
        "La base de données est occupée par une autre modification. Réessayez dans un instant."]
    assert page_titles(app) == []
    app.button[0].click().run()  # the lock is free again: the same form signs in
    assert not app.exception and page_titles(app) == ["Vue d'ensemble"]
