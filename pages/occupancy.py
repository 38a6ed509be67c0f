"""Unit occupancy: a board per site (one tile per unit), units available vs occupied per month,
vacancy per site."""

from datetime import timedelta

import pandas as pd
import streamlit as st

from issue_core import clock
from issue_core.charts import month_label
from issue_core.charts import occupancy as charts
from issue_core.i18n import escape_markdown
from issue_core.models import Role
from issue_core.policy import VACANT_ALERT_DAYS
from issue_core.queries.metrics import monthly_occupancy, vacancy_gaps, vacant_days_by_site
from issue_core.queries.screens.occupancy_board import sites_with_active_convention, unit_board
from issue_core.ui.components import axis_label, cached_chart, chart_with_numbers, dashboard_filters
from issue_core.ui.data import read
from issue_core.ui.figures import badge_label, number
from issue_core.ui.gate import require_role
from issue_core.ui.i18n import translator
from issue_core.ui.links import placement_form_link, waiting_list_link
from issue_core.visibility import scope_of

TILES_PER_ROW = 5

actor = require_role(*Role)
t = translator()
today = clock.today()
filters, start, end = dashboard_filters(t)
last_day = end - timedelta(days=1)

st.title(t("nav.occupancy"))
st.caption(t("occupancy.caption", today=today, start=start, end=last_day))

# --- the board ---------------------------------------------------------------------------------------

st.header(t("occupancy.board.title"))
sites = read(sites_with_active_convention, today, filters)


def tile(unit) -> None:  # noqa: ANN001 (a row of unit_board)
    with st.container(border=True):
        st.markdown(f"**{escape_markdown(unit.unit)}**")
        st.caption(t("occupancy.tile.size", bedrooms=unit.bedrooms, capacity=unit.capacity))
        if unit.state == "occupied":
            st.badge(axis_label(t, unit.axis_id), color=charts.AXIS_BADGE_COLOURS.get(unit.axis_id, "gray"),
                     icon=":material/person:")
            if pd.notna(unit.reference):  # None where the viewer may not see it
                st.markdown(t.md("occupancy.tile.household", reference=unit.reference, partner=unit.partner))
            else:
                st.markdown(escape_markdown(unit.partner))
            st.caption(t("occupancy.tile.since", since=unit.placed_since))
        elif unit.state == "vacant":
            long_vacant = pd.notna(unit.days_vacant) and unit.days_vacant > VACANT_ALERT_DAYS
            st.badge(t("occupancy.tile.vacant"), color="red" if long_vacant else "green",
                     icon=":material/door_open:")
            if pd.notna(unit.days_vacant):
                st.markdown(t("occupancy.tile.vacant_days", days=int(unit.days_vacant)))
                st.caption(t("occupancy.tile.since", since=unit.vacant_since))
            if pd.notna(unit.next_placement_start):
                st.caption(t("occupancy.tile.next_placement", start=unit.next_placement_start))
            placement_form_link(t, unit.unit_id)
            waiting_list_link(t, unit.unit_id)
        else:
            st.badge(t("occupancy.tile.unavailable"), color="gray", icon=":material/block:")
            st.markdown(escape_markdown(unit.unavailable_reason))
            st.caption(t("occupancy.tile.unavailable_until", since=unit.unavailable_since,
                         until=unit.unavailable_until) if pd.notna(unit.unavailable_until)
                       else t("occupancy.tile.since", since=unit.unavailable_since))
        if pd.notna(unit.reserved_for):
            st.badge(badge_label(unit.reserved_for), color="yellow", icon=":material/lock:",
                     help=t.md("occupancy.tile.reserved", partner=unit.reserved_for))


if sites.empty:
    st.info(t("occupancy.board.no_site"))
