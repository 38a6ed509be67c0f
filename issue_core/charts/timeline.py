"""The timeline: a Gantt of the conventions, and a site's units as lanes of placements.
DataFrame in, altair chart out; texts come translated through the Translator passed in."""

from __future__ import annotations

from datetime import date, timedelta

import altair as alt
import pandas as pd

from issue_core.charts import FONT_SIZE, MONTH_FORMAT, axis_scale, month_label, readable, status_scale
from issue_core.i18n import Translator, format_number
from issue_core.palette import STATUS_COLOURS
from issue_core.rules import ConventionStatus

OVERDUE = ConventionStatus.OVERDUE
ONE_DAY = timedelta(days=1)
TODAY_COLOUR = "#c2185b"
UNAVAILABLE_COLOUR = "#5f6670"
CONVENTION_BAND = "#e9ecf0"
DATE_AXIS = alt.Axis(format=MONTH_FORMAT, labelAngle=0, tickCount="year", grid=True, labelFontSize=FONT_SIZE)
ROW_HEIGHT = 42
# Above the plot: Streamlit gives the chart the height asked for, and a legend below it is cut off.
LEGEND = alt.Legend(orient="top", direction="horizontal", titleOrient="left", symbolOpacity=1, symbolStrokeWidth=0)


def _today_layers(today: date, label: str) -> alt.LayerChart:
    frame = pd.DataFrame({"day": [pd.Timestamp(today)], "label": [label]})
    rule = alt.Chart(frame).mark_rule(color=TODAY_COLOUR, strokeWidth=2, strokeDash=[6, 4]).encode(x="day:T")
    text = alt.Chart(frame).mark_text(
        color=TODAY_COLOUR, align="left", baseline="top", dx=4, dy=-14, fontSize=FONT_SIZE, fontWeight="bold"
    ).encode(x="day:T", y=alt.value(0), text="label:N")
    return rule + text


def row_labels(frame: pd.DataFrame) -> list[str]:
    """One row per convention: the site's name, with its start month when the site has several."""
    several = frame["site"].duplicated(keep=False)
    return [
        f"{site} ({month_label(start)})" if many else str(site)
        for site, start, many in zip(frame["site"], frame["start_date"], several, strict=True)
    ]


def convention_segments(frame: pd.DataFrame, today: date, t: Translator) -> pd.DataFrame:
    """The bars of the Gantt, one to three per convention (ends are inclusive days, drawn to the
    next day):
    - "within": from the start to the planned end, or to the actual end when it came earlier;
    - "beyond": past the planned end — to today when overdue, to the actual end when it ran late;
    - "unused": from an early actual end to the planned end (the planned period not used)."""
    rows = []
    for label, row in zip(row_labels(frame), frame.itertuples(), strict=True):
        status = row.status
        planned, actual = row.planned_end_date, row.actual_end_date
        actual = None if actual is None or pd.isna(actual) else actual
        if actual is not None:
            reached = actual
        elif status == OVERDUE:
            reached = max(today, planned)
        else:
            reached = planned
        common = {
            "row": label,
            "site": row.site,
            "status": t(f"status.{status}"),
            "start": t.date(row.start_date),
            "planned_end": t.date(planned),
            "actual_end": t.date(actual) if actual else "—",
            "duration": t("timeline.months", months=format_number(row.duration_months, t.language)),
            "housing_operator": row.housing_operator,
        }
        within_end = min(reached, planned)
        rows.append({**common, "part": "within", "from": row.start_date, "to": within_end + ONE_DAY})
        if reached > planned:
            rows.append({**common, "part": "beyond", "from": planned + ONE_DAY, "to": reached + ONE_DAY})
        if actual is not None and actual < planned:
            rows.append({**common, "part": "unused", "from": actual + ONE_DAY, "to": planned + ONE_DAY})
    segments = pd.DataFrame(rows)
    if not segments.empty:
        segments["from"] = pd.to_datetime(segments["from"])
        segments["to"] = pd.to_datetime(segments["to"])
        segments["part_label"] = segments["part"].map(lambda p: t(f"timeline.part.{p}"))
    return segments


