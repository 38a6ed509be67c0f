"""After a change: its message, with an Undo button for 10 minutes; below it, the user's other recent
changes (10 minutes), each still undoable one with its own Undo button; and the result of an undo,
shown on the page where it was clicked.

Pages run a change through ui.feedback.submit, which calls `after_write(t, actor, message)` once the
service accepted it, and call `offer_undo(t, actor)` near the top of the page. Undo is a compensating
write through issue_core.services.undo (audited, refused if the records changed since)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from issue_core.auth import Actor
from issue_core.i18n import BRUSSELS, Translator
from issue_core.policy import MAX_RECENT_CHANGES, UNDO_WINDOW
from issue_core.security import now_utc
from issue_core.services.undo import latest_event_id, recent_changes, undo_event
from issue_core.ui.data import engine
from issue_core.ui.feedback import NOT_DONE, attempt

UNDO_KEY = "issue_undo"  # the last change of this session: event_id, message, at
MESSAGES_KEY = "issue_undo_messages"  # event id -> the message its page showed (names a recent change)
RESULT_KEY = "issue_undo_result"  # an undo's result, shown after the rerun by the page it was clicked on


def after_write(t: Translator, actor: Actor, message: str) -> None:
    """Remember the change just made (its audit event) so that it can be undone, then rerun-safe."""
    event_id = latest_event_id(engine(), actor.username)
    st.session_state[UNDO_KEY] = {"event_id": event_id, "message": message, "at": now_utc()}
    messages = st.session_state.setdefault(MESSAGES_KEY, {})
    messages[event_id] = message
    for old in sorted(messages)[:-MAX_RECENT_CHANGES]:  # only the recent ones can be undone
        del messages[old]


def offer_undo(t: Translator, actor: Actor) -> None:
    """The result of an undo clicked on this page; the last change's message, with its Undo button while
    it can be undone; the user's other changes of the last 10 minutes that can still be undone, each
    with its Undo button, in an expander."""
    result = st.session_state.pop(RESULT_KEY, None)
    if result:
        st.success(result, icon=":material/undo:")
    last = st.session_state.get(UNDO_KEY)
    if last and now_utc() - last["at"] > UNDO_WINDOW:
        st.session_state.pop(UNDO_KEY, None)
        last = None
    recent = recent_changes(engine(), actor.username)
    undoable = {change["event_id"] for change in recent}
    if last:
        message_column, button_column = st.columns([5, 1])
        message_column.success(last["message"], icon=":material/check_circle:")
        if last["event_id"] in undoable:
            _undo_button(t, actor, last["event_id"], button_column)
    others = [change for change in recent if not last or change["event_id"] != last["event_id"]]
    if others:
        with st.expander(t("undo.recent.title", count=len(others)), icon=":material/history:"):
            for change in others:
                label_column, button_column = st.columns([5, 1], vertical_alignment="center")
                label_column.markdown(_describe(t, change))
                _undo_button(t, actor, change["event_id"], button_column)


def _describe(t: Translator, change: dict[str, Any]) -> str:
    """"14:05 · the message its page showed" (or the kind of change, when made elsewhere)."""
    what = st.session_state.get(MESSAGES_KEY, {}).get(change["event_id"]) or t(f"audit.action.{change['action']}")
    return t("undo.recent.item", time=change["at"].astimezone(BRUSSELS).strftime("%H:%M"), change=what)


def _undo_button(t: Translator, actor: Actor, event_id: int, column: Any) -> None:
    if column.button(t("undo.button"), key=f"undo-{event_id}", icon=":material/undo:"):
        done = attempt(undo_event, engine(), actor, event_id)  # a refusal shows where the button is
        if done is not NOT_DONE:
            if (st.session_state.get(UNDO_KEY) or {}).get("event_id") == event_id:
                st.session_state.pop(UNDO_KEY, None)
            st.session_state[RESULT_KEY] = t("undo.done")
            st.rerun()
