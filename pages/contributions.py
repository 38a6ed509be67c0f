"""Contributions: due vs paid per month, collection rate, arrears per partner, households in arrears
(references only for the user's own organisation, all for admins, none on the meeting screen)."""

from decimal import Decimal

import pandas as pd
import streamlit as st

from issue_core import clock
from issue_core.charts import month_label
from issue_core.charts.contributions import arrears_per_partner, collection_rate, due_vs_paid
from issue_core.models import Role
from issue_core.policy import ARREARS_THRESHOLD, HOUSEHOLD_PAGE_SIZE
from issue_core.queries.metrics import contributions_monthly
from issue_core.queries.metrics.kpis import balances_compared
from issue_core.queries.screens.contributions import collection_of, households_owing, partners_in_arrears
from issue_core.queries.sql.frames import money_sum
from issue_core.ui.components import axis_label, cached_chart, chart_with_numbers, dashboard_filters
from issue_core.ui.data import prefetch, read, read_from
from issue_core.ui.figures import money_column
from issue_core.ui.gate import require_role
from issue_core.ui.i18n import translator
from issue_core.ui.inputs import decimal_input, example_number
from issue_core.ui.pickers import page_offset
from issue_core.visibility import scope_of

actor = require_role(*Role)
t = translator()
today = clock.today()
filters, start, end = dashboard_filters(t)

st.title(t("nav.contributions"))
st.caption(t("contributions.caption", start=start, end=end - pd.Timedelta(days=1), today=today))


prefetch((contributions_monthly, (start, end, filters)), (balances_compared, (today, filters)))
monthly = read(contributions_monthly, start, end, filters)
period = collection_of(monthly)
# the balances are the overview's read (warm): the figures below are derived from them once per threshold
balances = (balances_compared, (today, filters))
typed = decimal_input(t, t("contributions.threshold"), key="contrib_threshold", value=ARREARS_THRESHOLD)
if isinstance(typed, str):  # not a number (the browser says so first): the default threshold
    st.error(t("common.number_expected", example=example_number(t)), icon=":material/error:")
elif typed is not None and typed < 0:
    st.error(t("error.amount_negative", field=t("contributions.threshold")), icon=":material/error:")
threshold = float(typed) if isinstance(typed, Decimal) and typed >= 0 else float(ARREARS_THRESHOLD)
by_partner = read_from(partners_in_arrears, *balances, threshold)

columns = st.columns(4)
columns[0].metric(t("contributions.metric.due"), t.money(period.due))
columns[1].metric(t("contributions.metric.paid"), t.money(period.paid))
columns[2].metric(t("contributions.metric.rate"), t.percent(period.rate))
columns[3].metric(
    t("contributions.metric.arrears_above", threshold=t.money(threshold), today=today),
    t.money(money_sum(by_partner["arrears"])),
    help=t("contributions.metric.arrears_help", threshold=t.money(threshold)),
)

st.subheader(t("contributions.monthly"))
if monthly.empty:
    st.info(t("contributions.empty"))
else:
    monthly_table = pd.DataFrame(
        {
            t("contributions.col.month"): monthly["month"].map(month_label),
            t("contributions.col.due"): money_column(t, monthly["due"]),
            t("contributions.col.paid"): money_column(t, monthly["paid"]),
            t("contributions.col.rate"): monthly["collection_rate"].map(t.percent),
        }
    )
    monthly_numbers = pd.DataFrame(  # the CSV: numbers, not the formatted text of the table
        {
            t("contributions.col.month"): monthly["month"],
            t("contributions.col.due"): monthly["due"],
            t("contributions.col.paid"): monthly["paid"],
            t("contributions.col.rate_percent"): [
                None if pd.isna(rate) else round(100 * rate, 1) for rate in monthly["collection_rate"]],
        }
    )
    chart_with_numbers(t, cached_chart(due_vs_paid, monthly, t), monthly_table, "contributions-monthly",
                       monthly_numbers)
    st.subheader(t("contributions.rate_title"))
    chart_with_numbers(t, cached_chart(collection_rate, monthly, t), monthly_table, "contributions-rate",
                       monthly_numbers)

st.subheader(t("contributions.by_partner", threshold=t.money(threshold)))
owing_partners = by_partner[by_partner["households_in_arrears"] > 0]
if owing_partners.empty:
    st.success(t("contributions.no_arrears"))
else:
    amounts = [t("contributions.col.arrears"), t("contributions.col.due"), t("contributions.col.paid")]
    partner_numbers = pd.DataFrame(
        {
            t("contributions.col.partner"): owing_partners["partner"],
            t("contributions.col.households"): owing_partners["households_in_arrears"],
            **dict(zip(amounts, (owing_partners[c] for c in ("arrears", "due", "paid")), strict=True)),
        }
    )
    partner_table = partner_numbers.assign(**{name: money_column(t, partner_numbers[name]) for name in amounts})
    chart_with_numbers(
        t, cached_chart(arrears_per_partner, owing_partners, t), partner_table, "contributions-partners",
        partner_numbers,
    )

st.subheader(t("contributions.households"))
split = read_from(households_owing, *balances, scope_of(actor), threshold)
if split.visible.empty and split.hidden.empty:
    st.success(t("contributions.no_arrears"))
if not split.visible.empty:
    # a page at a time, largest arrears first: the sector has thousands of households in arrears
    first = page_offset(t, f"contrib_households_page_{threshold}", len(split.visible), HOUSEHOLD_PAGE_SIZE)
    shown = split.visible.iloc[first:first + HOUSEHOLD_PAGE_SIZE]
    st.dataframe(
        pd.DataFrame(
            {
                t("contributions.col.reference"): shown["reference"],
                t("contributions.col.axis"): shown["axis_id"].map(
                    {axis: axis_label(t, axis) for axis in shown["axis_id"].unique()}),
                t("contributions.col.partner"): shown["partner"],
                t("contributions.col.due"): money_column(t, shown["due"]),
                t("contributions.col.paid"): money_column(t, shown["paid"]),
                t("contributions.col.arrears"): money_column(t, shown["arrears"]),
            }
        ),
        hide_index=True,
        width="stretch",
    )
for row in split.hidden.itertuples():
    st.markdown(
        "- "
        + t.md("contributions.hidden_households", count=row.households, partner=row.partner,
               amount=t.money(row.arrears))
    )
if not split.hidden.empty:
    st.caption(t("contributions.hidden_note"))
