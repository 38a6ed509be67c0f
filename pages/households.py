"""Households: the list a user may see, one household's history, and (admin, coordinator) register,
edit and end the follow-up. Directors read only; the meeting screen has no access."""


import pandas as pd
import streamlit as st

from issue_core import clock
from issue_core.auth import can_edit_household
from issue_core.charts import month_label
from issue_core.i18n import escape_markdown
from issue_core.models import AdministrativeStatus, Role
from issue_core.policy import HOUSEHOLD_PAGE_SIZE, MAX_PEOPLE
from issue_core.queries.screens.households import (
    HOUSEHOLD_STATES,
    axis_partners,
    household_contribution_statuses,
    household_payments,
    household_placements,
    households,
    households_count,
)
from issue_core.queries.screens.reference import organisations
from issue_core.services import households as services
from issue_core.services.common import EARLIEST_DATE, LATEST_DATE
from issue_core.ui.components import axis_label
from issue_core.ui.data import engine, read
from issue_core.ui.feedback import show_flash, submit
from issue_core.ui.gate import require_role
from issue_core.ui.i18n import translator
from issue_core.ui.links import link_to_page
from issue_core.ui.pickers import filters_signature, page_offset
from issue_core.ui.undo import offer_undo
from issue_core.ui.versions import as_drawn, form_key, keep_chosen
from issue_core.visibility import scope_of

STATUSES = AdministrativeStatus.values()

actor = require_role(Role.ADMIN, Role.COORDINATOR, Role.DIRECTOR)
t = translator()
today = clock.today()
scope = scope_of(actor)
# Who registers: an admin for any partner, a coordinator for its own organisation (the pairs below).
pairs = read(axis_partners, None if actor.is_admin else actor.organisation_id)
may_register = (actor.is_admin or can_edit_household(actor, actor.organisation_id or 0)) and not pairs.empty

st.title(t("nav.households"))
offer_undo(t, actor)
show_flash()


def status_label(status: str) -> str:
    return t(f"households.admin_status.{status}")


def people_help(minimum: int) -> str:
    """The bounds of a number of people (the field refuses a number outside them before sending)."""
    return t("households.people_help", minimum=minimum, maximum=MAX_PEOPLE)


def composition(adults: int, children: int) -> str:
    return t("households.composition", adults=adults, children=children)


def axis_and_partner(prefix: str, axis_now: int | None, partner_now: int | None) -> tuple[int | None, int | None]:
    """Axis, then a referent partner among that axis' operators (table axis_operator). Outside any
    form: the partner list follows the axis chosen."""
    axis_ids = sorted(pairs["axis_id"].unique().tolist())
    axis_id = st.selectbox(
        t("field.axis"), axis_ids, index=axis_ids.index(axis_now) if axis_now in axis_ids else None,
        format_func=lambda a: axis_label(t, a), placeholder=t("households.choose"), key=f"{prefix}-axis",
    )
    operators = pairs[pairs["axis_id"] == axis_id]
    names = dict(zip(operators["partner_id"], operators["partner"], strict=True))
    partner_ids = list(names)
    default = partner_ids.index(partner_now) if partner_now in partner_ids else (0 if len(partner_ids) == 1 else None)
    partner_id = st.selectbox(
        t("field.referent_organisation"), partner_ids, index=default, format_func=names.get,
        placeholder=t("households.choose"), key=f"{prefix}-partner-{axis_id}",
        help=t("households.partner_help"), disabled=axis_id is None,
    )
    return axis_id, partner_id


