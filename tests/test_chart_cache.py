"""Charts built once per data (issue 13: building and validating the Altair charts took most of a dashboard's
rerun): the cached spec draws exactly what st.altair_chart draws, and a builder runs again only for new data
or another language."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st
from streamlit.testing.v1 import AppTest

from issue_core.charts.contributions import due_vs_paid
from issue_core.i18n import Translator
from issue_core.ui.components import cached_chart, cached_html, frame_fingerprint

CALLS: list[int] = []


def counted_chart(frame: pd.DataFrame, t: Translator):  # an Altair chart
    CALLS.append(len(frame))
    return due_vs_paid(frame, t)


def monthly(paid: float) -> pd.DataFrame:
    return pd.DataFrame({"month": [date(2026, 9, 1), date(2026, 10, 1)], "due": [100.0, 120.5],
                         "paid": [90.0, paid], "collection_rate": [0.9, paid / 120.5]})


def test_a_builder_runs_once_per_data_and_language():
    st.cache_data.clear()
    CALLS.clear()
    first = cached_chart(counted_chart, monthly(60.0), Translator("fr"))
    again = cached_chart(counted_chart, monthly(60.0), Translator("fr"))  # another translator, same language
    assert CALLS == [2]
    assert again == first
    cached_chart(counted_chart, monthly(61.0), Translator("fr"))  # new data
    cached_chart(counted_chart, monthly(61.0), Translator("nl"))  # another language: other texts
    assert CALLS == [2, 2, 2]


def counted_html(frame: pd.DataFrame, t: Translator) -> str:
    CALLS.append(len(frame))
    return f"<p>{t('common.all')}: {len(frame)}</p>"


def test_html_is_built_once_per_data_and_language():
    st.cache_data.clear()
    CALLS.clear()
    assert cached_html(counted_html, monthly(60.0), Translator("fr")) == "<p>Tous: 2</p>"
    assert cached_html(counted_html, monthly(60.0), Translator("fr")) == "<p>Tous: 2</p>"
    assert CALLS == [2]
    assert cached_html(counted_html, monthly(60.0), Translator("en")) == "<p>All: 2</p>"
    assert CALLS == [2, 2]


def test_a_frame_fingerprint_changes_with_any_cell_and_not_with_a_copy():
    texts = pd.DataFrame({"site": pd.array(["Dubrucq", "Fonsny", "Ninove"], dtype="string[pyarrow]"),
                          "units": [4, 6, 2], "start": [date(2026, 1, 1), date(2026, 2, 1), None]})
    assert frame_fingerprint(texts) == frame_fingerprint(texts.copy(deep=True))
    # a page derives its chart's frame the same way at every rerun, from a read's copy: the same digest
    assert frame_fingerprint(texts[texts["units"] > 2]) == frame_fingerprint(texts.copy()[texts["units"] > 2])
    changed = texts.copy()
    changed.loc[2, "site"] = "Ninove "
    assert frame_fingerprint(changed) != frame_fingerprint(texts)
    assert frame_fingerprint(texts.rename(columns={"units": "unit"})) != frame_fingerprint(texts)
    assert frame_fingerprint(texts.iloc[:2]) != frame_fingerprint(texts)


def draw_both_ways() -> None:
    from datetime import date

    import pandas as pd
    import streamlit as st

    from issue_core.charts.contributions import due_vs_paid
    from issue_core.i18n import Translator
    from issue_core.ui.components import cached_chart, draw_chart

    frame = pd.DataFrame({"month": [date(2026, 9, 1), date(2026, 10, 1)], "due": [100.0, 120.5],
                          "paid": [90.0, 60.0], "collection_rate": [0.9, 60 / 120.5]})
    st.altair_chart(due_vs_paid(frame, Translator("fr")), width="stretch")
    draw_chart(cached_chart(due_vs_paid, frame, Translator("fr")))


def test_the_cached_spec_draws_what_altair_chart_draws():
    app = AppTest.from_function(draw_both_ways)
    for _ in range(2):  # the second run draws from the cache
        app.run()
        assert not app.exception
        plain, cached = (chart.proto for chart in app.get("vega_lite_chart"))
        assert cached.spec == plain.spec
        assert [(d.name, d.data.data) for d in cached.datasets] == [(d.name, d.data.data) for d in plain.datasets]
        assert plain.datasets and '"mark"' in plain.spec
