"""Contributions: what is due, what is paid, arrears.

**Due** for a month = monthly amount in force × placed days in that month ÷ days in that month.
The amount in force on a day is the household's contribution_status with the latest
effective_from ≤ that day, so a status holds over [effective_from, next effective_from). Due is
computed per intersection of a placement with a status period — in "months" (see
intervals.month_position), so a status change mid-month or a stay across months needs no calendar.
Days before a household's first status are due at 0 (households_without_contribution lists them).

**Paid** for a month = payments whose period_month is that month. **Arrears** = Σ due − Σ paid
to date, kept after the household leaves: per household, its due rounded once to the cent
(frames.cents) minus its payments; every total of arrears is an exact sum of those balances.
Household filters apply; unit filters do not (a household's contributions follow it across units),
except in households_without_contribution.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import partial

import numpy as np
import pandas as pd
from sqlalchemy import Engine, Float, and_, case, cast, exists, func, literal, or_, select

from issue_core.db import read_side_by_side
from issue_core.models import (
    ContributionStatus,
    Household,
    HouseholdLedger,
    Organisation,
    Payment,
    Placement,
    Site,
    Unit,
)
from issue_core.queries.areas import reads
from issue_core.queries.sql.filters import NO_FILTERS, Filters
from issue_core.queries.sql.frames import cents, cents_column, money_sum, read_frame, typed, whole_cents
from issue_core.queries.sql.functions import date_param, in_cents
from issue_core.queries.sql.intervals import (
    ONE_DAY,
    common_bounds,
    common_days,
    common_months,
    greatest,
    month_position,
    month_windows,
    windows_table,
)
from issue_core.rules import covers, overlaps, placement_range

# Every household owing a cent or more (balances are to the cent): the overview's total arrears.
NO_THRESHOLD = Decimal("0.00")


def status_periods(household=None, households=None):  # noqa: ANN001, ANN201
    """Each contribution status with the range it is in force: [effective_from, next effective_from);
    those of one `household` (an id or a column), or of `households` (a query of ids), only when given."""
    status = ContributionStatus
    by_household = {"partition_by": status.household_id, "order_by": status.effective_from}
    query = select(
        status.household_id,
        cast(status.monthly_amount, Float).label("amount"),
        status.effective_from.label("start_date"),
        func.lead(status.effective_from).over(**by_household).label("end_date"),
    )
    if household is not None:
        query = query.where(status.household_id == household)
    if households is not None:
        query = query.where(status.household_id.in_(households))
    return query.subquery("status")


def _status_meets_placement(status, placement=Placement):  # noqa: ANN001, ANN202
    return and_(
        status.c.household_id == placement.household_id,
        overlaps(status.c.start_date, status.c.end_date, *placement_range(placement)),
    )


def due_by_household_query(as_of: date, filters: Filters):  # noqa: ANN201
    """Per household: amount due for its placed days up to and including `as_of`."""
    status = status_periods()
    end = date_param(as_of + ONE_DAY)
    return (
        select(Placement.household_id, func.sum(_piece_due(status, end=end)).label("due"))
        .join(status, _status_meets_placement(status))
        .where(Placement.start_date < end, *filters.of_households(Placement.household_id))
        .group_by(Placement.household_id)
    )


def paid_by_household_query(as_of: date, filters: Filters):  # noqa: ANN201
    """Per household: payments made on or before `as_of`, whatever months they cover."""
    return (
        select(Payment.household_id, func.sum(Payment.amount).label("paid"))
        .where(Payment.paid_on <= date_param(as_of), *filters.of_households(Payment.household_id))
        .group_by(Payment.household_id)
    )


def _balances_on(days: tuple[date, ...], filters: Filters):  # noqa: ANN202
    """Per household with something due or paid by the last of `days`: for each day i, due_i and paid_i
    (as due_by_household_query and paid_by_household_query on that day) and counted_i (1 when the
    household has a stay begun or a payment made by then).

    The settled part comes from household_ledger, which the database keeps: the due of the ended
    placements, the payments. Read here is only what moves: the placements open, or ended after the first
    of `days` (their due cut at each day, and their whole due taken back out of the ledger's), and the
    payments made after the first day (taken back out of the ledger's total for the days before them) —
    a few thousand rows at sector scale, where computing from every stay and payment read 1.7 M."""
    first_end = date_param(min(days) + ONE_DAY)
    ends = [date_param(day + ONE_DAY) for day in days]
    pieces = _moving_pieces(first_end, date_param(max(days) + ONE_DAY), filters)
    moving = (
        select(
            pieces.c.household_id,
            *(func.sum(pieces.c.amount * greatest(literal(0.0), _last_position(pieces, end) - pieces.c.first_position))
              .label(f"due_{i}") for i, end in enumerate(ends)),
            *(func.max(case((pieces.c.start_date < end, 1), else_=0)).label(f"placed_{i}")
              for i, end in enumerate(ends)),
            func.sum(pieces.c.ended_due).label("ended_due"),
            func.sum(pieces.c.ended).label("ended_pieces"),
        )
        .group_by(pieces.c.household_id)
    ).subquery("moving")
    # by their day first (an index): grouped by household at once, SQLite would walk every payment in that order
    payment = (
        select(Payment.household_id, Payment.paid_on, in_cents(Payment.amount).label("cents"))
        .where(Payment.paid_on > date_param(min(days)), *filters.of_households(Payment.household_id))
        .cte("recent_payment")
        .prefix_with("MATERIALIZED", dialect="sqlite")
    )
    later = [payment.c.paid_on > date_param(day) for day in days]
    recent = (
        select(
            payment.c.household_id,
            *(func.sum(case((made_later, payment.c.cents), else_=0)).label(f"later_cents_{i}")
              for i, made_later in enumerate(later)),
            *(func.sum(case((made_later, 1), else_=0)).label(f"later_{i}") for i, made_later in enumerate(later)),
        )
        .group_by(payment.c.household_id)
    ).subquery("recent")
    ledger = HouseholdLedger
    ended_before = func.coalesce(ledger.ended_due, 0.0) - func.coalesce(moving.c.ended_due, 0.0)
    pieces_before = func.coalesce(ledger.ended_pieces, 0) - func.coalesce(moving.c.ended_pieces, 0)
    per_day = []
    for i in range(len(days)):
        paid_cents = func.coalesce(ledger.paid_cents, 0) - func.coalesce(recent.c[f"later_cents_{i}"], 0)
        payments = func.coalesce(ledger.payments, 0) - func.coalesce(recent.c[f"later_{i}"], 0)
        placed = or_(pieces_before > 0, func.coalesce(moving.c[f"placed_{i}"], 0) > 0)
        per_day += [
            (ended_before + func.coalesce(moving.c[f"due_{i}"], 0.0)).label(f"due_{i}"),
            (cast(paid_cents, Float) / 100).label(f"paid_{i}"),
            case((or_(placed, payments > 0), 1), else_=0).label(f"counted_{i}"),
        ]
    return (
        select(
            Household.id.label("household_id"),
            Household.reference,
            Household.axis_id,
            Household.referent_organisation_id.label("partner_id"),
            Organisation.short_name.label("partner"),
            *per_day,
        )
        .join(Organisation, Organisation.id == Household.referent_organisation_id)
        .outerjoin(ledger, ledger.household_id == Household.id)
        .outerjoin(moving, moving.c.household_id == Household.id)
        .outerjoin(recent, recent.c.household_id == Household.id)
        .where(or_(ledger.household_id.is_not(None), moving.c.household_id.is_not(None)))
        .where(*filters.household_conditions())
    )


@reads("sites", "stays", "money", "reference")
def arrears(engine: Engine, as_of: date, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """Per household with something due or paid: due (placed days up to and including `as_of`,
    to the cent), paid (payments made on or before `as_of`), arrears = due − paid (negative: paid
    ahead). Every total of arrears is a sum of these rows, so it adds up to what a table shows.
    References are returned: the page hides those the viewer may not see.

    columns: household_id, reference, axis_id, partner_id, partner, due, paid, arrears —
    largest arrears first."""
    return arrears_on(engine, (as_of,), filters)[0]


@reads("sites", "stays", "money", "reference")
def arrears_on(engine: Engine, days: tuple[date, ...], filters: Filters = NO_FILTERS) -> tuple[pd.DataFrame, ...]:
    """`arrears` on each of `days`, read in one pass (see _balances_on): the same frames, in the order of `days`."""
    frame = _balances_frame(engine, days, filters)
    return tuple(_balances_of_day(frame, i) for i in range(len(days)))


def _balances_frame(engine: Engine, days: tuple[date, ...], filters: Filters) -> pd.DataFrame:
    """The rows of _balances_on, typed: a column per day of due, paid and counted."""
    return read_frame(engine, _balances_on(tuple(days), filters), ints=["household_id", "axis_id", "partner_id"])


def _moving_pieces(first_end, end, filters: Filters):  # noqa: ANN001, ANN202
    """Each placement ∩ status period of a placement open, or ended after `first_end` (the ledger holds the
    others whole), cut at `end` (exclusive): its household, amount, start, last day (exclusive), the month
    positions of its bounds, and for an ended placement its whole due (ended_due, as the ledger counts it)
    and ended = 1 — computed once per piece for every day of _balances_on (SQLite would inline and recompute
    them for each day: materialised there). The placements are read once (a narrow scan), then only their
    households' statuses, through the index (household, effective_from)."""
    placement = _placements_where(or_(Placement.end_date.is_(None), Placement.end_date > first_end), filters)
    status = status_periods(households=select(placement.c.household_id))
    in_force = (status.c.start_date, status.c.end_date)
    stay = (placement.c.start_date, placement.c.end_date)
    first, last = common_bounds([stay, in_force], placement.c.start_date, end)
    ended = placement.c.end_date.is_not(None)
    return (
        select(placement.c.household_id, status.c.amount, placement.c.start_date, last.label("last"),
               month_position(first).label("first_position"), month_position(last).label("last_position"),
               case((ended, _piece_due(status, placement.c)), else_=0.0).label("ended_due"),
               case((ended, 1), else_=0).label("ended"))
        .join(status, _status_meets_placement(status, placement.c))
        .cte("moving_pieces")
        .prefix_with("MATERIALIZED", dialect="sqlite")
    )


def _placements_where(condition, filters: Filters):  # noqa: ANN001, ANN202
    """The placements meeting `condition` (household, start, end), read once: a few thousand of 257,171 at
    sector scale, whose households' statuses are then found through their index (status_periods(households=…))
    — joined the other way, each engine reads every status, and its placements."""
    return (
        select(Placement.household_id, Placement.start_date, Placement.end_date)
        .where(condition, *filters.of_households(Placement.household_id))
        .cte("placement_read")
        .prefix_with("MATERIALIZED", dialect="sqlite")
    )


def _piece_due(status, placement=Placement, end=None):  # noqa: ANN001, ANN202
    """The due of a placement's piece with a status period: the range both share, in months, up to `end`
    (exclusive; by default the placement's own end: an ended placement's whole due), times the amount."""
    in_force = (status.c.start_date, status.c.end_date)
    stay = placement_range(placement)
    until = placement.end_date if end is None else end
    return status.c.amount * common_months([stay, in_force], placement.start_date, until)


def ended_due_of(household):  # noqa: ANN001, ANN201
    """(due, pieces) of one household's ended placements, whole: what household_ledger keeps (its triggers
    compute it with this query, issue_core.ledger)."""
    status = status_periods(household)
    return (
        select(func.coalesce(func.sum(_piece_due(status)), 0.0).label("due"), func.count().label("pieces"))
        .select_from(Placement)
        .join(status, _status_meets_placement(status))
        .where(Placement.household_id == household, Placement.end_date.is_not(None))
    )


def ended_due_by_household():  # noqa: ANN201
    """ended_due_of for every household with an ended placement, grouped: to fill the ledger in one pass."""
    status = status_periods()
    return (
        select(Placement.household_id, func.sum(_piece_due(status)).label("due"), func.count().label("pieces"))
        .join(status, _status_meets_placement(status))
        .where(Placement.end_date.is_not(None))
        .group_by(Placement.household_id)
    )


def _last_position(pieces, end):  # noqa: ANN001, ANN202
    """The month position of a piece's last day cut at an earlier `end`: its own while it ends by then, else
    `end`'s — the value common_months would compute with that end, without computing the bounds again."""
    return case((pieces.c.last <= end, pieces.c.last_position), else_=month_position(end))


def _balances_of_day(frame: pd.DataFrame, i: int) -> pd.DataFrame:
    counted = frame[frame[f"counted_{i}"] > 0]
    day = counted[["household_id", "reference", "axis_id", "partner_id", "partner"]].copy()
    day["due"] = cents_column(counted[f"due_{i}"])
    day["paid"] = cents_column(counted[f"paid_{i}"])
    day["arrears"] = _arrears_column(day["due"], day["paid"])
    return day.sort_values(["arrears", "reference"], ascending=[False, True], ignore_index=True)


def _arrears_column(due: pd.Series, paid: pd.Series) -> pd.Series:
    """float(cents(due) - cents(paid)) for each row: a whole number of cents, exact whatever the float error."""
    difference = (cents_column(due) - cents_column(paid)) * 100
    return pd.Series(np.round(difference) / 100, index=due.index, dtype="float64")


def _owed_on_day(frame: pd.DataFrame, i: int) -> Decimal:
    """total_owed(_balances_of_day(frame, i)), from day i's columns alone: no rows copied, none sorted."""
    counted = frame[frame[f"counted_{i}"] > 0]
    arrears = _arrears_column(counted[f"due_{i}"], counted[f"paid_{i}"])
    return total_owed(arrears.to_frame("arrears"))


@reads("sites", "stays", "money", "reference")
def arrears_and_earlier_totals(engine: Engine, days: tuple[date, ...],
                               filters: Filters = NO_FILTERS) -> tuple[pd.DataFrame, tuple[Decimal, ...]]:
    """`arrears` on the first of `days`, and total_arrears on each of the others, read in one pass (as
    arrears_on): the rows of a page's tables today, and the totals its key figure is compared with."""
    frame = _balances_frame(engine, days, filters)
    return _balances_of_day(frame, 0), tuple(_owed_on_day(frame, i) for i in range(1, len(days)))


def owing_more_than(frame: pd.DataFrame, threshold: Decimal | float = NO_THRESHOLD) -> pd.DataFrame:
    """The rows of `arrears` whose balance is above `threshold` (0: every household owing a cent or
    more; policy.ARREARS_THRESHOLD: the households "in arrears")."""
    limit = float(cents(threshold))  # amounts to the cent compare as floats as they do as decimals
    return frame[pd.Series(cents_column(frame["arrears"]) > limit, index=frame.index, dtype=bool)]


@reads("sites", "stays", "money", "reference")
def arrears_by_partner(
    engine: Engine, as_of: date, filters: Filters = NO_FILTERS, threshold: Decimal | float = NO_THRESHOLD
) -> pd.DataFrame:
    """Per referent partner: due, paid, arrears = Σ of the households' balances above `threshold`
    (a household paid ahead does not offset another's debt), households_in_arrears (their number).
    The default threshold counts any balance of a cent or more. Sums of the rows of `arrears`.

    columns: partner_id, partner, due, paid, arrears, households_in_arrears."""
    return partner_arrears(arrears(engine, as_of, filters), threshold)


def partner_arrears(frame: pd.DataFrame, threshold: Decimal | float = NO_THRESHOLD) -> pd.DataFrame:
    """arrears_by_partner from the rows of `arrears` (a page that has them needs not compute them again)."""
    columns = ["partner_id", "partner", "due", "paid", "arrears", "households_in_arrears"]
    if frame.empty:
        return typed(pd.DataFrame(columns=columns), ints=["partner_id", "households_in_arrears"],
                     money=["due", "paid", "arrears"])
    owing = owing_more_than(frame, threshold)
    keys = ["partner_id", "partner"]
    # whole cents: exact sums, as money_sum
    totals = pd.DataFrame({**{key: frame[key] for key in keys}, "due": whole_cents(frame["due"]),
                           "paid": whole_cents(frame["paid"])}).groupby(keys, sort=False).sum()
    owed = pd.DataFrame({**{key: owing[key] for key in keys}, "arrears": whole_cents(owing["arrears"]),
                         "households_in_arrears": 1}).groupby(keys, sort=False).sum()
    result = totals.join(owed).fillna(0).reset_index()
    for column in ("due", "paid", "arrears"):
        result[column] = result[column].astype("int64") / 100
    result = result[columns].sort_values("partner", ignore_index=True)
    return typed(result, ints=["partner_id", "households_in_arrears"], money=["due", "paid", "arrears"])


def total_arrears(
    engine: Engine, as_of: date, filters: Filters = NO_FILTERS, threshold: Decimal | float = NO_THRESHOLD
) -> Decimal:
    """Σ of the households' balances above `threshold` on `as_of` (as arrears_by_partner), exact."""
    return total_owed(arrears(engine, as_of, filters), threshold)


def total_owed(frame: pd.DataFrame, threshold: Decimal | float = NO_THRESHOLD) -> Decimal:
    """total_arrears from the rows of `arrears` (a page that has them needs not compute them again)."""
    return money_sum(owing_more_than(frame, threshold)["arrears"])


@reads("sites", "stays", "money", "reference")
def contributions_monthly(engine: Engine, start: date, end: date, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """Per calendar month meeting [start, end), whole months (a payment covers a whole month, and an
    open placement is expected to run to the month's end): due, paid (payments for that
    period_month, whenever made), collection_rate = paid ÷ due (None when nothing is due).

    columns: month (first day), due, paid, collection_rate."""
    windows = month_windows(start, end, whole_months=True) if start < end else []
    columns = ["month", "due", "paid", "collection_rate"]
    if not windows:
        return pd.DataFrame(columns=columns)
    w = windows_table(windows)
    placed = _placements_where(overlaps(*placement_range(), windows[0].start, windows[-1].end), filters)
    status = status_periods(households=select(placed.c.household_id))
    # Each placement ∩ status period of the period, found once (materialised), then met with the months: joined
    # month by month, SQLite read every status of the placed households again for each month.
    first, last = common_bounds([placement_range(placed.c), (status.c.start_date, status.c.end_date)],
                                date_param(windows[0].start), date_param(windows[-1].end))
    pieces = (
        select(status.c.amount, first.label("first"), last.label("last"))
        .select_from(placed)
        .join(status, _status_meets_placement(status, placed.c))
        .cte("month_pieces")
        .prefix_with("MATERIALIZED", dialect="sqlite")
    )
    # Within one whole month, due = amount × placed days ÷ days in the month (w.days): no need for
    # month positions here.
    placed_days = common_days([(pieces.c.first, pieces.c.last)], w.c.start, w.c.end)
    due_query = (
        select(w.c.key, func.sum(pieces.c.amount * placed_days / w.c.days).label("due"))
        .select_from(w)
        .join(pieces, overlaps(pieces.c.first, pieces.c.last, w.c.start, w.c.end))
        .group_by(w.c.key)
    )
    paid_query = (  # period_month is the first day of a month, like the windows' keys
        select(Payment.period_month.label("key"), func.sum(Payment.amount).label("paid"))
        .where(Payment.period_month >= date_param(windows[0].start))
        .where(Payment.period_month < date_param(windows[-1].end))
        .where(*filters.of_households(Payment.household_id))
        .group_by(Payment.period_month)
    )
    frame = pd.DataFrame({"month": [window.key for window in windows]})
    parts = read_side_by_side(engine, {  # two independent statements: both cores work
        column: partial(read_frame, engine, query, dates=["key"], money=[column])
        for query, column in ((due_query, "due"), (paid_query, "paid"))})
    for part in parts.values():
        frame = frame.merge(part.rename(columns={"key": "month"}), on="month", how="left")
    frame = frame.fillna({"due": 0.0, "paid": 0.0})
    frame["collection_rate"] = [
        paid / due if due else None for due, paid in zip(frame["due"], frame["paid"], strict=True)
    ]
    return frame[columns]


def households_without_contribution(engine: Engine, today: date, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """Households placed today without a contribution status in force (none with effective_from ≤
    today). Both filter kinds apply (the unit of today's placement).

    columns: household_id, reference, axis_id, partner_id, partner, unit_id, unit, site_id, site,
    placed_since (start of today's placement)."""
    d = date_param(today)
    in_force = exists().where(
        ContributionStatus.household_id == Placement.household_id, ContributionStatus.effective_from <= d
    )
    query = (
        select(
            Household.id.label("household_id"),
            Household.reference,
            Household.axis_id,
            Household.referent_organisation_id.label("partner_id"),
            Organisation.short_name.label("partner"),
            Unit.id.label("unit_id"),
            Unit.label.label("unit"),
            Site.id.label("site_id"),
            Site.name.label("site"),
            Placement.start_date.label("placed_since"),
        )
        .join(Household, Household.id == Placement.household_id)
        .join(Organisation, Organisation.id == Household.referent_organisation_id)
        .join(Unit, Unit.id == Placement.unit_id)
        .join(Site, Site.id == Unit.site_id)
        .where(covers(*placement_range(), today), ~in_force)
        .where(*filters.household_conditions(), *filters.site_conditions(Unit.site_id))
        .order_by(Placement.start_date, Household.reference)
    )
    return read_frame(
        engine, query, dates=["placed_since"], ints=["household_id", "axis_id", "partner_id", "unit_id", "site_id"]
    )
