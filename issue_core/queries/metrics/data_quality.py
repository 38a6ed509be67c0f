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
from sqlalchemy import Engine, and_, case, exists, func, literal, or_, select, true, union

from issue_core.models import (
    AuditEvent,
    ContributionStatus,
    Convention,
    Household,
    Organisation,
    Payment,
    Placement,
    Site,
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


def _materialized(query, name: str):
    """The query as a CTE computed once: SQLite would otherwise fold it into the join with the days and redo
    its per-stay or per-site work for each day. PostgreSQL plans it with the rest (hash joins): forced, its
    row estimates are lost and the plan's cost sets off the JIT compiler, slower than the query."""
    return query.cte(name).prefix_with("MATERIALIZED")


def _columns(day, *, details: bool, site_id=None, unit_id=None, since=None, payments=None, amount=None) -> list:
    columns = [day.label("day"), Household.id.label("household_id"),
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


def _stays_during(cal, name: str):
    """The stays covering at least one day of the calendar (a CTE): most stays ended before its first day."""
    first_day, last_day = (select(bound(cal.c.key)).scalar_subquery() for bound in (func.min, func.max))
    start, end = placement_range()
    return _materialized(select(Placement.household_id, Placement.unit_id, start, end)
                         .where(start <= last_day, or_(end.is_(None), end > first_day)), name)


def stays_without_exit(cal, *, details: bool = False):
    """Check 1: one row per stay ended on or before the day without an exit destination (since its end)."""
    ended = _materialized(select(Placement.household_id, Placement.unit_id, Placement.end_date)
                          .where(Placement.end_date.is_not(None), Placement.exit_destination.is_(None)),
                          "stays_ended_without_exit")
    query = (
        select(*_columns(cal.c.key, details=details, site_id=Unit.site_id, unit_id=Unit.id, since=ended.c.end_date))
        .select_from(cal)
        .join(ended, ended.c.end_date <= cal.c.key)
        .join(Household, Household.id == ended.c.household_id)
    )
    return query.join(Unit, Unit.id == ended.c.unit_id) if details else query


def inactive_waiting(cal, *, details: bool = False):
    """Check 2: one row per household followed on the day, waiting without activity since the inactivity
    window's start or earlier (since: its last activity)."""
    # No stay ending after the window's start, running, or lined up: also "no stay on d or later". Each
    # household's stays are summed up once (how many, how many ended, the last end), not read again per day,
    # and the households so found (a CTE) are the only ones whose statuses, payments and audit are searched.
    stays = _materialized(select(Placement.household_id, func.count().label("stays"),
                                 func.count(Placement.end_date).label("ended"),
                                 func.max(Placement.end_date).label("last_end"))
                          .group_by(Placement.household_id), "households_stays")
    waiting = _materialized(
        select(cal.c.key.label("day"), cal.c.start.label("window_start"), cal.c.end.label("window_end"),
               Household.id.label("household_id"), stays.c.last_end)
        .select_from(cal)
        .join(Household, and_(_followed_on(cal.c.key), Household.referred_on <= cal.c.start))
        .outerjoin(stays, stays.c.household_id == Household.id)
        .where(or_(stays.c.household_id.is_(None),
                   and_(stays.c.ended == stays.c.stays, stays.c.last_end <= cal.c.start))),
        "households_waiting")
    day, window_start = waiting.c.day, waiting.c.window_start
    status = exists().where(ContributionStatus.household_id == Household.id,
                            ContributionStatus.effective_from > window_start, ContributionStatus.effective_from <= day)
    # The waiting households' payments are read once (a CTE), not once per household and day.
    first_window_start = select(func.min(cal.c.start)).scalar_subquery()
    paid = _materialized(select(Payment.household_id, Payment.paid_on)
                         .where(Payment.household_id.in_(select(waiting.c.household_id)),
                                Payment.paid_on > first_window_start), "waiting_households_payments")
    payment = exists().where(paid.c.household_id == Household.id, paid.c.paid_on > window_start,
                             paid.c.paid_on <= day)
    changed = exists().where(AuditEvent.entity == "household", AuditEvent.entity_id == Household.id,
                             AuditEvent.action == "household.update", AuditEvent.at >= next_day(window_start),
                             AuditEvent.at < waiting.c.window_end)
    since = None
    if details:
        def latest(column, *conditions):
            found = select(func.max(column)).where(*conditions).correlate(Household, waiting).scalar_subquery()
            return func.coalesce(found, Household.referred_on)

        since = greatest(
            Household.referred_on,
            func.coalesce(waiting.c.last_end, Household.referred_on),  # every stay ended by the window's start
            latest(ContributionStatus.effective_from, ContributionStatus.household_id == Household.id,
                   ContributionStatus.effective_from <= day),
            latest(Payment.paid_on, Payment.household_id == Household.id, Payment.paid_on <= day),
            latest(func.date(AuditEvent.at), AuditEvent.entity == "household", AuditEvent.entity_id == Household.id,
                   AuditEvent.action == "household.update", AuditEvent.at < waiting.c.window_end),
        )
    return (
        select(*_columns(day, details=details, since=since))
        .select_from(waiting)
        .join(Household, Household.id == waiting.c.household_id)
        .where(~status, ~payment, ~changed)
    )


def placed_without_status(cal, *, details: bool = False):
    """Check 3: one row per stay covering the day of a household without an income status in force
    (since the stay's start)."""
    # Each stay is read once with its household's first income status (none in force on d ⟺ none, or the
    # first one takes effect after d); only stays that begin without one can be flagged on any day.
    first_status = (select(ContributionStatus.household_id, func.min(ContributionStatus.effective_from).label("day"))
                    .group_by(ContributionStatus.household_id).subquery("first_status"))
    stays = _materialized(select(Placement.household_id, Placement.unit_id, Placement.start_date, Placement.end_date,
                                 first_status.c.day.label("first_status"))
                          .outerjoin(first_status, first_status.c.household_id == Placement.household_id)
                          .where(or_(first_status.c.day.is_(None), first_status.c.day > Placement.start_date)),
                          "stays_begun_without_status")
    query = (
        select(*_columns(cal.c.key, details=details, site_id=Unit.site_id, unit_id=Unit.id, since=stays.c.start_date))
        .select_from(cal)
        .join(stays, and_(covers(stays.c.start_date, stays.c.end_date, cal.c.key),
                          or_(stays.c.first_status.is_(None), stays.c.first_status > cal.c.key)))
        .join(Household, Household.id == stays.c.household_id)
    )
    return query.join(Unit, Unit.id == stays.c.unit_id) if details else query


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
            select(*_columns(cal.c.key, details=False))
            .select_from(cal)
            .join(first, first.c.first_paid_on <= cal.c.key)
            .join(Household, Household.id == first.c.household_id)
        )
    columns = _columns(cal.c.key, details=True, since=func.min(Payment.paid_on), payments=func.count(Payment.id),
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
    # The sites without a convention covering the day are found first (a few sites × days), then their
    # units' stays covering the day through the index on (unit, start), rather than every stay × day.
    day = cal.c.key
    covered = exists().where(Convention.site_id == Site.id, Convention.start_date <= day,
                             convention_end_sql() >= day)
    last_end = (select(func.max(convention_end_sql())).where(Convention.site_id == Site.id,
                                                             Convention.start_date <= day)
                .correlate(Site, cal).scalar_subquery())
    uncovered = _materialized(select(day.label("day"), Site.id.label("site_id"), last_end.label("last_end"))
                              .select_from(cal).join(Site, true()).where(~covered), "sites_without_convention")
    stays = _stays_during(cal, "stays_during_quality_days")
    since = None
    if details:
        since = greatest(stays.c.start_date, func.coalesce(next_day(uncovered.c.last_end), stays.c.start_date))
    return (
        select(*_columns(uncovered.c.day, details=details, site_id=Unit.site_id, unit_id=Unit.id, since=since))
        .select_from(stays)
        .join(Unit, Unit.id == stays.c.unit_id)
        .join(uncovered, and_(uncovered.c.site_id == Unit.site_id,
                              covers(stays.c.start_date, stays.c.end_date, uncovered.c.day)))
        .join(Household, Household.id == stays.c.household_id)
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

