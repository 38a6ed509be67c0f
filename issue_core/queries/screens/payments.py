"""Read models of the payments page: the households a user may edit, one household's balance (from
the arrears metric), its contribution history and payments, and the scale's amount for a status
before it is saved (the same rule as services.contributions.set_income_status)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
from sqlalchemy import Engine, or_, select

from issue_core.db import read_session
from issue_core.errors import InvalidInput
from issue_core.models import ContributionStatus, Household, Payment, Placement
from issue_core.queries.areas import reads
from issue_core.queries.metrics.contributions import due_by_household_query, paid_by_household_query
from issue_core.queries.screens.households import count_rows, reference_matches
from issue_core.queries.sql.columns import household_columns, join_household_columns
from issue_core.queries.sql.filters import NO_FILTERS
from issue_core.queries.sql.frames import cents, read_frame
from issue_core.queries.sql.functions import date_param
from issue_core.services.contributions import amount_from_scale, contribution_records_version, scale_in_force


def file_closed(follow_up_ended_on: date | None, day: date) -> bool:
    """A household's file is closed on `day` once its follow-up has ended (the caseload's rule:
    followed on d while follow_up_ended_on is empty or after d)."""
    return follow_up_ended_on is not None and not pd.isna(follow_up_ended_on) and follow_up_ended_on <= day


@reads("sites", "stays", "reference")
def editable_households(
    engine: Engine,
    organisation_id: int | None,
    every_organisation: bool,
    active_on: date | None = None,
    search: str = "",
    *,
    limit: int | None = None,
    household_id: int | None = None,
) -> pd.DataFrame:
    """Households whose contributions the user may change: those of `organisation_id` (a
    coordinator), or all of them (`every_organisation`, an admin). With `active_on`, only the files
    still open that day (file_closed); without, closed files too. `search`: part of the reference
    (case-insensitive); `limit`: the first ones by reference only (editable_households_count counts them all);
    `household_id`: that household only, if the user may change its contributions (an address's ?household=).

    columns: household_id, reference, axis_id, partner_id, partner, referred_on, follow_up_ended_on."""
    query = (
        join_household_columns(select(*household_columns(), Household.referred_on, Household.follow_up_ended_on))
        .where(*_editable(organisation_id, every_organisation, active_on, search))
        .where(*([Household.id == household_id] if household_id is not None else []))
        .order_by(Household.reference)
        .limit(limit)
    )
    return read_frame(
        engine, query, dates=["referred_on", "follow_up_ended_on"], ints=["household_id", "axis_id", "partner_id"]
    )


@reads("sites", "stays", "reference")
def editable_households_count(engine: Engine, organisation_id: int | None, every_organisation: bool,
                              active_on: date | None = None, search: str = "") -> int:
    """How many households editable_households finds without a limit."""
    return count_rows(engine, select(Household.id).where(*_editable(organisation_id, every_organisation, active_on,
                                                                       search)))


def _editable(organisation_id: int | None, every_organisation: bool, active_on: date | None, search: str) -> list:
    conditions = reference_matches(Household.reference, search)
    if not every_organisation:
        conditions.append(Household.referent_organisation_id == (organisation_id or 0))
    if active_on is not None:
        day = date_param(active_on)
        conditions.append(or_(Household.follow_up_ended_on.is_(None), Household.follow_up_ended_on > day))
    return conditions


@reads("sites", "stays", "money", "reference")
def household_balance(engine: Engine, household_id: int, as_of: date) -> dict[str, float]:
    """Due (placed days up to and including `as_of`), paid (payments made by then) and arrears =
    due − paid, as contributions.arrears defines them (its per-household queries, for this household
    only); zeros when nothing is due or paid."""
    due = read_frame(engine, due_by_household_query(as_of, NO_FILTERS).where(Placement.household_id == household_id),
                     money=["due"])
    paid = read_frame(engine, paid_by_household_query(as_of, NO_FILTERS).where(Payment.household_id == household_id),
                      money=["paid"])
    due_total = cents(due["due"].iloc[0]) if not due.empty else cents(0)
    paid_total = cents(paid["paid"].iloc[0]) if not paid.empty else cents(0)
    return {"due": float(due_total), "paid": float(paid_total), "arrears": float(due_total - paid_total)}


@reads("sites", "stays", "money", "reference")
def contribution_history(engine: Engine, household_id: int) -> pd.DataFrame:
    """The household's income statuses, latest first.

    columns: effective_from, income_status, monthly_income (NaN when none), monthly_amount, override_reason."""
    query = (
        select(
            ContributionStatus.effective_from,
            ContributionStatus.income_status,
            ContributionStatus.monthly_income,
            ContributionStatus.monthly_amount,
            ContributionStatus.override_reason,
        )
        .where(ContributionStatus.household_id == household_id)
        .order_by(ContributionStatus.effective_from.desc())
    )
    frame = read_frame(engine, query, dates=["effective_from"], money=["monthly_amount"])
    frame["monthly_income"] = pd.to_numeric(frame["monthly_income"]).astype("float64")
    return frame


@reads("sites", "stays", "money", "reference")
def payment_history(engine: Engine, household_id: int) -> pd.DataFrame:
    """The household's payments, latest first. columns: paid_on, period_month, amount, method, notes."""
    query = (
        select(Payment.paid_on, Payment.period_month, Payment.amount, Payment.method, Payment.notes)
        .where(Payment.household_id == household_id)
        .order_by(Payment.paid_on.desc(), Payment.period_month.desc())
    )
    return read_frame(engine, query, dates=["paid_on", "period_month"], money=["amount"])


@reads("money")
def scale_preview(engine: Engine, income_status: str, day: date, monthly_income: float | None) -> dict:
    """What set_income_status would compute for this status, day and income:
    {"amount": Decimal, "label": str, "rule": str} when the scale gives an amount,
    {"missing": "no_scale"} when no scale entry is in force that day,
    {"missing": "income", "label", "rule"} when the entry is a percentage and no income is given."""
    with read_session(engine) as session:
        entry = scale_in_force(session, income_status, day)
        if entry is None:
            return {"missing": "no_scale"}
        income = None if monthly_income is None else Decimal(str(monthly_income))
        try:
            amount = amount_from_scale(entry, income)
        except InvalidInput:
            return {"missing": "income", "label": entry.label, "rule": entry.rule}
        return {"amount": amount, "label": entry.label, "rule": entry.rule}


@reads("sites", "stays", "money", "reference")
def contribution_version(engine: Engine, household_id: int) -> str:
    """The version of the household's contribution records the forms send back (drawn_from), so that
    the services refuse a change made from a screen older than them."""
    with read_session(engine) as session:
        return contribution_records_version(session, household_id)
