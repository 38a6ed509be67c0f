"""Sites and their conventions: operator, units, period, duration in months, derived status."""

import streamlit as st

from issue_core import clock
from issue_core.models import Role
from issue_core.palette import STATUS_COLOURS
from issue_core.policy import DEFAULT_WARNING_DAYS
from issue_core.queries.metrics.conventions import sites_overview
from issue_core.rules import ConventionStatus
from issue_core.ui.data import read, read_from
from issue_core.ui.gate import require_role
from issue_core.ui.i18n import translator
from issue_core.ui.site_tables import sites_table

require_role(Role.ADMIN, Role.COORDINATOR, Role.DIRECTOR)
t = translator()
today = clock.today()

st.title(t("nav.sites"))
st.caption(t("sites.caption", today=today, days=DEFAULT_WARNING_DAYS))

sites = read(sites_overview, today, DEFAULT_WARNING_DAYS)
if sites.empty:
    st.info(t("sites.empty"))
    st.stop()

overdue = int((sites["status"] == ConventionStatus.OVERDUE).sum())
columns = st.columns(3)
columns[0].metric(t("sites.metric.sites"), len(sites))
columns[1].metric(t("sites.metric.units"), int(sites["units"].sum()))
columns[2].metric(t("sites.metric.overdue"), overdue)
if overdue:
    st.warning(t("sites.overdue_warning", count=overdue), icon=":material/warning:")


table = read_from(sites_table, sites_overview, (today, DEFAULT_WARNING_DAYS), t)
# The status as a tag of its colour: a Styler painting the cells took a fifth of a busy server's time.
st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    column_config={t("sites.col.site"): st.column_config.TextColumn(pinned=True),
                   t("sites.col.status"): st.column_config.MultiselectColumn(
                       options=[t(f"status.{s}") for s in STATUS_COLOURS], color=list(STATUS_COLOURS.values())),
                   t("sites.col.page"): st.column_config.LinkColumn(display_text=t("sites.open_page")),
                   t("sites.col.duration"): st.column_config.TextColumn(alignment="right")},
)
st.caption(t("common.wide_table"))
