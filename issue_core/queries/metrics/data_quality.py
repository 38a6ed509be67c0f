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

Every check is one SQL select of its own rows (a stay or a household) with a column per day asked (1 where it
flags the row that day): the score of every partner on 13 days reads each check once, never once per day × partner,
and no check ever makes a row per day × household (at sector scale, 100,000 households, that was 560,000 rows).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial
from typing import NamedTuple

import numpy as np
import pandas as pd
from sqlalchemy import ColumnElement, Date, Engine, and_, case, exists, func, literal, or_, select, union_all

from issue_core.db import read_side_by_side
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
from issue_core.queries.sql.frames import read_frame, typed
from issue_core.queries.sql.intervals import first_of_month, greatest, next_day, next_month
from issue_core.rules import convention_end_sql, covers, follow_up_range, overlaps, placement_range

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


def window_start(day: date) -> date:
    """The first day (excluded) of the inactivity window of `day`: (day − INACTIVE_MONTHS, day]."""
    return months_before(day, DATA_QUALITY_INACTIVE_MONTHS)


def _followed_on(day):
    """SQL condition on Household: followed on `day` (the caseload's rule)."""
    return covers(*follow_up_range(), day)


# --- the five checks: each a select of (household_id, partner_id), with details (site_id, unit_id, since,
# payments, amount), then one column per day asked: on_0, on_1, … (1 where the check flags the row that day) --------


def flag_columns(count: int) -> list[str]:
    """The names of the columns of `count` days: on_0, on_1, …"""
    return [f"on_{index}" for index in range(count)]


def _flagged(query, conditions: list):
    """The query's rows flagged on at least one day, with a column per day (flag_columns): 1 where that day's
    condition holds, else 0. The rows are the check's own (a stay or a household), each read once whatever the
    number of days: never one row per day."""
    flags = [case((condition, 1), else_=0).label(name)
             for condition, name in zip(conditions, flag_columns(len(conditions)), strict=True)]
    return query.add_columns(*flags).where(or_(*conditions))


def _materialized(query, name: str):
    """The query as a CTE computed once: SQLite would otherwise fold it into the query reading it and redo its
    per-stay or per-household work for each of its uses."""
    return query.cte(name).prefix_with("MATERIALIZED")


def _columns(*, details: bool, site_id=None, unit_id=None, since=None, payments=None, amount=None) -> list:
    columns = [Household.id.label("household_id"), Household.referent_organisation_id.label("partner_id")]
    if details:
        columns += [
            (site_id if site_id is not None else literal(0)).label("site_id"),
            (unit_id if unit_id is not None else literal(0)).label("unit_id"),
            since.label("since"),
            (payments if payments is not None else literal(0)).label("payments"),
            (amount if amount is not None else literal(0)).label("amount"),
        ]
    return columns


def _details_day(days: list[date], details: bool) -> date | None:
    """The day the details are of: they are given for one day only (today's problems)."""
    if not details:
        return None
    if len(days) != 1:
        raise ValueError("a check gives its details for one day")
    return days[0]


def _stays_during(days: list[date]):
    """SQL condition on Placement: the stay covers at least one of the days (most stays ended before the first)."""
    return overlaps(*placement_range(), min(days), max(days) + ONE_DAY)


def stays_without_exit(days: list[date], *, details: bool = False):
    """Check 1: the stays ended on or before the day without an exit destination (since: their end)."""
    _details_day(days, details)
    query = (
        select(*_columns(details=details, site_id=Unit.site_id, unit_id=Unit.id, since=Placement.end_date))
        .select_from(Placement)
        .join(Household, Household.id == Placement.household_id)
        .where(Placement.end_date.is_not(None), Placement.exit_destination.is_(None))
    )
    if details:
        query = query.join(Unit, Unit.id == Placement.unit_id)
    return _flagged(query, [Placement.end_date <= day for day in days])


def inactive_waiting(days: list[date], *, details: bool = False):
    """Check 2: the households followed on the day, waiting without activity since the inactivity window's
    start or earlier (since: their last activity)."""
    day_of_details = _details_day(days, details)
    starts = [window_start(day) for day in days]
    # No stay ending after the window's start, running, or lined up: also "no stay on d or later" (looked for
    # through the index of the household's stays, not by summing up every household's). The households that can
    # wait on one of the days (a CTE) are the only ones whose statuses, payments and audit are searched.
    stay_after_start = exists().where(Placement.household_id == Household.id,
                                      or_(Placement.end_date.is_(None), Placement.end_date > max(starts)))
    last_end = (select(func.max(Placement.end_date)).where(Placement.household_id == Household.id)
                .correlate(Household).scalar_subquery())
    waiting = _materialized(
        select(Household.id.label("household_id"), last_end.label("last_end"))
        .where(Household.referred_on <= max(starts),
               or_(Household.follow_up_ended_on.is_(None), Household.follow_up_ended_on > min(days)),
               ~stay_after_start),
        "households_waiting")
    active = _activity(waiting, days, starts)
    since = _last_activity(waiting, day_of_details) if details else None
    query = (
        select(*_columns(details=details, since=since))
        .select_from(waiting)
        .join(Household, Household.id == waiting.c.household_id)
        .outerjoin(active, active.c.household_id == waiting.c.household_id)
    )
    return _flagged(query, [
        and_(_followed_on(day), Household.referred_on <= start,
             or_(waiting.c.last_end.is_(None), waiting.c.last_end <= start), func.coalesce(active.c[name], 0) == 0)
        for day, start, name in zip(days, starts, flag_columns(len(days)), strict=True)
    ])


