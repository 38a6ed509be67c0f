"""Running a service from a page: a refusal is shown in the user's language, never a traceback.
Pages run a form's click through `submit` (the service, then its refusal or its message with the
undo offer, and the form drawn afresh); `attempt` alone where nothing is announced (a dry run)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Literal

import streamlit as st

from issue_core.errors import DomainError
from issue_core.ui.gate import ACTOR_KEY
from issue_core.ui.i18n import translator
from issue_core.ui.versions import refresh_form

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


Announce = Literal["with_undo", "after_rerun", "here"]


def submit(
    call: Callable[..., Any], *args: Any,
    done: str | Callable[[Any], str | None],
    announce: Announce = "with_undo",
    form: str | None = None,
    changed_meanwhile: bool = False,
    then: Callable[[], None] | None = None,
    **kwargs: Any,
) -> Any:
    """A form's click: run the service (`call(*args, **kwargs)`) and show what came of it.

    Refused: why, next to the form (attempt), nothing written; the form `form` is drawn afresh on the
    next run only if its record `changed_meanwhile` (what the user typed is kept otherwise). Accepted:
    the form `form` is drawn afresh, `then()` runs, and the message `done` (or `done(result)`; None:
    the service changed nothing, so nothing is announced and the page goes on) is announced
    `with_undo` (the page reruns and offers to undo the change: ui.undo.after_write), `after_rerun`
    (the page reruns and shows it: flash) or `here` (this run, where the form is, no rerun).
    Returns (unless the page reruns) the service's result, or NOT_DONE after a refusal."""
    result = attempt(call, *args, **kwargs)
    if result is NOT_DONE:
        if form is not None and changed_meanwhile:
            refresh_form(form)
        return result
    message = done(result) if callable(done) else done
    if message is None:
        return result
    if form is not None:
        refresh_form(form)
    if then is not None:
        then()
    if announce == "here":
        st.success(message)
        return result
    if announce == "with_undo":
        from issue_core.ui.undo import after_write  # undo's Undo button runs through attempt (above)

        after_write(translator(), st.session_state[ACTOR_KEY], message)
    else:
        flash(message)
    st.rerun()
