"""Screen tokens (issue 14, item 6): an admin creates and revokes them; a wall signs in once with one,
to the meeting screen only; a revoked token ends the screen at its next rotation; the token is never
kept in clear (database, audit); bad tokens are refused like bad passwords, and counted against the
client address."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

from issue_core import security
from issue_core.auth import SYSTEM, Actor
from issue_core.db import PROJECT_ROOT
from issue_core.errors import Conflict, InvalidInput, PermissionDenied
from issue_core.models import AppUser, AuditEvent, Role, ScreenSession, ScreenToken
from issue_core.policy import ADDRESS_FAILURES
from issue_core.services import screen_tokens, users
from issue_core.ui import gate
from tests.conftest import as_the_live_server, table_rows

APP = str(PROJECT_ROOT / "app.py")
ADDRESS = "198.51.100.7"


def screen_account(engine: Engine, username: str = "wall.one") -> int:
    return users.create_user(engine, SYSTEM, username=username, display_name="Wall", role="screen",
                             password="Long-enough-password-1")


def audit_rows(engine: Engine, entity: str = "screen_token") -> list[AuditEvent]:
    with engine.connect() as connection:
        return list(connection.execute(select(AuditEvent).where(AuditEvent.entity == entity)
                                       .order_by(AuditEvent.id)).all())


# --- the services, on both engines -------------------------------------------------------------------


def test_a_token_opens_a_screen_session_until_revoked(engine):
    account = screen_account(engine)
    token = screen_tokens.create_screen_token(engine, SYSTEM, user_id=account, label="Salle du 2e")
    signed = screen_tokens.sign_in_with_token(engine, token, address=ADDRESS)
    assert signed.accepted and signed.reason == "accepted"
    assert screen_tokens.session_user(engine, signed.session_token).username == "wall.one"
    assert screen_tokens.session_user(engine, token) is None  # the token itself is no session

    token_id = engine.connect().execute(select(ScreenToken.id)).scalar_one()
    screen_tokens.revoke_screen_token(engine, SYSTEM, token_id)
    assert screen_tokens.session_user(engine, signed.session_token) is None
    again = screen_tokens.sign_in_with_token(engine, token, address=ADDRESS)
    assert (again.accepted, again.reason) == (False, "revoked_token")
    with pytest.raises(Conflict):
        screen_tokens.revoke_screen_token(engine, SYSTEM, token_id)
    actions = [row.action for row in audit_rows(engine)]
    assert actions == ["screen_token.create", "auth.screen_sign_in", "screen_token.revoke",
                       "auth.screen_token_refused"]


def test_the_token_is_kept_nowhere_in_clear(engine):
    token = screen_tokens.create_screen_token(engine, SYSTEM, user_id=screen_account(engine), label="Hall")
    signed = screen_tokens.sign_in_with_token(engine, token)
    screen_tokens.sign_in_with_token(engine, token + "x")  # a refused one is audited too
    everything = json.dumps(table_rows(engine), default=str)
    assert token not in everything and signed.session_token not in everything
    with engine.connect() as connection:
        kept = connection.execute(select(ScreenToken.token_hash)).scalar_one()
        session_hash = connection.execute(select(ScreenSession.token_hash)).scalar_one()
    assert kept == users.token_hash(token) and session_hash == users.token_hash(signed.session_token)
    created = audit_rows(engine)[0]
    assert created.after == {"label": "Hall", "account": "wall.one"}  # neither the token nor its hash


def test_only_an_admin_creates_or_revokes_and_only_for_a_screen_account(engine):
    account = screen_account(engine)
    coordinator = Actor("coord", Role.COORDINATOR, organisation_id=1)
    for actor in (coordinator, Actor("dir", Role.DIRECTOR, 1), Actor("wall", Role.SCREEN)):
        with pytest.raises(PermissionDenied):
            screen_tokens.create_screen_token(engine, actor, user_id=account, label="Hall")
    screen_tokens.create_screen_token(engine, SYSTEM, user_id=account, label="Hall")
    token_id = engine.connect().execute(select(ScreenToken.id)).scalar_one()
    with pytest.raises(PermissionDenied):
        screen_tokens.revoke_screen_token(engine, coordinator, token_id)
    admin = users.create_user(engine, SYSTEM, username="second.admin", display_name="A", role="admin",
                              password="Long-enough-password-1")
    with pytest.raises(InvalidInput):  # an admin's token would grant the admin's pages
        screen_tokens.create_screen_token(engine, SYSTEM, user_id=admin, label="Hall")
    with pytest.raises(InvalidInput):
        screen_tokens.create_screen_token(engine, SYSTEM, user_id=account, label="  ")


def test_a_token_ends_with_its_account_deactivated_or_given_another_role(engine):
    account = screen_account(engine)
    token = screen_tokens.create_screen_token(engine, SYSTEM, user_id=account, label="Hall")
    session_token = screen_tokens.sign_in_with_token(engine, token).session_token
    users.change_role(engine, SYSTEM, account, version=1, role="admin", organisation_id=None)
    assert screen_tokens.session_user(engine, session_token) is None
    assert not screen_tokens.sign_in_with_token(engine, token).accepted


def test_bad_tokens_are_counted_against_the_address_like_bad_passwords(engine):
    token = screen_tokens.create_screen_token(engine, SYSTEM, user_id=screen_account(engine), label="Hall")
    for attempt in range(ADDRESS_FAILURES):
        refused = screen_tokens.sign_in_with_token(engine, f"guess-{attempt}", address=ADDRESS)
        assert refused.reason == "unknown_token"
    blocked = screen_tokens.sign_in_with_token(engine, token, address=ADDRESS)  # even the good one, for now
    assert (blocked.accepted, blocked.reason) == (False, "address_blocked")
    assert screen_tokens.sign_in_with_token(engine, token, address="203.0.113.9").accepted
    later = security.now_utc() + timedelta(minutes=16)
    assert screen_tokens.sign_in_with_token(engine, token, address=ADDRESS, now=later).accepted


def test_the_screen_cookie_holds_only_a_signed_session_token():
    key = "k" * 20 + "0123456789abcdefghijklmnopqrstuvwxyz"
    now = security.now_utc()
    cookie = screen_tokens.make_screen_cookie("session-token", now, key)
    assert screen_tokens.read_screen_cookie(cookie, key, now + timedelta(days=300)) == "session-token"
    assert screen_tokens.read_screen_cookie(cookie, key, now + timedelta(days=366)) is None
    assert screen_tokens.read_screen_cookie(cookie, key.upper(), now) is None
    sign_in_cookie = security.make_cookie("ecran", "session-token", now, key)
    assert screen_tokens.read_screen_cookie(sign_in_cookie, key, now) is None  # not a screen cookie


# --- the app, on the demo: the wall's device opens its address once -----------------------------------


@pytest.fixture
def wall(database: Engine, monkeypatch: pytest.MonkeyPatch):
    """app.py in AppTest on this test's demo copy, and a token of the demo's screen account "ecran"."""
    as_the_live_server(monkeypatch)
    with database.connect() as connection:
        account = connection.execute(select(AppUser.id).where(AppUser.username == "ecran")).scalar_one()
    token = screen_tokens.create_screen_token(database, SYSTEM, user_id=account, label="Salle")
    return AppTest.from_file(APP, default_timeout=60), token


def open_with(app: AppTest, token: str) -> AppTest:
    app.query_params[gate.SCREEN_TOKEN_PARAM] = token
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def on_the_wall(app: AppTest) -> bool:
    return [title.value for title in app.title] == ["Chiffres clés"] and not app.text_input


def on_the_sign_in_form(app: AppTest) -> bool:
    return not app.title and len(app.text_input) == 2


def test_the_address_signs_the_wall_in_to_the_meeting_screen_only(wall):
    app, token = wall
    open_with(app, token)
    assert on_the_wall(app)
    assert gate.SCREEN_TOKEN_PARAM not in app.query_params  # taken out of the address
    assert app.session_state["issue_pages"] == {"pages/meeting.py"}  # no account page, no dashboard
    assert app.session_state[gate.SCREEN_SESSION_KEY] != token
    app.run()
    assert on_the_wall(app)


def test_a_revoked_token_ends_the_screen_at_the_next_run(wall, database):
    app, token = wall
    open_with(app, token)
    screen_tokens.revoke_screen_token(database, SYSTEM, database.connect().execute(select(ScreenToken.id)).scalar_one())
    app.run()
    assert not app.exception
    assert on_the_sign_in_form(app)
    assert "Votre session a pris fin" in " ".join(info.value for info in app.info)


def test_a_revoked_token_ends_the_screen_from_the_rotating_fragment(wall, database, monkeypatch):
    """The fragment's own check: the whole run's check (app.py's current_actor) is made blind, as in a
    fragment rerun, which runs only the slides."""
    app, token = wall
    open_with(app, token)

    def actor_as_last_seen() -> Actor | None:
        from streamlit import session_state
        return session_state.get(gate.ACTOR_KEY)

    monkeypatch.setattr(gate, "current_actor", actor_as_last_seen)
    screen_tokens.revoke_screen_token(database, SYSTEM, database.connect().execute(select(ScreenToken.id)).scalar_one())
    app.run()
    assert not app.exception
    assert on_the_sign_in_form(app)


@pytest.mark.parametrize("token", ["not-a-token", "x" * 5000, ""])
def test_a_bad_token_shows_the_sign_in_form_without_a_traceback(wall, token):
    app, _ = wall
    open_with(app, token)
    assert on_the_sign_in_form(app)
    assert not app.exception and not app.error
    assert "lien d'écran n'est pas" in " ".join(info.value for info in app.info)
    assert gate.SCREEN_TOKEN_PARAM not in app.query_params


def test_a_signed_in_user_who_opens_a_token_address_becomes_that_wall(wall, monkeypatch):
    from tests.conftest import signed_in

    app, token = wall
    signed_in(app, "admin")
    assert "pages/users.py" in app.session_state["issue_pages"]
    open_with(app, token)
    assert on_the_wall(app) and app.session_state["issue_pages"] == {"pages/meeting.py"}


def test_coordinators_cannot_reach_the_token_forms(open_page, actors):
    app = open_page("pages/users.py", actors["coord.samusocial"], check=False)
    assert not app.button and not app.text_input
    assert app.error


def test_an_admin_creates_and_revokes_a_token_on_the_users_page(database, open_page, actors):
    app = open_page("pages/users.py", actors["admin"])
    form_label = next(field for field in app.text_input if field.label == "Nom de l'écran")
    form_label.input("Salle du conseil")
    next(button for button in app.button if button.label == "Créer un jeton d'écran").click().run()
    assert not app.exception
    shown = [code.value for code in app.code]
    assert len(shown) == 1 and "/meeting?screen_token=" in shown[0]
    token = shown[0].split("screen_token=")[1]
    assert screen_tokens.sign_in_with_token(database, token).accepted
    app.run()
    assert not app.code  # shown once
    next(button for button in app.button if button.key == "revoke-screen-token").click().run()
    assert not app.exception
    assert not screen_tokens.sign_in_with_token(database, token).accepted
