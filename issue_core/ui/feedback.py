"""Running a service from a page: a refusal is shown in the user's language, never a traceback."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import streamlit as st

from issue_core.errors import DomainError
from issue_core.ui.i18n import translator

NOT_DONE = object()


def attempt(call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a service; on refusal show why (st.error) and return NOT_DONE. Nothing was written then."""
    t = translator()
    try:
        return call(*args, **kwargs)
    except DomainError as refusal:
        st.error(refusal.message(t.language, markdown=True), icon=":material/error:")  # its parameters may hold data
    except Exception:  # noqa: BLE001 (the user gets a plain message; the log keeps the details)
        logging.getLogger("issue").exception("unexpected error in %s", getattr(call, "__name__", call))
        st.error(t("app.error_generic"), icon=":material/error:")
    return NOT_DONE


FLASH_KEY = "issue_flash"


def flash(message: str) -> None:
    """A success message kept for the next run (when the page reruns right after a change)."""
    st.session_state[FLASH_KEY] = message


def show_flash() -> None:
    message = st.session_state.pop(FLASH_KEY, None)
    if message:
        st.success(message, icon=":material/check_circle:")
