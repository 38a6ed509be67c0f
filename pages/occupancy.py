"""Unit occupancy: the board of every site's units today (compact tiles, filtered, a page of sites at a
time; a site's detailed tiles on demand), units available vs occupied per month, vacancy per site."""

from datetime import timedelta

import pandas as pd
import streamlit as st

from issue_core import clock
from issue_core.charts import BOX_FIGURES
from issue_core.charts import occupancy as charts
from issue_core.i18n import escape_markdown
from issue_core.models import Role
from issue_core.policy import BOARD_SITES_PER_PAGE, VACANT_ALERT_DAYS
from issue_core.queries.metrics import monthly_occupancy, vacancy_gaps_by_site, vacant_days_by_site
from issue_core.queries.screens.occupancy_board import (
    BOARD_STATES,
    BoardFilter,
    board_sites,
    unit_board,
    units_board,
)
from issue_core.queries.screens.reference import organisations
from issue_core.ui.board import STYLE, legend_html, sites_html, size_label
from issue_core.ui.components import axis_label, cached_chart, cached_html, chart_with_numbers, dashboard_filters
from issue_core.ui.data import prefetch, read
from issue_core.ui.figures import badge_label, number
from issue_core.ui.gate import require_role
from issue_core.ui.i18n import translator
from issue_core.ui.links import available_pages, placement_form_link, waiting_list_link
from issue_core.ui.pickers import count_text, filters_signature, page_offset
from issue_core.ui.site_links import site_link
from issue_core.visibility import scope_of

TILES_PER_ROW = 4  # the detailed tiles of one site: their links fit a quarter of the page at 1440 px
STATE_KEYS = {"occupied": "board.state.occupied", "vacant": "board.state.vacant",
              "long_vacant": "board.state.long_vacant", "unavailable": "board.state.unavailable",
              "reserved": "board.state.reserved"}

actor = require_role(*Role)
t = translator()
today = clock.today()
scope = scope_of(actor)
filters, start, end = dashboard_filters(t)
last_day = end - timedelta(days=1)

st.title(t("nav.occupancy"))
st.caption(t("occupancy.caption", today=today, start=start, end=last_day))

# --- the board: every site's units, filtered, a page of sites at a time ------------------------------

st.header(t("occupancy.board.title"))
st.caption(t("board.caption"))
partner_rows = read(organisations, kinds=("partner",))
operator_rows = read(organisations, kinds=("housing_operator",))
by_partner, by_operator, by_state, by_site = st.columns(4)
chosen_partners = by_partner.multiselect(
    t("board.filter.partners"), partner_rows["id"].tolist(), key="occ_partners", placeholder=t("common.all"),
    help=t("board.filter.partners_help"),
    format_func=dict(zip(partner_rows["id"], partner_rows["short_name"], strict=True)).get)
chosen_operators = by_operator.multiselect(
    t("board.filter.operators"), operator_rows["id"].tolist(), key="occ_operators", placeholder=t("common.all"),
    format_func=dict(zip(operator_rows["id"], operator_rows["short_name"], strict=True)).get)
chosen_states = by_state.multiselect(
    t("board.filter.states"), list(BOARD_STATES), key="occ_states", placeholder=t("common.all"),
    format_func=lambda state: t(STATE_KEYS[state], days=VACANT_ALERT_DAYS))
board = BoardFilter(partner_ids=tuple(chosen_partners), operator_ids=tuple(chosen_operators),
                    states=tuple(chosen_states))
# the board's sites and the charts' reads, side by side when cold (the board's units depend on its page of sites)
prefetch((monthly_occupancy, (start, end, filters)), (board_sites, (today, filters, board)),
         (vacant_days_by_site, (start, end, filters)), (vacancy_gaps_by_site, (start, end, filters)))
sites = read(board_sites, today, filters, board)
names = dict(zip(sites["site_id"], sites["site"], strict=True))
site_id = by_site.selectbox(t("board.filter.site"), list(names), format_func=names.get, index=None,
                       placeholder=t("board.filter.all_sites"), key="occ_site")


def tile(unit) -> None:  # a row of unit_board
    with st.container(border=True):
        st.markdown(f"**{escape_markdown(unit.unit)}**")
        st.caption(size_label(t, unit.bedrooms, unit.capacity))
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


def dates_text(days: pd.Series) -> list[str]:
    """t.date of each day of a column: a year of gaps (tens of thousands) repeats a few hundred days."""
    texts = {day: t.date(day) for day in set(days)}
    return [texts[day] for day in days]