def _audit_day():
    """The day of a household's change (the audit's UTC date): activity is counted by day."""
    return func.date(AuditEvent.at, type_=Date)


def _household_changes():
    return [AuditEvent.entity == "household", AuditEvent.action == "household.update"]


def _activity(waiting, days: list[date], starts: list[date]):
    """Per waiting household with activity in one of the windows (start, day]: one column per day (on_0, …),
    1 where an income status took effect, a payment was paid or its record changed in that day's window."""
    first, last = min(starts), max(days)
    in_waiting = select(waiting.c.household_id)
    events = union_all(
        select(ContributionStatus.household_id, ContributionStatus.effective_from.label("day"))
        .where(ContributionStatus.household_id.in_(in_waiting), ContributionStatus.effective_from > first,
               ContributionStatus.effective_from <= last),
        select(Payment.household_id, Payment.paid_on)
        .where(Payment.household_id.in_(in_waiting), Payment.paid_on > first, Payment.paid_on <= last),
        select(AuditEvent.entity_id, _audit_day())
        .where(*_household_changes(), AuditEvent.entity_id.in_(in_waiting), _audit_day() > first,
               _audit_day() <= last),
    ).subquery("waiting_households_events")
    windows = [case((and_(events.c.day > start, events.c.day <= day), 1), else_=0)
               for day, start in zip(days, starts, strict=True)]
    return (select(events.c.household_id, *(func.max(window).label(name)
                                            for window, name in zip(windows, flag_columns(len(days)), strict=True)))
            .group_by(events.c.household_id).subquery("waiting_households_activity"))


def _last_activity(waiting, day: date):
    """A waiting household's last activity by `day`: its referral, its last stay's end, its last income status,
    payment or change of record."""
    def latest(column, *conditions):
        found = select(func.max(column)).where(*conditions).correlate(Household).scalar_subquery()
        return func.coalesce(found, Household.referred_on)

    return greatest(
        Household.referred_on,
        func.coalesce(waiting.c.last_end, Household.referred_on),  # every stay ended by the window's start
        latest(ContributionStatus.effective_from, ContributionStatus.household_id == Household.id,
               ContributionStatus.effective_from <= day),
        latest(Payment.paid_on, Payment.household_id == Household.id, Payment.paid_on <= day),
        latest(_audit_day(), *_household_changes(), AuditEvent.entity_id == Household.id, _audit_day() <= day),
    )


def placed_without_status(days: list[date], *, details: bool = False):
    """Check 3: the stays covering the day of a household without an income status in force (since: the
    stay's start)."""
    _details_day(days, details)
    # Each stay of the days is read once with its household's first income status (none in force on d ⟺ none,
    # or the first one takes effect after d); only stays that begin without one can be flagged on any day.
    first_status = (select(func.min(ContributionStatus.effective_from))
                    .where(ContributionStatus.household_id == Placement.household_id).scalar_subquery())
    stays = _materialized(
        select(Placement.household_id, Placement.unit_id, Placement.start_date, Placement.end_date,
               first_status.label("first_status"))
        .where(_stays_during(days), or_(first_status.is_(None), first_status > Placement.start_date)),
        "stays_begun_without_status")
    query = (
        select(*_columns(details=details, site_id=Unit.site_id, unit_id=Unit.id, since=stays.c.start_date))
        .select_from(stays)
        .join(Household, Household.id == stays.c.household_id)
    )
    if details:
        query = query.join(Unit, Unit.id == stays.c.unit_id)
    return _flagged(query, [
        and_(covers(stays.c.start_date, stays.c.end_date, day),
             or_(stays.c.first_status.is_(None), stays.c.first_status > day))
        for day in days
    ])


