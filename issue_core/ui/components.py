"""Widgets shared by the dashboard pages: filters, KPI cards, and "every chart has its numbers"."""

from __future__ import annotations

import hashlib
import importlib
import pickle
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

# Streamlit's own conversion of an Altair chart (the spec, its data as Arrow): what st.altair_chart sends.
from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec

from issue_core import clock
from issue_core.export import CSV_LAYOUTS, to_csv
from issue_core.i18n import Translator
from issue_core.policy import DEFAULT_PERIOD_DAYS
from issue_core.queries.screens.reference import filter_choices
from issue_core.queries.sql.filters import Filters
from issue_core.ui.data import read


def axis_label(t: Translator, axis_id: int) -> str:
    return t("common.axis", axis=axis_id)


KEPT = "session"  # persist_state: a filter keeps its value on the pages that do not draw it


def dashboard_filters(t: Translator, *, period: bool = True) -> tuple[Filters, date, date]:
    """Filters in the sidebar, shared by every dashboard page (kept while moving between pages, also
    through a page without them: Streamlit's persist_state, no write through Session State, which
    would make Streamlit warn about a widget with a default value).
    Returns the filters and the period [start, end) — end is the day after the last day chosen."""
    today = clock.today()
    choices = read(filter_choices)
    with st.sidebar.expander(t("filters.title"), expanded=False, icon=":material/filter_list:"):
        start, last = today - timedelta(days=DEFAULT_PERIOD_DAYS - 1), today
        if period:
            chosen = st.date_input(t("filters.period"), (start, last), format="DD/MM/YYYY", key="flt_period",
                                   persist_state=KEPT)
            if isinstance(chosen, tuple) and len(chosen) == 2:
                start, last = chosen
        chosen_axes = st.multiselect(t("filters.axes"), choices.axis_ids, format_func=lambda a: axis_label(t, a),
                                     key="flt_axes", placeholder=t("common.all"), persist_state=KEPT)
        partners = st.multiselect(t("filters.partners"), list(choices.partners), format_func=choices.partners.get,
                                  key="flt_partners", placeholder=t("common.all"), persist_state=KEPT)
        operators = st.multiselect(t("filters.operators"), list(choices.operators), format_func=choices.operators.get,
                                   key="flt_operators", placeholder=t("common.all"), persist_state=KEPT)
        chosen_sites = st.multiselect(t("filters.sites"), list(choices.sites), format_func=choices.sites.get,
                                      key="flt_sites", placeholder=t("common.all"), persist_state=KEPT)
    filters = Filters(axis_ids=tuple(chosen_axes), partner_ids=tuple(partners),
                      housing_operator_ids=tuple(operators), site_ids=tuple(chosen_sites))
    return filters, start, last + timedelta(days=1)


def numbers_key(name: str) -> str:
    """The key of the expander holding the numbers of the chart `name` (its state says whether it is open)."""
    return f"numbers-{name}"


def numbers(t: Translator, frame: pd.DataFrame, name: str, data: pd.DataFrame | None = None) -> None:
    """The table behind a chart (`frame`, formatted for the screen in the user's language) and its CSV,
    built on a click, in two layouts (export.CSV_LAYOUTS): plain, and for Excel in Belgium (";" and a
    decimal comma). The CSV holds `data` — numbers, not formatted text — or `frame` when it has
    no formatted amounts; formulas neutralised. The table and its buttons are sent once the expander is open
    (opening it reruns the page): a dashboard's closed expanders, a table and two buttons per chart, took a tenth
    of its every rerun."""
    rows = frame if data is None else data
    stamp = clock.today().isoformat()
    with st.expander(t("common.numbers"), icon=":material/table:", key=numbers_key(name), on_change="rerun") as box:
        if not box.open:
            return
        st.dataframe(frame, hide_index=True, width="stretch")
        buttons = st.columns(len(CSV_LAYOUTS))
        for column, layout in zip(buttons, CSV_LAYOUTS, strict=True):
            suffix = "" if layout == "plain" else f"-{layout}"
            column.download_button(
                t(f"common.download_csv.{layout}"), data=lambda layout=layout: to_csv(rows, layout),
                file_name=f"issue-{name}-{stamp}{suffix}.csv", mime="text/csv", key=f"csv-{name}{suffix}",
                icon=":material/download:", on_click="ignore", help=t(f"common.download_csv.{layout}_help"),
            )


def frame_fingerprint(frame: pd.DataFrame) -> bytes:
    """A digest of everything a frame holds (its pickle is a faithful copy: equal digests, equal frames; a frame
    built the same way, as a page does at every rerun, has the same digest). Four times faster than Streamlit's
    own hashing of a frame, which copies every text column of Arrow strings into Python objects: that took a
    seventh of a busy server's time, at every rerun of every chart."""
    return hashlib.blake2b(pickle.dumps(frame, protocol=pickle.HIGHEST_PROTOCOL), digest_size=20).digest()


# A builder given the translator gets the same result for the same language.
@st.cache_data(show_spinner=False, max_entries=256, ttl=6 * 3600,
               hash_funcs={Translator: lambda t: t.language, pd.DataFrame: frame_fingerprint})
def _built(module: str, name: str, args: tuple, kwargs: tuple, chart: bool) -> Any:
    builder = getattr(importlib.import_module(module), name)
    result = builder(*args, **dict(kwargs))
    return _convert_altair_to_vega_lite_spec(result) if chart else result


def cached_chart(builder: Callable[..., alt.TopLevelMixin], *args: Any, **kwargs: Any) -> dict:
    """The Vega-Lite spec of `builder(*args, **kwargs)` (a builder of issue_core.charts), built once per
    arguments: building an Altair chart and validating its spec take most of a dashboard's rerun, and the
    same data gives the same chart. Draw it with draw_chart or chart_with_numbers."""
    return _built(module=builder.__module__, name=builder.__qualname__, args=args,  # by keyword: see ui.data
                  kwargs=tuple(sorted(kwargs.items())), chart=True)


def cached_html(builder: Callable[..., str], *args: Any, **kwargs: Any) -> str:
    """`builder(*args, **kwargs)`, a pure function writing HTML (the occupancy board's tiles), built once per
    arguments as cached_chart does."""
    return _built(module=builder.__module__, name=builder.__qualname__, args=args, kwargs=tuple(sorted(kwargs.items())),
                  chart=False)


def draw_chart(chart: alt.TopLevelMixin | dict) -> None:
    """st.altair_chart, for an Altair chart or the spec of cached_chart (the same element in the page)."""
    if isinstance(chart, dict):
        st.vega_lite_chart(chart, width="stretch")
    else:
        st.altair_chart(chart, width="stretch")


def chart_with_numbers(
    t: Translator, chart: alt.TopLevelMixin | dict, frame: pd.DataFrame, name: str, data: pd.DataFrame | None = None
) -> None:
    draw_chart(chart)
    numbers(t, frame, name, data)
