"""Caseloads per axis: households followed today (placed or waiting) per partner, the monthly trend,
entries and exits, length of stay, exit destinations and exits to durable housing."""

from datetime import timedelta

import pandas as pd
import streamlit as st

from issue_core import clock
from issue_core.charts import BOX_FIGURES, month_label
from issue_core.charts import caseloads as charts
from issue_core.models import Role
from issue_core.queries.metrics import (
    caseload_monthly,
    caseload_on,
    entries_exits,
    exit_destinations,
    length_of_stay_by_axis,
)
from issue_core.queries.metrics.flows import durable_exit_summary
from issue_core.queries.sql.functions import DAYS_PER_MONTH
from issue_core.ui.components import axis_label, cached_chart, chart_with_numbers, dashboard_filters
from issue_core.ui.data import prefetch, read
from issue_core.ui.figures import number
from issue_core.ui.gate import require_role
from issue_core.ui.i18n import translator

actor = require_role(*Role)
t = translator()
today = clock.today()
filters, start, end = dashboard_filters(t)
axis_labels = {axis: axis_label(t, axis) for axis in filters.axes}

st.title(t("nav.caseloads"))
st.caption(t("caseloads.caption", today=today, start=start, end=end - timedelta(days=1)))

# --- today: households per axis × partner, placed or waiting -----------------------------------------

# the longest first (the stays chained across transfers, then the months' caseloads): the others fit beside them
prefetch((length_of_stay_by_axis, (start, end, filters, today)), (caseload_monthly, (start, end, filters)),
         (caseload_on, (today, filters)), (entries_exits, (start, end, filters)),
         (exit_destinations, (start, end, filters)))
st.header(t("caseloads.today.title", today=today))
today_frame = read(caseload_on, today, filters)
columns = st.columns(3)
columns[0].metric(t("caseloads.followed"), int(today_frame["followed"].sum()), border=True)
columns[1].metric(t("caseloads.placed"), int(today_frame["placed"].sum()), border=True)
columns[2].metric(t("caseloads.waiting"), int(today_frame["waiting"].sum()), border=True)
if today_frame.empty:
    st.info(t("caseloads.no_data"))
else:
    status_labels = [t("caseloads.placed"), t("caseloads.waiting")]
    groups = [f"{axis_labels.get(axis, axis_label(t, axis))} · {partner}"
              for axis, partner in zip(today_frame["axis_id"], today_frame["partner"], strict=True)]
    long = pd.DataFrame({
        "group": groups * 2,
        "axis": today_frame["axis_id"].map(lambda axis: axis_label(t, axis)).tolist() * 2,
        "status": [status_labels[0]] * len(groups) + [status_labels[1]] * len(groups),
        "status_order": [0] * len(groups) + [1] * len(groups),
        "households": today_frame["placed"].tolist() + today_frame["waiting"].tolist(),
    })
    titles = {"group": t("caseloads.col.axis_partner"), "households": t("caseloads.col.households"),
              "axis": t("caseloads.col.axis"), "status": t("caseloads.col.status")}
    table = pd.DataFrame({
        t("caseloads.col.axis"): today_frame["axis_id"].map(lambda axis: axis_label(t, axis)),
        t("caseloads.col.partner"): today_frame["partner"],
        t("caseloads.placed"): today_frame["placed"],
        t("caseloads.waiting"): today_frame["waiting"],
        t("caseloads.followed"): today_frame["followed"],
    })
    chart_with_numbers(t, cached_chart(charts.caseload_today, long, axis_labels, status_labels, titles), table,
                       "caseload-today")

# --- monthly trend per axis ---------------------------------------------------------------------------

st.header(t("caseloads.trend.title"))
st.caption(t("caseloads.trend.caption"))
monthly = read(caseload_monthly, start, end, filters)
if monthly.empty:
    st.info(t("caseloads.no_data"))
else:
    shown = pd.DataFrame({
        "month": [month_label(month) for month in monthly["month"]],
        "axis": monthly["axis_id"].map(axis_labels),
        "followed": monthly["followed"].round(1),
        "placed": monthly["placed"].round(1),
        "waiting": monthly["waiting"].round(1),
    })
    titles = {"month": t("caseloads.col.month"), "followed": t("caseloads.followed"), "axis": t("caseloads.col.axis"),
              "placed": t("caseloads.placed"), "waiting": t("caseloads.waiting")}
    table = shown.rename(columns=titles)
    chart_with_numbers(t, cached_chart(charts.caseload_trend, shown, axis_labels, titles), table, "caseload-monthly")

# --- entries and exits per month ----------------------------------------------------------------------

st.header(t("caseloads.flows.title"))
st.caption(t("caseloads.flows.caption"))
flows = read(entries_exits, start, end, filters)
if flows.empty:
    st.info(t("caseloads.no_data"))
else:
    series = {key: t(f"caseloads.flows.{key}") for key in charts.FLOW_COLOURS}
    months = [month_label(month) for month in flows["month"]]
    long = pd.DataFrame({
        "month": months * len(series),
        "series": [label for label in series.values() for _ in months],
        "count": [int(count) for key in series for count in flows[key]],
    })
    titles = {"month": t("caseloads.col.month"), "count": t("caseloads.col.placements"),
              "series": t("caseloads.col.movement")}
    table = pd.DataFrame({titles["month"]: months, **{series[key]: flows[key] for key in series}})
    chart_with_numbers(t, cached_chart(charts.flows, long, series, titles), table, "entries-exits")

