"""Flows of households: entries, exits, transfers, length of stay, exit destinations.

A **transfer** is a move between two ISSUE units: the placement left ends with exit destination
`other_issue_unit` (a transfer out) and the same household's placement starting that same day is a
transfer in. Transfers are neither entries nor exits, and a stay runs across them.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Engine, and_, case, exists, func, literal, select
from sqlalchemy.orm import aliased

from issue_core import clock
from issue_core.models import DURABLE_DESTINATIONS, ExitDestination, Household, Placement
from issue_core.queries.sql.filters import NO_FILTERS, Filters
from issue_core.queries.sql.frames import read_frame
from issue_core.queries.sql.functions import date_param, days_between
from issue_core.queries.sql.intervals import Window, month_windows, period_window, windows_table
from issue_core.rules import overlaps

TRANSFER = ExitDestination.OTHER_ISSUE_UNIT.value
DURABLE = tuple(sorted(d.value for d in DURABLE_DESTINATIONS))
# An ended placement without a recorded destination (e.g. placed with a planned end) is an exit
# to an unknown destination.
UNRECORDED_DESTINATION = ExitDestination.UNKNOWN.value
FLOW_COLUMNS = ["entries", "exits", "transfers_in", "transfers_out"]


def transferred_from(placement):  # noqa: ANN001, ANN201
    """(alias, join condition): the household's placement that ended, as a transfer, the day this
    one starts. At most one can (a household is in one unit a day), so an outer join on it adds no
    row; a join rather than EXISTS keeps the PostgreSQL planner's estimates sane."""
    previous = aliased(Placement)
    return previous, and_(
        previous.household_id == placement.household_id,
        previous.end_date == placement.start_date,
        previous.exit_destination == TRANSFER,
    )


def _placement_filters(filters: Filters, placement=Placement) -> list:  # noqa: ANN001
    """Both filter kinds: the placement's household and the placement's unit."""
    return [*filters.of_households(placement.household_id), *filters.of_units(placement.unit_id)]


