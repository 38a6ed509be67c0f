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
    """A language choice in the sidebar, kept in the user's account once signed in: a button per language.

    Buttons, not a selectbox: a click is sent once, while a widget's value can come back from a browser
    still showing the old language (a rerun asked for while the sign-in switched to the account's
    language) and switch the user back — it did, on slow servers, and saved French into their account."""
    from issue_core.ui.outage import in_callback  # which needs this module's translator

    language = current_language()
    st.sidebar.caption(SWITCH_LABEL)
    for column, code in zip(st.sidebar.columns(len(LANGUAGES)), LANGUAGES, strict=True):
        column.button(code.upper(), key=f"language_{code}", help=LANGUAGE_NAMES[code], width="stretch",
                      type="primary" if code == language else "secondary",
                      on_click=in_callback(_language_chosen), args=(code,))


def _language_chosen(code: str) -> None:
    chosen = normalise_language(code)
    st.session_state["language"] = chosen
    actor = st.session_state.get("issue_actor")
    if actor is not None:
        from issue_core.services.users import set_own_language
        from issue_core.ui.data import engine

        set_own_language(engine(), actor, chosen)
