"""The sign-in gate: streamlit-authenticator for the form and the cookie, our rules for the rest.

What the library lacks and this module adds: the password check against `app_user` (bcrypt, lockout
per account and per client address, same answer and time for every refusal, audit), sessions kept in
`app_session` (the cookie carries their token: sign-out, revocation, 12 hours and 30 idle minutes end
the cookie too), and the acting user re-read from the database on every run.
"""

from __future__ import annotations

from datetime import datetime

import streamlit as st
import streamlit_authenticator as stauth
from streamlit.runtime.pages_manager import PagesManager
from streamlit_authenticator.models.authentication_model import AuthenticationModel

from issue_core import security
from issue_core.auth import Actor
from issue_core.demo import DEMO_ACCOUNTS
from issue_core.demo_mode import demo_mode, demo_passwords_shown
from issue_core.errors import DomainError
from issue_core.i18n import Translator
from issue_core.models import AppUser, Role
from issue_core.policy import SCREEN_COOKIE_LIFETIME, SESSION_LIFETIME
from issue_core.services import screen_tokens, users
from issue_core.ui.data import engine, read

ACTOR_KEY = "issue_actor"
SESSION_KEY = "issue_session_token"  # the token of this browser session's row of app_session
NEW_SESSION_KEY = "issue_new_session_token"  # set by a sign-in through the form, for its cookie
SIGN_IN_ERROR_KEY = "issue_sign_in_error"  # a DomainError met while checking the form (busy database)
NOTICE_KEY = "issue_sign_in_notice"
AUTH_KEYS = ("authentication_status", "username", "name", "email", "roles")
SCREEN_SESSION_KEY = "issue_screen_session_token"  # a wall signed in with a screen token (screen_tokens)
SCREEN_TOKEN_PARAM = "screen_token"  # /meeting?screen_token=…: opened once by the wall's device
SCREEN_REFUSED_KEY = "issue_screen_token_refused"  # its notice stays over the form's reruns, until a sign-in


class DatabaseAuthenticationModel(AuthenticationModel):
    """The library's model with the password check replaced by ours (issue_core.services.users.sign_in)."""

    def __init__(self, credentials: dict, secret_key: str) -> None:
        super().__init__(credentials=credentials, auto_hash=False, secret_key=secret_key)

    def check_credentials(self, username: str, password: str) -> bool:
        try:
            result = users.sign_in(engine(), username, password, address=st.context.ip_address)
        except DomainError as problem:  # e.g. a busy database: our message, not Streamlit's error box
            st.session_state[SIGN_IN_ERROR_KEY] = problem
            return False
        st.session_state[NEW_SESSION_KEY] = result.token
        return result.accepted


@st.cache_resource(show_spinner=False)
def signing_key() -> str:
    return security.cookie_key(demo=demo_mode(engine()))  # the generated key only for a demo database


def build_authenticator() -> stauth.Authenticate:
    """One per run: the accounts are read afresh, so a new or deactivated user counts at once."""
    credentials = {"usernames": users.active_accounts(engine())}
    lifetime_days = SESSION_LIFETIME.total_seconds() / 86400
    # login_sleep_time: the library waits 0.7 s before every sign-in form, for a cookie it reads at once anyway
    # (st.context.cookies): the form would take that long at every run.
    authenticator = stauth.Authenticate(credentials, security.COOKIE_NAME, signing_key(), lifetime_days, auto_hash=False,
                                        login_sleep_time=0)
    authenticator.authentication_controller.authentication_model = DatabaseAuthenticationModel(credentials, signing_key())
    authenticator.cookie_controller.cookie_model.cookie_expiry_days = 0  # the gate sets the cookie (_set_cookie)
    return authenticator


def _forget_session() -> None:
    for key in (*AUTH_KEYS, ACTOR_KEY, SESSION_KEY, SCREEN_SESSION_KEY):
        st.session_state.pop(key, None)
    st.session_state["logout"] = True  # the library then ignores the cookie of this browser session


