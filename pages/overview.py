"""Overview (default page): today's figures with their change over 30 days, then what needs doing."""

import pandas as pd
import streamlit as st

from issue_core import clock
from issue_core.errors import Money
from issue_core.models import Role
from issue_core.policy import (
    ARREARS_THRESHOLD,
    DEFAULT_WARNING_DAYS,
    FLOW_DAYS,
    UTILISATION_DAYS,
    VACANT_ALERT_DAYS,
)
from issue_core.queries.metrics.kpis import (
    arrears_figure,
    balances_compared,
    compared_days,
    site_figures,
    with_arrears,
)
from issue_core.queries.screens.alerts import conventions_ending
from issue_core.queries.screens.overview import (
    arrears_alert,
    long_vacant_units,
    placed_without_contribution,
    running_outside_convention,
)
from issue_core.rules import ConventionStatus
from issue_core.ui.alerts import alert_card, first_rows, references_line
from issue_core.ui.components import axis_label, dashboard_filters
from issue_core.ui.data import prefetch, read, read_from
from issue_core.ui.figures import kpi_card
from issue_core.ui.gate import require_role
from issue_core.ui.i18n import translator
from issue_core.visibility import scope_of

actor = require_role(*Role)
scope = scope_of(actor)
t = translator()
today = clock.today()
filters, _, _ = dashboard_filters(t, period=False)  # every figure here is relative to today

st.title(t("nav.overview"))
st.caption(t("overview.caption", today=today, compared=compared_days(today)[1]))

prefetch((balances_compared, (today, filters)), (site_figures, (today, filters)),
         (conventions_ending, (today, DEFAULT_WARNING_DAYS, filters)),
         (running_outside_convention, (today, filters, scope)), (long_vacant_units, (today, filters)),
         (placed_without_contribution, (today, filters, scope)))
# the balances of both days read in one pass, the arrears key figure and the alert derived from them once
figures = with_arrears(read(site_figures, today, filters),
                       read_from(arrears_figure, balances_compared, (today, filters)))

st.subheader(t("overview.section.units"))
columns = st.columns(4)
kpi_card(columns[0], t, t("overview.kpi.active_sites"), figures.active_sites,
         help=t("overview.help.active_sites"))
kpi_card(columns[1], t, t("overview.kpi.available_units"), figures.available_units,
         help=t("overview.help.available_units"))
kpi_card(columns[2], t, t("overview.kpi.occupied_units"), figures.occupied_units)
kpi_card(columns[3], t, t("overview.kpi.vacant_units"), figures.vacant_units, lower_is_better=True)

st.subheader(t("overview.section.use"))
columns = st.columns(4)
kpi_card(columns[0], t, t("overview.kpi.occupancy"), figures.occupancy_rate, kind="percent",
         help=t("overview.help.occupancy"))
kpi_card(columns[1], t, t("overview.kpi.utilisation", days=UTILISATION_DAYS),
         figures.utilisation_90_days, kind="percent", help=t("overview.help.utilisation", days=UTILISATION_DAYS))
kpi_card(columns[2], t, t("overview.kpi.entries", days=FLOW_DAYS), figures.entries_30_days,
         neutral=True, help=t("overview.help.flows", days=FLOW_DAYS))
kpi_card(columns[3], t, t("overview.kpi.exits", days=FLOW_DAYS), figures.exits_30_days,
         neutral=True, help=t("overview.help.flows", days=FLOW_DAYS))

st.subheader(t("overview.section.households"))
by_axis = figures.households_followed_by_axis
columns = st.columns(max(4, len(by_axis) + 1))
kpi_card(columns[0], t, t("overview.kpi.households_followed"), figures.households_followed, neutral=True,
         help=t("overview.help.households_followed"))
for column, (axis, figure) in zip(columns[1:], sorted(by_axis.items()), strict=False):
    kpi_card(column, t, t("overview.kpi.households_of_axis", axis=axis_label(t, axis)), figure, neutral=True)

st.subheader(t("overview.section.contributions"))
columns = st.columns(4)
kpi_card(columns[0], t, t("overview.kpi.arrears"), figures.arrears, kind="money", lower_is_better=True,
         help=t("overview.help.arrears", threshold=Money(ARREARS_THRESHOLD)))