def site_detail(site_id: int) -> None:
    """One site's units today, at full size (the board before it showed every site)."""
    site_link(t, names[site_id])
    units = read(unit_board, site_id, today, scope)
    states = units["state"].value_counts()
    columns = st.columns(4)
    columns[0].metric(t("occupancy.board.units"), len(units), border=True)
    columns[1].metric(t("occupancy.state.occupied"), int(states.get("occupied", 0)), border=True)
    columns[2].metric(t("occupancy.state.vacant"), int(states.get("vacant", 0)), border=True)
    columns[3].metric(t("occupancy.state.unavailable"), int(states.get("unavailable", 0)), border=True)
    st.caption(t("occupancy.board.legend", days=VACANT_ALERT_DAYS))
    rows = list(units.itertuples())
    for first in range(0, len(rows), TILES_PER_ROW):
        for column, unit in zip(st.columns(TILES_PER_ROW), rows[first:first + TILES_PER_ROW], strict=False):
            with column:
                tile(unit)


def all_sites() -> None:
    """Every site kept by the filters, a page of BOARD_SITES_PER_PAGE sites at a time, one HTML block a site."""
    totals = sites[["units", "occupied", "vacant", "long_vacant", "unavailable", "reserved"]].sum()
    figures = st.columns(6)
    for column, label, value in zip(figures, (
        t("occupancy.board.units"), t("occupancy.state.occupied"), t("occupancy.state.vacant"),
        t("board.count.long_vacant", days=VACANT_ALERT_DAYS), t("occupancy.state.unavailable"),
        t("board.count.reserved"),
    ), (totals["units"], totals["occupied"], totals["vacant"] + totals["long_vacant"], totals["long_vacant"],
        totals["unavailable"], totals["reserved"]), strict=True):
        column.metric(label, count_text(t, int(value)), border=True)
    st.html(STYLE + legend_html(t))
    first = page_offset(t, f"occ_page_{filters_signature(filters, board)}", len(sites), BOARD_SITES_PER_PAGE,
                        "board.pages", say_one_page=True)
    shown = sites.iloc[first:first + BOARD_SITES_PER_PAGE]
    units = read(units_board, today, tuple(int(site) for site in shown["site_id"]), board, scope)
    # built once per page of sites and version of their units: 400 tiles otherwise made again at every rerun
    st.html(cached_html(sites_html, t, shown, units, tuple(sorted(available_pages()))))


if sites.empty:
    st.info(t("board.no_match") if board.narrows_units else t("occupancy.board.no_site"))
elif site_id is not None:
    site_detail(site_id)
else:
    all_sites()

# --- units available vs occupied per month ------------------------------------------------------------

st.header(t("occupancy.monthly.title"))
st.caption(t("occupancy.monthly.caption"))
axis_labels = {axis: axis_label(t, axis) for axis in filters.axes}
monthly = read(monthly_occupancy, start, end, filters)
if monthly.empty:
    st.info(t("occupancy.no_data"))
else:
    shown, titles = charts.monthly_table(monthly, axis_labels, t)
    table = shown.rename(columns={"month": titles["month"], "axis": titles["axis"],
                                  "occupied": t("occupancy.col.occupied"), "available": titles["available"]})
    chart_with_numbers(t, cached_chart(charts.monthly_units, shown, axis_labels, titles), table, "occupancy-monthly")

# --- vacancy per site ----------------------------------------------------------------------------------

st.header(t("occupancy.vacancy.title"))
vacant_days = read(vacant_days_by_site, start, end, filters)
gaps = read(vacancy_gaps_by_site, start, end, filters)  # five figures per site, never every gap
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
        shown = pd.DataFrame({"site": gaps["site"], "gaps": gaps["gaps"],
                              **{figure: gaps[f"{figure}_days"] for figure in BOX_FIGURES}})
        titles = {"site": t("occupancy.col.site"), "gap_days": t("occupancy.col.gap_days"),
                  "gaps": t("occupancy.col.gaps"), "shortest": t("occupancy.col.shortest_gap"),
                  "q1": t("occupancy.col.q1_gap"), "median": t("occupancy.col.median_gap"),
                  "q3": t("occupancy.col.q3_gap"), "longest": t("occupancy.col.longest_gap")}
        table = shown.rename(columns=titles)
        chart_with_numbers(t, cached_chart(charts.vacancy_gaps, shown, titles), table, "vacancy-gaps")
