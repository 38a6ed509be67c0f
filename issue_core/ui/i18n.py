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
    """A language choice in the sidebar, kept in the user's account once signed in.

    The widget's key names the language in force: once the language changes (a choice, or the sign-in
    taking the account's language), the widget is a new one, so a rerun the browser asked for while it
    still showed the old language cannot report the old value as a new choice and switch back."""
    from issue_core.ui.outage import in_callback  # which needs this module's translator

    language = current_language()
    key = f"language_choice_{language}"
    st.sidebar.selectbox(
        SWITCH_LABEL, LANGUAGES, index=LANGUAGES.index(language), key=key,
        format_func=LANGUAGE_NAMES.__getitem__, on_change=in_callback(_language_chosen), args=(key,),
    )


def _language_chosen(key: str) -> None:
    chosen = normalise_language(st.session_state.get(key))
    st.session_state["language"] = chosen
    actor = st.session_state.get("issue_actor")
    if actor is not None:
        from issue_core.services.users import set_own_language
        from issue_core.ui.data import engine

        set_own_language(engine(), actor, chosen)
