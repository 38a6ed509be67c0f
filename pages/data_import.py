"""Import from the partners' spreadsheets (admins; coordinators for their organisation's households):
templates to download, then a file checked row by row without writing (dry run), then imported
all or nothing once that same file checked clean."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pandas as pd
import streamlit as st

from issue_core.export import to_csv
from issue_core.imports.run import ImportResult, check_file, file_digest, import_file
from issue_core.imports.templates import TABLES, template_csv, template_xlsx
from issue_core.models import Role
from issue_core.policy import IMPORT_MAX_FILE_MB
from issue_core.ui.data import engine
from issue_core.ui.feedback import NOT_DONE, attempt, show_flash, submit
from issue_core.ui.gate import require_role
from issue_core.ui.i18n import translator

CHECK_KEY = "import_checked"  # (sha256 of the file, result of its dry run)
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

actor = require_role(Role.ADMIN, Role.COORDINATOR)
t = translator()
st.title(t("nav.import"))
show_flash()
st.caption(t("import.intro_admin") if actor.is_admin else t("import.intro_coordinator"))

st.header(t("import.templates"))
st.download_button(
    t("import.download_xlsx"), data=template_xlsx(t.language), file_name="issue-import.xlsx", mime=XLSX_MIME,
    icon=":material/download:", key="import_template_xlsx",
)
with st.expander(t("import.csv_templates")):
    st.caption(t("import.csv_help"))
    for column, table in zip(st.columns(len(TABLES)), TABLES):
        column.download_button(f"{table}.csv", data=template_csv(table), file_name=f"{table}.csv", mime="text/csv",
                               key=f"import_template_{table}")

st.header(t("import.upload_header"))
upload = st.file_uploader(
    t("import.upload"), type=["xlsx", "csv"], key="import_file", max_upload_size=IMPORT_MAX_FILE_MB,
    help=t("import.upload_help", size=IMPORT_MAX_FILE_MB),
)
st.caption(t("import.upload_limits", size=IMPORT_MAX_FILE_MB))  # Streamlit's own box speaks English


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar for an import service (its on_progress: moved at most once per percent), removed at the end."""
    bar = st.progress(0.0, text=t(label, done=0, total="…"))
    shown = {"percent": -1}

    def report(done: int, total: int) -> None:
        percent = done * 100 // max(total, 1)
        if percent != shown["percent"]:
            shown["percent"] = percent
            bar.progress(percent / 100, text=t(label, done=done, total=total))

    try:
        yield report
    finally:
        bar.empty()


def imported(result: ImportResult) -> str | None:
    """The message of an import done; None when rows were refused (they are listed below)."""
    return t("import.done", total=result.total, counts=result.counts_line) if result.imported else None


def show_problems(result: ImportResult) -> None:
    st.error(t("import.refused", count=len(result.problems)), icon=":material/error:")
    frame = pd.DataFrame({
        t("import.col.sheet"): [p.table or "—" for p in result.problems],
        t("import.col.row"): [str(p.row) if p.row else "—" for p in result.problems],
        t("import.col.column"): [p.column or "—" for p in result.problems],
        t("import.col.reason"): [p.reason(t.language) for p in result.problems],
    })
    st.dataframe(frame, hide_index=True, width="stretch")
    st.download_button(t("import.download_problems"), data=to_csv(frame), file_name="import-problems.csv",
                       mime="text/csv", key="import_problems_csv")


if upload is None:
    st.session_state.pop(CHECK_KEY, None)
    st.info(t("import.no_file"))
    st.stop()

content = upload.getvalue()
digest = file_digest(content)
checked = st.session_state.get(CHECK_KEY)
if checked is not None and checked[0] != digest:
    checked = None  # another file: check it first

check_column, import_column = st.columns(2)
if check_column.button(t("import.check"), icon=":material/fact_check:", key="import_check"):
    with progress_bar("import.checking") as report:  # a dry run: nothing to announce
        result = attempt(check_file, engine(), actor, upload.name, content, on_progress=report)
    checked = None if result is NOT_DONE else (digest, result)
    st.session_state[CHECK_KEY] = checked

clean = checked is not None and not checked[1].problems and checked[1].total > 0
if import_column.button(t("import.run"), icon=":material/upload:", type="primary", disabled=not clean,
                        key="import_run", help=None if clean else t("import.run_needs_check")):
    st.session_state.pop(CHECK_KEY, None)
    with progress_bar("import.importing") as report:
        result = submit(import_file, engine(), actor, upload.name, content, on_progress=report, done=imported,
                        announce="after_rerun")
    checked = None if result is NOT_DONE else (digest, result)

if checked is not None:
    result = checked[1]
    if result.problems:
        show_problems(result)
    elif result.total == 0:
        st.warning(t("import.empty"))
    else:
        st.success(t("import.ready", total=result.total, counts=result.counts_line), icon=":material/check_circle:")
