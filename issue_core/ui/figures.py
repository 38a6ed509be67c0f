"""Figures on the dashboards: KPI cards with their change, percentages, months, safe Markdown."""

from __future__ import annotations

from datetime import date

from babel.dates import format_date as babel_format_date
from babel.numbers import format_percent

from issue_core.i18n import BABEL_LOCALES, Translator, format_number
from issue_core.queries.metrics import Kpi

# Percent patterns per language: "89,7 %" (fr), "89,7%" (nl), "89.7%" (en).
PERCENT_PATTERNS = {"fr": "#,##0.0\u00a0%", "nl": "#,##0.0%", "en": "#,##0.0%"}
MARKDOWN_SPECIALS = "\\`*_[]{}<>#|~:$"


def percent(t: Translator, rate: float | None) -> str:
    """A rate (0.897) as a percentage in the user's language; a dash when there is none."""
    if rate is None:
        return "—"
    return format_percent(rate, format=PERCENT_PATTERNS[t.language], locale=BABEL_LOCALES[t.language])


def number(t: Translator, value: float, digits: int = 1) -> str:
    return format_number(value, t.language, digits)


def month_label(t: Translator, month: date) -> str:
    """"nov. 2026" / "nov. 2026" / "Nov 2026": short enough for a chart axis, in the user's language."""
    return babel_format_date(month, "MMM yyyy", locale=BABEL_LOCALES[t.language])


def plain(text: object) -> str:
    """Data shown inside Markdown (site names, labels, reasons) cannot format or link anything."""
    return "".join("\\" + char if char in MARKDOWN_SPECIALS else char for char in str(text))


def _signed(text: str, value: float) -> str:
    return ("+" + text) if value > 0 else text  # babel already writes the minus sign


def kpi_card(
    container, t: Translator, label: str, figure: Kpi, *,  # noqa: ANN001
    kind: str = "count", lower_is_better: bool = False, neutral: bool = False, help: str | None = None,  # noqa: A002
) -> None:
    """st.metric with the change since the figure's previous value (30 days earlier). kind: count | percent | money.

    A percentage changes in points; a count or an amount by its difference. No previous value: no
    change shown. A zero change is passed as the number 0 so it shows grey, without an arrow."""
    value, previous = figure.value, figure.previous
    if value is None:
        shown = "—"
    elif kind == "percent":
        shown = percent(t, value)
    elif kind == "money":
        shown = t.money(value)
    else:
        shown = number(t, value, 0)
    delta: str | int | None = None
    if value is not None and previous is not None:
        change = value - previous
        if kind == "percent":
            change = round(change * 100, 1)
            delta = _signed(t("overview.points", points=number(t, change, 1)), change) if change else 0
        elif kind == "money":
            change = round(change, 2)
            delta = _signed(t.money(change), change) if change else 0
        else:
            delta = _signed(number(t, change, 0), change) if change else 0
    colour = "off" if neutral else ("inverse" if lower_is_better else "normal")
    container.metric(
        label, shown, delta, delta_color=colour, border=True, help=help,
        delta_description=t("overview.over_30_days") if delta is not None else None,
    )
