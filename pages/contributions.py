"""Contributions: due vs paid per month, collection rate, arrears per partner, households in arrears
(references only for the user's own organisation, all for admins, none on the meeting screen)."""

import pandas as pd
import streamlit as st

from issue_core import clock
from issue_core.charts.contributions import arrears_per_partner, collection_rate, due_vs_paid, month_label
from issue_core.models import Role
from issue_core.queries.contributions_views import ARREARS_THRESHOLD, collection, split_households_in_arrears
from issue_core.queries.metrics import arrears, arrears_by_partner, contributions_monthly
from issue_core.ui.components import axis_label, chart_with_numbers, dashboard_filters
from issue_core.ui.data import read
from issue_core.ui.gate import require_role
from issue_core.ui.i18n import translator

actor = require_role(*Role)
t = translator()
today = clock.today()
filters, start, end = dashboard_filters(t)

st.title(t("contributions.title"))
st.caption(t("contributions.caption", start=start, end=end - pd.Timedelta(days=1), today=today))


def percent(rate: float | None) -> str:
    return "—" if rate is None or pd.isna(rate) else f"{rate:.0%}"


monthly = read(contributions_monthly, start, end, filters)
period = read(collection, start, end, filters)
threshold = float(
    st.number_input(
        t("contributions.threshold"), min_value=0.0, value=ARREARS_THRESHOLD, step=10.0, key="contrib_threshold"
    )
)
by_partner = read(arrears_by_partner, today, filters, threshold)

columns = st.columns(4)
columns[0].metric(t("contributions.metric.due"), t.money(period.due))
columns[1].metric(t("contributions.metric.paid"), t.money(period.paid))
columns[2].metric(t("contributions.metric.rate"), percent(period.rate))
columns[3].metric(
    t("contributions.metric.arrears", today=today), t.money(by_partner["arrears"].sum()),
    help=t("contributions.metric.arrears_help", threshold=t.money(threshold)),
)

st.subheader(t("contributions.monthly"))
if monthly.empty:
    st.info(t("contributions.empty"))
else:
    monthly_table = pd.DataFrame(
        {
            t("contributions.col.month"): monthly["month"].map(month_label),
            t("contributions.col.due"): monthly["due"].map(t.money),
            t("contributions.col.paid"): monthly["paid"].map(t.money),
            t("contributions.col.rate"): monthly["collection_rate"].map(percent),
        }
    )
    chart_with_numbers(t, due_vs_paid(monthly, t), monthly_table, "contributions-monthly")
    st.subheader(t("contributions.rate_title"))
    chart_with_numbers(t, collection_rate(monthly, t), monthly_table, "contributions-rate")

st.subheader(t("contributions.by_partner", threshold=t.money(threshold)))
owing_partners = by_partner[by_partner["households_in_arrears"] > 0]
if owing_partners.empty:
    st.success(t("contributions.no_arrears"))
else:
    chart_with_numbers(
        t,
        arrears_per_partner(owing_partners, t),
        pd.DataFrame(
            {
                t("contributions.col.partner"): owing_partners["partner"],
                t("contributions.col.households"): owing_partners["households_in_arrears"],
                t("contributions.col.arrears"): owing_partners["arrears"].map(t.money),
                t("contributions.col.due"): owing_partners["due"].map(t.money),
                t("contributions.col.paid"): owing_partners["paid"].map(t.money),
            }
        ),
        "contributions-partners",
    )

st.subheader(t("contributions.households"))
split = split_households_in_arrears(read(arrears, today, filters), actor, threshold)
if split.visible.empty and split.hidden.empty:
    st.success(t("contributions.no_arrears"))
if not split.visible.empty:
    st.dataframe(
        pd.DataFrame(
            {
                t("contributions.col.reference"): split.visible["reference"],
                t("contributions.col.axis"): split.visible["axis_id"].map(lambda a: axis_label(t, a)),
                t("contributions.col.partner"): split.visible["partner"],
                t("contributions.col.due"): split.visible["due"].map(t.money),
                t("contributions.col.paid"): split.visible["paid"].map(t.money),
                t("contributions.col.arrears"): split.visible["arrears"].map(t.money),
            }
        ),
        hide_index=True,
        width="stretch",
    )
for row in split.hidden.itertuples():
    st.markdown(
        "- "
        + t("contributions.hidden_households", count=row.households, partner=row.partner, amount=t.money(row.arrears))
    )
if not split.hidden.empty:
    st.caption(t("contributions.hidden_note"))
