"""Data quality (issue 14): five checks of the records, each as of a day, and a score per partner.

A check flags a household's records on day d (docs/RULES.md, "Data quality"):

1. ``stay_without_exit``: one of its stays has ended (end_date ≤ d) without an exit destination. A stay
   whose end is still ahead is only *planned* to end (the Stays page confirms it later) and a transfer
   always writes its destination (other_issue_unit): neither is flagged.
2. ``inactive_waiting``: followed on d, not placed and nothing lined up (queries/screens/waiting's rule:
   no stay on d or later), waiting since (referral or last stay's end) on or before d − INACTIVE_MONTHS,
   and no *activity* in (d − INACTIVE_MONTHS, d]: no stay ending, no income status taking effect, no
   payment, no change of the household's record (audit ``household.update``).
3. ``placed_without_status``: a stay covers d and no income status is in force (none with
   effective_from ≤ d; contributions.households_without_contribution's rule).
4. ``payment_on_closed_file``: a payment paid on or after the day its follow-up ended (the file is closed
   from that day: screens.payments.file_closed), paid on or before d.
5. ``stay_past_convention``: a stay covers d while no convention of its site covers d with its end
   (actual, else planned: rules.convention_end_sql) on or after d — an overdue convention's occupants.

The score of a partner on d = the share of its *considered* households that no check flags on d; the
considered households are those it follows on d (referred by d, follow-up not ended) and those a check
flags on d (a closed file with a payment after closing still counts). The partner is the household's
referent organisation today (its history is not kept). The checks read the records as they are now: a
problem fixed today no longer counts in any month, a problem recorded late counts from its own date.

Every check is one SQL select over a calendar of days (a UNION ALL of bound rows, queries.sql.intervals
windows_table): the score of every partner on 13 days is one grouped query, never one per day × partner.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
from sqlalchemy import Engine, and_, case, exists, func, literal, or_, select, union

from issue_core.models import (
    AuditEvent,
    ContributionStatus,
    Convention,
    Household,
    Organisation,
    Payment,
    Placement,
    Unit,
)
from issue_core.policy import DATA_QUALITY_INACTIVE_MONTHS, DATA_QUALITY_SCORE_MONTHS
from issue_core.queries.areas import reads
from issue_core.queries.sql.frames import read_frame
from issue_core.queries.sql.intervals import (
    Window,
    first_of_month,
    greatest,
    next_day,
    next_month,
    sum_of_parts,
    windows_table,
)
from issue_core.rules import convention_end_sql, covers, follow_up_range, placement_range

CHECKS = ("stay_without_exit", "inactive_waiting", "placed_without_status", "payment_on_closed_file",
          "stay_past_convention")
ONE_DAY = timedelta(days=1)


def months_before(day: date, months: int) -> date:
    """The same day `months` months earlier (the month's last day when it is shorter: 31/08 → 29/02)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    first = date(year, month + 1, 1)
    return first.replace(day=min(day.day, (next_month(first) - ONE_DAY).day))


def score_days(today: date, months: int = DATA_QUALITY_SCORE_MONTHS) -> list[date]:
    """The last day of each of the `months` months before today's, then today: the score's points."""
    days, month = [], first_of_month(today)
    for _ in range(months):
        days.insert(0, month - ONE_DAY)
        month = first_of_month(month - ONE_DAY)
    return [*days, today]


def calendar(days: list[date]):
    """The days as a subquery: key (the day d), start (d − INACTIVE_MONTHS: the inactivity window's
    first day, excluded), end (d + 1)."""
    return windows_table(
        [Window(day, months_before(day, DATA_QUALITY_INACTIVE_MONTHS), day + ONE_DAY) for day in sorted(set(days))],
        "quality_day",
    )


def _followed_on(day):
    """SQL condition on Household: followed on `day`, a column of days (the caseload's rule)."""
    return covers(*follow_up_range(), day)


# --- the five checks: each a select of (day, household_id, partner_id) and, with details, (site_id, unit_id,
# since, payments, amount) ------------------------------------------------------------------------------------


def _columns(cal, *, details: bool, site_id=None, unit_id=None, since=None, payments=None, amount=None) -> list:
    columns = [cal.c.key.label("day"), Household.id.label("household_id"),
               Household.referent_organisation_id.label("partner_id")]
    if details:
        columns += [
            (site_id if site_id is not None else literal(0)).label("site_id"),
            (unit_id if unit_id is not None else literal(0)).label("unit_id"),
            since.label("since"),
            (payments if payments is not None else literal(0)).label("payments"),
            (amount if amount is not None else literal(0)).label("amount"),
        ]
    return columns


def stays_without_exit(cal, *, details: bool = False):
    """Check 1: one row per stay ended on or before the day without an exit destination (since its end)."""
    query = (
        select(*_columns(cal, details=details, site_id=Unit.site_id, unit_id=Unit.id, since=Placement.end_date))
        .select_from(cal)
        .join(Placement, and_(Placement.end_date <= cal.c.key, Placement.exit_destination.is_(None)))
        .join(Household, Household.id == Placement.household_id)
    )
    return query.join(Unit, Unit.id == Placement.unit_id) if details else query


def inactive_waiting(cal, *, details: bool = False):
    """Check 2: one row per household followed on the day, waiting without activity since the inactivity
    window's start or earlier (since: its last activity)."""
    day, window_start = cal.c.key, cal.c.start
    # No stay ending after the window's start, running, or lined up: also "no stay on d or later".
    stay_since = exists().where(Placement.household_id == Household.id,
                                or_(Placement.end_date.is_(None), Placement.end_date > window_start))
    status = exists().where(ContributionStatus.household_id == Household.id,
                            ContributionStatus.effective_from > window_start, ContributionStatus.effective_from <= day)
    payment = exists().where(Payment.household_id == Household.id, Payment.paid_on > window_start,
                             Payment.paid_on <= day)
    changed = exists().where(AuditEvent.entity == "household", AuditEvent.entity_id == Household.id,
                             AuditEvent.action == "household.update", AuditEvent.at >= next_day(window_start),
                             AuditEvent.at < cal.c.end)
    since = None
    if details:
        def latest(column, *conditions):
            found = select(func.max(column)).where(*conditions).correlate(Household).scalar_subquery()
            return func.coalesce(found, Household.referred_on)

        since = greatest(
            Household.referred_on,
            latest(Placement.end_date, Placement.household_id == Household.id, Placement.end_date <= day),
            latest(ContributionStatus.effective_from, ContributionStatus.household_id == Household.id,
                   ContributionStatus.effective_from <= day),
            latest(Payment.paid_on, Payment.household_id == Household.id, Payment.paid_on <= day),
            latest(func.date(AuditEvent.at), AuditEvent.entity == "household", AuditEvent.entity_id == Household.id,
                   AuditEvent.action == "household.update", AuditEvent.at < cal.c.end),
        )
    return (
        select(*_columns(cal, details=details, since=since))
        .select_from(cal)
        .join(Household, and_(_followed_on(day), Household.referred_on <= window_start))
        .where(~stay_since, ~status, ~payment, ~changed)
    )


def placed_without_status(cal, *, details: bool = False):
    """Check 3: one row per stay covering the day of a household without an income status in force
    (since the stay's start)."""
    in_force = exists().where(ContributionStatus.household_id == Placement.household_id,
                              ContributionStatus.effective_from <= cal.c.key)
    query = (
        select(*_columns(cal, details=details, site_id=Unit.site_id, unit_id=Unit.id, since=Placement.start_date))
        .select_from(cal)
        .join(Placement, covers(*placement_range(), cal.c.key))
        .join(Household, Household.id == Placement.household_id)
        .where(~in_force)
    )
    return query.join(Unit, Unit.id == Placement.unit_id) if details else query


def payments_on_closed_files(cal, *, details: bool = False):
    """Check 4: one row per household with payments paid on or after the end of its follow-up, by the day
    (since the first one; payments: how many, amount: their total). Without details, each household's first
    such payment is found once (a grouped subquery), then met with the days: not every payment × every day."""
    after_closing = and_(Household.id == Payment.household_id, Household.follow_up_ended_on.is_not(None),
                         Payment.paid_on >= Household.follow_up_ended_on)
    if not details:
        first = (select(Payment.household_id, func.min(Payment.paid_on).label("first_paid_on"))
                 .join(Household, after_closing).group_by(Payment.household_id).subquery("first_after_closing"))
        return (
            select(*_columns(cal, details=False))
            .select_from(cal)
            .join(first, first.c.first_paid_on <= cal.c.key)
            .join(Household, Household.id == first.c.household_id)
        )
    columns = _columns(cal, details=True, since=func.min(Payment.paid_on), payments=func.count(Payment.id),
                       amount=func.sum(Payment.amount))
    return (
        select(*columns)
        .select_from(cal)
        .join(Payment, Payment.paid_on <= cal.c.key)
        .join(Household, after_closing)
        .group_by(cal.c.key, Household.id, Household.referent_organisation_id)
    )


def stays_past_convention(cal, *, details: bool = False):
    """Check 5: one row per stay covering the day on a site without a convention covering the day by its
    end (actual, else planned) — since the day after the latest end of the site's conventions started by
    then (the stay's start if it began later, or if the site has none)."""
    day = cal.c.key
    covered = exists().where(Convention.site_id == Unit.site_id, Convention.start_date <= day,
                             convention_end_sql() >= day)
    since = None
    if details:
        last_end = (select(func.max(convention_end_sql())).where(Convention.site_id == Unit.site_id,
                                                                 Convention.start_date <= day)
                    .correlate(Unit).scalar_subquery())
        since = greatest(Placement.start_date, func.coalesce(next_day(last_end), Placement.start_date))
    return (
        select(*_columns(cal, details=details, site_id=Unit.site_id, unit_id=Unit.id, since=since))
        .select_from(cal)
        .join(Placement, covers(*placement_range(), day))
        .join(Unit, Unit.id == Placement.unit_id)
        .join(Household, Household.id == Placement.household_id)
        .where(~covered)
    )


CHECK_QUERIES = {
    "stay_without_exit": stays_without_exit,
    "inactive_waiting": inactive_waiting,
    "placed_without_status": placed_without_status,
    "payment_on_closed_file": payments_on_closed_files,
    "stay_past_convention": stays_past_convention,
}


# --- the score ------------------------------------------------------------------------------------------------


@reads("sites", "stays", "money", "reference")
def quality_scores(engine: Engine, days: tuple[date, ...]) -> pd.DataFrame:
    """The score of every partner on each of `days` (module docstring), in one grouped query.

    columns: day, partner_id, partner, considered (households), flagged (households), score (flagged ÷
    considered subtracted from 1; None when it considers no household). By day, then partner."""
    cal = calendar(list(days))
    # The flagged households of each day (UNION: once each, whichever checks flag them), counted per partner,
    # with those of them not followed that day (considered all the same); and the followed households per
    # partner. Two grouped parts, added up: no grouping of every followed household × day.
    problems = union(*(build(cal) for build in CHECK_QUERIES.values())).subquery("flagged_households")
    flagged_part = (
        select(problems.c.day, problems.c.partner_id, literal(0).label("followed"), func.count().label("flagged"),
               func.sum(case((_followed_on(problems.c.day), 0), else_=1)).label("not_followed"))
        .join(Household, Household.id == problems.c.household_id)
        .group_by(problems.c.day, problems.c.partner_id)
    )
    followed_part = (
        select(cal.c.key.label("day"), Household.referent_organisation_id.label("partner_id"),
               func.count().label("followed"), literal(0).label("flagged"), literal(0).label("not_followed"))
        .select_from(cal).join(Household, _followed_on(cal.c.key))
        .group_by(cal.c.key, Household.referent_organisation_id)
    )
    parts = sum_of_parts([flagged_part, followed_part], ["day", "partner_id"],
                         ["followed", "flagged", "not_followed"]).subquery("per_partner")
    query = (
        select(parts.c.day, parts.c.partner_id, Organisation.short_name.label("partner"),
               (parts.c.followed + parts.c.not_followed).label("considered"), parts.c.flagged)
        .join(Organisation, Organisation.id == parts.c.partner_id)
        .order_by(parts.c.day, Organisation.short_name)
    )
    frame = read_frame(engine, query, dates=["day"], ints=["partner_id", "considered", "flagged"])
    frame["score"] = [None if considered == 0 else 1 - bad / considered
                      for considered, bad in zip(frame["considered"], frame["flagged"], strict=True)]
    frame["score"] = frame["score"].astype("float64")
    return frame

