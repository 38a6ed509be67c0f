"""Links between pages that never break a page: a page outside the user's navigation is named,
not linked (st.page_link raises for a page that is not registered)."""

from __future__ import annotations

import re

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from issue_core.db import PROJECT_ROOT
from issue_core.i18n import Translator
from issue_core.services.common import MAX_ID

# app.py puts there the paths ("pages/sites.py", …) of the pages in the user's navigation.
AVAILABLE_PAGES_KEY = "issue_pages"
# … and there, each run, the st.Page it registered for each path: a link to the page object needs no lookup of
# its file (a path is resolved on disk at every st.page_link: several ms per page with 40 site links).
REGISTERED_PAGES_KEY = "issue_page_objects"


def query_id(name: str) -> int | None:
    """The id in the address's ?name=…: a whole number from 1 to MAX_ID written in ASCII digits, else
    None. Every page reads ids from its address through this (an address is typed by anyone)."""
    raw = st.query_params.get(name, "")
    text = raw.strip() if isinstance(raw, str) else ""
    if re.fullmatch(r"[0-9]{1,10}", text) is None or not 1 <= int(text) <= MAX_ID:
        return None
    return int(text)


def available_pages() -> set[str]:
    return set(st.session_state.get(AVAILABLE_PAGES_KEY, set()))


def link_to_page(
    t: Translator, path: str, label: str, icon: str | None = None, query_params: dict | None = None
) -> None:
    """A link to `path` (relative to the project, e.g. "pages/sites.py") when the user's navigation
    holds it; otherwise the same words as plain text, so the user still knows where to go."""
    if path in available_pages():
        # An absolute path (a page run alone, without app.py's navigation): resolved the same whatever the
        # entry script's folder.
        page = st.session_state.get(REGISTERED_PAGES_KEY, {}).get(path) or str(PROJECT_ROOT / path)
        try:
            st.page_link(page, label=label, icon=icon, query_params=query_params)
            return
        except StreamlitPageNotFoundError:  # registered under another path: fall back to the text
            pass
    st.caption(t("alert.go_to", page=label))


def placement_form_link(t: Translator, unit_id: int) -> None:
    """A vacant unit's tile links to the placement form with the unit chosen (?unit=<id>). Nothing for
    a user without the placement page (director, meeting screen): they cannot place anyone."""
    if "pages/placements.py" in available_pages():
        link_to_page(t, "pages/placements.py", t("placements.link"), ":material/person_add:",
                     query_params={"unit": int(unit_id)})


def waiting_list_link(t: Translator, unit_id: int) -> None:
    """A vacant unit's tile links to the waiting list, opened on that unit's best candidates (?unit=<id>)."""
    link_to_page(t, "pages/waiting_list.py", t("waiting.candidates_link"), ":material/hourglass_top:",
                 query_params={"unit": int(unit_id)})
