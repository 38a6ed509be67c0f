"""A site's own page, bookmarkable (site?name=<site name> or site?id=<id>): its conventions (renewals,
extensions, planned and actual end, duration), its units today, its occupancy per month, the households
at risk when its convention ends and whether units elsewhere can take them; for admins, the links to
close the site or record an extension."""

import pandas as pd
import streamlit as st

from issue_core import clock
from issue_core.charts import month_label
from issue_core.charts import occupancy as charts
from issue_core.i18n import escape_markdown
from issue_core.models import Role
from issue_core.queries.metrics.conventions import sites_overview
from issue_core.queries.screens.site_page import (
    RUNNING,
    convention_extensions,
    find_site,
    households_at_risk,
    monthly_site_occupancy,
    occupancy_today,
    relocation_status,
    site_conventions_history,
    site_units_today,
    utilisation_to_date,
)
from issue_core.rules import ConventionStatus
from issue_core.ui.components import axis_label, chart_with_numbers
from issue_core.ui.data import read
from issue_core.ui.figures import number
from issue_core.ui.gate import require_role
from issue_core.ui.i18n import translator
from issue_core.ui.links import link_to_page, query_id
from issue_core.visibility import scope_of

STATUS_BADGES = {"active": "green", "ending_soon": "orange", "overdue": "red", "upcoming": "blue", "closed": "gray"}

actor = require_role(Role.ADMIN, Role.COORDINATOR, Role.DIRECTOR)
t = translator()
today = clock.today()
scope = scope_of(actor)


def wanted_site() -> dict | None:
    """The site the address names (?id= first, else ?name=), None when it names none."""
    site_id = query_id("id")
    if site_id is not None:
        return read(find_site, site_id=site_id)
    name = st.query_params.get("name")
    return read(find_site, name=name) if isinstance(name, str) else None


def choose_site(message: str) -> None:
    """No site named (or an unknown one): say so and let the user pick one; the choice goes into the
    address, so the page can be bookmarked."""
    st.info(message, icon=":material/info:")
    names = read(sites_overview, today)["site"].tolist()
    choice = st.selectbox(t("site.choose"), names, index=None, placeholder=t("site.choose_placeholder"),
                          key="site_choice")
    if choice is not None:
        st.query_params.clear()
        st.query_params["name"] = choice
        st.rerun()
    st.stop()


st.title(t("nav.site"))
site = wanted_site()
if site is None:
    asked = st.query_params.get("name") or st.query_params.get("id")
    choose_site(t.md("site.unknown", name=asked) if asked else t("site.missing"))

site_id = int(site["site_id"])
st.header(escape_markdown(site["name"]), anchor=False)
place = ", ".join(part for part in (site["address"], site["commune"]) if part)
st.caption(" · ".join([escape_markdown(place)] * bool(place)
                      + [t.md("site.caption_operator", operator=site["housing_operator"])]
                      + [t.md("site.caption_manager", manager=site["manager"])] * bool(site["manager"])))

conventions = read(site_conventions_history, site_id, today)
units = read(site_units_today, site_id, today, scope)
occupancy = read(occupancy_today, site_id, today)
used = read(utilisation_to_date, site_id, today)
started = conventions[conventions["status"] != ConventionStatus.UPCOMING]  # a renewal may be signed ahead
current = (started if not started.empty else conventions).iloc[-1] if not conventions.empty else None

# --- figures --------------------------------------------------------------------------------------------

status = current["status"] if current is not None else "none"
st.badge(t("site.convention_status", status=t(f"status.{status}")), color=STATUS_BADGES.get(status, "gray"),
         icon=":material/contract:")
columns = st.columns(4)
if current is not None and current["status"] in RUNNING:
    columns[0].metric(t("site.metric.days_to_end"), int(current["days_to_end"]))
else:
    columns[0].metric(t("site.metric.days_to_end"), "—")
columns[1].metric(t("site.metric.units"), len(units))
columns[2].metric(t("site.metric.occupied"), f"{occupancy.occupied} / {occupancy.available}")
columns[3].metric(t("site.metric.utilisation"), t.percent(used.rate) if used is not None else "—",
                  help=t("site.metric.utilisation_help"))
if current is not None and current["status"] == ConventionStatus.OVERDUE:
    st.warning(t("site.overdue", planned=current["planned_end_date"], days=-int(current["days_to_end"])),
               icon=":material/warning:")

if actor.role == Role.ADMIN:
    left, right = st.columns(2)
    with left:
        link_to_page(t, "pages/admin_sites.py", t("site.link.extend"), ":material/event_repeat:",
                     query_params={"site": site_id})
    with right:
        link_to_page(t, "pages/close_site.py", t("site.link.close"), ":material/domain_disabled:",
                     query_params={"site": site_id})

# --- conventions ----------------------------------------------------------------------------------------

st.header(t("site.conventions.title"))
if conventions.empty:
    st.info(t("site.conventions.none"))
else:
    def kind(row: pd.Series) -> str:
        if not row["renewal"]:
            return t("site.conventions.first")
        if row["gap_days"] == 0:
            return t("site.conventions.renewal")
        return t("site.conventions.renewal_gap", days=int(row["gap_days"]))

    shown = conventions.iloc[::-1]  # latest first
    st.dataframe(
        pd.DataFrame({
            t("site.col.kind"): shown.apply(kind, axis=1),
            t("site.col.status"): shown["status"].map(lambda s: t(f"status.{s}")),
            t("site.col.start"): shown["start_date"].map(t.date),
            t("site.col.planned_end"): shown["planned_end_date"].map(t.date),
            t("site.col.actual_end"): shown["actual_end_date"].map(lambda d: t.date(d) if d else "—"),
            t("site.col.duration"): shown["duration_months"].map(lambda m: "" if pd.isna(m) else number(t, m)),
            t("site.col.extensions"): shown["extensions"],
            t("site.col.units_planned"): shown["units_planned"],
            t("site.col.operator"): shown["operator"],
            t("site.col.closure_reason"): shown["closure_reason"].fillna(""),
        }),
        hide_index=True, width="stretch",
    )
    extensions = read(convention_extensions, site_id)
    if not extensions.empty:
        st.caption(t("site.extensions.title"))
        st.markdown("\n".join(
            "- " + t.md("site.extensions.line", on=row.recorded_on, before=row.planned_end_before,
                        after=row.planned_end_after)
            for row in extensions.itertuples()
        ))

