"""Widgets shared by the dashboard pages: filters, KPI cards, and "every chart has its numbers"."""

from __future__ import annotations

from datetime import date, timedelta

import altair as alt
import pandas as pd
import streamlit as st

from issue_core import clock
from issue_core.export import to_csv
from issue_core.i18n import Translator
from issue_core.queries.filters import Filters
from issue_core.queries.reference import axes, organisations, sites
from issue_core.ui.data import read

DEFAULT_PERIOD_DAYS = 365


def axis_label(t: Translator, axis_id: int) -> str:
    return t("common.axis", axis=axis_id)


FILTER_KEYS = ("flt_period", "flt_axes", "flt_partners", "flt_operators", "flt_sites")


def keep_filters() -> None:
    """Streamlit forgets a widget's value on a run that does not draw it; app.py calls this on every
    run so the filters survive a visit to a page without them (re-assigning a key keeps it)."""
    for key in FILTER_KEYS:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def dashboard_filters(t: Translator, *, period: bool = True) -> tuple[Filters, date, date]:
    """Filters in the sidebar, shared by every dashboard page (kept while moving between pages).
    Returns the filters and the period [start, end) — end is the day after the last day chosen."""
    today = clock.today()
    partner_rows = read(organisations, kinds=("partner",))
    operator_rows = read(organisations, kinds=("housing_operator",))
    site_rows = read(sites)
    axis_ids = read(axes)["id"].tolist()
    with st.sidebar.expander(t("filters.title"), expanded=False, icon=":material/filter_list:"):
        start, last = today - timedelta(days=DEFAULT_PERIOD_DAYS - 1), today
        if period:
            chosen = st.date_input(t("filters.period"), (start, last), format="DD/MM/YYYY", key="flt_period")
            if isinstance(chosen, tuple) and len(chosen) == 2:
                start, last = chosen
        chosen_axes = st.multiselect(t("filters.axes"), axis_ids, format_func=lambda a: axis_label(t, a),
                                     key="flt_axes", placeholder=t("common.all"))
        partners = st.multiselect(t("filters.partners"), partner_rows["id"].tolist(),
                                  format_func=dict(zip(partner_rows["id"], partner_rows["short_name"])).get,
                                  key="flt_partners", placeholder=t("common.all"))
        operators = st.multiselect(t("filters.operators"), operator_rows["id"].tolist(),
                                   format_func=dict(zip(operator_rows["id"], operator_rows["short_name"])).get,
                                   key="flt_operators", placeholder=t("common.all"))
        chosen_sites = st.multiselect(t("filters.sites"), site_rows["id"].tolist(),
                                      format_func=dict(zip(site_rows["id"], site_rows["name"])).get,
                                      key="flt_sites", placeholder=t("common.all"))
    filters = Filters(axis_ids=tuple(chosen_axes), partner_ids=tuple(partners),
                      housing_operator_ids=tuple(operators), site_ids=tuple(chosen_sites))
    return filters, start, last + timedelta(days=1)


def numbers(t: Translator, frame: pd.DataFrame, name: str) -> None:
    """The table behind a chart, and its CSV (formulas neutralised)."""
    with st.expander(t("common.numbers"), icon=":material/table:"):
        st.dataframe(frame, hide_index=True, width="stretch")
        st.download_button(
            t("common.download_csv"), data=to_csv(frame), file_name=f"issue-{name}-{clock.today().isoformat()}.csv",
            mime="text/csv", key=f"csv-{name}", icon=":material/download:",
        )


def chart_with_numbers(t: Translator, chart: alt.TopLevelMixin, frame: pd.DataFrame, name: str) -> None:
    st.altair_chart(chart, width="stretch")
    numbers(t, frame, name)
