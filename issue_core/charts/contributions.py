"""Contributions: due vs paid per month, collection rate per month, arrears per partner.
DataFrame in, altair chart out; texts come translated through the Translator passed in."""

from __future__ import annotations

import altair as alt
import pandas as pd

from issue_core.charts import FONT_SIZE, month_label, readable
from issue_core.i18n import Translator

DUE_COLOUR = "#9aa5b1"
PAID_COLOUR = "#2a6f97"
ARREARS_COLOUR = "#b5473a"
MONTH_AXIS = alt.Axis(labelAngle=-45, labelFontSize=FONT_SIZE)
LEGEND = alt.Legend(orient="top", direction="horizontal", title=None)


def due_vs_paid(monthly: pd.DataFrame, t: Translator) -> alt.TopLevelMixin:
    """monthly: contributions_monthly. Two bars per month: due and paid."""
    due, paid = t("contributions.due"), t("contributions.paid")
    long = pd.concat(
        [
            pd.DataFrame({"month": monthly["month"], "kind": label, "amount": monthly[column]})
            for column, label in (("due", due), ("paid", paid))
        ],
        ignore_index=True,
    )
    long["month"] = pd.to_datetime(long["month"])
    long["month_label"] = long["month"].map(month_label)
    long["amount_label"] = t.money_each(long["amount"])
    chart = alt.Chart(long).mark_bar().encode(
        x=alt.X("month_label:O", sort=list(dict.fromkeys(long["month_label"])), title=None, axis=MONTH_AXIS),
        xOffset=alt.XOffset("kind:N", sort=[due, paid]),
        y=alt.Y("amount:Q", title=t("contributions.amount_axis"), axis=alt.Axis(format="d")),
        color=alt.Color("kind:N", scale=alt.Scale(domain=[due, paid], range=[DUE_COLOUR, PAID_COLOUR]), legend=LEGEND),
        tooltip=[
            alt.Tooltip("month_label:N", title=t("contributions.col.month")),
            alt.Tooltip("kind:N", title=t("contributions.col.kind")),
            alt.Tooltip("amount_label:N", title=t("contributions.col.amount")),
        ],
    )
    return readable(chart, height=320)


def collection_rate(monthly: pd.DataFrame, t: Translator) -> alt.TopLevelMixin:
    """monthly: contributions_monthly. The collection rate per month (no point where nothing is due),
    with a line at 100 %."""
    frame = monthly.dropna(subset=["collection_rate"]).copy()
    frame["month"] = pd.to_datetime(frame["month"])
    frame["month_label"] = frame["month"].map(month_label)
    frame["rate_label"] = frame["collection_rate"].map(t.percent)
    line = alt.Chart(frame).mark_line(point=alt.OverlayMarkDef(size=70), color=PAID_COLOUR, strokeWidth=3).encode(
        x=alt.X("month_label:O", sort=frame["month_label"].tolist(), title=None, axis=MONTH_AXIS),
        y=alt.Y("collection_rate:Q", title=t("contributions.rate_axis"), axis=alt.Axis(format=".0%")),
        tooltip=[
            alt.Tooltip("month_label:N", title=t("contributions.col.month")),
            alt.Tooltip("rate_label:N", title=t("contributions.col.rate")),
        ],
    )
    full = alt.Chart(pd.DataFrame({"y": [1.0]})).mark_rule(color="#555", strokeDash=[4, 4]).encode(y="y:Q")
    return readable(alt.layer(line, full), height=240)


def arrears_per_partner(frame: pd.DataFrame, t: Translator) -> alt.TopLevelMixin:
    """frame: arrears_by_partner. One bar per partner (its households' arrears above the threshold),
    with the number of households in arrears written after it."""
    data = frame.copy()
    data["arrears_label"] = t.money_each(data["arrears"])
    data["households_label"] = [t("contributions.households_count", count=n) for n in data["households_in_arrears"]]
    base = alt.Chart(data).encode(
        y=alt.Y("partner:N", sort="-x", title=None, axis=alt.Axis(labelFontSize=FONT_SIZE)),
        x=alt.X("arrears:Q", title=t("contributions.arrears_axis"), axis=alt.Axis(format="d")),
        tooltip=[
            alt.Tooltip("partner:N", title=t("contributions.col.partner")),
            alt.Tooltip("arrears_label:N", title=t("contributions.col.arrears")),
            alt.Tooltip("households_label:N", title=t("contributions.col.households")),
        ],
    )
    bars = base.mark_bar(color=ARREARS_COLOUR, height=24)
    labels = base.mark_text(align="left", dx=6, fontSize=FONT_SIZE, color="#222").encode(text="households_label:N")
    return readable(alt.layer(bars, labels), height=max(len(data), 1) * 40 + 30)
