"""The translator of the current session: the user's language once signed in, French by default."""

from __future__ import annotations

import streamlit as st

from issue_core.i18n import LANGUAGES, Translator, normalise_language

LANGUAGE_NAMES = {"fr": "Français", "nl": "Nederlands", "en": "English"}
SWITCH_LABEL = "Langue · Taal · Language"  # the same in every language, so anyone can find it


def current_language() -> str:
    return normalise_language(st.session_state.get("language"))


def translator() -> Translator:
    return Translator(current_language())


def language_switch() -> None:
    """A language choice in the sidebar, kept in the user's account once signed in."""
    from issue_core.ui.outage import in_callback  # which needs this module's translator

    st.session_state["language_choice"] = current_language()  # before the widget exists: allowed
    st.sidebar.selectbox(
        SWITCH_LABEL, LANGUAGES, key="language_choice", format_func=LANGUAGE_NAMES.__getitem__,
        on_change=in_callback(_language_chosen),
    )


def _language_chosen() -> None:
    chosen = normalise_language(st.session_state.get("language_choice"))
    st.session_state["language"] = chosen
    actor = st.session_state.get("issue_actor")
    if actor is not None:
        from issue_core.services.users import set_own_language
        from issue_core.ui.data import engine

        set_own_language(engine(), actor, chosen)
