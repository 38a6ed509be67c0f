"""Altair builders: DataFrame in, chart out, no I/O, no Streamlit.

One colour per axis and per convention status everywhere (issue_core.palette); large enough type to
read on a projector. Labels come translated from the page (the builders take them as arguments).
"""

from __future__ import annotations

import altair as alt

from issue_core.palette import AXIS_COLOURS, STATUS_COLOURS

FONT_SIZE = 14
TITLE_SIZE = 16
# A month is written one way on every chart (a temporal axis's d3 format), table, tooltip and file, in
# every language: 11/2026. Vega-Lite's month names would be English whatever the user's language.
MONTH_FORMAT = "%m/%Y"
# The fields of a box plot drawn from its figures (queries.sql.frames.box_figures, in the chart's unit).
BOX_FIGURES = ("shortest", "q1", "median", "q3", "longest")


def month_label(month) -> str:  # noqa: ANN001 (a date, datetime or pandas Timestamp)
    """11/2026: the label of a month on a chart's axis, in a table or a file."""
    return month.strftime(MONTH_FORMAT)


def axis_scale(labels: dict[int, str]) -> alt.Scale:
    """Colour scale for a field holding axis labels (labels: axis id → translated label)."""
    ids = sorted(labels)
    return alt.Scale(domain=[labels[i] for i in ids], range=[AXIS_COLOURS[i] for i in ids])


def status_scale(labels: dict[str, str]) -> alt.Scale:
    """Colour scale for a field holding convention-status labels (labels: status → translated label)."""
    keys = [key for key in STATUS_COLOURS if key in labels]
    return alt.Scale(domain=[labels[k] for k in keys], range=[STATUS_COLOURS[k] for k in keys])


def readable(chart: alt.TopLevelMixin, height: int = 320) -> alt.TopLevelMixin:
    """Projector-friendly sizes and no chart-level toolbar clutter."""
    return (
        chart.properties(height=height)
        .configure_axis(labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE)
        .configure_legend(labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE, orient="top")  # a bottom legend gets clipped
        .configure_title(fontSize=TITLE_SIZE)
        .configure_view(strokeWidth=0)
    )