# --- length of stay per axis --------------------------------------------------------------------------

st.header(t("caseloads.stay.title"))
st.caption(t("caseloads.stay.caption"))
by_axis = read(length_of_stay_by_axis, start, end, filters, today)  # the figures only: never every stay


def months(days: float) -> str:
    return "—" if pd.isna(days) else t("caseloads.months", months=number(t, days / DAYS_PER_MONTH, 1))


columns = st.columns(len(by_axis)) if len(by_axis) else []
for column, row in zip(columns, by_axis.itertuples(), strict=True):
    column.metric(
        t("caseloads.stay.median_of", axis=axis_labels[row.axis_id]), months(row.median_days), border=True,
        help=t("caseloads.stay.help"),
    )
    column.caption(t("caseloads.stay.detail", mean=months(row.mean_days), stays=row.stays, ongoing=row.ongoing))
measured = by_axis[by_axis["stays"] > 0]
if measured.empty:
    st.info(t("caseloads.no_data"))
else:
    in_months = {figure: (measured[f"{figure}_days"] / DAYS_PER_MONTH).round(1) for figure in BOX_FIGURES}
    shown = pd.DataFrame({"axis": measured["axis_id"].map(axis_labels), **in_months})
    titles = {"axis": t("caseloads.col.axis"), "months": t("caseloads.col.months"),
              "shortest": t("caseloads.col.shortest_months"), "q1": t("caseloads.col.q1_months"),
              "median": t("caseloads.col.median_months"), "q3": t("caseloads.col.q3_months"),
              "longest": t("caseloads.col.longest_months")}
    table = pd.DataFrame({
        t("caseloads.col.axis"): by_axis["axis_id"].map(axis_labels),
        t("caseloads.col.stays"): by_axis["stays"],
        t("caseloads.col.ongoing"): by_axis["ongoing"],
        t("caseloads.col.median_months"): (by_axis["median_days"] / DAYS_PER_MONTH).round(1),
        t("caseloads.col.mean_months"): (by_axis["mean_days"] / DAYS_PER_MONTH).round(1),
        **{titles[figure]: (by_axis[f"{figure}_days"] / DAYS_PER_MONTH).round(1)
           for figure in ("shortest", "q1", "q3", "longest")},
        t("caseloads.col.median_days"): by_axis["median_days"],
        t("caseloads.col.mean_days"): by_axis["mean_days"].round(1),
    })
    chart_with_numbers(t, cached_chart(charts.stay_distribution, shown, axis_labels, titles), table, "length-of-stay")

# --- exit destinations and exits to durable housing ---------------------------------------------------

st.header(t("caseloads.exits.title"))
st.caption(t("caseloads.exits.caption"))
destinations = read(exit_destinations, start, end, filters)
shares = durable_exit_summary(destinations, filters.axes)
left, right = st.columns([3, 2])
with left:
    st.subheader(t("caseloads.exits.destinations_title"))
    if destinations.empty:
        st.info(t("caseloads.no_data"))
    else:
        present = set(destinations["destination"])
        destination_labels = {key: t(f"exit.{key}") for key in charts.DESTINATION_COLOURS if key in present}
        shown = pd.DataFrame({
            "axis": destinations["axis_id"].map(axis_labels),
            "destination": destinations["destination"].map(destination_labels),
            "exits": destinations["exits"],
        })
        titles = {"axis": t("caseloads.col.axis"), "destination": t("caseloads.col.destination"),
                  "exits": t("caseloads.col.exits")}
        table = shown.rename(columns=titles)
        chart_with_numbers(t, cached_chart(charts.exit_destinations, shown, destination_labels, axis_labels, titles),
                           table, "exit-destinations")
with right:
    st.subheader(t("caseloads.exits.durable_title"))
    if shares.empty or not shares["exits"].sum():
        st.info(t("caseloads.no_data"))
    else:
        shown = pd.DataFrame({
            "axis": shares["axis_id"].map(axis_labels),
            "share": [None if share is None or pd.isna(share) else round(100 * share, 1)
                      for share in shares["durable_share"]],
            "label": [t("caseloads.exits.share_label", share=t.percent(share), durable=durable, exits=exits)
                      if exits else t("caseloads.exits.no_exit")
                      for share, durable, exits in zip(shares["durable_share"], shares["durable_exits"],
                                                       shares["exits"], strict=True)],
            "exits": shares["exits"],
        })
        titles = {"axis": t("caseloads.col.axis"), "share": t("caseloads.col.durable_share"),
                  "exits": t("caseloads.col.exits")}
        table = pd.DataFrame({
            titles["axis"]: shown["axis"],
            t("caseloads.col.exits"): shares["exits"],
            t("caseloads.col.durable_exits"): shares["durable_exits"],
            titles["share"]: shown["share"],
        })
        chart_with_numbers(t, cached_chart(charts.durable_share, shown, axis_labels, titles), table, "durable-exits")
