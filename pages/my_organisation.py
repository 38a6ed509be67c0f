"""My organisation (the default page of coordinators and directors): their organisation's caseload, waiting
households, vacant reserved units and arrears today, and the overview's alerts that concern it (the rule:
docs/RULES.md, "My organisation"). Only the organisation's own households are named: the viewer's own."""

import pandas as pd
import streamlit as st

from issue_core import clock
from issue_core.errors import Money
from issue_core.models import Role
from issue_core.policy import (
    ARREARS_THRESHOLD,
    DEFAULT_WARNING_DAYS,
    ORGANISATION_LIST_ROWS,
    VACANT_ALERT_DAYS,
)
from issue_core.queries.screens.my_organisation import my_organisation
from issue_core.queries.sql.frames import money_sum
from issue_core.rules import ConventionStatus
from issue_core.ui.alerts import alert_card, first_rows, references_line
from issue_core.ui.components import axis_label
from issue_core.ui.data import read
from issue_core.ui.figures import money_column, number
from issue_core.ui.gate import require_role
from issue_core.ui.i18n import translator
from issue_core.ui.links import available_pages, link_to_page, placement_form_link, waiting_list_link
from issue_core.ui.site_links import site_link

PAYMENTS_PAGE = "pages/payments.py"

actor = require_role(Role.COORDINATOR, Role.DIRECTOR)
t = translator()
today = clock.today()

st.title(t("nav.my_organisation"))
if actor.organisation_id is None:
    st.info(t("my_organisation.no_organisation"), icon=":material/info:")
    st.stop()

mine = read(my_organisation, today, int(actor.organisation_id), rows=ORGANISATION_LIST_ROWS,
            threshold=ARREARS_THRESHOLD, warning_days=DEFAULT_WARNING_DAYS)
st.caption(t.md("my_organisation.caption", organisation=mine.organisation or "", today=today))


def money_page() -> tuple[str, str, str]:
    """Where the households' money is dealt with: the payments page for an editor, else the contributions."""
    if PAYMENTS_PAGE in available_pages():
        return PAYMENTS_PAGE, t("nav.payments"), ":material/payments:"
    return "pages/contributions.py", t("nav.contributions"), ":material/euro:"


def more_line(total: int, shown: int) -> None:
    if total > shown:
        st.caption(t("my_organisation.more", count=total - shown))


# --- key figures ----------------------------------------------------------------------------------------

owed = money_sum(mine.in_arrears["arrears"])
columns = st.columns(max(4, len(mine.caseload) + 1))
columns[0].metric(t("my_organisation.kpi.followed"), mine.followed, border=True,
                  help=t("my_organisation.help.followed"))
for column, row in zip(columns[1:], mine.caseload.itertuples(), strict=False):
    column.metric(t("my_organisation.kpi.followed_axis", axis=axis_label(t, row.axis_id)), int(row.followed),
                  border=True, help=t("my_organisation.help.axis", placed=int(row.placed), waiting=int(row.waiting)))
columns = st.columns(4)
columns[0].metric(t("my_organisation.kpi.waiting"), mine.waiting_total, border=True)
columns[1].metric(t("my_organisation.kpi.vacant"), len(mine.vacant), border=True,
                  help=t("my_organisation.help.vacant"))
columns[2].metric(t("my_organisation.kpi.in_arrears"), len(mine.in_arrears), border=True,
                  help=t("my_organisation.help.in_arrears", threshold=Money(ARREARS_THRESHOLD)))
columns[3].metric(t("my_organisation.kpi.owed"), t.money(owed), border=True)


# --- to do: the overview's alerts that concern the organisation -----------------------------------------


def your_households(rows: pd.DataFrame) -> list[str]:
    return references_line(t, rows)  # the organisation's own references


def alert(severity: str, title: str, lines: list[str], action: str, page: tuple[str, str, str],
          sites: pd.Series | None = None, cases: int | None = None) -> None:
    alert_card(t, severity, title, lines, action, page, sites, cases=cases)


def site_line(key: str, row, **params) -> str:
    """The overview's line for the site, then why it concerns the organisation (its households, its units)."""
    concerns = [t(name, count=count) for name, count in (("my_organisation.todo.housed", row.own_households),
                                                         ("my_organisation.todo.reserved", row.reserved_units))
                if count]
    return t.md(key, site=row.site, operator=row.housing_operator, occupied=row.occupied_units, **params) + \
        " — " + ", ".join(concerns)


st.header(t("my_organisation.todo.title"))
st.caption(t("my_organisation.todo.caption"))
shown = 0
SITES_PAGE = ("pages/sites.py", t("nav.sites"), ":material/apartment:")

overdue = mine.conventions[mine.conventions["status"] == ConventionStatus.OVERDUE]
if not overdue.empty:
    shown += 1
    alert("urgent", t("alert.overdue.title", count=len(overdue), units=int(overdue["occupied_units"].sum())),
          [site_line("alert.overdue.line", row, planned=row.planned_end_date, days=-row.days_to_end)
           for row in first_rows(overdue).itertuples()],
          t("alert.overdue.action"), SITES_PAGE, sites=overdue["site"], cases=len(overdue))

