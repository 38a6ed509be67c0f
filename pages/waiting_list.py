"""Waiting list and matching: the units to fill (vacant, or free within the horizon), each with its best
waiting households (ranking: docs/RULES.md), then the waiting households and how many wait per partner.
References only where the viewer may see them (the read models blank the others)."""

import pandas as pd
import streamlit as st

from issue_core import clock
from issue_core.models import Role
from issue_core.policy import CANDIDATES_PER_UNIT, HOUSEHOLD_PAGE_SIZE, MATCHING_HORIZON_DAYS, WAITING_UNITS_PER_PAGE
from issue_core.queries.screens.waiting import candidates, units_to_fill, waiting_counts, waiting_households
from issue_core.ui.components import axis_label
from issue_core.ui.data import prefetch, read
from issue_core.ui.figures import badge_label
from issue_core.ui.gate import require_role
from issue_core.ui.i18n import translator
from issue_core.ui.links import available_pages, link_to_page, query_id
from issue_core.ui.pickers import page_offset
from issue_core.visibility import scope_of

PLACEMENTS_PAGE = "pages/placements.py"

actor = require_role(Role.ADMIN, Role.COORDINATOR, Role.DIRECTOR)
t = translator()
today = clock.today()
scope = scope_of(actor)

st.title(t("nav.waiting_list"))
st.caption(t("waiting.caption", today=today, days=MATCHING_HORIZON_DAYS, count=CANDIDATES_PER_UNIT))

prefetch((candidates, (today, scope)), (units_to_fill, (today,)), (waiting_households, (today, scope)),
         (waiting_counts, (today,)))  # side by side when cold
counts = read(waiting_counts, today)
units = read(units_to_fill, today)
ranked = read(candidates, today, scope)
visible = read(waiting_households, today, scope)

figures = st.columns(4)
figures[0].metric(t("waiting.kpi.waiting"), int(counts["households"].sum()), border=True)
figures[1].metric(t("waiting.kpi.longest"), int(counts["longest_days"].max()) if not counts.empty else 0, border=True)
figures[2].metric(t("waiting.kpi.vacant"), int((units["state"] == "vacant").sum()), border=True)
figures[3].metric(t("waiting.kpi.ending", days=MATCHING_HORIZON_DAYS), int((units["state"] == "ending").sum()),
                  border=True)


# --- the units to fill and their candidates ------------------------------------------------------------


def size(unit) -> str:  # a row of units_to_fill
    if unit.bedrooms == 0:
        return t("waiting.unit.studio", capacity=unit.capacity)
    return t("waiting.unit.size", bedrooms=unit.bedrooms, capacity=unit.capacity)


def needs(bedrooms: int) -> str:
    return t("waiting.needs.studio") if bedrooms == 0 else t("waiting.needs.bedrooms", bedrooms=bedrooms)


def household_line(candidate) -> str:  # a row of candidates
    """"1. ISS-2026-022 (Samusocial) · axis 2 · adults 2 · children 1 · needs 2 bedrooms · waiting 150 days";
    a household the viewer may not see is named by its partner only."""
    details = {"rank": candidate.rank, "partner": candidate.partner, "axis": axis_label(t, candidate.axis_id),
               "adults": candidate.adults, "children": candidate.children, "needs": needs(candidate.bedrooms_needed),
               "days": candidate.days_waiting}
    if pd.notna(candidate.reference):
        return t.md("waiting.candidate.line", reference=candidate.reference, **details)
    return t.md("waiting.candidate.line_other", **details)


def reasons(candidate) -> str:
    """Why it ranks where it does, as small badges on one line (Markdown)."""
    badges = []
    if candidate.needs_override:
        badges.append(f":orange-badge[:material/lock: {t('waiting.reason.override')}]")
    if candidate.partner_on_site:
        badges.append(f":blue-badge[:material/location_on: {t('waiting.reason.on_site')}]")
    if candidate.spare_bedrooms == 0:
        badges.append(f":green-badge[:material/check: {t('waiting.reason.exact_fit')}]")
    else:
        badges.append(f":gray-badge[{t('waiting.reason.spare', count=candidate.spare_bedrooms)}]")
    return " ".join(badges)


