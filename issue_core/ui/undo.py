"""After a change: a success message that offers to undo it for 10 minutes.

Pages call `after_write(t, actor, message)` right after a service accepted a change, and
`offer_undo(t, actor)` near the top of the page. Undo is a compensating write through
issue_core.services.undo (audited, refused if the records changed since)."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from issue_core.auth import Actor
from issue_core.i18n import Translator
from issue_core.security import now_utc
from issue_core.services.undo import UNDO_WINDOW, latest_event_id, undo_event
from issue_core.ui.data import engine
from issue_core.ui.feedback import NOT_DONE, attempt

UNDO_KEY = "issue_undo"


def after_write(t: Translator, actor: Actor, message: str) -> None:
    """Remember the change just made (its audit event) so that it can be undone, then rerun-safe."""
    event_id = latest_event_id(engine(), actor.username)
    st.session_state[UNDO_KEY] = {"event_id": event_id, "message": message, "at": now_utc()}


def offer_undo(t: Translator, actor: Actor) -> None:
    """The last change's message, with an undo button while the 10 minutes last."""
    last = st.session_state.get(UNDO_KEY)
    if not last:
        return
    at: datetime = last["at"]
    if now_utc() - at > UNDO_WINDOW:
        st.session_state.pop(UNDO_KEY, None)
        return
    message_column, button_column = st.columns([5, 1])
    message_column.success(last["message"], icon="✅")
    if button_column.button(t("undo.button"), key=f"undo-{last['event_id']}", icon=":material/undo:"):
        done = attempt(undo_event, engine(), actor, last["event_id"])
        if done is not NOT_DONE:
            st.session_state.pop(UNDO_KEY, None)
            st.session_state["issue_flash"] = t("undo.done")
            st.rerun()