def screen_device() -> bool:
    """Whether this browser is a wall signed in with a screen token (it sees the meeting screen only)."""
    return bool(st.session_state.get(SCREEN_SESSION_KEY))


def _session_user() -> AppUser | None:
    """The user of this browser's session as the database has it now; None when it has ended."""
    if screen_device():
        return screen_tokens.session_user(engine(), st.session_state[SCREEN_SESSION_KEY])
    return users.session_user(engine(), st.session_state[SESSION_KEY])


def current_actor() -> Actor | None:
    """The signed-in user, re-checked against the database on every run (None when signed out)."""
    if SCREEN_TOKEN_PARAM in st.query_params:  # this browser becomes the wall of that token (sign_in)
        if st.session_state.get(ACTOR_KEY) is not None:
            _forget_session()
        return None
    signed_in = st.session_state.get("authentication_status") and st.session_state.get(SESSION_KEY)
    if not signed_in and not screen_device():
        return None
    user = _session_user()
    if user is None:
        _forget_session()
        st.session_state[NOTICE_KEY] = "auth.session_ended"
        return None
    actor = Actor(username=user.username, role=Role(user.role), organisation_id=user.organisation_id)
    st.session_state[ACTOR_KEY] = actor
    # A sign-in stopped by a rerun (the cookie component reporting back, on a busy server) after its session
    # was kept but before its language was: the account's language, not French, for the runs after it.
    st.session_state.setdefault("language", user.language)
    # a wall never types the screen account's password: no change of it asked there
    st.session_state["issue_must_change_password"] = user.must_change_password and not screen_device()
    return actor


def end_if_signed_out() -> None:
    """For a fragment that reruns on its own (the meeting screen's rotation): a session ended meanwhile
    (a revoked screen token, a sign-out elsewhere) sends the whole page back to the sign-in form."""
    if not (screen_device() or st.session_state.get(SESSION_KEY)):
        return  # no session of ours (a page run alone in a test): nothing to check
    if _session_user() is None:
        _forget_session()
        st.session_state[NOTICE_KEY] = "auth.session_ended"
        st.rerun(scope="app")


def _cookie_session(now: datetime) -> security.CookieSession | None:
    """The browser's sign-in cookie, if it is still good: signed by us, and its session still open
    (not ended, revoked, idle for 30 minutes, nor older than 12 hours)."""
    cookie = security.read_cookie(st.context.cookies.get(security.COOKIE_NAME), signing_key(), now)
    if cookie is None:
        return None
    user = users.session_user(engine(), cookie.token, now)
    return cookie if user is not None and user.username == cookie.username else None


def _set_cookie(authenticator: stauth.Authenticate, username: str, token: str, issued_at: datetime) -> None:
    """Written by JavaScript (the library's cookie component): no HttpOnly possible; Secure when the
    app is served over HTTPS; SameSite=Strict (the component's default)."""
    manager = authenticator.cookie_controller.cookie_model.cookie_manager
    manager.set(security.COOKIE_NAME, security.make_cookie(username, token, issued_at, signing_key()),
                expires_at=issued_at + SESSION_LIFETIME,
                secure=(st.context.url or "").startswith("https://"))


