"""Contributions: the scale (admin), a household's income status and amount, payments."""

from __future__ import annotations

import hashlib
import json
import math
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from issue_core import clock
from issue_core.auth import Actor, require_admin, require_household_editor
from issue_core.db import write_session
from issue_core.errors import Conflict, InvalidInput, Money, StaleVersion, Term
from issue_core.models import (
    AuditEvent,
    ContributionScale,
    ContributionStatus,
    Household,
    IncomeStatus,
    Payment,
    PaymentMethod,
    ScaleRule,
)
from issue_core.policy import DUPLICATE_PAYMENT_WINDOW, MAX_MONTHS_PER_PAYMENT, MAX_NOTES
from issue_core.security import as_utc
from issue_core.services.common import (
    Checks,
    audit,
    get_or_refuse,
    optional_money,
    optional_text,
    require_choice,
    require_date,
    require_money,
    require_text,
    service,
    snapshot,
)

CENT = Decimal("0.01")


def amount_from_scale(entry: ContributionScale, monthly_income: Decimal | None) -> Decimal:
    """The monthly contribution a scale entry gives for an income (pure: no database)."""
    if entry.rule == ScaleRule.FIXED:
        return Decimal(entry.amount).quantize(CENT)
    if monthly_income is None:
        raise InvalidInput("error.income_required", status=Term(f"income_status.{entry.income_status}"))
    amount = (Decimal(monthly_income) * Decimal(entry.percent) / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    if entry.minimum is not None:
        amount = max(amount, Decimal(entry.minimum))
    if entry.maximum is not None:
        amount = min(amount, Decimal(entry.maximum))
    return amount.quantize(CENT)


def scale_in_force(session: Session, income_status: str, day: date) -> ContributionScale | None:
    return session.scalars(
        select(ContributionScale)
        .where(ContributionScale.income_status == income_status, ContributionScale.effective_from <= day)
        .order_by(ContributionScale.effective_from.desc())
        .limit(1)
    ).first()


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def contribution_records_version(session: Session, household_id: int) -> str:
    """What a contributions screen was drawn from: a digest of the household's income statuses
    (every column: a status replaced in place changes it) and of its payments (ids: payments are only
    added or undone). A status set, replaced or undone, or a payment recorded or undone, changes it."""
    statuses = session.scalars(
        select(ContributionStatus).where(ContributionStatus.household_id == household_id).order_by(ContributionStatus.id)
    )
    payments = session.scalars(select(Payment.id).where(Payment.household_id == household_id).order_by(Payment.id))
    content = json.dumps([[snapshot(row) for row in statuses], list(payments)], sort_keys=True, default=str)
    return hashlib.sha256(content.encode()).hexdigest()[:16]


def _check_drawn_from(session: Session, household: Household, drawn_from: Any) -> None:
    """Refuse a change made from a screen drawn before another change of the household's contributions
    (None: no screen to compare with, as for an import)."""
    if drawn_from is not None and drawn_from != contribution_records_version(session, household.id):
        raise StaleVersion()


@service
def set_income_status(
    engine: Engine,
    actor: Actor,
    household_id: int,
    *,
    effective_from: date,
    income_status: str,
    monthly_income: Decimal | None = None,
    override_amount: Decimal | None = None,
    override_reason: str | None = None,
    drawn_from: str | None = None,
) -> Decimal:
    """Set a household's income status from a date; the amount comes from the scale in force that day,
    unless overridden with a reason. A status already starting that day is replaced. Returns the amount.
    `drawn_from` (contribution_records_version of the screen the form was drawn from) refuses a change
    from a stale screen."""
    with Checks() as check:
        start = check(require_date, effective_from, "field.effective_from")
        status = check(require_choice, income_status, IncomeStatus, "field.income_status")
        income = check(optional_money, monthly_income, "field.monthly_income")
        override = check(optional_money, override_amount, "field.override_amount")
        reason = check(optional_text, override_reason, "field.override_reason")
        if override is not None and reason is None:
            check.refuse("error.override_needs_reason")
    with write_session(engine) as session:
        household = get_or_refuse(session, Household, household_id, "household", lock=True)
        require_household_editor(actor, household.referent_organisation_id)
        _check_drawn_from(session, household, drawn_from)
        if start < household.referred_on:
            raise InvalidInput("error.status_before_referral", date=household.referred_on)
        if household.follow_up_ended_on is not None and start >= household.follow_up_ended_on:
            raise Conflict("error.follow_up_ended", reference=household.reference, date=household.follow_up_ended_on)
        entry = scale_in_force(session, status, start)
        if entry is None and override is None:
            raise Conflict("error.no_scale", status=Term(f"income_status.{status}"), date=start)
        amount = override if override is not None else amount_from_scale(entry, income)
        row = session.scalars(
            select(ContributionStatus).where(
                ContributionStatus.household_id == household.id, ContributionStatus.effective_from == start
            )
        ).first()
        before = snapshot(row)
        if row is None:
            row = ContributionStatus(household_id=household.id, effective_from=start)
            session.add(row)
        row.income_status, row.monthly_income, row.monthly_amount = status, income, amount
        row.override_reason = reason if override is not None else None
        session.flush()
        audit(session, actor, "contribution.set_status", "contribution_status", row.id, before=before, after=snapshot(row))
        return amount


def split_amount(total: Decimal, parts: int) -> list[Decimal]:
    """Split a total in cents over `parts` months; the last month takes the remainder."""
    share = (total / parts).quantize(CENT, rounding="ROUND_DOWN")
    return [share] * (parts - 1) + [total - share * (parts - 1)]


def _months(period_months: Any) -> list[date]:
    if isinstance(period_months, (date, str)):
        period_months = [period_months]
    if not isinstance(period_months, (list, tuple)) or not period_months:
        raise InvalidInput("error.months_required")
    months = sorted({first_of_month(require_date(m, "field.period_month")) for m in period_months})
    if len(months) > MAX_MONTHS_PER_PAYMENT:
        raise InvalidInput("error.too_many_months", maximum=MAX_MONTHS_PER_PAYMENT)
    return months


class DuplicatePayment(Conflict):
    """The same payment was recorded moments ago; record it again only with confirm_duplicate=True."""


def recent_identical_payment(
    session: Session, household_id: int, total: Decimal, months: list[date]
) -> datetime | None:
    """When the same payment — this household, this total, these months (first days, sorted) — was
    recorded less than DUPLICATE_PAYMENT_WINDOW ago and is still there (not undone): that moment (UTC).
    None otherwise. Read from the payments' audit rows (payment.create, in the same transaction)."""
    since = (clock.now() - DUPLICATE_PAYMENT_WINDOW).astimezone(UTC)  # audit times are UTC (naive on SQLite)
    recorded = session.execute(
        select(AuditEvent.at, AuditEvent.after)
        .join(Payment, Payment.id == AuditEvent.entity_id)  # the write's first row: gone once undone
        .where(AuditEvent.action == "payment.create", AuditEvent.entity == "payment", AuditEvent.at >= since)
        .where(Payment.household_id == household_id)
        .order_by(AuditEvent.at.desc())
    ).all()
    wanted = [month.isoformat() for month in months]
    for at, after in recorded:
        if Decimal(after["total"]) == total and sorted(row["period_month"] for row in after["payments"]) == wanted:
            return as_utc(at)
    return None


def _refuse_recent_duplicate(session: Session, household: Household, total: Decimal, months: list[date]) -> None:
    recorded_at = recent_identical_payment(session, household.id, total, months)
    if recorded_at is not None:
        minutes = max(1, math.ceil((clock.now() - recorded_at).total_seconds() / 60))
        raise DuplicatePayment(
            "error.duplicate_payment", reference=household.reference, amount=Money(total),
            months=", ".join(f"{month:%m/%Y}" for month in months), minutes=minutes,
        )


@service
def record_payment(
    engine: Engine,
    actor: Actor,
    household_id: int,
    *,
    paid_on: date,
    amount: Decimal,
    period_months: list[date] | date,
    method: str,
    notes: str | None = None,
    drawn_from: str | None = None,
    confirm_duplicate: bool = False,
) -> list[int]:
    """Record a payment covering one or several months (the amount is split over them). Returns row ids.
    `drawn_from`: as for set_income_status (two users recording the same payment: the second is refused).
    The same payment (household, amount, months) recorded less than DUPLICATE_PAYMENT_WINDOW ago and not undone
    is refused (DuplicatePayment: a second click, most likely) unless `confirm_duplicate`."""
    with Checks() as check:
        paid = check(require_date, paid_on, "field.paid_on")
        total = check(require_money, amount, "field.amount", positive=True)
        months = check(_months, period_months)
        if total is not None and months and total < CENT * len(months):
            check.refuse("error.amount_too_small_to_split", count=len(months))
        method = check(require_choice, method, PaymentMethod, "field.method")
        notes = check(optional_text, notes, "field.notes", max_length=MAX_NOTES)
        if paid is not None and paid > clock.today():
            check.refuse("error.payment_in_future", date=paid)
    with write_session(engine) as session:
        household = get_or_refuse(session, Household, household_id, "household", lock=True)
        require_household_editor(actor, household.referent_organisation_id)
        _check_drawn_from(session, household, drawn_from)
        if paid < household.referred_on:
            raise InvalidInput("error.payment_before_referral", date=household.referred_on)
        if not confirm_duplicate:
            _refuse_recent_duplicate(session, household, total, months)
        rows = [
            Payment(household_id=household.id, paid_on=paid, amount=share, period_month=month, method=method, notes=notes)
            for month, share in zip(months, split_amount(total, len(months)))
        ]
        session.add_all(rows)
        session.flush()
        audit(
            session, actor, "payment.create", "payment", rows[0].id,
            after={"household_id": household.id, "total": total, "payments": [snapshot(r) for r in rows]},
        )
        return [row.id for row in rows]


@service
def set_scale_entry(
    engine: Engine,
    actor: Actor,
    *,
    income_status: str,
    label: str,
    rule: str,
    effective_from: date,
    amount: Decimal | None = None,
    percent: Decimal | None = None,
    minimum: Decimal | None = None,
    maximum: Decimal | None = None,
) -> int:
    """Add (or replace, for the same status and date) an entry of the contribution scale. Admin only."""
    require_admin(actor)
    status = require_choice(income_status, IncomeStatus, "field.income_status")
    label = require_text(label, "field.label")
    rule = require_choice(rule, ScaleRule, "field.rule")
    start = require_date(effective_from, "field.effective_from")
    amount, minimum, maximum = (
        optional_money(amount, "field.amount"),
        optional_money(minimum, "field.minimum"),
        optional_money(maximum, "field.maximum"),
    )
    percent = optional_money(percent, "field.percent")
    if rule == ScaleRule.FIXED and amount is None:
        raise InvalidInput("error.fixed_needs_amount")
    if rule == ScaleRule.PERCENT_OF_INCOME and percent is None:
        raise InvalidInput("error.percent_needs_percent")
    if percent is not None and percent > 100:
        raise InvalidInput("error.too_large", field=Term("field.percent"), maximum=100)
    if minimum is not None and maximum is not None and minimum > maximum:
        raise InvalidInput("error.minimum_above_maximum", minimum=Money(minimum), maximum=Money(maximum))
    with write_session(engine) as session:
        entry = session.scalars(
            select(ContributionScale).where(
                ContributionScale.income_status == status, ContributionScale.effective_from == start
            )
        ).first()
        before = snapshot(entry)
        if entry is None:
            entry = ContributionScale(income_status=status, effective_from=start)
            session.add(entry)
        entry.label, entry.rule = label, rule
        entry.amount, entry.percent, entry.minimum, entry.maximum = amount, percent, minimum, maximum
        session.flush()
        audit(session, actor, "scale.set", "contribution_scale", entry.id, before=before, after=snapshot(entry))
        return entry.id