def show_list_and_household(table: pd.DataFrame) -> None:
    """The list, then the household chosen: its history and, for its organisation and admins, its forms."""
    st.dataframe(
        pd.DataFrame({  # the columns that matter most first: they show at 1440 px
            t("households.col.reference"): table["reference"],
            t("field.axis"): table["axis_id"].map(lambda a: axis_label(t, a)),
            t("field.referent_organisation"): table["partner"],
            t("households.col.state"): table["state"].map(lambda s: t(f"households.state.{s}")),
            t("households.col.unit"): [f"{s} · {u}" if pd.notna(u) else "" for s, u in zip(table["site"], table["unit"], strict=True)],
            t("households.col.since"): table["placed_since"].map(t.date),
            t("field.referred_on"): table["referred_on"].map(t.date),
            t("households.col.composition"): [composition(a, c) for a, c in zip(table["adults"], table["children"], strict=True)],
            t("field.administrative_status"): table["administrative_status"].map(status_label),
            t("field.follow_up_ended_on"): table["follow_up_ended_on"].map(t.date),
        }),
        hide_index=True, width="stretch",
        column_config={t("households.col.reference"): st.column_config.TextColumn(pinned=True),
                       t("households.col.unit"): st.column_config.TextColumn(width=170)},  # not sized on empty rows
    )
    st.caption(t("common.wide_table"))

    # --- one household ------------------------------------------------------------------------------

    # A household gone from the list since the screen was drawn stays chosen for one more run: the
    # click reaches the service, which says why (another organisation follows it now…).
    rows = keep_chosen("hh-chosen", table, "household_id", st.session_state.get("hh-chosen")).set_index("household_id")
    household_id = st.selectbox(t("households.choose_household"), rows.index.tolist(),
                                format_func=lambda h: rows.loc[h, "reference"], key="hh-chosen")
    household = rows.loc[household_id]
    st.subheader(t.md("households.view.title", reference=household["reference"]))
    facts = {
        t("field.axis"): axis_label(t, int(household["axis_id"])),
        t("field.referent_organisation"): household["partner"],
        t("households.col.composition"): composition(household["adults"], household["children"]),
        t("field.administrative_status"): status_label(household["administrative_status"]),
        t("households.col.state"): t(f"households.state.{household['state']}"),
    }
    for column, (label, value) in zip(st.columns(len(facts), border=True), facts.items(), strict=True):
        column.caption(label)
        column.markdown(f"**{escape_markdown(value)}**")
    st.caption(t("households.view.dates", referred=household["referred_on"]) + (
        " " + t("households.view.ended", ended=household["follow_up_ended_on"])
        if pd.notna(household["follow_up_ended_on"]) else ""))

    history, money = st.container(), st.container()  # one above the other: every column of the tables shows
    with history:
        st.markdown(f"**{t('households.view.placements')}**")
        stays = read(household_placements, scope, int(household_id))
        if stays.empty:
            st.caption(t("households.view.no_placement"))
        else:
            st.dataframe(pd.DataFrame({
                t("households.col.unit"): stays["site"] + " · " + stays["unit"],
                t("field.start_date"): stays["start_date"].map(t.date),
                t("field.end_date"): stays["end_date"].map(t.date),
                t("field.exit_destination"): stays["exit_destination"].map(lambda d: t(f"exit.{d}") if d else ""),
                t("field.notes"): stays["notes"].fillna(""),
            }), hide_index=True, width="stretch")
    with money:
        st.markdown(f"**{t('households.view.contributions')}**")
        statuses = read(household_contribution_statuses, scope, int(household_id))
        if statuses.empty:
            st.caption(t("households.view.no_contribution"))
        else:
            st.dataframe(pd.DataFrame({
                t("field.effective_from"): statuses["effective_from"].map(t.date),
                t("field.income_status"): statuses["income_status"].map(lambda s: t(f"income_status.{s}")),
                t("field.monthly_income"): statuses["monthly_income"].map(lambda m: t.money(m) if pd.notna(m) else ""),
                t("households.col.monthly_amount"): statuses["monthly_amount"].map(t.money),
                t("field.override_reason"): statuses["override_reason"].fillna(""),
            }), hide_index=True, width="stretch")
        st.markdown(f"**{t('households.view.payments')}**")
        paid = read(household_payments, scope, int(household_id))
        if paid.empty:
            st.caption(t("households.view.no_payment"))
        else:
            st.dataframe(pd.DataFrame({
                t("field.paid_on"): paid["paid_on"].map(t.date),
                t("field.period_month"): paid["period_month"].map(month_label),
                t("field.amount"): paid["amount"].map(t.money),
                t("field.method"): paid["method"].map(lambda m: t(f"households.method.{m}")),
                t("field.notes"): paid["notes"].fillna(""),
            }), hide_index=True, width="stretch")

    # --- edit, end the follow-up (the household's organisation and admins) ------------------------------

    if can_edit_household(actor, int(household["partner_id"])):
        record = f"household-{household_id}"
        version = as_drawn(record, int(household["version"]))
        changed_meanwhile = version != int(household["version"])
        edit, finish = st.columns(2)
        with edit, st.container(border=True):
            st.markdown(f"**{t('households.edit.title')}**")
            prefix = form_key(f"hh-edit-{household_id}")
            # A coordinator's pairs hold its own organisation only: only an admin entrusts a household elsewhere.
            axis_id, partner_id = axis_and_partner(prefix, int(household["axis_id"]), int(household["partner_id"]))
            first_start = household["first_start"]
            latest_referral = min(d for d in (first_start, household["follow_up_ended_on"], LATEST_DATE) if pd.notna(d))
            with st.form(f"{prefix}-form"):
                adults = st.number_input(t("field.adults"), 1, MAX_PEOPLE, int(household["adults"]),
                                         key=f"{prefix}-adults", help=people_help(1))
                children = st.number_input(t("field.children"), 0, MAX_PEOPLE, int(household["children"]),
                                           key=f"{prefix}-children", help=people_help(0))
                status = st.selectbox(t("field.administrative_status"), STATUSES,
                                      index=STATUSES.index(household["administrative_status"]),
                                      format_func=status_label, key=f"{prefix}-status")
                referred = st.date_input(t("field.referred_on"), household["referred_on"], EARLIEST_DATE, latest_referral,
                                         format="DD/MM/YYYY", key=f"{prefix}-referred",
                                         help=t("households.referred_help") if pd.notna(first_start) else None)
                if st.form_submit_button(t("households.edit.submit"), type="primary"):
                    submit(
                        services.update_household, engine(), actor, int(household_id), version=version,
                        adults=adults, children=children, axis_id=axis_id, referent_organisation_id=partner_id,
                        administrative_status=status, referred_on=referred,
                        done=t.md("households.edit.done", reference=household["reference"]),
                        form=f"hh-edit-{household_id}", changed_meanwhile=changed_meanwhile,
                    )
        with finish, st.container(border=True):
            st.markdown(f"**{t('households.end.title')}**")
            if pd.notna(household["follow_up_ended_on"]):
                st.caption(t("households.end.already", date=household["follow_up_ended_on"]))
            elif int(household["open_placements"]) > 0:
                st.caption(t("households.end.placed_first"))
                link_to_page(t, "pages/placements.py", t("households.end.go_placements"), ":material/logout:")
            else:
                prefix = form_key(f"hh-end-{household_id}")
                earliest = max(d for d in (household["referred_on"], household["last_end"]) if pd.notna(d))
                with st.form(f"{prefix}-form"):
                    ended = st.date_input(t("field.follow_up_ended_on"), max(today, earliest), earliest, LATEST_DATE,
                                          format="DD/MM/YYYY", key=f"{prefix}-date")
                    if st.form_submit_button(t("households.end.submit")):
                        submit(services.end_follow_up, engine(), actor, int(household_id), version=version,
                               ended_on=ended, done=t.md("households.end.done", reference=household["reference"]),
                               form=f"hh-end-{household_id}", changed_meanwhile=changed_meanwhile)


