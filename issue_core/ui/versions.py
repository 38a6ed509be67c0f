"""Forms that change a record: the version the user saw, and fresh widgets after a change.

A service refuses a change made from a stale screen when given the version read when the form was
drawn. The page re-reads the record on every run, including the run that handles the submit, so
the version must come from the previous run: `as_drawn` remembers it (or any value, such as the id
of the record the form was drawn for) per name.

Widget keys carry a generation (`form_key`): after a change, or a refusal because the record
changed meanwhile, `refresh_form` moves to the next generation and the form is drawn again from
the record as it now is, instead of keeping what the user typed over an older version.

A choice (a unit, a stay) that has gone since the screen was drawn stays offered for the click
that follows (`keep_chosen`), so that the service explains the refusal."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

SEEN_KEY = "issue_seen_versions"
GENERATION_KEY = "issue_form_generations"


def as_drawn(name: str, current: Any) -> Any:
    """The value `name` ("household-12-version") had on the previous run (the screen the user acts
    on), or `current` the first time; remembers `current` for the next run."""
    seen: dict[str, Any] = st.session_state.setdefault(SEEN_KEY, {})
    previous = seen.get(name, current)
    seen[name] = current
    return previous


def form_key(name: str) -> str:
    """The key prefix of a form's widgets, for its current generation."""
    return f"{name}-g{st.session_state.setdefault(GENERATION_KEY, {}).get(name, 0)}"


def refresh_form(name: str) -> None:
    """Next run, the form `name` is drawn afresh (its widgets lose what was typed)."""
    generations: dict[str, int] = st.session_state.setdefault(GENERATION_KEY, {})
    generations[name] = generations.get(name, 0) + 1


DRAWN_ROWS_KEY = "issue_drawn_rows"


def keep_chosen(name: str, offered: pd.DataFrame, column: str, chosen: object) -> pd.DataFrame:
    """The rows a choice offers now, plus the row the user chose on the previous screen if it has
    gone meanwhile (another user took the unit, ended the stay…): the click then reaches the service,
    which says what changed, instead of the choice vanishing without a word. Only for one run: the
    next one offers what is valid now."""
    drawn: dict[str, pd.DataFrame] = st.session_state.setdefault(DRAWN_ROWS_KEY, {})
    previous = drawn.get(name)
    drawn[name] = offered
    if chosen is None or previous is None or chosen in set(offered[column]) or chosen not in set(previous[column]):
        return offered
    return pd.concat([offered, previous[previous[column] == chosen]], ignore_index=True)
