"""Chart of the data quality page: each partner's score over the last year's month ends and today.

DataFrame in, chart out; the frame holds translated labels already (the page prepares them).
"""

from __future__ import annotations

import math

import altair as alt
import pandas as pd

from issue_core.charts import readable


def lowest_tick(scores: pd.Series) -> float:
    """The score axis starts a tenth below the lowest score (rounded down to a tenth), so that lines close
    to 100 % stay apart; at 0 at the lowest."""
    lowest = float(scores.min()) if len(scores) else 0.0
    return max(0.0, math.floor(lowest * 10) / 10 - 0.1)


def score_trend(frame: pd.DataFrame, order: list[str], titles: dict[str, str]) -> alt.TopLevelMixin:
    """Lines of the score (0–1, shown as %) per partner. frame: day (a point's label: its month, or today),
    day_label (the date), partner, score. order: the points' labels in order. titles: day, score, partner."""
    chart = alt.Chart(frame).mark_line(strokeWidth=3, point=alt.OverlayMarkDef(size=60)).encode(
        x=alt.X("day:N", sort=order, title=titles["day"], axis=alt.Axis(labelAngle=-45)),
        y=alt.Y("score:Q", title=titles["score"], scale=alt.Scale(domain=[lowest_tick(frame["score"]), 1]),
                axis=alt.Axis(format="%")),
        color=alt.Color("partner:N", title=titles["partner"]),
        tooltip=[alt.Tooltip("day_label:N", title=titles["day"]), alt.Tooltip("partner:N", title=titles["partner"]),
                 alt.Tooltip("score:Q", title=titles["score"], format=".0%")],
    )
    return readable(chart, height=380)