ending = mine.conventions[mine.conventions["status"] == ConventionStatus.ENDING_SOON]
if not ending.empty:
    shown += 1
    alert("to_do", t("alert.ending.title", count=len(ending), days=DEFAULT_WARNING_DAYS,
                     units=int(ending["occupied_units"].sum())),
          [site_line("alert.ending.line", row, end=row.actual_end_date or row.planned_end_date, days=row.days_to_end)
           for row in first_rows(ending).itertuples()],
          t("alert.ending.action"), SITES_PAGE, sites=ending["site"], cases=len(ending))

if not mine.outside.empty:
    shown += 1
    alert("urgent", t("alert.outside.title", count=len(mine.outside)),
          [t.md("alert.outside.line", site=site, count=count)
           for site, count in mine.outside.groupby("site")["placement_id"].count().items()]
          + your_households(mine.outside),
          t("alert.outside.action"), ("pages/timeline.py", t("nav.timeline"), ":material/view_timeline:"),
          sites=mine.outside["site"])

long_vacant = mine.vacant[mine.vacant["days_vacant"] > VACANT_ALERT_DAYS]
if not long_vacant.empty:
    shown += 1
    alert("to_do", t("alert.vacant.title", count=len(long_vacant), days=VACANT_ALERT_DAYS),
          [t.md("alert.vacant.line", unit=row.unit, site=row.site, since=row.vacant_since, days=row.days_vacant)
           for row in first_rows(long_vacant).itertuples()],
          t("alert.vacant.action"), ("pages/waiting_list.py", t("nav.waiting_list"), ":material/hourglass_top:"),
          cases=len(long_vacant))

if not mine.uncovered.empty:
    shown += 1
    alert("to_do", t("alert.no_contribution.title", count=len(mine.uncovered)), your_households(mine.uncovered),
          t("alert.no_contribution.action"), money_page())

if not mine.in_arrears.empty:
    shown += 1
    alert("to_do", t("alert.arrears.title", count=len(mine.in_arrears), threshold=Money(ARREARS_THRESHOLD),
                     total=Money(owed)),
          your_households(mine.in_arrears), t("alert.arrears.action"), money_page())

if not shown:
    st.success(t("my_organisation.todo.none"), icon=":material/check_circle:")


# --- the waiting households ------------------------------------------------------------------------------

st.header(t("my_organisation.waiting.title"))
if mine.waiting.empty:
    st.info(t("my_organisation.waiting.none"))
else:
    st.dataframe(
        pd.DataFrame({
            t("my_organisation.col.reference"): mine.waiting["reference"],
            t("my_organisation.col.axis"): [axis_label(t, axis) for axis in mine.waiting["axis_id"]],
            t("my_organisation.col.days_waiting"): mine.waiting["days_waiting"],
            t("my_organisation.col.composition"): [
                t("my_organisation.composition", adults=adults, children=children)
                for adults, children in zip(mine.waiting["adults"], mine.waiting["children"], strict=True)],
            t("my_organisation.col.bedrooms"): [
                t("waiting.needs.studio") if bedrooms == 0 else t("waiting.needs.bedrooms", bedrooms=bedrooms)
                for bedrooms in mine.waiting["bedrooms_needed"]],
        }),
        hide_index=True, width="stretch",
    )
    more_line(mine.waiting_total, len(mine.waiting))
link_to_page(t, "pages/waiting_list.py", t("nav.waiting_list"), ":material/hourglass_top:")


# --- the vacant reserved units ---------------------------------------------------------------------------

st.header(t("my_organisation.vacant.title"))
st.caption(t("my_organisation.vacant.caption"))
if mine.vacant.empty:
    st.info(t("my_organisation.vacant.none"))
for row in mine.vacant.head(ORGANISATION_LIST_ROWS).itertuples():
    with st.container(border=True):
        site, unit, candidates, place = st.columns([3, 4, 2, 3], vertical_alignment="center")
        with site:
            site_link(t, row.site)
        unit.markdown(t.md("my_organisation.vacant.line", unit=row.unit, since=row.vacant_since, days=row.days_vacant))
        with candidates:
            waiting_list_link(t, row.unit_id)
        with place:
            placement_form_link(t, row.unit_id)
more_line(len(mine.vacant), ORGANISATION_LIST_ROWS)


# --- the arrears -----------------------------------------------------------------------------------------

st.header(t("my_organisation.arrears.title", threshold=t.money(ARREARS_THRESHOLD)))
if mine.in_arrears.empty:
    st.success(t("my_organisation.arrears.none"))
else:
    listed = mine.in_arrears.head(ORGANISATION_LIST_ROWS)
    st.dataframe(
        pd.DataFrame({
            t("my_organisation.col.reference"): listed["reference"],
            t("my_organisation.col.arrears"): money_column(t, listed["arrears"]),
            t("my_organisation.col.monthly"): [t.money(amount) if pd.notna(amount) else "—"
                                               for amount in listed["monthly_amount"]],
            t("my_organisation.col.months"): [number(t, months) if months is not None else "—"
                                              for months in listed["months"]],
        }),
        hide_index=True, width="stretch",
    )
    more_line(len(mine.in_arrears), len(listed))
    st.caption(t("my_organisation.arrears.total", count=len(mine.in_arrears), total=Money(owed)))
link_to_page(t, *money_page())