def payments_on_closed_files(days: list[date], *, details: bool = False):
    """Check 4: the households with payments paid on or after the end of their follow-up, by the day (since:
    the first one; payments: how many by the day, amount: their total). Each closed file's first such payment
    is found through the index on (household, paid_on): not every payment read."""
    day_of_details = _details_day(days, details)
    closed_on = Household.follow_up_ended_on

    def after_closing(*conditions):
        return (select(*conditions).where(Payment.household_id == Household.id, Payment.paid_on >= closed_on)
                .correlate(Household))

    first = _materialized(
        select(Household.id.label("household_id"),
               after_closing(func.min(Payment.paid_on)).scalar_subquery().label("paid_on"))
        .where(closed_on.is_not(None)),
        "closed_files_first_payment")
    payments = amount = None
    if details:
        payments = after_closing(func.count()).where(Payment.paid_on <= day_of_details).scalar_subquery()
        amount = after_closing(func.sum(Payment.amount)).where(Payment.paid_on <= day_of_details).scalar_subquery()
    query = (
        select(*_columns(details=details, since=first.c.paid_on, payments=payments, amount=amount))
        .select_from(first)
        .join(Household, Household.id == first.c.household_id)
    )
    return _flagged(query, [first.c.paid_on <= day for day in days])


def stays_past_convention(days: list[date], *, details: bool = False):
    """Check 5: the stays covering the day on a site without a convention covering the day by its end (actual,
    else planned) — since the day after the latest end of the site's conventions started by then (the stay's
    start if it began later, or if the site has none)."""
    # The sites without a convention covering one of the days are found first (one row per site, a column per
    # day), then their units' stays of the days.
    day_of_details = _details_day(days, details)
    uncovered = [~exists().where(Convention.site_id == Site.id, Convention.start_date <= day,
                                 convention_end_sql() >= day) for day in days]
    columns = [Site.id.label("site_id")]
    if details:
        columns.append(select(func.max(convention_end_sql()))
                       .where(Convention.site_id == Site.id, Convention.start_date <= day_of_details)
                       .correlate(Site).scalar_subquery().label("last_end"))
    sites = _materialized(_flagged(select(*columns), uncovered), "sites_without_convention")
    # The stays of the days read once (a narrow scan): through an index per unit, PostgreSQL chose the stays'
    # exclusion constraint (GiST), ten times slower than this.
    stays = _materialized(select(Placement.household_id, Placement.unit_id, Placement.start_date, Placement.end_date)
                          .where(_stays_during(days)), "stays_on_the_days")
    since = None
    if details:
        since = greatest(stays.c.start_date, func.coalesce(next_day(sites.c.last_end), stays.c.start_date))
    query = (
        select(*_columns(details=details, site_id=Unit.site_id, unit_id=Unit.id, since=since))
        .select_from(sites)
        .join(Unit, Unit.site_id == sites.c.site_id)
        .join(stays, stays.c.unit_id == Unit.id)
        .join(Household, Household.id == stays.c.household_id)
    )
    return _flagged(query, [
        and_(sites.c[name] == 1, covers(stays.c.start_date, stays.c.end_date, day))
        for day, name in zip(days, flag_columns(len(days)), strict=True)
    ])


CHECK_QUERIES = {
    "stay_without_exit": stays_without_exit,
    "inactive_waiting": inactive_waiting,
    "placed_without_status": placed_without_status,
    "payment_on_closed_file": payments_on_closed_files,
    "stay_past_convention": stays_past_convention,
}


# --- the score ------------------------------------------------------------------------------------------------


class QualityFigures(NamedTuple):
    """scores: the score of every partner on each day (module docstring) — columns: day, partner_id, partner,
    considered (households), flagged (households), score (flagged ÷ considered subtracted from 1); by day, then
    partner; a partner is listed on a day it considers a household.
    problems: per partner and check, how many problems the check finds on the last day (a stay for checks 1, 3
    and 5, a household for 2 and 4) — columns: partner_id, partner, check, problems; partners without problems
    are not listed."""

    scores: pd.DataFrame
    problems: pd.DataFrame


@reads("sites", "stays", "money", "reference")
def quality_figures(engine: Engine, days: tuple[date, ...]) -> QualityFigures:
    """The scores of every partner on each of `days` and the problems per partner and check on the last of them.

    Each check's flagged rows and the followed households per partner are read side by side (each its own
    statement, on its own connection: both cores work, where one statement used one), each day as a bit of
    one number (day i: 2**i); the flags of a household are then combined in pandas, a few ms for 76,000 rows
    at sector scale."""
    days = sorted(set(days))
    reads = {check: partial(_check_rows, engine, build, days) for check, build in CHECK_QUERIES.items()}
    found = read_side_by_side(engine, {"followed": partial(_followed_per_partner, engine, days), **reads})
    followed, partners = found.pop("followed")
    rows = pd.concat([frame.assign(check=check) for check, frame in found.items()], ignore_index=True)
    scores = _scores(followed, _flagged_per_partner(rows, len(days)), partners, days)
    return QualityFigures(scores, _problems_on(rows, len(days) - 1, partners))


