"""Sites and their conventions: operator, units, period, duration in months, derived status."""

import pandas as pd
import streamlit as st

from issue_core import clock
from issue_core.models import Role
from issue_core.palette import STATUS_COLOURS
from issue_core.policy import DEFAULT_WARNING_DAYS
from issue_core.queries.metrics.conventions import sites_overview
from issue_core.rules import ConventionStatus
from issue_core.ui.data import read
from issue_core.ui.figures import number
from issue_core.ui.gate import require_role
from issue_core.ui.i18n import translator
from issue_core.ui.site_links import site_address

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


def period(row: pd.Series) -> str:
    if pd.isna(row["start_date"]):
        return ""
    end = row["actual_end_date"] if pd.notna(row["actual_end_date"]) else row["planned_end_date"]
    if pd.notna(row["actual_end_date"]) and row["actual_end_date"] != row["planned_end_date"]:
        return t("sites.period_closed_early", start=row["start_date"], end=end, planned=row["planned_end_date"])
    return t("sites.period", start=row["start_date"], end=end)


statuses = sites["status"].fillna("none")
table = pd.DataFrame(
    {
        t("sites.col.site"): sites["site"],
        t("sites.col.status"): statuses.map(lambda s: [t(f"status.{s}")]),  # a coloured tag (column_config)
        t("sites.col.period"): sites.apply(period, axis=1),
        t("sites.col.duration"): sites["duration_months"].map(lambda m: "" if pd.isna(m) else number(t, m)),  # 28,5
        t("sites.col.units"): sites["units"],
        t("sites.col.housing_operator"): sites["housing_operator"],
        t("sites.col.commune"): sites["commune"],
        t("sites.col.manager"): sites["manager"].fillna("—"),  # seldom set: after the important columns
        t("sites.col.approximate"): sites["location_approximate"].map(
            lambda approx: t("sites.approximate") if approx else t("sites.exact")
        ),
        t("sites.col.page"): sites["site"].map(site_address),  # last: the columns above must fit 1440 px
    }
)
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