# --- the list -------------------------------------------------------------------------------------

tab_names = [t("households.tab.list")] + ([t("households.tab.register")] if may_register else [])
tabs = st.tabs(tab_names)

with tabs[0]:
    columns = st.columns([2, 2, 2, 3] if actor.is_admin else [2, 2, 2])
    reference = columns[0].text_input(t("households.filter.reference"), max_chars=40, key="hh-flt-reference")
    chosen_axes = columns[1].multiselect(t("filters.axes"), [1, 2, 3], format_func=lambda a: axis_label(t, a),
                                         placeholder=t("common.all"), key="hh-flt-axes")
    chosen_states = columns[2].multiselect(
        t("households.filter.state"), list(HOUSEHOLD_STATES), format_func=lambda s: t(f"households.state.{s}"),
        placeholder=t("common.all"), key="hh-flt-states",
    )
    chosen_partners: list[int] = []
    if actor.is_admin:
        partners = read(organisations, kinds=("partner",))
        chosen_partners = columns[3].multiselect(
            t("filters.partners"), partners["id"].tolist(),
            format_func=dict(zip(partners["id"], partners["short_name"], strict=True)).get,
            placeholder=t("common.all"), key="hh-flt-partners",
        )
    filters = (tuple(chosen_axes), tuple(chosen_partners), tuple(chosen_states), reference.strip())
    total = read(households_count, scope, today, *filters)
    st.caption(t("households.count", count=total, today=today))
    if total == 0:
        st.info(t("households.none"))
    else:
        # One page of the list at a time, read in SQL; other filters start again from the first page.
        offset = page_offset(t, f"hh-page-{filters_signature(filters)}", total, HOUSEHOLD_PAGE_SIZE)
        show_list_and_household(read(households, scope, today, *filters, limit=HOUSEHOLD_PAGE_SIZE, offset=offset))


# --- register ---------------------------------------------------------------------------------------

if may_register:
    with tabs[1]:
        st.caption(t("households.register.caption"))
        prefix = form_key("hh-register")
        own = actor.organisation_id if not actor.is_admin else None
        axis_id, partner_id = axis_and_partner(prefix, None, own)
        with st.form(f"{prefix}-form"):
            adults = st.number_input(t("field.adults"), 1, MAX_PEOPLE, 1, key=f"{prefix}-adults", help=people_help(1))
            children = st.number_input(t("field.children"), 0, MAX_PEOPLE, 0, key=f"{prefix}-children",
                                       help=people_help(0))
            status = st.selectbox(t("field.administrative_status"), STATUSES, index=None, format_func=status_label,
                                  placeholder=t("households.choose"), key=f"{prefix}-status")
            referred = st.date_input(t("field.referred_on"), today, EARLIEST_DATE, today,
                                     format="DD/MM/YYYY", key=f"{prefix}-referred")
            if st.form_submit_button(t("households.register.submit"), type="primary"):
                submit(
                    services.register_household, engine(), actor, axis_id=axis_id, referent_organisation_id=partner_id,
                    adults=adults, children=children, administrative_status=status, referred_on=referred,
                    done=lambda created: t.md("households.register.done", reference=created[1]), form="hh-register",
                )