def conventions_gantt(frame: pd.DataFrame, today: date, t: Translator) -> alt.TopLevelMixin:
    """frame: conventions_timeline. Bars coloured by status; the planned end is a black tick; past
    it, a lighter bar with a dashed outline; an early end leaves the unused planned period as an
    outline only; the duration in months is written after each bar; a line marks today."""
    segments = convention_segments(frame, today, t)
    rows = row_labels(frame)
    statuses = {s: t(f"status.{s}") for s in STATUS_COLOURS if s in set(frame["status"])}
    tooltip = [
        alt.Tooltip("site:N", title=t("timeline.col.site")),
        alt.Tooltip("housing_operator:N", title=t("timeline.col.housing_operator")),
        alt.Tooltip("status:N", title=t("timeline.col.status")),
        alt.Tooltip("start:N", title=t("timeline.col.start")),
        alt.Tooltip("planned_end:N", title=t("timeline.col.planned_end")),
        alt.Tooltip("actual_end:N", title=t("timeline.col.actual_end")),
        alt.Tooltip("duration:N", title=t("timeline.col.duration")),
        alt.Tooltip("part_label:N", title=t("timeline.col.part")),
    ]
    y = alt.Y("row:N", sort=rows, title=None, axis=alt.Axis(labelFontSize=FONT_SIZE, labelLimit=220))
    x = alt.X("from:T", title=None, axis=DATE_AXIS)
    colour = alt.Color("status:N", scale=status_scale(statuses), title=t("timeline.col.status"), legend=LEGEND)
    base = alt.Chart(segments).encode(y=y, tooltip=tooltip)
    within = base.transform_filter(alt.datum.part == "within").mark_bar(height=22, cornerRadius=2).encode(
        x=x, x2="to:T", color=colour
    )
    beyond = base.transform_filter(alt.datum.part == "beyond").mark_bar(
        height=22, opacity=0.45, strokeDash=[5, 3], strokeWidth=2
    ).encode(x=x, x2="to:T", color=colour, stroke=alt.Color("status:N", scale=status_scale(statuses), legend=None))
    unused = base.transform_filter(alt.datum.part == "unused").mark_bar(
        height=22, fill="white", fillOpacity=0.6, strokeDash=[4, 3], strokeWidth=1.5
    ).encode(x=x, x2="to:T", stroke=alt.Color("status:N", scale=status_scale(statuses), legend=None))

    ends = pd.DataFrame(
        {
            "row": rows,
            "planned": pd.to_datetime([d + ONE_DAY for d in frame["planned_end_date"]]),
            "label_at": pd.to_datetime(
                [
                    max(d + ONE_DAY for d in (p, today if s == OVERDUE else p, a if a and pd.notna(a) else p))
                    for p, a, s in zip(
                        frame["planned_end_date"], frame["actual_end_date"], frame["status"], strict=True
                    )
                ]
            ),
            "duration": [t("timeline.months", months=format_number(m, t.language)) for m in frame["duration_months"]],
            "planned_end": [t("timeline.planned_end_on", day=d) for d in frame["planned_end_date"]],
        }
    )
    ticks = alt.Chart(ends).mark_tick(color="#111", thickness=3, size=30).encode(
        x="planned:T",
        y=alt.Y("row:N", sort=rows),
        tooltip=alt.Tooltip("planned_end:N", title=t("timeline.col.planned_end")),
    )
    labels = alt.Chart(ends).mark_text(align="left", dx=8, fontSize=FONT_SIZE, fontWeight="bold", color="#222").encode(
        x="label_at:T", y=alt.Y("row:N", sort=rows), text="duration:N"
    )
    chart = alt.layer(within, beyond, unused, ticks, labels, _today_layers(today, t("timeline.today", day=today)))
    return readable(chart, height=max(len(rows), 1) * ROW_HEIGHT + 40)


