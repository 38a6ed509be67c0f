"""The sign-in gate: streamlit-authenticator for the form and the cookie, our rules for the rest.

What the library lacks and this module adds: the password check against `app_user` (bcrypt, lockout,
same answer and time for every refusal, audit), cookies revoked by `sessions_valid_after`, a 12-hour
session, 30 idle minutes, and the acting user re-read from the database on every run.
"""

from __future__ import annotations

from datetime import datetime

import streamlit as st
import streamlit_authenticator as stauth
from streamlit.runtime.pages_manager import PagesManager
from streamlit_authenticator.models.authentication_model import AuthenticationModel

from issue_core import security
from issue_core.auth import Actor
from issue_core.db import demo_enabled
from issue_core.demo import DEMO_ACCOUNTS
from issue_core.i18n import Translator
from issue_core.models import Role
from issue_core.services import users
from issue_core.ui.data import engine

ACTOR_KEY = "issue_actor"
SIGNED_IN_AT_KEY = "issue_signed_in_at"
LAST_ACTIVITY_KEY = "issue_last_activity"
NOTICE_KEY = "issue_sign_in_notice"
AUTH_KEYS = ("authentication_status", "username", "name", "email", "roles")


class DatabaseAuthenticationModel(AuthenticationModel):
    """The library's model with the password check replaced by ours (issue_core.services.users.sign_in)."""

    def __init__(self, credentials: dict, secret_key: str) -> None:
        super().__init__(credentials=credentials, auto_hash=False, secret_key=secret_key)

    def check_credentials(self, username: str, password: str) -> bool:
        return users.sign_in(engine(), username, password).accepted


@st.cache_resource(show_spinner=False)
def signing_key() -> str:
    return security.cookie_key()


def build_authenticator() -> stauth.Authenticate:
    """One per run: the accounts are read afresh, so a new or deactivated user counts at once."""
    credentials = {"usernames": users.active_accounts(engine())}
    lifetime_days = security.SESSION_LIFETIME.total_seconds() / 86400
    authenticator = stauth.Authenticate(credentials, security.COOKIE_NAME, signing_key(), lifetime_days, auto_hash=False)
    authenticator.authentication_controller.authentication_model = DatabaseAuthenticationModel(credentials, signing_key())
    return authenticator


def _forget_session() -> None:
    for key in (*AUTH_KEYS, ACTOR_KEY, SIGNED_IN_AT_KEY, LAST_ACTIVITY_KEY):
        st.session_state.pop(key, None)
    st.session_state["logout"] = True  # the library then ignores the cookie of this browser session


def current_actor() -> Actor | None:
    """The signed-in user, re-checked against the database on every run (None when signed out)."""
    if not st.session_state.get("authentication_status") or SIGNED_IN_AT_KEY not in st.session_state:
        return None
    now = security.now_utc()
    user = users.user_by_username(engine(), st.session_state.get("username") or "")
    valid = user is not None and security.session_still_valid(
        active=user.active,
        sessions_valid_after=user.sessions_valid_after,
        signed_in_at=st.session_state[SIGNED_IN_AT_KEY],
        last_activity=st.session_state.get(LAST_ACTIVITY_KEY, now),
        now=now,
    )
    if not valid:
        _forget_session()
        st.session_state[NOTICE_KEY] = "auth.session_ended"
        return None
    st.session_state[LAST_ACTIVITY_KEY] = now
    actor = Actor(username=user.username, role=Role(user.role), organisation_id=user.organisation_id)
    st.session_state[ACTOR_KEY] = actor
    st.session_state["issue_must_change_password"] = user.must_change_password
    return actor


def _cookie_session(now: datetime) -> security.CookieSession | None:
    """The browser's sign-in cookie, if it is still good: signed by us, not expired, not revoked."""
    cookie = security.read_cookie(st.context.cookies.get(security.COOKIE_NAME), signing_key(), now)
    if cookie is None:
        return None
    user = users.user_by_username(engine(), cookie.username)
    if user is None or not security.session_still_valid(
        active=user.active, sessions_valid_after=user.sessions_valid_after,
        signed_in_at=cookie.issued_at, last_activity=now, now=now,
    ):
        return None
    return cookie


def sign_in(authenticator: stauth.Authenticate, t: Translator) -> Actor | None:
    """Sign in from a good cookie, or show the form. Returns the actor once signed in (same run)."""
    now = security.now_utc()
    cookie = _cookie_session(now)
    if cookie is None:
        st.session_state["logout"] = True  # a stale or revoked cookie must not sign in
    if st.session_state.get("authentication_status") is False:
        st.session_state["authentication_status"] = None  # so that False below means "refused now"
    notice = st.session_state.pop(NOTICE_KEY, None)
    slot = st.empty()
    model = authenticator.cookie_controller.cookie_model
    lifetime, model.cookie_expiry_days = model.cookie_expiry_days, 0  # we set the cookie ourselves, below
    with slot.container():
        if notice:
            st.info(t(notice))
        authenticator.login(
            location="main",
            key="sign-in",
            fields={"Form name": t("auth.form_title"), "Username": t("auth.username"),
                    "Password": t("auth.password"), "Login": t("auth.submit")},
        )
        status = st.session_state.get("authentication_status")
        if status is False:
            st.error(t("auth.refused"))
    model.cookie_expiry_days = lifetime
    if not status:
        return None
    slot.empty()
    from_cookie = cookie is not None and cookie.username == st.session_state.get("username")
    st.session_state[SIGNED_IN_AT_KEY] = cookie.issued_at if from_cookie else now
    st.session_state[LAST_ACTIVITY_KEY] = now
    if not from_cookie:
        authenticator.cookie_controller.set_cookie()
    actor = current_actor()
    if actor is not None:
        user = users.user_by_username(engine(), actor.username)
        st.session_state["language"] = user.language
    return actor


def sign_out() -> None:
    """End every session of this user (revoking the cookie everywhere) and forget this one."""
    actor = st.session_state.get(ACTOR_KEY)
    if actor is not None:
        users.sign_out(engine(), actor)
    _forget_session()


def through_entry_script() -> None:
    """Run the page through app.py (sign-in gate, navigation), never on its own.

    Streamlit takes an app with a pages/ folder for an old-style multipage app until st.navigation is
    first called in the process (and AppTest resets that at every run); meanwhile a request for a
    page's address runs the page file directly. Turn that off and start again from app.py."""
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def require_role(*roles: Role) -> Actor:
    """Pages call this first: a page outside the role's navigation cannot run, even if reached."""
    from issue_core.ui.i18n import translator

    through_entry_script()
    actor = st.session_state.get(ACTOR_KEY)
    if actor is None or actor.role not in roles:
        st.error(translator()("error.page_not_allowed"))
        st.stop()
    return actor


def sign_in_help(t: Translator) -> None:
    """Under the sign-in form: how to get a first account, or the demo accounts in demo mode."""
    if not users.has_any_account(engine()):
        st.warning(t("auth.no_account_yet"))
    elif demo_enabled():
        with st.expander(t("auth.demo_accounts")):
            st.table({t("auth.username"): [a.username for a in DEMO_ACCOUNTS],
                      t("auth.password"): [a.password for a in DEMO_ACCOUNTS]})
