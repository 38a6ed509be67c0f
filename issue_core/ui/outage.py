"""The database out of reach: every page says so in the user's language (never a traceback), keeps
what was typed, and comes back by itself once the database answers again.

`whole_run()` wraps app.py's run: a database error anywhere in it (the sign-in, the navigation, the
page) ends the run with the message and a small fragment that looks for the database every
RETRY_SECONDS and reruns the app when it answers. A run that ends early leaves the form fields its
page did not draw out of Streamlit's widget state, so the values of the keyed input fields are kept
aside when the run fails and given back, through st.session_state, when the page draws them again.
`in_fragment` and `in_callback` guard what runs outside app.py's run: a fragment's reruns, a callback."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import psycopg
import streamlit as st
from sqlalchemy import exc as sqlalchemy_errors
from streamlit.runtime.state import get_session_state

from issue_core.db import get_engine
from issue_core.errors import DomainError
from issue_core.health import database_answers
from issue_core.ui.i18n import translator

DATABASE_DOWN = (
    sqlalchemy_errors.OperationalError,  # refused, closed, terminated, timed out, unable to open the file
    sqlalchemy_errors.InterfaceError,
    sqlalchemy_errors.DisconnectionError,
    sqlalchemy_errors.TimeoutError,  # no connection of the pool came free
    psycopg.OperationalError,
    psycopg.InterfaceError,
)
UNAVAILABLE = "error.database_unavailable"  # the DomainError a write service raises for the same cause
RETRY_SECONDS = 5
KEPT_INPUTS_KEY = "issue_kept_inputs"
NOTICED_KEY = "issue_database_down"  # set by a callback that met the outage, for the run that follows
# The widget values st.session_state may give back (buttons, uploads, tables and charts refuse it).
SETTABLE_VALUES = {"string_value", "int_value", "double_value", "bool_value", "string_array_value",
                   "double_array_value", "int_array_value"}


def is_outage(error: BaseException) -> bool:
    """Whether the error says the database is out of reach (logged if so: the details stay in the log)."""
    if isinstance(error, DATABASE_DOWN) or (isinstance(error, DomainError) and error.key == UNAVAILABLE):
        logging.getLogger("issue").warning("database unavailable: %s", error)
        return True
    return False


@contextmanager
def whole_run() -> Iterator[None]:
    """Around app.py's run (see the module's docstring)."""
    _give_back_inputs()
    if st.session_state.pop(NOTICED_KEY, False):
        _stop_until_back()
    try:
        yield
    except (*DATABASE_DOWN, DomainError) as error:
        if not is_outage(error):
            raise
        _stop_until_back()
    except BaseException:  # st.stop, st.rerun: the page had its chance to draw its fields again
        st.session_state.pop(KEPT_INPUTS_KEY, None)
        raise
    st.session_state.pop(KEPT_INPUTS_KEY, None)


def in_fragment(function: Callable[..., Any]) -> Callable[..., Any]:
    """A fragment's reruns run outside app.py's: the message in its place; its own run_every tries again."""
    return _guarded(function, lambda: st.error(translator()("app.database_down"), icon=":material/cloud_off:"))


def in_callback(function: Callable[..., Any]) -> Callable[..., Any]:
    """A widget's callback runs before app.py: the run that follows says it (and waits for the database)."""
    return _guarded(function, lambda: st.session_state.update({NOTICED_KEY: True}))


def _guarded(function: Callable[..., Any], on_outage: Callable[[], Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except (*DATABASE_DOWN, DomainError) as error:
            if not is_outage(error):
                raise
            on_outage()
            return None

    return guarded


def _stop_until_back() -> None:
    _keep_inputs()
    _until_back()
    st.stop()


@st.fragment(run_every=RETRY_SECONDS)
def _until_back() -> None:
    st.error(translator()("app.database_down"), icon=":material/cloud_off:")
    if database_answers(get_engine()):
        st.rerun(scope="app")


def _keep_inputs() -> None:
    kept = st.session_state.get(KEPT_INPUTS_KEY, {})
    st.session_state[KEPT_INPUTS_KEY] = {**kept, **_typed_inputs()}


def _give_back_inputs() -> None:
    for key, value in st.session_state.get(KEPT_INPUTS_KEY, {}).items():
        st.session_state[key] = value  # before the page draws the field: its value, shown in the browser too


def _typed_inputs() -> dict[str, Any]:
    """The values of the keyed input fields of the last run. What kind of widget a key belongs to is
    known only to Streamlit's session state: without it (another Streamlit), nothing is kept."""
    try:
        state = get_session_state()._state
        widgets = state._key_id_mapper.id_key_mapping.items()
        metadata = state._new_widget_state.widget_metadata
    except AttributeError:
        return {}
    kept = {}
    for widget_id, key in widgets:
        kind = metadata.get(widget_id)
        if kind is None or kind.value_type not in SETTABLE_VALUES or key not in st.session_state:
            continue
        value = st.session_state[key]
        if not isinstance(value, Mapping):  # a table's edits or a chart's selection: not settable
            kept[key] = value
    return kept
