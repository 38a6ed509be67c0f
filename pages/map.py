"""Map: one point per site on the Brussels-Capital Region's outline (shipped with the app), coloured by
convention status, sized by units; closed sites on request; web tiles under it only when configured."""

import pandas as pd
import streamlit as st

from issue_core import clock
from issue_core.charts.map import site_map
from issue_core.geodata import brussels_region, configured_tiles
from issue_core.models import Role
from issue_core.queries.screens.map import sites_on_map
from issue_core.rules import ConventionStatus
from issue_core.ui.components import cached_chart, dashboard_filters, draw_chart, numbers
from issue_core.ui.data import read
from issue_core.ui.gate import require_role
from issue_core.ui.i18n import translator
from issue_core.ui.site_links import site_address, site_links

actor = require_role(*Role)
t = translator()
today = clock.today()
filters, _, _ = dashboard_filters(t, period=False)

st.title(t("nav.map"))
st.caption(t("map.caption", today=today))

sites = read(sites_on_map, today, filters)
show_closed = st.toggle(t("map.show_closed"), value=False, key="map_show_closed")
shown = sites if show_closed else sites[sites["status"] != ConventionStatus.CLOSED]


def period(row: pd.Series) -> str:
    if pd.isna(row["start_date"]):
        return t("map.no_convention")
    end = row["actual_end_date"] if pd.notna(row["actual_end_date"]) else row["planned_end_date"]
    return t("map.period", start=row["start_date"], end=end)


def approximate(flag: bool) -> str:
    return t("map.location_approximate") if flag else t("map.location_exact")


status_labels = shown["status"].map(lambda s: t(f"status.{s}"))
periods = shown.apply(period, axis=1) if not shown.empty else pd.Series(dtype=str)
points = shown.assign(status_label=status_labels, period=periods,
                      location=shown["location_approximate"].map(approximate),
                      href=shown["site"].map(site_address))  # a click on a dot opens the site's page
tooltips = {  # column → title
    "site": t("map.col.site"), "housing_operator": t("map.col.housing_operator"), "units": t("map.col.units"),
    "occupied_today": t("map.col.occupied_today"), "period": t("map.col.period"),
    "status_label": t("map.col.status"), "location": t("map.col.location"),
}
legend = [*ConventionStatus.values(), *(["none"] if (shown["status"] == "none").any() else [])]

located = points.dropna(subset=["latitude", "longitude"])
columns = st.columns(3)
columns[0].metric(t("map.metric.sites"), len(located))
columns[1].metric(t("map.metric.units"), int(located["units"].sum()))
columns[2].metric(t("map.metric.occupied"), int(located["occupied_today"].sum()))

if shown.empty:
    st.info(t("map.empty"))
else:
    if len(located) < len(points):
        st.warning(t("map.not_located", count=len(points) - len(located)), icon=":material/location_off:")
    tiles = configured_tiles()
    draw_chart(cached_chart(site_map, points, brussels_region(), {s: t(f"status.{s}") for s in legend}, tooltips,
                            tiles, description=t("map.alt")))
    st.caption(t("map.size_note") + " " + t("map.base_tiles" if tiles else "map.base_offline"))
    if tiles and tiles.attribution:
        st.caption(tiles.attribution)
    site_links(t, located["site"])  # the same, for the keyboard and for those who do not click on maps

table = pd.DataFrame(
    {
        t("map.col.site"): shown["site"],
        t("map.col.commune"): shown["commune"],
        t("map.col.housing_operator"): shown["housing_operator"],
        t("map.col.status"): status_labels,
        t("map.col.period"): periods,
        t("map.col.units"): shown["units"],
        t("map.col.occupied_today"): shown["occupied_today"],
        t("map.col.location"): shown["location_approximate"].map(approximate),
        t("map.col.latitude"): shown["latitude"],
        t("map.col.longitude"): shown["longitude"],
    }
)
numbers(t, table, "map-sites")
