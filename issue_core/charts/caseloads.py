"""Charts of the caseloads page: households per axis and partner, trend, flows, length of stay,
exit destinations, exits to durable housing.

DataFrame in, chart out. The frames hold translated labels already (the page prepares them); axis
colours come from palette.AXIS_COLOURS through axis_scale, the same on every page.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from issue_core.charts import BOX_FIGURES, axis_scale, readable

# Streamlit fits the whole chart, axes and legend included, in its height: room for them.
AXIS_ROOM = 70
LEGEND_ROOM = 160
WAITING_OPACITY = 0.4
# Entries and exits stand out; transfers (moves between ISSUE units) are shown apart, in greys.
FLOW_COLOURS = {"entries": "#2e9e5b", "exits": "#d64545", "transfers_in": "#9aa3ad", "transfers_out": "#5f6670"}
# Durable housing in greens, other temporary solutions in ambers, care in blue, the worst in reds/greys.
DESTINATION_COLOURS = {
    "durable_social_housing": "#1b7a43",
    "durable_private_housing": "#2e9e5b",
    "housing_first": "#7cc896",
    "other_temporary_housing": "#f0c05a",
    "emergency_shelter": "#f0a030",
    "care_institution": "#5b8def",
    "prison": "#8c564b",
    "street": "#d64545",
    "deceased": "#30343b",
    "unknown": "#c8ccd2",
    "other_issue_unit": "#9aa3ad",
}


def caseload_today(
    frame: pd.DataFrame, axis_labels: dict[int, str], status_labels: list[str], titles: dict[str, str]
) -> alt.TopLevelMixin:
    """Horizontal stacked bars, one per axis × partner: placed (solid) and waiting (pale), in the
    axis colour. frame: group, axis, status, households. status_labels: [placed, waiting].
    titles: group, households, axis, status."""
    groups = list(dict.fromkeys(frame["group"]))
    chart = alt.Chart(frame).mark_bar().encode(
        y=alt.Y("group:N", sort=groups, title=None, axis=alt.Axis(labelLimit=260)),
        x=alt.X("households:Q", title=titles["households"], stack="zero", axis=alt.Axis(tickMinStep=1, format="d")),
        color=alt.Color("axis:N", scale=axis_scale(axis_labels), title=titles["axis"]),
        opacity=alt.Opacity("status:N", scale=alt.Scale(domain=status_labels, range=[1.0, WAITING_OPACITY]),
                            title=titles["status"]),
        order=alt.Order("status_order:Q"),
        tooltip=[alt.Tooltip("group:N", title=titles["group"]), alt.Tooltip("status:N", title=titles["status"]),
                 alt.Tooltip("households:Q", title=titles["households"])],
    )
    return readable(chart, height=LEGEND_ROOM + 44 * len(groups))


def caseload_trend(frame: pd.DataFrame, axis_labels: dict[int, str], titles: dict[str, str]) -> alt.TopLevelMixin:
    """Lines of households followed per month, one per axis. frame: month (label, in order), axis,
    followed, placed, waiting. titles: month, followed, axis, placed, waiting."""
    months = list(dict.fromkeys(frame["month"]))
    chart = alt.Chart(frame).mark_line(strokeWidth=3, point=alt.OverlayMarkDef(size=60)).encode(
        x=alt.X("month:N", sort=months, title=titles["month"], axis=alt.Axis(labelAngle=-45)),
        y=alt.Y("followed:Q", title=titles["followed"]),
        color=alt.Color("axis:N", scale=axis_scale(axis_labels), title=titles["axis"]),
        tooltip=[alt.Tooltip("month:N", title=titles["month"]), alt.Tooltip("axis:N", title=titles["axis"]),
                 alt.Tooltip("followed:Q", title=titles["followed"], format=".1f"),
                 alt.Tooltip("placed:Q", title=titles["placed"], format=".1f"),
                 alt.Tooltip("waiting:Q", title=titles["waiting"], format=".1f")],
    )
    return readable(chart, height=420)


def flows(frame: pd.DataFrame, series_labels: dict[str, str], titles: dict[str, str]) -> alt.TopLevelMixin:
    """Grouped bars per month: entries, exits, and transfers in / out apart (greys).
    frame: month (label, in order), series (label), count. series_labels: key → label, in order.
    titles: month, count, series."""
    months = list(dict.fromkeys(frame["month"]))
    order = list(series_labels.values())
    colours = [FLOW_COLOURS[key] for key in series_labels]
    chart = alt.Chart(frame).mark_bar().encode(
        x=alt.X("month:N", sort=months, title=titles["month"], axis=alt.Axis(labelAngle=-45)),
        xOffset=alt.XOffset("series:N", sort=order),
        y=alt.Y("count:Q", title=titles["count"], axis=alt.Axis(tickMinStep=1, format="d")),
        color=alt.Color("series:N", scale=alt.Scale(domain=order, range=colours), title=titles["series"]),
        tooltip=[alt.Tooltip("month:N", title=titles["month"]), alt.Tooltip("series:N", title=titles["series"]),
                 alt.Tooltip("count:Q", title=titles["count"])],
    )
    return readable(chart, height=420)


def stay_distribution(frame: pd.DataFrame, axis_labels: dict[int, str], titles: dict[str, str]) -> alt.TopLevelMixin:
    """Box plots of the length of stay (months), one per axis, drawn from their five figures (the stays
    themselves never reach the browser): a line from the shortest to the longest, a box from the first to
    the third quartile, a tick at the median. frame: axis, shortest, q1, median, q3, longest (months).
    titles: axis, months, and one per figure of BOX_FIGURES (the tooltip's)."""
    order = [axis_labels[axis] for axis in sorted(axis_labels)]
    y = alt.Y("axis:N", sort=order, title=None)
    tooltip = [alt.Tooltip("axis:N", title=titles["axis"]),
               *(alt.Tooltip(f"{figure}:Q", title=titles[figure]) for figure in BOX_FIGURES)]
    base = alt.Chart(frame).encode(y=y, tooltip=tooltip)
    colour = alt.Color("axis:N", scale=axis_scale(axis_labels), title=titles["axis"], legend=None)
    whiskers = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("shortest:Q", title=titles["months"]), x2="longest:Q", color=colour)
    boxes = base.mark_bar(size=44).encode(x="q1:Q", x2="q3:Q", color=colour)
    medians = base.mark_tick(color="white", size=44, thickness=3).encode(x="median:Q")
    return readable(alt.layer(whiskers, boxes, medians), height=AXIS_ROOM + 60 * len(order))