def entries_exits(engine: Engine, start: date, end: date, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """Per month of [start, end): placements starting (entries) and ending (exits) in it, transfers
    apart — transfers_in (placements starting as a transfer), transfers_out (placements ending with
    `other_issue_unit`). Both filter kinds apply, to each placement's own household and unit (with a
    site filter, a move into the site is a transfer in, a move out a transfer out).

    columns: month (first day), entries, exits, transfers_in, transfers_out."""
    windows = month_windows(start, end) if start < end else []
    return flows_per_window(engine, windows, filters).rename(columns={"key": "month"})


def entries_exits_between(engine: Engine, start: date, end: date, filters: Filters = NO_FILTERS) -> dict[str, int]:
    """entries_exits over the whole of [start, end), as numbers (for the KPI cards)."""
    frame = flows_per_window(engine, period_window(start, end), filters)
    return {column: int(frame[column].sum()) for column in FLOW_COLUMNS}


def flows_per_window(engine: Engine, windows: list[Window], filters: Filters) -> pd.DataFrame:
    """Entries, exits and transfers per window (columns key + FLOW_COLUMNS, zeros included)."""
    if not windows:
        return pd.DataFrame(columns=["key", *FLOW_COLUMNS])
    w = windows_table(windows)
    previous, continues = transferred_from(Placement)
    transfer_in = previous.id.is_not(None)
    starts = (
        select(
            w.c.key,
            func.sum(case((transfer_in, 0), else_=1)).label("entries"),
            func.sum(case((transfer_in, 1), else_=0)).label("transfers_in"),
        )
        .select_from(w)
        .join(Placement, and_(Placement.start_date >= w.c.start, Placement.start_date < w.c.end))
        .outerjoin(previous, continues)
        .where(*_placement_filters(filters))
        .group_by(w.c.key)
    )
    transfer_out = Placement.exit_destination == TRANSFER
    ends = (
        select(
            w.c.key,
            func.sum(case((transfer_out, 0), else_=1)).label("exits"),
            func.sum(case((transfer_out, 1), else_=0)).label("transfers_out"),
        )
        .select_from(w)
        .join(Placement, and_(Placement.end_date >= w.c.start, Placement.end_date < w.c.end))
        .where(*_placement_filters(filters))
        .group_by(w.c.key)
    )
    frame = pd.DataFrame({"key": [window.key for window in windows]})
    for query, columns in ((starts, ["entries", "transfers_in"]), (ends, ["exits", "transfers_out"])):
        frame = frame.merge(read_frame(engine, query, dates=["key"], ints=columns), on="key", how="left")
    for column in FLOW_COLUMNS:
        frame[column] = frame[column].fillna(0).astype("int64")
    return frame[["key", *FLOW_COLUMNS]]


def stays_query(filters: Filters = NO_FILTERS):  # noqa: ANN201
    """One row per stay: a household's placements chained across transfers.

    A placement starts a new stay unless the household's previous placement ended that same day
    as a transfer ("gaps and islands" with window functions; stays numbered per household)."""
    by_household = {"partition_by": Placement.household_id, "order_by": Placement.start_date}
    ordered = select(
        Placement.household_id,
        Placement.start_date,
        Placement.end_date,
        func.lag(Placement.end_date).over(**by_household).label("previous_end"),
        func.lag(Placement.exit_destination).over(**by_household).label("previous_exit"),
    ).where(*filters.of_households(Placement.household_id)).subquery("ordered")
    continues = and_(ordered.c.previous_exit == TRANSFER, ordered.c.previous_end == ordered.c.start_date)
    flagged = select(ordered, case((continues, 0), else_=1).label("new_stay")).subquery("flagged")
    numbered = select(
        flagged,
        func.sum(flagged.c.new_stay)
        .over(partition_by=flagged.c.household_id, order_by=flagged.c.start_date, rows=(None, 0))
        .label("stay_number"),
    ).subquery("numbered")
    open_placements = func.count() - func.count(numbered.c.end_date)
    return (
        select(
            numbered.c.household_id,
            func.min(numbered.c.start_date).label("start_date"),
            case((open_placements > 0, None), else_=func.max(numbered.c.end_date)).label("end_date"),
            func.count().label("placements"),
        )
        .group_by(numbered.c.household_id, numbered.c.stay_number)
    )


def length_of_stay(
    engine: Engine, start: date, end: date, filters: Filters = NO_FILTERS, today: date | None = None,
    *, in_filtered_units: bool = False,
) -> pd.DataFrame:
    """Stays (placements chained across transfers) meeting [start, end) and begun by today, one row
    each, without household reference: days = (end of the stay, or today when it is still running)
    − its start. A stay whose recorded end is after today is ongoing and measured to today.
    `today` defaults to clock.today(). Household filters apply (the household's current axis);
    unit filters only with in_filtered_units: then a stay counts when one of its placements in the
    filtered units meets [start, end) (the whole stay is measured, transfers included).

    columns: axis_id, partner_id, start_date, end_date, days, placements (in the stay), ongoing."""
    today = today or clock.today()
    stays = stays_query(filters).subquery("stays")
    day = date_param(today)
    ongoing = (stays.c.end_date.is_(None)) | (stays.c.end_date > day)
    measured_to = case((ongoing, day), else_=stays.c.end_date)
    query = (
        select(
            Household.axis_id,
            Household.referent_organisation_id.label("partner_id"),
            stays.c.start_date,
            stays.c.end_date,
            days_between(stays.c.start_date, measured_to).label("days"),
            stays.c.placements,
            case((ongoing, 1), else_=0).label("ongoing"),
        )
        .join(Household, Household.id == stays.c.household_id)
        .where(overlaps(stays.c.start_date, stays.c.end_date, start, end), stays.c.start_date <= day)
        .where(*filters.household_conditions())
        .order_by(Household.axis_id, stays.c.start_date)
    )
    if in_filtered_units and filters.filters_units:
        query = query.where(_has_placement_in_units(stays, start, end, filters))
    frame = read_frame(
        engine, query, dates=["start_date", "end_date"], ints=["axis_id", "partner_id", "days", "placements"]
    )
    frame["ongoing"] = frame["ongoing"].astype(bool)
    return frame


def length_of_stay_by_axis(
    engine: Engine, start: date, end: date, filters: Filters = NO_FILTERS, today: date | None = None
) -> pd.DataFrame:
    """Mean and median length of stay per axis over the stays of length_of_stay (the median is
    taken in pandas from those rows: one per stay, already aggregated in SQL).

    columns: axis_id, stays, ongoing, mean_days, median_days (NaN for an axis without stays)."""
    stays = length_of_stay(engine, start, end, filters, today)
    rows = []
    for axis in filters.axes:
        days = stays.loc[stays["axis_id"] == axis, "days"]
        ongoing = int(stays.loc[stays["axis_id"] == axis, "ongoing"].sum())
        rows.append((axis, len(days), ongoing, days.mean() if len(days) else float("nan"),
                     days.median() if len(days) else float("nan")))
    return pd.DataFrame(rows, columns=["axis_id", "stays", "ongoing", "mean_days", "median_days"])


def _has_placement_in_units(stays, start: date, end: date, filters: Filters):  # noqa: ANN001, ANN202
    """The stay holds a placement in the filtered units that meets [start, end)."""
    inside = aliased(Placement)
    return exists().where(
        inside.household_id == stays.c.household_id,
        inside.start_date >= stays.c.start_date,
        (stays.c.end_date.is_(None)) | (inside.start_date < stays.c.end_date),
        overlaps(inside.start_date, inside.end_date, start, end),
        *filters.of_units(inside.unit_id),
    )


def _exits_query(start: date, end: date, filters: Filters):  # noqa: ANN202
    destination = func.coalesce(Placement.exit_destination, literal(UNRECORDED_DESTINATION))
    return (
        select(Household.axis_id, destination.label("destination"), func.count().label("exits"))
        .join(Household, Household.id == Placement.household_id)
        .where(Placement.end_date >= date_param(start), Placement.end_date < date_param(end))
        .where((Placement.exit_destination.is_(None)) | (Placement.exit_destination != TRANSFER))
        .where(*_placement_filters(filters))
        .group_by(Household.axis_id, destination)
    )


def exit_destinations(engine: Engine, start: date, end: date, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """Exits (placements ending in [start, end), transfers excluded) per axis × destination.
    An ended placement without a recorded destination counts as `unknown`. Both filter kinds apply.

    columns: axis_id, destination, exits, durable (the destination is durable housing)."""
    frame = read_frame(engine, _exits_query(start, end, filters), ints=["axis_id", "exits"])
    frame["durable"] = frame["destination"].isin(DURABLE)
    return frame.sort_values(["axis_id", "exits", "destination"], ascending=[True, False, True]).reset_index(drop=True)


def durable_exit_share(engine: Engine, start: date, end: date, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """Exits to durable housing % per axis = exits to durable_social_housing, durable_private_housing
    or housing_first ÷ exits (transfers excluded), over [start, end).

    columns: axis_id, exits, durable_exits, durable_share (None when no exit)."""
    exits = exit_destinations(engine, start, end, filters)
    rows = []
    for axis in filters.axes:
        mine = exits[exits["axis_id"] == axis]
        total, durable = int(mine["exits"].sum()), int(mine.loc[mine["durable"], "exits"].sum())
        rows.append((axis, total, durable, durable / total if total else None))
    return pd.DataFrame(rows, columns=["axis_id", "exits", "durable_exits", "durable_share"])
