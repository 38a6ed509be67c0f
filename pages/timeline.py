"""Timeline: every convention since 2020 as a Gantt; below, a chosen site's units as lanes."""

import pandas as pd
import streamlit as st

from issue_core import clock
from issue_core.charts.timeline import conventions_gantt, lane_periods, unit_lanes
from issue_core.models import Role
from issue_core.policy import TIMELINE_CONVENTIONS_PER_PAGE, TIMELINE_SINCE
from issue_core.queries.screens.timeline import (
    conventions_timeline,
    site_units,
    unit_periods,
)
from issue_core.ui.components import cached_chart, chart_with_numbers, dashboard_filters
from issue_core.ui.data import read, read_from
from issue_core.ui.figures import number
from issue_core.ui.gate import require_role
from issue_core.ui.i18n import translator
from issue_core.ui.pickers import filters_signature, page_offset
from issue_core.ui.site_links import site_link, site_links
from issue_core.visibility import scope_of

actor = require_role(*Role)
t = translator()
today = clock.today()
filters, _, _ = dashboard_filters(t, period=False)

st.title(t("nav.timeline"))
st.caption(t("timeline.caption", since=TIMELINE_SINCE, today=today))

conventions = read(conventions_timeline, today, filters)
if conventions.empty:
    st.info(t("timeline.empty"))
    st.stop()

st.subheader(t("timeline.conventions"))
st.caption(t("timeline.gantt_help"))
first = page_offset(t, f"timeline_page_{filters_signature(filters)}", len(conventions), TIMELINE_CONVENTIONS_PER_PAGE)
shown = conventions.iloc[first:first + TIMELINE_CONVENTIONS_PER_PAGE]
conventions_table = pd.DataFrame(
    {
        t("timeline.col.site"): shown["site"],
        t("timeline.col.housing_operator"): shown["housing_operator"],
        t("timeline.col.status"): shown["status"].map(lambda s: t(f"status.{s}")),
        t("timeline.col.start"): shown["start_date"].map(t.date),
        t("timeline.col.planned_end"): shown["planned_end_date"].map(t.date),
        t("timeline.col.actual_end"): shown["actual_end_date"].map(t.date),
        t("timeline.col.duration"): shown["duration_months"],
        t("timeline.col.units_planned"): shown["units_planned"],
        t("timeline.col.closure_reason"): shown["closure_reason"].fillna(""),
    }
)
duration = t("timeline.col.duration")
chart_with_numbers(  # on screen 28,5 (the user's decimal sign), in the CSV the number
    t, cached_chart(conventions_gantt, shown, today, t),
    conventions_table.assign(**{duration: conventions_table[duration].map(lambda m: "" if pd.isna(m) else number(t, m))}),
    "timeline-conventions", conventions_table,
)
site_links(t, shown["site"])  # each site's own page

st.subheader(t("timeline.units"))
site_names = conventions.drop_duplicates("site_id").set_index("site_id")["site"]
site_id = st.selectbox(
    t("timeline.choose_site"), site_names.index.tolist(), format_func=site_names.get, key="timeline_site"
)
site_link(t, site_names[site_id])
units = read(site_units, site_id)
if units.empty:
    st.info(t("timeline.no_units"))
    st.stop()
periods = read(unit_periods, site_id, filters, scope_of(actor))
st.caption(t("timeline.lanes_help"))
lanes = read_from(lane_periods, unit_periods, (site_id, filters, scope_of(actor)), today, t)
chart_with_numbers(
    t,
    cached_chart(unit_lanes, units, periods, conventions[conventions["site_id"] == site_id], today, t),
    pd.DataFrame(
        {
            t("timeline.col.unit"): lanes["unit"],
            t("timeline.col.what"): lanes["what"],
            t("timeline.col.who"): lanes["who"],
            t("timeline.col.partner"): lanes["partner"],
            t("timeline.col.from"): lanes["start"],
            t("timeline.col.to"): lanes["end"],
            t("timeline.col.days"): lanes["days"],
            t("timeline.col.exit"): lanes["exit"],
        }
    ),
    f"timeline-units-{site_id}",
)