def _screen_session_token(authenticator: stauth.Authenticate, now: datetime) -> str | None:
    """A wall's screen session: opened now from the screen token in the address (taken out of the
    address at once, and the screen cookie set), or the one its screen cookie carries if still open."""
    token = st.query_params.get(SCREEN_TOKEN_PARAM)
    if token is None:
        session_token = screen_tokens.read_screen_cookie(
            st.context.cookies.get(screen_tokens.SCREEN_COOKIE_NAME), signing_key(), now)
        return session_token if screen_tokens.session_user(engine(), session_token) is not None else None
    del st.query_params[SCREEN_TOKEN_PARAM]
    try:
        result = screen_tokens.sign_in_with_token(engine(), token, address=st.context.ip_address, now=now)
    except DomainError as problem:  # a busy database: its message above the form
        st.session_state[SIGN_IN_ERROR_KEY] = problem
        return None
    if not result.accepted:
        st.session_state[SCREEN_REFUSED_KEY] = True
        return None
    manager = authenticator.cookie_controller.cookie_model.cookie_manager
    manager.set(screen_tokens.SCREEN_COOKIE_NAME,
                screen_tokens.make_screen_cookie(result.session_token, now, signing_key()),
                key="set-screen", expires_at=now + SCREEN_COOKIE_LIFETIME,
                secure=(st.context.url or "").startswith("https://"))
    return result.session_token


def _screen_sign_in(authenticator: stauth.Authenticate, now: datetime) -> Actor | None:
    session_token = _screen_session_token(authenticator, now)
    if session_token is None:
        return None
    for key in (*AUTH_KEYS, SESSION_KEY):  # no other sign-in rides along on this browser session
        st.session_state.pop(key, None)
    st.session_state[SCREEN_SESSION_KEY] = session_token
    st.session_state.pop(SCREEN_REFUSED_KEY, None)
    actor = current_actor()
    if actor is not None:
        st.session_state["language"] = users.user_by_username(engine(), actor.username).language
    return actor


def sign_in(authenticator: stauth.Authenticate, t: Translator) -> Actor | None:
    """Sign in from a good cookie, or show the form. Returns the actor once signed in (same run)."""
    now = security.now_utc()
    screen = _screen_sign_in(authenticator, now)
    if screen is not None:
        return screen
    cookie = _cookie_session(now)
    if cookie is None:
        st.session_state["logout"] = True  # a stale or revoked cookie must not sign in
    if st.session_state.get("authentication_status") is False:
        st.session_state["authentication_status"] = None  # so that False below means "refused now"
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice is None and st.session_state.get(SCREEN_REFUSED_KEY):
        notice = "auth.screen_token_refused"  # (the cookie component's first report reruns the form)
    st.session_state.pop(SIGN_IN_ERROR_KEY, None)
    slot = st.empty()
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
            problem = st.session_state.pop(SIGN_IN_ERROR_KEY, None)
            st.error(problem.message(t.language) if problem is not None else t("auth.refused"))
    if not status:
        return None
    st.session_state.pop(SCREEN_REFUSED_KEY, None)
    slot.empty()
    username = st.session_state.get("username")
    from_cookie = cookie is not None and cookie.username == username
    token = cookie.token if from_cookie else st.session_state.pop(NEW_SESSION_KEY, None)
    if not token:  # signed in by the library without a session of ours: start again from the form
        _forget_session()
        st.rerun()
    st.session_state[SESSION_KEY] = token
    if not from_cookie:
        _set_cookie(authenticator, username, token, now)
    actor = current_actor()
    if actor is not None:
        user = users.user_by_username(engine(), actor.username)
        st.session_state["language"] = user.language
    return actor


def sign_out() -> None:
    """End every session of this user (revoking the cookie everywhere) and forget this one."""
    actor = st.session_state.get(ACTOR_KEY)
    if screen_device():  # the wall's own session ends; its screen token stays in force
        screen_tokens.end_screen_session(engine(), st.session_state[SCREEN_SESSION_KEY])
    elif actor is not None:
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
    """Under the sign-in form: how to get a first account, or the demo accounts in demo mode while
    their passwords are still the demo ones."""
    if not users.has_any_account(engine()):
        st.warning(t("auth.no_account_yet"))
    elif read(demo_passwords_shown):
        with st.expander(t("auth.demo_accounts")):
            st.table({t("auth.username"): [a.username for a in DEMO_ACCOUNTS],
                      t("auth.password"): [a.password for a in DEMO_ACCOUNTS]})
