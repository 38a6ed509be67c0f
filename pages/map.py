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
from issue_core.ui.data import read_from
from issue_core.ui.gate import require_role
from issue_core.ui.i18n import translator
from issue_core.ui.site_links import site_links
from issue_core.ui.site_tables import map_points

actor = require_role(*Role)
t = translator()
today = clock.today()
filters, _, _ = dashboard_filters(t, period=False)

st.title(t("nav.map"))
st.caption(t("map.caption", today=today))

show_closed = st.toggle(t("map.show_closed"), value=False, key="map_show_closed")
points = read_from(map_points, sites_on_map, (today, filters), show_closed, t)
tooltips = {  # column → title
    "site": t("map.col.site"), "housing_operator": t("map.col.housing_operator"), "units": t("map.col.units"),
    "occupied_today": t("map.col.occupied_today"), "period": t("map.col.period"),
    "status_label": t("map.col.status"), "location": t("map.col.location"),
}
legend = [*ConventionStatus.values(), *(["none"] if (points["status"] == "none").any() else [])]

located = points.dropna(subset=["latitude", "longitude"])
columns = st.columns(3)
columns[0].metric(t("map.metric.sites"), len(located))
columns[1].metric(t("map.metric.units"), int(located["units"].sum()))
columns[2].metric(t("map.metric.occupied"), int(located["occupied_today"].sum()))

if points.empty:
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
        t("map.col.site"): points["site"],
        t("map.col.commune"): points["commune"],
        t("map.col.housing_operator"): points["housing_operator"],
        t("map.col.status"): points["status_label"],
        t("map.col.period"): points["period"],
        t("map.col.units"): points["units"],
        t("map.col.occupied_today"): points["occupied_today"],
        t("map.col.location"): points["location"],
        t("map.col.latitude"): points["latitude"],
        t("map.col.longitude"): points["longitude"],
    }
)
numbers(t, table, "map-sites")