else:
    names = dict(zip(sites["site_id"], sites["site"], strict=True))
    site_id = st.selectbox(t("occupancy.board.site"), list(names), format_func=names.get, key="occ_site")
    board = read(unit_board, site_id, today, scope_of(actor))
    states = board["state"].value_counts()
    columns = st.columns(4)
    columns[0].metric(t("occupancy.board.units"), len(board), border=True)
    columns[1].metric(t("occupancy.state.occupied"), int(states.get("occupied", 0)), border=True)
    columns[2].metric(t("occupancy.state.vacant"), int(states.get("vacant", 0)), border=True)
    columns[3].metric(t("occupancy.state.unavailable"), int(states.get("unavailable", 0)), border=True)
    st.caption(t("occupancy.board.legend", days=VACANT_ALERT_DAYS))
    units = list(board.itertuples())
    for first in range(0, len(units), TILES_PER_ROW):
        for column, unit in zip(st.columns(TILES_PER_ROW), units[first:first + TILES_PER_ROW], strict=False):
            with column:
                tile(unit)

# --- units available vs occupied per month ------------------------------------------------------------

st.header(t("occupancy.monthly.title"))
st.caption(t("occupancy.monthly.caption"))
axis_labels = {axis: axis_label(t, axis) for axis in filters.axes}
monthly = read(monthly_occupancy, start, end, filters)
if monthly.empty:
    st.info(t("occupancy.no_data"))
else:
    shown = pd.DataFrame({
        "month": [month_label(month) for month in monthly["month"]],
        "axis": monthly["axis_id"].map(axis_labels),
        "occupied": monthly["occupied_units"].round(1),
        "available": monthly["available_units"].round(1),
    })
    titles = {"month": t("occupancy.col.month"), "units": t("occupancy.col.units"), "axis": t("occupancy.col.axis"),
              "available": t("occupancy.col.available")}
    table = shown.rename(columns={"month": titles["month"], "axis": titles["axis"],
                                  "occupied": t("occupancy.col.occupied"), "available": titles["available"]})
    chart_with_numbers(t, cached_chart(charts.monthly_units, shown, axis_labels, titles), table, "occupancy-monthly")

# --- vacancy per site ----------------------------------------------------------------------------------

st.header(t("occupancy.vacancy.title"))
vacant_days = read(vacant_days_by_site, start, end, filters)
gaps = read(vacancy_gaps, start, end, filters)
left, right = st.columns(2)
with left:
    st.subheader(t("occupancy.vacancy.days_title"))
    st.caption(t("occupancy.vacancy.days_caption"))
    if vacant_days.empty:
        st.info(t("occupancy.no_data"))
    else:
        shown = pd.DataFrame({"site": vacant_days["site"], "vacant_days": vacant_days["vacant_unit_days"]})
        titles = {"site": t("occupancy.col.site"), "vacant_days": t("occupancy.col.vacant_days")}
        table = pd.DataFrame({
            titles["site"]: vacant_days["site"],
            t("occupancy.col.available_days"): vacant_days["available_unit_days"],
            t("occupancy.col.occupied_days"): vacant_days["occupied_unit_days"],
            titles["vacant_days"]: vacant_days["vacant_unit_days"],
            t("occupancy.col.vacancy_rate"): [
                number(t, 100 * vacant / available, 1) for vacant, available
                in zip(vacant_days["vacant_unit_days"], vacant_days["available_unit_days"], strict=True)],
        })
        chart_with_numbers(t, cached_chart(charts.vacant_days_by_site, shown, titles), table, "vacant-days-by-site")
with right:
    st.subheader(t("occupancy.vacancy.gaps_title"))
    st.caption(t("occupancy.vacancy.gaps_caption"))
    if gaps.empty:
        st.info(t("occupancy.no_data"))
    else:
        shown = pd.DataFrame({"site": gaps["site"], "unit": gaps["unit"], "gap_days": gaps["gap_days"],
                              "next_start": [t.date(day) for day in gaps["next_start"]]})
        titles = {"site": t("occupancy.col.site"), "unit": t("occupancy.col.unit"),
                  "gap_days": t("occupancy.col.gap_days"), "next_start": t("occupancy.col.next_start"),
                  "median": t("occupancy.col.median_gap")}
        table = pd.DataFrame({
            titles["site"]: gaps["site"], titles["unit"]: gaps["unit"],
            t("occupancy.col.previous_end"): [t.date(day) for day in gaps["previous_end"]],
            titles["next_start"]: shown["next_start"], titles["gap_days"]: gaps["gap_days"],
        })
        chart_with_numbers(t, cached_chart(charts.vacancy_gaps, shown, titles), table, "vacancy-gaps")
