"""Data quality (admins; coordinators for their organisation): today's score per partner and its trend over
the last year's month ends, the problems each partner has today (counts, for everyone), then the viewer's
problems, check by check, each with a link to the page that fixes it. Definitions: docs/RULES.md,
"Data quality"; queries/metrics/data_quality.py."""

import pandas as pd
import streamlit as st

from issue_core import clock
from issue_core.charts import month_label
from issue_core.charts.data_quality import score_trend
from issue_core.i18n import escape_markdown
from issue_core.models import Role
from issue_core.policy import DATA_QUALITY_INACTIVE_MONTHS, DATA_QUALITY_LIST_LIMIT
from issue_core.queries.metrics.data_quality import CHECKS, quality_figures, score_days
from issue_core.queries.screens.data_quality import problems
from issue_core.ui.components import cached_chart, chart_with_numbers
from issue_core.ui.data import prefetch, read
from issue_core.ui.gate import require_role
from issue_core.ui.i18n import translator
from issue_core.ui.links import link_to_page
from issue_core.visibility import scope_of

actor = require_role(Role.ADMIN, Role.COORDINATOR)
t = translator()
today = clock.today()
scope = scope_of(actor)

st.title(t("nav.data_quality"))
st.caption(t("quality.caption", today=today, months=DATA_QUALITY_INACTIVE_MONTHS))



def check_title(check: str) -> str:
    return t(f"quality.check.{check}.short", months=DATA_QUALITY_INACTIVE_MONTHS)


days = tuple(score_days(today))
prefetch((quality_figures, (days,)), (problems, (today, scope)))
scores, counts = read(quality_figures, days)  # counts: today's problems per partner and check
listed = read(problems, today, scope)

# --- the score per partner --------------------------------------------------------------------------------

st.header(t("quality.score.title"))
st.caption(t("quality.score.caption"))
now = scores[scores["day"] == today].set_index("partner_id")
before = scores[scores["day"] == days[-2]].set_index("partner_id")
if now.empty:
    st.info(t("quality.score.none"))
else:
    columns = st.columns(min(len(now), 5))
    for index, (partner_id, row) in enumerate(now.iterrows()):
        previous = before["score"].get(partner_id)
        change = None if previous is None or pd.isna(previous) else round((row["score"] - previous) * 100)
        delta = f"{change:+d} pt" if change else None  # no arrow for no change
        columns[index % len(columns)].metric(
            escape_markdown(row["partner"]), t.percent(row["score"]), delta, border=True,
            help=t("quality.score.metric_help", flagged=int(row["flagged"]), considered=int(row["considered"]),
                   day=days[-2]),
        )
    trend = scores.dropna(subset=["score"])
    # One point per month end (labelled by its month) and today's: in order, evenly spaced.
    labels = {day: month_label(day) for day in days[:-1]} | {today: t("quality.today")}
    chart_frame = pd.DataFrame({
        "day": [labels[day] for day in trend["day"]],
        "day_label": [t.date(day) for day in trend["day"]],
        "partner": trend["partner"],
        "score": trend["score"],
    })
    titles = {"day": t("quality.col.day"), "score": t("quality.col.score"), "partner": t("quality.col.partner")}
    table = pd.DataFrame({
        t("quality.col.day"): [t.date(day) for day in scores["day"]],
        t("quality.col.partner"): scores["partner"],
        t("quality.col.considered"): scores["considered"],
        t("quality.col.flagged"): scores["flagged"],
        t("quality.col.score"): [t.percent(score) if pd.notna(score) else "—" for score in scores["score"]],
    })
    data = scores[["day", "partner", "considered", "flagged", "score"]]
    order = [labels[day] for day in days]
    chart_with_numbers(t, cached_chart(score_trend, chart_frame, order, titles), table, "data-quality-score", data)

# --- today's problems per partner (counts: everyone) ---------------------------------------------------------

st.header(t("quality.counts.title"))
if counts.empty:
    st.success(t("quality.counts.none"), icon=":material/check_circle:")
else:
    # A row per check, a column per partner with problems: the partners are fewer and their names shorter.
    grid = counts.pivot_table(index="check", columns="partner", values="problems", aggfunc="sum", fill_value=0)
    grid = grid.reindex(index=list(CHECKS), fill_value=0)
    st.dataframe(
        pd.DataFrame({t("quality.col.check"): [check_title(check) for check in CHECKS],
                      **{partner: grid[partner].to_numpy() for partner in grid.columns}}),
        hide_index=True, width="stretch",
    )

# --- the viewer's problems, check by check, each with its fix -------------------------------------------------

FIX = {  # check -> (page, label key, icon, query parameters of a row)
    "stay_without_exit": ("pages/placements.py", "quality.fix.stays", ":material/key:",
                          lambda row: {"exit": int(row.household_id)}),
    "inactive_waiting": ("pages/placements.py", "quality.fix.place", ":material/person_add:",
                         lambda row: {"household": int(row.household_id)}),
    "placed_without_status": ("pages/payments.py", "quality.fix.status", ":material/payments:",
                              lambda row: {"household": int(row.household_id)}),
    "payment_on_closed_file": ("pages/payments.py", "quality.fix.payments", ":material/payments:",
                               lambda row: {"household": int(row.household_id)}),
    "stay_past_convention": ("pages/site.py", "quality.fix.site", ":material/location_city:",
                             lambda row: {"id": int(row.site_id)}),
}


def problem_line(check: str, row) -> str:  # row: a row of problems
    """"**ISS-2026-001** · Cellule CCL · Ganshoren · GAN-01 · since 01/12/2026 (1 day)" (Markdown, escaped)."""
    parts = [f"**{escape_markdown(row.reference)}**" if pd.notna(row.reference)
             else t.md("quality.other_household", partner=row.partner),
             t.md("quality.partner", partner=row.partner)]
    if row.site_id:
        parts.append(t.md("quality.place", site=row.site, unit=row.unit))
    if check == "payment_on_closed_file":
        parts.append(t.md("quality.payments", count=int(row.payments), amount=t.money(row.amount)))
    parts.append(t.md(f"quality.check.{check}.since", since=row.since, days=int(row.days)))
    return " · ".join(parts)


st.header(t("quality.list.title"))
if actor.role != Role.ADMIN:
    st.caption(t("quality.list.own_only"))
for check in CHECKS:
    rows = listed[listed["check"] == check]
    total = int(rows["total"].iloc[0]) if not rows.empty else 0
    with st.expander(t("quality.check.title", title=check_title(check), count=total),
                     expanded=total > 0, icon=":material/check_circle:" if total == 0 else ":material/error:"):
        st.caption(t(f"quality.check.{check}.help", months=DATA_QUALITY_INACTIVE_MONTHS))
        if rows.empty:
            st.success(t("quality.list.none"))
            continue
        if total > len(rows):
            st.caption(t("quality.list.cut", shown=len(rows), total=total,
                         limit=DATA_QUALITY_LIST_LIMIT))
        page, label, icon, params = FIX[check]
        for row in rows.itertuples():
            text, action = st.columns([5, 1], vertical_alignment="center")
            text.markdown(problem_line(check, row))
            with action:
                if pd.notna(row.reference):
                    link_to_page(t, page, t(label), icon, query_params=params(row))