def exit_destinations(
    frame: pd.DataFrame, destination_labels: dict[str, str], axis_labels: dict[int, str], titles: dict[str, str]
) -> alt.TopLevelMixin:
    """Horizontal stacked bars per axis, one segment per exit destination (durable ones first, in
    greens). frame: axis, destination (label), exits. destination_labels: key → label, in order.
    titles: axis, destination, exits."""
    order = list(destination_labels.values())
    colours = [DESTINATION_COLOURS.get(key, "#c8ccd2") for key in destination_labels]
    frame = frame.assign(position=frame["destination"].map({label: i for i, label in enumerate(order)}))
    chart = alt.Chart(frame).mark_bar().encode(
        y=alt.Y("axis:N", sort=[axis_labels[a] for a in sorted(axis_labels)], title=None),
        x=alt.X("exits:Q", title=titles["exits"], stack="zero", axis=alt.Axis(tickMinStep=1, format="d")),
        color=alt.Color("destination:N", scale=alt.Scale(domain=order, range=colours), title=titles["destination"],
                        legend=alt.Legend(columns=3, labelLimit=260)),
        order=alt.Order("position:Q"),
        tooltip=[alt.Tooltip("axis:N", title=titles["axis"]),
                 alt.Tooltip("destination:N", title=titles["destination"]),
                 alt.Tooltip("exits:Q", title=titles["exits"])],
    )
    return readable(chart, height=LEGEND_ROOM + 60 + 60 * len(axis_labels))


def durable_share(frame: pd.DataFrame, axis_labels: dict[int, str], titles: dict[str, str]) -> alt.TopLevelMixin:
    """Bars of the share of exits to durable housing per axis (0–100 %), the figure written on the
    bar. frame: axis, share (percent, 0–100; NaN when no exit), label (formatted), exits.
    titles: axis, share, exits."""
    order = [axis_labels[a] for a in sorted(axis_labels)]
    base = alt.Chart(frame).encode(
        y=alt.Y("axis:N", sort=order, title=None),
        x=alt.X("share:Q", title=titles["share"], scale=alt.Scale(domain=[0, 100])),
        tooltip=[alt.Tooltip("axis:N", title=titles["axis"]), alt.Tooltip("label:N", title=titles["share"]),
                 alt.Tooltip("exits:Q", title=titles["exits"])],
    )
    bars = base.mark_bar(size=40).encode(color=alt.Color("axis:N", scale=axis_scale(axis_labels), legend=None))
    labels = base.mark_text(align="left", dx=6, fontSize=16, fontWeight="bold").encode(text="label:N")
    return readable(alt.layer(bars, labels), height=AXIS_ROOM + 60 * len(order))
