"""Figures on the dashboards: KPI cards with their change, badge labels (percentages: Translator.percent)."""

from __future__ import annotations

import pandas as pd

from issue_core.i18n import Translator, escape_markdown, format_number
from issue_core.policy import COMPARISON_DAYS
from issue_core.queries.metrics.kpis import Kpi
from issue_core.queries.sql.frames import cents


def number(t: Translator, value: float, digits: int = 1) -> str:
    return format_number(value, t.language, digits)


def money_column(t: Translator, amounts: pd.Series) -> pd.Series:
    """amounts.map(t.money), the same texts, formatted together (one by one, Babel takes seconds for a long table)."""
    return pd.Series(t.money_each(amounts), index=amounts.index, dtype=object)


def badge_label(text: object) -> str:
    """A data value as st.badge's label: escaped like any Markdown, but for the square brackets, which
    st.badge escapes itself (escaping them twice would show a backslash and break the badge)."""
    return escape_markdown(text).replace("\\[", "[").replace("\\]", "]")


# st.metric formats a numeric change itself, in the browser (Intl, the browser's languages): a count
# as it is, an amount as euros to the cent, percentage points as a localised number.
DELTA_FORMATS = {"count": None, "money": "euro", "percent": "localized"}


def kpi_change(figure: Kpi, kind: str = "count") -> int | float | None:
    """The change since the figure's previous value, as a number — st.metric takes the arrow and the
    colour from its sign (a formatted text such as "€ -955,20" would read as a rise). Percentage
    points for a percentage (one decimal), euros to the cent for an amount, the difference of a count.
    None without a previous value."""
    if figure.value is None or figure.previous is None:
        return None
    change = figure.value - figure.previous
    if kind == "percent":
        return round(float(change) * 100, 1)
    if kind == "money":
        return float(cents(change))
    return int(change)


def kpi_card(
    container, t: Translator, label: str, figure: Kpi, *,  # noqa: ANN001
    kind: str = "count", lower_is_better: bool = False, neutral: bool = False, help: str | None = None,  # noqa: A002
) -> None:
    """st.metric with the change since the figure's previous value (30 days earlier). kind: count | percent | money.

    The change is passed as a number (kpi_change) with its format (DELTA_FORMATS): the arrow follows
    its sign in every language, and lower_is_better turns a fall green. No previous value: no change
    shown; a zero change shows grey, without an arrow."""
    value = figure.value
    if value is None:
        shown = "—"
    elif kind == "percent":
        shown = t.percent(value)
    elif kind == "money":
        shown = t.money(value)
    else:
        shown = number(t, value, 0)
    delta = kpi_change(figure, kind)
    key = "overview.points_over_30_days" if kind == "percent" else "overview.over_30_days"
    description = t(key, days=COMPARISON_DAYS)
    colour = "off" if neutral else ("inverse" if lower_is_better else "normal")
    container.metric(
        label, shown, delta, delta_color=colour, border=True, help=help, format=DELTA_FORMATS[kind],
        delta_description=description if delta is not None else None,
    )
