"""Income and payments (coordinators: their organisation's households; admins: all): a
household's balance and history, its income status from a date (the scale's amount shown before
saving, an override needs a reason), and a payment covering one or several months."""

from datetime import date

import pandas as pd
import streamlit as st

from issue_core import clock
from issue_core.charts import month_label
from issue_core.i18n import escape_markdown
from issue_core.models import IncomeStatus, PaymentMethod, Role
from issue_core.policy import MAX_NOTES, MAX_TEXT, PAYMENT_MONTHS_AHEAD, SEARCH_LIMIT
from issue_core.queries.screens.payments import (
    contribution_history,
    contribution_version,
    editable_households,
    editable_households_count,
    file_closed,
    household_balance,
    payment_history,
    scale_preview,
)
from issue_core.queries.sql.intervals import first_of_month, next_month
from issue_core.services import contributions
from issue_core.ui.components import axis_label
from issue_core.ui.data import engine, read
from issue_core.ui.feedback import submit
from issue_core.ui.gate import require_role
from issue_core.ui.i18n import translator
from issue_core.ui.inputs import decimal_input
from issue_core.ui.links import query_id
from issue_core.ui.pickers import say_if_cut, say_nothing_found, search_input
from issue_core.ui.undo import offer_undo
from issue_core.ui.versions import as_drawn

PAYMENT_FIELDS = ("payment_paid_on", "payment_amount", "payment_months", "payment_method", "payment_notes",
                  "payment_confirm")
DUPLICATE_KEY = "payment_duplicate"  # (payment, message) of the last refusal as a likely duplicate

actor = require_role(Role.ADMIN, Role.COORDINATOR)
t = translator()
today = clock.today()
st.title(t("nav.payments"))
offer_undo(t, actor)

show_closed = st.checkbox(t("payments.show_closed"), key="payments_show_closed", help=t("payments.show_closed_help"))
# Found by typing: the first SEARCH_LIMIT households whose reference holds the text, read in SQL.
search = search_input(t, "payments_search")
which = (actor.organisation_id, actor.is_admin, None if show_closed else today, search)
households = read(editable_households, *which, limit=SEARCH_LIMIT)
say_if_cut(t, len(households), read(editable_households_count, *which))
wanted = query_id("household")  # ?household=<id>: the links of "My organisation" and of the data quality page
if wanted is not None:  # chosen first, its file closed or not, when the user may change its contributions
    requested = read(editable_households, actor.organisation_id, actor.is_admin, household_id=wanted)
    households = pd.concat([requested, households[households["household_id"] != wanted]], ignore_index=True)
if households.empty:
    say_nothing_found(t, search, t("payments.no_household" if show_closed else "payments.no_open_household"))
    st.stop()
by_id = households.set_index("household_id")


def household_label(household_id: int) -> str:
    row = by_id.loc[household_id]
    label = f"{row['reference']} · {axis_label(t, row['axis_id'])} · {row['partner']}"
    if file_closed(row["follow_up_ended_on"], today):
        label += " · " + t("payments.closed_tag", date=row["follow_up_ended_on"])
    return label


chosen = st.selectbox(t("payments.household"), by_id.index.tolist(), key="payments_household",
                      format_func=household_label)
# A form acts on the household it was drawn for: if the list changed under the user's feet (the
# household moved to another partner, say), the service judges that household, not another one.
target = int(as_drawn("payments.household", int(chosen)))
# The household's statuses and payments as this screen shows them: a change made meanwhile by someone
# else makes the services refuse the form ("changed since you opened it").
# (The previous run's version is that of `target`: the household chosen then.)
drawn_from = as_drawn("payments-contribution-version", read(contribution_version, int(chosen)))
household = by_id.loc[chosen]
reference = household["reference"]
referred_on: date = household["referred_on"]
ended_on: date | None = household["follow_up_ended_on"]
st.caption(
    t("payments.household_caption", referred_on=referred_on)
    + (" " + t("payments.follow_up_ended", date=ended_on) if ended_on else "")
)

balance = read(household_balance, int(chosen), today)
columns = st.columns(3)
columns[0].metric(t("payments.due", today=today), t.money(balance["due"]))
columns[1].metric(t("payments.paid", today=today), t.money(balance["paid"]))
columns[2].metric(t("payments.arrears"), t.money(balance["arrears"]), help=t("payments.arrears_help"))

history, paid = st.container(), st.container()  # one above the other: every column of both tables shows
with history:
    st.subheader(t("payments.statuses"))
    statuses = read(contribution_history, int(chosen))
    if statuses.empty:
        st.info(t("payments.no_status"))
    else:
        st.dataframe(
            pd.DataFrame({
                t("field.effective_from"): statuses["effective_from"].map(t.date),
                t("field.income_status"): statuses["income_status"].map(lambda s: t(f"income_status.{s}")),
                t("field.monthly_income"): statuses["monthly_income"].map(lambda v: t.money(v) if pd.notna(v) else "—"),
                t("payments.monthly_amount"): statuses["monthly_amount"].map(t.money),
                t("field.override_reason"): statuses["override_reason"].fillna(""),
            }),
            hide_index=True, width="stretch",
        )
