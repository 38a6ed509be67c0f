"""Export (admin): every table of the app as CSV or XLSX, formulas neutralised, no password hash.

The files are built only when a button is clicked (st.download_button runs the callable then)."""

import streamlit as st

from issue_core import clock
from issue_core.models import Role
from issue_core.tables import COUNTED_UP_TO, EXCEL_MAX_ROWS, fits_in_excel, table_counts, tables_csv, tables_xlsx
from issue_core.ui.data import engine, read
from issue_core.ui.gate import require_role
from issue_core.ui.i18n import translator

CSV, XLSX = "text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

require_role(Role.ADMIN)
t = translator()
database = engine()
stamp = clock.today().isoformat()

st.title(t("nav.export"))
st.caption(t("export.caption"))

counts = read(table_counts)
everything_fits = all(fits_in_excel(rows) for rows in counts["rows"])
st.download_button(
    t("export.all_xlsx"), data=lambda: tables_xlsx(database), file_name=f"issue-all-tables-{stamp}.xlsx", mime=XLSX,
    key="xlsx-all", icon=":material/download:", type="primary", disabled=not everything_fits, on_click="ignore",
)
if not everything_fits:
    st.warning(t("export.all_too_big", maximum=EXCEL_MAX_ROWS - 1), icon=":material/warning:")

header = st.columns([3, 1, 1, 1])
header[0].markdown(f"**{t('export.col.table')}**")
header[1].markdown(f"**{t('export.col.rows')}**")
for name, rows, exact in zip(counts["table"], counts["rows"], counts["exact"]):
    line = st.columns([3, 1, 1, 1], vertical_alignment="center")
    line[0].markdown(f"{t(f'export.table.{name}')}  \n`{name}`")
    line[1].markdown(t("export.rows" if exact else "export.rows_estimated", count=rows))
    line[2].download_button(
        t("export.csv"), data=lambda name=name: tables_csv(database, name), file_name=f"issue-{name}-{stamp}.csv",
        mime=CSV, key=f"csv-{name}", icon=":material/download:", on_click="ignore", help=t("export.csv_help", table=name),
    )
    line[3].download_button(
        t("export.xlsx"), data=lambda name=name: tables_xlsx(database, [name]), file_name=f"issue-{name}-{stamp}.xlsx",
        mime=XLSX, key=f"xlsx-{name}", icon=":material/download:", on_click="ignore", disabled=not fits_in_excel(rows),
        help=t("export.xlsx_help", table=name) if fits_in_excel(rows) else t("export.too_big_help"),
    )

if not counts["exact"].all():
    st.caption(t("export.estimated_hint", rows=COUNTED_UP_TO))
st.caption(t("export.backup_hint"))
