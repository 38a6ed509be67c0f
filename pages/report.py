"""Period report (admins, coordinators, directors): the figures of a period for a funder or a
housing operator, on screen and as XLSX and CSV files; small counts can be hidden for sharing."""

import streamlit as st

from issue_core import clock
from issue_core.i18n import escape_markdown
from issue_core.models import Role
from issue_core.policy import SMALL_COUNT_LIMIT
from issue_core.queries.sql.intervals import ONE_DAY
from issue_core.reports.files import file_name, notes, report_file, screen_frame, section_title, short_headers
from issue_core.reports.period import (
    SMALL_BASE,
    SMALL_COUNT,
    build_period_report,
    previous_month,
    suppress_small_counts,
)
from issue_core.ui.components import dashboard_filters
from issue_core.ui.data import read
from issue_core.ui.gate import require_role
from issue_core.ui.i18n import translator

require_role(Role.ADMIN, Role.COORDINATOR, Role.DIRECTOR)
t = translator()
filters, _, _ = dashboard_filters(t, period=False)

st.title(t("nav.report"))
st.caption(t("report.caption"))

first, last = previous_month(clock.today())
left, right = st.columns([2, 3], vertical_alignment="bottom")
chosen = left.date_input(t("report.period"), (first, last), format="DD/MM/YYYY", key="report_period")
hide_small = right.toggle(t("report.suppress", limit=SMALL_COUNT_LIMIT), key="report_suppress",
                         help=t("report.suppress_help", largest=SMALL_COUNT_LIMIT - 1, count=SMALL_COUNT,
                                base=SMALL_BASE))
if not (isinstance(chosen, tuple) and len(chosen) == 2):
    st.info(t("report.choose_period"))
    st.stop()
start, last = chosen

report = read(build_period_report, start, last + ONE_DAY, filters)
if hide_small:
    report = suppress_small_counts(report)

xlsx, csv = st.columns(2)  # the files are built only when a button is clicked
xlsx.download_button(
    t("report.download_xlsx"), data=lambda: report_file(report, t.language, "xlsx"), file_name=file_name(report, "xlsx"),
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", icon=":material/download:",
    key="report_xlsx", width="stretch", type="primary", on_click="ignore",
)
csv.download_button(
    t("report.download_csv"), data=lambda: report_file(report, t.language, "csv"), file_name=file_name(report, "csv"),
    mime="text/csv", icon=":material/download:", key="report_csv", width="stretch", on_click="ignore",
)

WIDE = 9  # columns: more do not show side by side at 1440 px, even with short headers


def columns_shown(frame) -> dict:  # noqa: ANN001
    """The row labels stay in place when the table scrolls; short headers, the whole name in a tooltip."""
    shorts = short_headers(t, section)
    return {frame.columns[0]: st.column_config.TextColumn(pinned=True),
            **{name: st.column_config.TextColumn(short, help=name) for name, short in shorts.items()}}


for section in report.sections:
    st.subheader(section_title(t, section, markdown=True))
    shown = screen_frame(t, section)
    st.dataframe(shown, hide_index=True, width="stretch", column_config=columns_shown(shown))
    if len(shown.columns) > WIDE:
        st.caption(t("common.wide_table"))

with st.expander(t("report.notes_title"), icon=":material/info:"):
    for note in notes(t, report):
        st.markdown(f"- {escape_markdown(note)}")
