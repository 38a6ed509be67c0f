"""The alert card of the overview and of "My organisation": what is wrong, the cases, what to do and where."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from issue_core import policy
from issue_core.i18n import Translator
from issue_core.policy import ALERT_MAX_REFERENCES
from issue_core.ui.links import link_to_page
from issue_core.ui.site_links import site_links


def references_line(t: Translator, rows: pd.DataFrame, *, everyone: bool = False) -> list[str]:
    """A line naming the households of `rows` whose reference the read model gave (the viewer's own
    organisation's, "your households"; every household for an admin, `everyone`), the first
    ALERT_MAX_REFERENCES then "and N more" — empty when there are none."""
    shown = [reference for reference in rows["reference"] if pd.notna(reference)]
    if not shown:
        return []
    listed = ", ".join(shown[:ALERT_MAX_REFERENCES])
    if len(shown) > ALERT_MAX_REFERENCES:
        listed = t("alert.and_more", references=listed, count=len(shown) - ALERT_MAX_REFERENCES)
    return [t.md("alert.households" if everyone else "alert.your_households", references=listed)]


def first_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows an alert lists one per line (ALERT_MAX_LINES): only their lines are built, however many
    cases there are (the alert is given their number: alert_card's `cases`)."""
    return rows.head(policy.ALERT_MAX_LINES)  # read at each call, as the pages read it at each run


def alert_card(t: Translator, severity: str, title: str, lines: list[str], action: str, link: tuple[str, str, str],
               sites: pd.Series | None = None, cases: int | None = None) -> None:
    """One alert: its badge ("urgent" or to do), title, the cases (the first ALERT_MAX_LINES, then how many
    more), what to do, the page (path, label, icon) to do it on, and the pages of the `sites` concerned.
    `cases`: how many cases there are when the caller built the lines of the first ones only (first_rows)."""
    with st.container(border=True):
        urgent = severity == "urgent"
        st.badge(t("alert.severity.urgent" if urgent else "alert.severity.to_do"), color="red" if urgent else "orange",
                 icon=":material/priority_high:")
        st.markdown(f"**{title}**")
        shown = lines[:policy.ALERT_MAX_LINES]
        if shown:
            st.markdown("\n".join(f"- {line}" for line in shown))
        more = (len(lines) if cases is None else cases) - len(shown)
        if more > 0:
            st.caption(t("my_organisation.more", count=more))
        st.markdown(t("alert.action", action=action))
        link_to_page(t, *link)
        if sites is not None:
            site_links(t, sites.head(policy.ALERT_MAX_LINES))