with paid:
    st.subheader(t("payments.payments"))
    payments = read(payment_history, int(chosen))
    if payments.empty:
        st.info(t("payments.no_payment"))
    else:
        st.dataframe(
            pd.DataFrame({
                t("field.paid_on"): payments["paid_on"].map(t.date),
                t("field.period_month"): payments["period_month"].map(month_label),
                t("field.amount"): payments["amount"].map(t.money),
                t("field.method"): payments["method"].map(lambda m: t(f"payments.method.{m}")),
            }),
            hide_index=True, width="stretch",
        )

if file_closed(ended_on, today):  # its history and balance above; nothing more to record
    st.info(t("payments.closed_file", date=ended_on), icon=":material/folder_off:")
    st.stop()


def record_or_flag_duplicate(payment: tuple, confirmed: bool, **fields: object) -> object:
    """record_payment from the form. A refusal as a likely duplicate (the same payment recorded
    moments ago) is kept for the next run, where the form shows the warning and asks to confirm,
    with what was typed."""
    try:
        return contributions.record_payment(engine(), actor, target, drawn_from=drawn_from,
                                            confirm_duplicate=confirmed, **fields)
    except contributions.DuplicatePayment as refusal:
        st.session_state[DUPLICATE_KEY] = (payment, t.md(refusal.key, **refusal.params))
        st.rerun()


def clear_payment_form() -> None:
    """An empty form after a payment recorded: one more click records nothing."""
    for key in (*PAYMENT_FIELDS, DUPLICATE_KEY):
        st.session_state.pop(key, None)


status_tab, payment_tab = st.tabs([t("payments.set_status"), t("payments.record_payment")])

with status_tab:
    # Outside a form on purpose: the scale's amount follows the choices before anything is saved.
    left, right = st.columns(2)
    effective_from = left.date_input(
        t("field.effective_from"), value=max(today, referred_on), min_value=referred_on, format="DD/MM/YYYY",
        key=f"status_from_{chosen}",
    )
    income_status = right.selectbox(
        t("field.income_status"), IncomeStatus.values(), key=f"status_kind_{chosen}",
        format_func=lambda s: t(f"income_status.{s}"),
    )
    monthly_income = decimal_input(t, t("field.monthly_income"), key=f"status_income_{chosen}",
                                   help=t("payments.income_help"), container=left)
    income_shown = monthly_income if not isinstance(monthly_income, str) else None  # not a number: no preview
    preview = read(scale_preview, income_status, effective_from, income_shown) if effective_from else {}
    with right:
        if preview.get("missing") == "no_scale":
            st.warning(t("payments.no_scale", date=effective_from))
        elif preview.get("missing") == "income":
            st.info(t.md("payments.needs_income", label=preview["label"]))
        elif preview:
            st.metric(t("payments.scale_amount"), t.money(preview["amount"]), help=escape_markdown(preview["label"]))
    override = st.checkbox(t("payments.override"), key=f"status_override_{chosen}")
    override_amount = override_reason = None
    if override:
        left, right = st.columns(2)
        override_amount = decimal_input(t, t("field.override_amount"), key=f"status_override_amount_{chosen}",
                                        container=left)
        override_reason = right.text_input(t("field.override_reason"), max_chars=MAX_TEXT, key=f"status_reason_{chosen}")
    if st.button(t("payments.save_status"), type="primary", key="save_status"):
        submit(
            contributions.set_income_status, engine(), actor, target,
            effective_from=effective_from, income_status=income_status, monthly_income=monthly_income,
            override_amount=override_amount if override else None,
            override_reason=override_reason if override else None, drawn_from=drawn_from,
            done=lambda amount: t.md("payments.status_saved", reference=reference, amount=t.money(amount),
                                     date=effective_from),
        )

with payment_tab:
    first = first_of_month(referred_on)
    last = first_of_month(today)
    for _ in range(PAYMENT_MONTHS_AHEAD):
        last = next_month(last)
    months: list[date] = []
    month = first
    while month <= last:
        months.insert(0, month)  # latest first
        month = next_month(month)
    with st.form("payment"):
        left, right = st.columns(2)
        paid_on = left.date_input(t("field.paid_on"), value=today, max_value=today, format="DD/MM/YYYY",
                                  key="payment_paid_on")
        amount = decimal_input(t, t("field.amount"), key="payment_amount", container=right)
        covered = st.multiselect(
            t("payments.months"), months, default=[first_of_month(today)] if first_of_month(today) in months else [],
            format_func=month_label, help=t("payments.months_help"), key="payment_months",
        )
        method = left.selectbox(t("field.method"), PaymentMethod.values(),
                                format_func=lambda m: t(f"payments.method.{m}"), key="payment_method")
        notes = right.text_input(t("field.notes"), max_chars=MAX_NOTES, key="payment_notes")
        # The same payment refused a moment ago as a likely duplicate: say so, and ask to confirm.
        payment = (target, amount, tuple(sorted(covered)))
        duplicate = st.session_state.get(DUPLICATE_KEY)
        confirmed = False
        if duplicate is not None and duplicate[0] == payment:
            st.warning(duplicate[1], icon=":material/content_copy:")
            confirmed = st.checkbox(t("payments.confirm_duplicate"), key="payment_confirm")
        if st.form_submit_button(t("payments.save_payment"), type="primary"):
            submit(record_or_flag_duplicate, payment, confirmed,
                   paid_on=paid_on, amount=amount, period_months=covered, method=method, notes=notes or None,
                   done=lambda rows: t.md("payments.payment_saved", reference=reference, amount=t.money(amount),
                                          count=len(rows)),
                   then=clear_payment_form)