def _day_bits(days: list[date], condition) -> ColumnElement:  # noqa: ANN001 (day -> SQL condition)
    """One number per row: the sum of 2**i over the days i whose condition holds."""
    return sum((case((condition(day), 1 << i), else_=0) for i, day in enumerate(days)), literal(0))


def _bits(masks: pd.Series, count: int) -> np.ndarray:
    """The masks as a matrix of 0/1: a row per mask, a column per day."""
    return (masks.to_numpy(dtype="int64")[:, None] >> np.arange(count)) & 1


def _check_rows(engine: Engine, build, days: list[date]) -> pd.DataFrame:  # noqa: ANN001 (a check query's builder)
    """A check's rows flagged on one of the days — columns: household_id, partner_id, flagged (its days, as
    bits), followed (the days its household is followed, as bits)."""
    names = flag_columns(len(days))
    rows = build(days).add_columns(_day_bits(days, _followed_on).label("followed")).subquery("check_rows")
    flagged = sum((rows.c[name] * (1 << i) for i, name in enumerate(names)), literal(0))
    query = select(rows.c.household_id, rows.c.partner_id, flagged.label("flagged"), rows.c.followed)
    return read_frame(engine, query, ints=["household_id", "partner_id", "flagged", "followed"])


def _followed_per_partner(engine: Engine, days: list[date]) -> tuple[pd.DataFrame, pd.Series]:
    """How many households each partner follows on each day (a row per partner, a column per day) and the
    partners' short names by id."""
    mask = _day_bits(days, _followed_on).label("followed")
    query = (select(Household.referent_organisation_id.label("partner_id"), mask, func.count().label("households"))
             .where(Household.referred_on <= max(days),
                    or_(Household.follow_up_ended_on.is_(None), Household.follow_up_ended_on > min(days)))
             .group_by(Household.referent_organisation_id, mask))
    counts = read_frame(engine, query, ints=["partner_id", "followed", "households"])
    names = read_frame(engine, select(Organisation.id.label("partner_id"), Organisation.short_name.label("partner")),
                       ints=["partner_id"])
    per_day = pd.DataFrame(_bits(counts["followed"], len(days)) * counts[["households"]].to_numpy(),
                           index=counts["partner_id"]).groupby(level=0).sum()
    return per_day, names.set_index("partner_id")["partner"]


def _flagged_per_partner(rows: pd.DataFrame, count: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per partner and day: its households flagged by a check (each once, whichever checks flag it), and how
    many of them it follows that day (a row per partner, a column per day, in both)."""
    flagged = pd.DataFrame(_bits(rows["flagged"], count)).groupby(rows["household_id"].to_numpy()).max()
    first = rows.drop_duplicates("household_id").set_index("household_id").loc[flagged.index]
    followed = _bits(first["followed"], count)
    partner = first["partner_id"].to_numpy()
    return (flagged.groupby(partner).sum(),
            pd.DataFrame(flagged.to_numpy() & followed).groupby(partner).sum())


def _scores(followed: pd.DataFrame, flagged: tuple[pd.DataFrame, pd.DataFrame], partners: pd.Series,
            days: list[date]) -> pd.DataFrame:
    bad, both = flagged
    every = followed.index.union(bad.index)
    followed, bad, both = (frame.reindex(every, fill_value=0) for frame in (followed, bad, both))
    considered = followed + bad - both
    frame = pd.DataFrame({
        "day": np.repeat(np.array(days, dtype=object), len(every)),
        "partner_id": np.tile(every.to_numpy(), len(days)),
        "considered": considered.to_numpy().T.ravel(),
        "flagged": bad.to_numpy().T.ravel(),
    })
    frame = frame[frame["considered"] > 0]  # a partner is listed on a day it considers a household
    frame.insert(2, "partner", frame["partner_id"].map(partners).astype(partners.dtype))
    frame = typed(frame.sort_values(["day", "partner"], ignore_index=True),
                  ints=["partner_id", "considered", "flagged"])
    frame["score"] = (1 - frame["flagged"] / frame["considered"]).astype("float64")
    return frame


def _problems_on(rows: pd.DataFrame, day: int, partners: pd.Series) -> pd.DataFrame:
    """Per partner and check: its rows flagged on the day of index `day`."""
    on_day = rows[(rows["flagged"].to_numpy() >> day) & 1 == 1]
    frame = on_day.groupby(["partner_id", "check"], as_index=False).size().rename(columns={"size": "problems"})
    frame.insert(1, "partner", frame["partner_id"].map(partners).astype(partners.dtype))
    frame = typed(frame.sort_values(["partner", "check"], ignore_index=True), ints=["partner_id", "problems"],
                  keys=["check"])
    return frame[["partner_id", "partner", "check", "problems"]]
