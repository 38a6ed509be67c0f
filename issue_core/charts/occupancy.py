"""Charts of the occupancy page: units available vs occupied per month, vacancy per site.

DataFrame in, chart out. The frames hold translated labels already (the page prepares them); the
builders take the field names and titles as arguments where a user reads them.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from issue_core.charts import BOX_FIGURES, axis_scale, month_label, readable
from issue_core.i18n import Translator

# st.badge colours closest to palette.AXIS_COLOURS (blue, orange, violet), for the unit tiles.
AXIS_BADGE_COLOURS = {1: "blue", 2: "orange", 3: "violet"}
# Streamlit fits the whole chart, axes included, in its height: room for them.
AXIS_ROOM = 70
AVAILABLE_COLOUR = "#30343b"
VACANT_COLOUR = "#d64545"
GAP_COLOUR = "#8a8f98"


def monthly_table(monthly: pd.DataFrame, axis_labels: dict[int, str], t: Translator
                  ) -> tuple[pd.DataFrame, dict[str, str]]:
    """The frame and titles monthly_units draws, from a monthly occupancy read (month, axis_id,
    occupied_units, available_units: metrics.monthly_occupancy, site_page.monthly_site_occupancy):
    month (label), axis (label), occupied and available (units, to a tenth); titles: month, units, axis,
    available (translated). The occupancy page and the site page draw the same chart from it."""
    frame = pd.DataFrame({
        "month": [month_label(month) for month in monthly["month"]],
        "axis": monthly["axis_id"].map(axis_labels),
        "occupied": monthly["occupied_units"].round(1),
        "available": monthly["available_units"].round(1),
    })
    titles = {"month": t("occupancy.col.month"), "units": t("occupancy.col.units"), "axis": t("occupancy.col.axis"),
              "available": t("occupancy.col.available")}
    return frame, titles


def monthly_units(frame: pd.DataFrame, axis_labels: dict[int, str], titles: dict[str, str]) -> alt.TopLevelMixin:
    """Stacked bars of occupied units by axis per month, and a line of available units.

    frame: month (label, in order), axis (label), occupied (units), available (units, repeated on
    each axis row of a month). titles: month, units, axis, available."""
    months = list(dict.fromkeys(frame["month"]))
    x = alt.X("month:N", sort=months, title=titles["month"], axis=alt.Axis(labelAngle=-45))
    bars = alt.Chart(frame).mark_bar().encode(
        x=x,
        y=alt.Y("sum(occupied):Q", title=titles["units"], stack="zero"),
        color=alt.Color("axis:N", scale=axis_scale(axis_labels), title=titles["axis"]),
        order=alt.Order("axis:N"),
        tooltip=[alt.Tooltip("month:N", title=titles["month"]), alt.Tooltip("axis:N", title=titles["axis"]),
                 alt.Tooltip("occupied:Q", title=titles["units"], format=".1f")],
    )
    available = frame.drop_duplicates("month")[["month", "available"]]
    line = alt.Chart(available).mark_line(color=AVAILABLE_COLOUR, strokeWidth=3, point=alt.OverlayMarkDef(
        color=AVAILABLE_COLOUR, size=50)).encode(
        x=x,
        y=alt.Y("available:Q"),
        tooltip=[alt.Tooltip("month:N", title=titles["month"]),
                 alt.Tooltip("available:Q", title=titles["available"], format=".1f")],
    )
    return readable(alt.layer(bars, line), height=460)


def vacant_days_by_site(frame: pd.DataFrame, titles: dict[str, str]) -> alt.TopLevelMixin:
    """Horizontal bars: vacant unit-days lost per site, the figure written at the end of each bar.

    frame: site, vacant_days. titles: site, vacant_days."""
    order = frame.sort_values("vacant_days", ascending=False)["site"].tolist()
    y = alt.Y("site:N", sort=order, title=titles["site"])
    base = alt.Chart(frame).encode(
        y=y,
        x=alt.X("vacant_days:Q", title=titles["vacant_days"]),
        tooltip=[alt.Tooltip("site:N", title=titles["site"]),
                 alt.Tooltip("vacant_days:Q", title=titles["vacant_days"])],
    )
    bars = base.mark_bar(color=VACANT_COLOUR)
    labels = base.mark_text(align="left", dx=6, fontSize=14).encode(text="vacant_days:Q")
    return readable(alt.layer(bars, labels), height=AXIS_ROOM + 48 * len(order))


def vacancy_gaps(frame: pd.DataFrame, titles: dict[str, str]) -> alt.TopLevelMixin:
    """Per site, a box plot of the gaps between two placements of its units (days), drawn from its five
    figures (the gaps themselves never reach the browser): a line from the shortest to the longest, a box
    from the first to the third quartile, a tick at the median.

    frame: site, gaps, shortest, q1, median, q3, longest. titles: site, gap_days, gaps, and one per figure
    (shortest, q1, median, q3, longest) for the tooltip."""
    order = sorted(frame["site"].unique().tolist())
    base = alt.Chart(frame).encode(
        y=alt.Y("site:N", sort=order, title=titles["site"]),
        tooltip=[alt.Tooltip("site:N", title=titles["site"]), alt.Tooltip("gaps:Q", title=titles["gaps"]),
                 *(alt.Tooltip(f"{figure}:Q", title=titles[figure]) for figure in BOX_FIGURES)],
    )
    whiskers = base.mark_rule(color=GAP_COLOUR, strokeWidth=2).encode(
        x=alt.X("shortest:Q", title=titles["gap_days"]), x2="longest:Q")
    boxes = base.mark_bar(color=GAP_COLOUR, opacity=0.7, size=28).encode(x="q1:Q", x2="q3:Q")
    medians = base.mark_tick(color=AVAILABLE_COLOUR, thickness=4, size=36).encode(x="median:Q")
    return readable(alt.layer(whiskers, boxes, medians), height=AXIS_ROOM + 56 * len(order))
