"""Contribution scale and axis operators (admin): add or replace a scale entry from a date; choose the
partners that may follow households on each axis."""

import pandas as pd
import streamlit as st

from issue_core import clock
from issue_core.i18n import escape_markdown
from issue_core.models import IncomeStatus, Role, ScaleRule
from issue_core.queries.screens.reference import axes, axis_operators, organisations
from issue_core.queries.screens.site_admin import scale_entries
from issue_core.services import contributions
from issue_core.services import organisations as organisation_services
from issue_core.ui.components import axis_label
from issue_core.ui.data import engine, read
from issue_core.ui.feedback import submit
from issue_core.ui.gate import require_role
from issue_core.ui.i18n import translator
from issue_core.ui.inputs import decimal_input
from issue_core.ui.undo import offer_undo
from issue_core.ui.versions import as_drawn

actor = require_role(Role.ADMIN)
t = translator()
today = clock.today()
st.title(t("nav.admin_reference"))
offer_undo(t, actor)


def money_or_dash(value) -> str:  # noqa: ANN001
    return t.money(value) if pd.notna(value) else "—"


scale_tab, axes_tab = st.tabs([t("admin.reference.tab_scale"), t("admin.reference.tab_axes")])

with scale_tab:
    st.caption(t("admin.reference.scale_caption"))
    scale = read(scale_entries)
    if scale.empty:
        st.info(t("admin.reference.no_scale"))
    else:
        st.dataframe(
            pd.DataFrame({
                t("field.income_status"): scale["income_status"].map(lambda s: t(f"income_status.{s}")),
                t("field.effective_from"): scale["effective_from"].map(t.date),
                t("field.label"): scale["label"],
                t("field.rule"): scale["rule"].map(lambda r: t(f"admin.reference.rule.{r}")),
                t("field.amount"): scale["amount"].map(money_or_dash),
                t("field.percent"): scale["percent"].map(lambda p: f"{p:g} %" if pd.notna(p) else "—"),
                t("field.minimum"): scale["minimum"].map(money_or_dash),
                t("field.maximum"): scale["maximum"].map(money_or_dash),
            }),
            hide_index=True, width="stretch",
        )
    st.subheader(t("admin.reference.set_entry"))
    # The rule decides which figures apply, so it is chosen outside the form.
    rule = st.radio(t("field.rule"), ScaleRule.values(), horizontal=True, key="scale_rule",
                    format_func=lambda r: t(f"admin.reference.rule.{r}"))
    with st.form("scale_entry"):
        left, right = st.columns(2)
        income_status = left.selectbox(t("field.income_status"), IncomeStatus.values(),
                                       format_func=lambda s: t(f"income_status.{s}"))
        effective_from = right.date_input(t("field.effective_from"), value=today, format="DD/MM/YYYY",
                                          help=t("admin.reference.replace_help"))
        label = st.text_input(t("field.label"), max_chars=200)
        amount = percent = minimum = maximum = None
        if rule == ScaleRule.FIXED.value:
            amount = decimal_input(t, t("admin.reference.monthly_amount"), container=left)
        else:
            percent = decimal_input(t, t("field.percent"), container=left)
            minimum = decimal_input(t, t("field.minimum"), container=right)
            maximum = decimal_input(t, t("field.maximum"), container=right)
        if st.form_submit_button(t("admin.reference.save_entry"), type="primary"):
            submit(
                contributions.set_scale_entry, engine(), actor, income_status=income_status, label=label, rule=rule,
                effective_from=effective_from, amount=amount, percent=percent, minimum=minimum, maximum=maximum,
                done=t("admin.reference.entry_saved", status=t(f"income_status.{income_status}"), date=effective_from),
            )

with axes_tab:
    st.caption(t("admin.reference.axes_caption"))
    partners = read(organisations, kinds=("partner",))
    partner_names = dict(zip(partners["id"].astype(int), partners["short_name"]))
    operators = read(axis_operators)
    axis_rows = read(axes)
    name_column = f"name_{t.language}"
    for axis in axis_rows.itertuples():
        current = [int(o) for o in operators.loc[operators["axis_id"] == axis.id, "organisation_id"]]
        # set_axis_operators takes no version: a change by someone else since this form was drawn is
        # caught here, so that nobody overwrites what they have not seen.
        drawn = as_drawn(f"axis:{axis.id}", current)
        with st.form(f"axis_{axis.id}"):
            st.markdown(f"**{axis_label(t, axis.id)}** — {escape_markdown(getattr(axis, name_column))}")
            chosen = st.multiselect(t("admin.reference.operators"), list(partner_names), default=current,
                                    format_func=partner_names.get, placeholder=t("admin.choose"))
            if st.form_submit_button(t("common.save")):
                if drawn != current:
                    st.error(t("error.stale_version"), icon=":material/error:")
                else:
                    submit(organisation_services.set_axis_operators, engine(), actor, int(axis.id), chosen,
                           done=t("admin.reference.operators_saved", axis=axis.id))