def place_link(candidate, unit) -> None:
    """"Place" opens the placement form with both chosen: only for a household the viewer may see (its own
    organisation, or an admin) and may place, and for a reserved unit of another partner only an admin."""
    if pd.isna(candidate.reference) or PLACEMENTS_PAGE not in available_pages():
        return
    if candidate.needs_override and actor.role != Role.ADMIN:
        return
    link_to_page(t, PLACEMENTS_PAGE, t("waiting.place"), ":material/person_add:",
                 query_params={"household": int(candidate.household_id), "unit": int(unit.unit_id)})


def unit_card(unit, rows: pd.DataFrame) -> None:
    with st.container(border=True):
        st.markdown(t.md("waiting.unit.title", site=unit.site, unit=unit.unit) + " · " + size(unit))
        if unit.state == "vacant":
            st.badge(t("waiting.unit.vacant"), color="green", icon=":material/door_open:")
        else:
            st.badge(t("waiting.unit.free_from", day=unit.free_from), color="violet", icon=":material/event:")
        if pd.notna(unit.reserved_for):
            st.badge(badge_label(unit.reserved_for), color="yellow", icon=":material/lock:",
                     help=t.md("waiting.unit.reserved", partner=unit.reserved_for))
        if rows.empty:
            st.caption(t("waiting.unit.nobody"))
        for candidate in rows.itertuples():
            text, action = st.columns([5, 1], vertical_alignment="center")
            with text:
                st.markdown(household_line(candidate) + "  \n" + reasons(candidate))
            with action:
                place_link(candidate, unit)


st.header(t("waiting.units.title"))
st.caption(t("waiting.units.caption"))
if units.empty:
    st.info(t("waiting.units.none", days=MATCHING_HORIZON_DAYS))
else:
    focus = query_id("unit")  # a vacant tile of the occupancy board opens its unit's candidates
    if focus is not None and focus in set(units["unit_id"]):
        shown_units = units[units["unit_id"] == focus]
        link_to_page(t, "pages/waiting_list.py", t("waiting.units.all"), ":material/list:")
    else:
        if focus is not None:
            st.info(t("waiting.units.not_to_fill", days=MATCHING_HORIZON_DAYS))
        site_names = sorted(units["site"].unique())
        chosen = st.multiselect(t("waiting.units.sites"), site_names, key="waiting_sites",
                                placeholder=t("common.all"))
        shown_units = units[units["site"].isin(chosen)] if chosen else units
    # A sector has hundreds of units to fill: a page of them at a time (the page resets with the sites chosen).
    first = page_offset(t, f"waiting_units_page_{len(shown_units)}", len(shown_units), WAITING_UNITS_PER_PAGE)
    shown_units = shown_units.iloc[first:first + WAITING_UNITS_PER_PAGE]
    of_shown = ranked[ranked["unit_id"].isin(shown_units["unit_id"])]
    by_unit = {unit_id: rows for unit_id, rows in of_shown.groupby("unit_id")}
    for unit in shown_units.itertuples():
        unit_card(unit, by_unit.get(unit.unit_id, ranked.iloc[0:0]))

# --- the waiting households -----------------------------------------------------------------------------

st.header(t("waiting.list.title"))
if actor.role != Role.ADMIN:
    st.caption(t("waiting.list.own_only"))
if visible.empty:
    st.info(t("waiting.list.none"))
else:
    first = page_offset(t, "waiting_households_page", len(visible), HOUSEHOLD_PAGE_SIZE)
    visible = visible.iloc[first:first + HOUSEHOLD_PAGE_SIZE]
    st.dataframe(
        pd.DataFrame({
            t("waiting.col.reference"): visible["reference"],
            t("waiting.col.partner"): visible["partner"],
            t("waiting.col.axis"): [axis_label(t, axis) for axis in visible["axis_id"]],
            t("waiting.col.adults"): visible["adults"],
            t("waiting.col.children"): visible["children"],
            t("waiting.col.bedrooms"): [needs(bedrooms) for bedrooms in visible["bedrooms_needed"]],
            t("waiting.col.since"): [t.date(day) for day in visible["waiting_since"]],
            t("waiting.col.days"): visible["days_waiting"],
        }),
        hide_index=True, width="stretch",
    )

st.subheader(t("waiting.counts.title"))
if counts.empty:
    st.info(t("waiting.list.none"))
else:
    st.dataframe(
        pd.DataFrame({
            t("waiting.col.partner"): counts["partner"],
            t("waiting.col.axis"): [axis_label(t, axis) for axis in counts["axis_id"]],
            t("waiting.col.households"): counts["households"],
            t("waiting.col.longest"): counts["longest_days"],
        }),
        hide_index=True, width="stretch",
    )