# --- alerts ----------------------------------------------------------------------------------------


def your_households(rows: pd.DataFrame) -> list[str]:
    return references_line(t, rows, everyone=actor.is_admin)


def alert(severity: str, title: str, lines: list[str], action: str, page: str, page_label: str, icon: str,
          sites: pd.Series | None = None, cases: int | None = None) -> None:
    alert_card(t, severity, title, lines, action, (page, page_label, icon), sites, cases=cases)


st.header(t("alert.title"))
shown = 0
conventions = read(conventions_ending, today, DEFAULT_WARNING_DAYS, filters)

overdue = conventions[conventions["status"] == ConventionStatus.OVERDUE]
if not overdue.empty:
    shown += 1
    alert(
        "urgent",
        t("alert.overdue.title", count=len(overdue), units=int(overdue["occupied_units"].sum())),
        [t.md("alert.overdue.line", site=row.site, operator=row.housing_operator,
           planned=row.planned_end_date, days=-row.days_to_end, occupied=row.occupied_units)
         for row in first_rows(overdue).itertuples()],
        t("alert.overdue.action"), "pages/sites.py", t("nav.sites"), ":material/apartment:",
        sites=overdue["site"], cases=len(overdue),
    )

ending = conventions[conventions["status"] == ConventionStatus.ENDING_SOON]
if not ending.empty:
    shown += 1
    alert(
        "to_do",
        t("alert.ending.title", count=len(ending), days=DEFAULT_WARNING_DAYS,
          units=int(ending["occupied_units"].sum())),
        [t.md("alert.ending.line", site=row.site, operator=row.housing_operator,
           end=row.actual_end_date or row.planned_end_date, days=row.days_to_end, occupied=row.occupied_units)
         for row in first_rows(ending).itertuples()],
        t("alert.ending.action"), "pages/sites.py", t("nav.sites"), ":material/apartment:",
        sites=ending["site"], cases=len(ending),
    )

running_outside = read(running_outside_convention, today, filters, scope)
if not running_outside.empty:
    shown += 1
    alert(
        "urgent",
        t("alert.outside.title", count=len(running_outside)),
        [t.md("alert.outside.line", site=site, count=count)
         for site, count in running_outside.groupby("site")["placement_id"].count().items()]
        + your_households(running_outside),
        t("alert.outside.action"), "pages/timeline.py", t("nav.timeline"), ":material/view_timeline:",
        sites=running_outside["site"],
    )

vacant = read(long_vacant_units, today, filters)
if not vacant.empty:
    shown += 1
    alert(
        "to_do",
        t("alert.vacant.title", count=len(vacant), days=VACANT_ALERT_DAYS),
        [t.md("alert.vacant.line", unit=row.unit, site=row.site, since=row.vacant_since,
           days=row.days_vacant) for row in first_rows(vacant).itertuples()],
        t("alert.vacant.action"), "pages/waiting_list.py", t("nav.waiting_list"), ":material/hourglass_top:",
        cases=len(vacant),
    )

uncovered = read(placed_without_contribution, today, filters, scope)
if not uncovered.empty:
    shown += 1
    alert(
        "to_do",
        t("alert.no_contribution.title", count=len(uncovered)),
        [t.md("alert.per_partner", partner=partner, count=count)
         for partner, count in uncovered.groupby("partner")["household_id"].count().items()]
        + your_households(uncovered),
        t("alert.no_contribution.action"), "pages/contributions.py", t("nav.contributions"),
        ":material/euro:",
    )

in_arrears = read_from(arrears_alert, balances_compared, (today, filters), ARREARS_THRESHOLD, scope)
if in_arrears.count:
    shown += 1
    alert(
        "to_do",
        t("alert.arrears.title", count=in_arrears.count, threshold=Money(ARREARS_THRESHOLD),
          total=Money(in_arrears.total)),
        [t.md("alert.arrears.line", partner=row.partner, count=int(row.households), amount=Money(row.amount))
         for row in in_arrears.per_partner.itertuples()]
        + your_households(in_arrears.references),
        t("alert.arrears.action"), "pages/contributions.py", t("nav.contributions"), ":material/euro:",
    )

if not shown:
    st.success(t("alert.none"), icon=":material/check_circle:")
