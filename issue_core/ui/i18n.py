"""The translator of the current session (the language chosen in the sidebar, French by default)."""

from __future__ import annotations

import streamlit as st

from issue_core.i18n import LANGUAGES, Translator, normalise_language

LANGUAGE_NAMES = {"fr": "Français", "nl": "Nederlands", "en": "English"}


def current_language() -> str:
    return normalise_language(st.session_state.get("language"))


def translator() -> Translator:
    return Translator(current_language())


def language_switch() -> None:
    st.session_state.setdefault("language", "fr")
    t = translator()
    st.sidebar.selectbox(
        t("app.language"), LANGUAGES, key="language", format_func=LANGUAGE_NAMES.__getitem__
    )