def lane_periods(periods: pd.DataFrame, today: date, t: Translator) -> pd.DataFrame:
    """The bars of the lanes: placements (axis label, household as the viewer may see it) and
    unavailability periods; a running one is drawn to today. periods: unit_periods, for the
    viewer's scope (a reference it may not see is None)."""
    rows = []
    for row in periods.itertuples():
        running = row.end_date is None or pd.isna(row.end_date)
        end = max(today + ONE_DAY, row.start_date + ONE_DAY) if running else row.end_date
        placement = row.kind == "placement"
        if placement:
            who = row.reference if isinstance(row.reference, str) and row.reference else t(
                "timeline.household_of", partner=row.partner
            )
            what = t("common.axis", axis=int(row.axis_id))
        else:
            who, what = row.reason or "", t("timeline.unavailable")
        rows.append(
            {
                "unit": row.unit,
                "kind": row.kind,
                "from": pd.Timestamp(row.start_date),
                "to": pd.Timestamp(end),
                "what": what,
                "who": who,
                "partner": row.partner if placement else "—",
                "start": t.date(row.start_date),
                # end_date as stored: the day the unit is left (the range is half-open).
                "end": t("timeline.running") if running else t.date(row.end_date),
                "days": (end - row.start_date).days,
                "exit": (
                    t(f"exit.{row.exit_destination}")
                    if placement and isinstance(row.exit_destination, str) else "—"
                ),
            }
        )
    columns = ["unit", "kind", "from", "to", "what", "who", "partner", "start", "end", "days", "exit"]
    return pd.DataFrame(rows, columns=columns)


def unit_lanes(
    units: pd.DataFrame, periods: pd.DataFrame, conventions: pd.DataFrame, today: date, t: Translator
) -> alt.TopLevelMixin:
    """One lane per unit (units: site_units): a light band for the site's conventions (to today
    while overdue), placements coloured by axis on it, unavailability in dark grey; what is left of
    the band is vacancy. periods: unit_periods (references already hidden); conventions: the site's
    rows of conventions_timeline."""
    lanes = units["unit"].astype(str).tolist()
    bars = lane_periods(periods, today, t)
    bands = pd.DataFrame(
        [
            {
                "unit": unit,
                "from": pd.Timestamp(row.start_date),
                "to": pd.Timestamp(
                    (row.actual_end_date if row.actual_end_date is not None and pd.notna(row.actual_end_date)
                     else max(today, row.planned_end_date) if row.status == OVERDUE else row.planned_end_date)
                    + ONE_DAY
                ),
                "convention": t("timeline.convention_span", start=row.start_date, end=row.planned_end_date),
            }
            for row in conventions.itertuples()
            for unit in lanes
        ],
        columns=["unit", "from", "to", "convention"],
    )
    y = alt.Y("unit:N", sort=lanes, title=None, axis=alt.Axis(labelFontSize=FONT_SIZE))
    x = alt.X("from:T", title=None, axis=DATE_AXIS)
    band = alt.Chart(bands).mark_bar(height=26, color=CONVENTION_BAND).encode(
        x=x, x2="to:T", y=y, tooltip=alt.Tooltip("convention:N", title=t("timeline.col.convention"))
    )
    tooltip = [
        alt.Tooltip("unit:N", title=t("timeline.col.unit")),
        alt.Tooltip("what:N", title=t("timeline.col.what")),
        alt.Tooltip("who:N", title=t("timeline.col.who")),
        alt.Tooltip("partner:N", title=t("timeline.col.partner")),
        alt.Tooltip("start:N", title=t("timeline.col.from")),
        alt.Tooltip("end:N", title=t("timeline.col.to")),
        alt.Tooltip("days:Q", title=t("timeline.col.days")),
        alt.Tooltip("exit:N", title=t("timeline.col.exit")),
    ]
    axis_labels = {i: t("common.axis", axis=i) for i in (1, 2, 3)}
    placed = alt.Chart(bars).transform_filter(alt.datum.kind == "placement").mark_bar(
        height=20, cornerRadius=2, stroke="white", strokeWidth=1
    ).encode(
        x=x, x2="to:T", y=y, tooltip=tooltip,
        color=alt.Color("what:N", scale=axis_scale(axis_labels), title=t("timeline.legend.axis"), legend=LEGEND),
    )
    unavailable_label = t("timeline.unavailable")
    unavailable = alt.Chart(bars).transform_filter(alt.datum.kind == "unavailable").mark_bar(
        height=12, opacity=0.85
    ).encode(
        x=x, x2="to:T", y=y, tooltip=tooltip,
        fill=alt.Fill(
            "what:N", scale=alt.Scale(domain=[unavailable_label], range=[UNAVAILABLE_COLOUR]),
            title=None, legend=LEGEND,
        ),
    )
    chart = alt.layer(band, placed, unavailable, _today_layers(today, t("timeline.today", day=today))).resolve_scale(
        color="independent", fill="independent"
    )
    return readable(chart, height=max(len(lanes), 1) * 32 + 90)
