"""Audit (admin): every write and sign-in, filterable, with before and after side by side."""

from datetime import timedelta

import pandas as pd
import streamlit as st

from issue_core import clock
from issue_core.models import Role
from issue_core.policy import AUDIT_DEFAULT_DAYS, AUDIT_PAGE_SIZE
from issue_core.queries.screens.accounts_audit import audit_choices, audit_events
from issue_core.ui.data import read
from issue_core.ui.gate import require_role
from issue_core.ui.i18n import translator

require_role(Role.ADMIN)
t = translator()
st.title(t("nav.audit"))
st.caption(t("audit.caption", limit=AUDIT_PAGE_SIZE))


def named(kind: str, value: str) -> str:
    """An action or an entity in the user's language (one written by an older version: as it is stored)."""
    key = f"audit.{kind}.{value}"
    text = t(key)
    return value if text == key else text


choices = read(audit_choices)
columns = st.columns(4)
usernames = columns[0].multiselect(t("audit.user"), choices["username"], placeholder=t("common.all"))
entities = columns[1].multiselect(t("audit.entity"), choices["entity"], placeholder=t("common.all"),
                                  format_func=lambda entity: named("entity", entity))
actions = columns[2].multiselect(t("audit.action"), choices["action"], placeholder=t("common.all"),
                                 format_func=lambda action: named("action", action))
today = clock.today()
period = columns[3].date_input(t("audit.period"), (today - timedelta(days=AUDIT_DEFAULT_DAYS), today),
                               format="DD/MM/YYYY")
start, end = (period[0], period[-1]) if isinstance(period, tuple) and period else (None, None)

events = read(audit_events, usernames=tuple(usernames), entities=tuple(entities), actions=tuple(actions),
              start=start, end=end)
if events.empty:
    st.info(t("audit.none"))
    st.stop()

shown = pd.DataFrame({
    t("audit.col.id"): events["id"],
    t("audit.col.at"): events["at"].map(t.datetime),
    t("audit.user"): events["username"],
    t("audit.action"): events["action"].map(lambda action: named("action", action)),
    t("audit.entity"): events["entity"].map(lambda entity: named("entity", entity)),
    t("audit.col.entity_id"): events["entity_id"].map(lambda v: "" if pd.isna(v) else str(int(v))),
})
selection = st.dataframe(shown, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row")
rows = selection.selection.rows if selection else []
event = events.iloc[rows[0]] if rows else events.iloc[0]
st.subheader(t.md("audit.detail", id=int(event["id"]), action=named("action", event["action"])))
before, after = st.columns(2)
with before:
    st.markdown(f"**{t('audit.before')}**")
    st.json(event["before"] if event["before"] is not None else {}, expanded=True)
with after:
    st.markdown(f"**{t('audit.after')}**")
    st.json(event["after"] if event["after"] is not None else {}, expanded=True)