# --- units today ----------------------------------------------------------------------------------------

st.header(t("site.units.title"))
st.caption(t("site.units.caption", today=today))


def state_label(unit: pd.Series) -> str:
    if unit["state"] == "occupied":
        return t("site.state.occupied", axis=axis_label(t, unit["axis_id"]))
    return t(f"site.state.{unit['state']}")


def detail(unit: pd.Series) -> str:
    if unit["state"] == "occupied":
        who = unit["reference"] if isinstance(unit["reference"], str) else t("site.household_of", partner=unit["partner"])
        return t("site.detail.occupied", who=who, since=t.date(unit["placed_since"]))
    if unit["state"] == "vacant" and pd.notna(unit["days_vacant"]):
        return t("site.detail.vacant", days=int(unit["days_vacant"]), since=t.date(unit["vacant_since"]))
    if unit["state"] == "unavailable":
        return t("site.detail.unavailable", reason=unit["unavailable_reason"] or "—",
                 since=t.date(unit["unavailable_since"]))
    return ""


if units.empty:
    st.info(t("site.units.none"))
else:
    counts = units["state"].value_counts()
    figures = st.columns(5)
    for column, state in zip(figures, ("occupied", "vacant", "unavailable", "no_convention"), strict=False):
        column.metric(t(f"site.state.{state}_count"), int(counts.get(state, 0)))
    figures[4].metric(t("site.state.reserved_count"), int((units["reserved_for_id"] > 0).sum()))
    st.dataframe(
        pd.DataFrame({
            t("site.col.unit"): units["unit"],
            t("site.col.size"): [t("site.size", bedrooms=b, capacity=c) if b else t("site.size_studio", capacity=c)
                                 for b, c in zip(units["bedrooms"], units["capacity"], strict=True)],
            t("site.col.state"): units.apply(state_label, axis=1),
            t("site.col.detail"): units.apply(detail, axis=1),
            t("site.col.reserved_for"): units["reserved_for"].fillna("—"),
        }),
        hide_index=True, width="stretch",
    )

# --- occupancy per month --------------------------------------------------------------------------------

st.header(t("site.monthly.title"))
st.caption(t("site.monthly.caption"))
monthly = read(monthly_site_occupancy, site_id, today)
if monthly.empty:
    st.info(t("site.monthly.none"))
else:
    axis_labels = {axis: axis_label(t, axis) for axis in sorted(monthly["axis_id"].unique())}
    chart_frame, titles = charts.monthly_table(monthly, axis_labels, t)
    per_month = monthly.groupby("month", sort=True).agg(
        available=("available_units", "first"), occupied=("occupied_units", "sum"), rate=("utilisation", "first"),
    ).reset_index()
    table = pd.DataFrame({
        titles["month"]: [month_label(month) for month in per_month["month"]],
        titles["available"]: per_month["available"].map(lambda v: number(t, v)),
        t("occupancy.col.occupied"): per_month["occupied"].map(lambda v: number(t, v)),
        t("site.col.utilisation"): per_month["rate"].map(lambda r: t.percent(None if pd.isna(r) else r)),
    })
    chart_with_numbers(t, charts.monthly_units(chart_frame, axis_labels, titles), table, f"site-{site_id}-monthly")

# --- households at risk and their relocation -----------------------------------------------------------

st.header(t("site.risk.title"))
at_risk = read(households_at_risk, site_id, today, scope)
plan = read(relocation_status, site_id, today)
if plan is None:
    st.info(t("site.risk.no_running_convention"))
elif at_risk.empty:
    st.success(t("site.risk.none", day=plan.leaving_on), icon=":material/check_circle:")
else:
    st.markdown(t("site.risk.count", count=len(at_risk), day=plan.leaving_on))
    per_partner = at_risk.groupby("partner").size()
    st.markdown("\n".join("- " + t.md("site.risk.per_partner", partner=partner, count=int(count))
                          for partner, count in per_partner.items()))
    visible = at_risk[at_risk["reference"].notna()]
    if not visible.empty:  # the viewer's own organisation's households (all of them for an admin)
        st.caption(t("site.risk.yours"))
        st.dataframe(
            pd.DataFrame({
                t("site.col.reference"): visible["reference"],
                t("site.col.partner"): visible["partner"],
                t("site.col.axis"): visible["axis_id"].map(lambda a: axis_label(t, a)),
                t("site.col.unit"): visible["unit"],
                t("site.col.since"): visible["start_date"].map(t.date),
                t("site.col.planned_stay_end"): visible["end_date"].map(lambda d: t.date(d) if d else "—"),
            }),
            hide_index=True, width="stretch",
        )
    st.subheader(t("site.relocation.title"))
    st.caption(t("site.relocation.caption"))
    message = t("site.relocation.status", households=plan.households, units=plan.units_elsewhere,
                placeable=plan.placeable, day=plan.leaving_on)
    if plan.short_by > 0:
        st.warning(message + " " + t("site.relocation.short", count=plan.short_by), icon=":material/warning:")
    else:
        st.success(message, icon=":material/check_circle:")
