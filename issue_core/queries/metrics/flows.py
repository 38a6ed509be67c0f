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
from issue_core.models import DURABLE_DESTINATIONS, ExitDestination, Household, Placement, Stay, Unit
from issue_core.queries.areas import reads
from issue_core.queries.sql.filters import NO_FILTERS, Filters
from issue_core.queries.sql.frames import BOX_QUANTILES, box_figures, read_frame
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


@reads("sites", "stays", "reference")
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
    starts, ends = _flow_queries(windows, filters)
    frame = pd.DataFrame({"key": [window.key for window in windows]})
    for query, columns in ((starts, ["entries", "transfers_in"]), (ends, ["exits", "transfers_out"])):
        frame = frame.merge(read_frame(engine, query, dates=["key"], ints=columns), on="key", how="left")
    for column in FLOW_COLUMNS:
        frame[column] = frame[column].fillna(0).astype("int64")
    return frame[["key", *FLOW_COLUMNS]]


@reads("sites", "stays", "reference")
def flows_by_site_and_axis(engine: Engine, start: date, end: date, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """entries_exits_between per site (of the placement's unit) × axis (of its household), with the
    durable exits of durable_exit_share, in two grouped queries. Both filter kinds apply. Summing
    rows gives the figures of a set of sites or axes: each placement counts in one row.

    columns: site_id, axis_id, entries, exits, transfers_in, transfers_out, durable_exits (only the
    site × axis pairs with a flow)."""
    columns = [*FLOW_COLUMNS, "durable_exits"]
    keys = ["site_id", "axis_id"]
    if start >= end:
        return pd.DataFrame(columns=[*keys, *columns])
    starts, ends = _flow_queries(period_window(start, end), filters, by_site_and_axis=True)
    started = read_frame(engine, starts, ints=[*keys, "entries", "transfers_in"]).drop(columns="key")
    ended = read_frame(engine, ends, ints=[*keys, "exits", "transfers_out", "durable_exits"]).drop(columns="key")
    frame = started.merge(ended, on=keys, how="outer")
    for column in [*keys, *columns]:
        frame[column] = frame[column].fillna(0).astype("int64")
    return frame[[*keys, *columns]].sort_values(keys).reset_index(drop=True)


def _flow_queries(windows: list[Window], filters: Filters, *, by_site_and_axis: bool = False):
    """(starts, ends): placements starting / ending in each window, grouped by window (and site × axis,
    where `ends` also counts the durable exits)."""
    previous, continues = transferred_from(Placement)
    keys = [Unit.site_id.label("site_id"), Household.axis_id.label("axis_id")] if by_site_and_axis else []
    starting = (
        _placements_on_days(Placement.start_date, windows, filters, keys, previous.id.is_not(None).label("transfer"))
        .outerjoin(previous, continues)
    )
    ending = _placements_on_days(
        Placement.end_date, windows, filters, keys,
        (Placement.exit_destination == TRANSFER).label("transfer"),
        Placement.exit_destination.in_(DURABLE).label("durable"),
    )
    starting, ending = _materialized(starting, "starting"), _materialized(ending, "ending")
    w = windows_table(windows)

    def per_window(placements, *counts):
        group = [w.c.key, *(placements.c[key.name] for key in keys)]
        return (
            select(*group, *counts)
            .select_from(placements)
            .join(w, and_(placements.c.day >= w.c.start, placements.c.day < w.c.end))
            .group_by(*group)
        )

    starts = per_window(
        starting,
        func.sum(case((starting.c.transfer, 0), else_=1)).label("entries"),
        func.sum(case((starting.c.transfer, 1), else_=0)).label("transfers_in"),
    )
    durable = [func.sum(case((ending.c.durable, 1), else_=0)).label("durable_exits")]
    ends = per_window(
        ending,
        func.sum(case((ending.c.transfer, 0), else_=1)).label("exits"),
        func.sum(case((ending.c.transfer, 1), else_=0)).label("transfers_out"),
        *(durable if by_site_and_axis else []),
    )
    return starts, ends


def _placements_on_days(day, windows: list[Window], filters: Filters, keys: list, *flags):
    """The placements whose `day` (start or end date) falls in the windows' span: day, keys, flags
    (both filter kinds apply)."""
    span_start, span_end = min(w.start for w in windows), max(w.end for w in windows)
    query = (
        select(day.label("day"), *keys, *flags)
        .select_from(Placement)
        .where(day >= date_param(span_start), day < date_param(span_end), *_placement_filters(filters))
    )
    if keys:
        query = query.join(Unit, Unit.id == Placement.unit_id).join(Household, Household.id == Placement.household_id)
    return query


def _materialized(query, name: str):
    """The query as a CTE computed once: the engines would otherwise read every placement once per window."""
    return query.cte(name).prefix_with("MATERIALIZED")


def stays_query(household=None):  # noqa: ANN001, ANN201
    """One row per stay: a household's placements chained across transfers (all households', or `household`'s:
    an id or an SQL expression). What the table `stay` holds: its triggers compute a household's rows with it
    (issue_core.stays).

    A placement starts a new stay unless the household's previous placement ended that same day
    as a transfer ("gaps and islands" with window functions; stays numbered per household)."""
    by_household = {"partition_by": Placement.household_id, "order_by": Placement.start_date}
    ordered = select(
        Placement.household_id,
        Placement.start_date,
        Placement.end_date,
        func.lag(Placement.end_date).over(**by_household).label("previous_end"),
        func.lag(Placement.exit_destination).over(**by_household).label("previous_exit"),
    )
    if household is not None:
        ordered = ordered.where(Placement.household_id == household)
    ordered = ordered.subquery("ordered")
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


@reads("sites", "stays", "reference")
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
    stays, query = _stays_meeting(start, end, filters, today or clock.today())
    query = query.order_by(Household.axis_id, stays.c.start_date, stays.c.household_id)
    if in_filtered_units and filters.filters_units:
        query = query.where(_has_placement_in_units(stays, start, end, filters))
    frame = read_frame(
        engine, query, dates=["start_date", "end_date"], ints=["axis_id", "partner_id", "days", "placements"]
    )
    frame["ongoing"] = frame["ongoing"].astype(bool)
    return frame


@reads("sites", "stays", "reference")
def length_of_stay_by_axis(
    engine: Engine, start: date, end: date, filters: Filters = NO_FILTERS, today: date | None = None
) -> pd.DataFrame:
    """The length of stay per axis over the stays of length_of_stay: their number, how many are ongoing,
    mean, and the five figures of a box plot (shortest, quartiles, median, longest), taken in pandas from
    those rows (one per stay, already aggregated in SQL) — a chart draws them without the stays.

    columns: axis_id, stays, ongoing, mean_days, shortest_days, q1_days, median_days, q3_days, longest_days
    (NaN for an axis without stays)."""
    return length_of_stay_summary(length_of_stay(engine, start, end, filters, today), filters.axes)


def length_of_stay_summary(stays: pd.DataFrame, axes: tuple[int, ...]) -> pd.DataFrame:
    """length_of_stay_by_axis from the rows of length_of_stay already read (frames.box_figures)."""
    per_axis = stays.groupby("axis_id")
    summary = pd.DataFrame({"stays": per_axis.size(), "ongoing": per_axis["ongoing"].sum(),
                            "mean_days": per_axis["days"].mean()}).join(box_figures(per_axis["days"]))
    summary = summary.reindex(list(axes)).rename_axis("axis_id").reset_index()
    summary = summary.fillna({"stays": 0, "ongoing": 0}).astype({"stays": "int64", "ongoing": "int64"})
    return summary[["axis_id", "stays", "ongoing", "mean_days", *BOX_QUANTILES]].astype(
        {"mean_days": "float64", **dict.fromkeys(BOX_QUANTILES, "float64")})


@reads("sites", "stays", "reference")
def stays_by_site(
    engine: Engine, start: date, end: date, filters: Filters = NO_FILTERS, today: date | None = None,
) -> pd.DataFrame:
    """The stays of length_of_stay(..., in_filtered_units=True) per site, in one query: a row per
    stay × site where the stay holds a placement (in the filtered units) meeting [start, end). A
    stay that moved between sites has a row in each; (household_id, start_date) names the stay.

    columns: household_id, start_date, site_id, axis_id, days, ongoing."""
    stays, query = _stays_meeting(start, end, filters, today or clock.today())
    inside = aliased(Placement)
    query = (
        query.with_only_columns(
            stays.c.household_id, stays.c.start_date, Unit.site_id, Household.axis_id,
            *(column for column in query.selected_columns if column.name in ("days", "ongoing")),
        )
        .join(inside, and_(*_placement_in_stay(inside, stays, start, end, filters)))
        .join(Unit, Unit.id == inside.unit_id)
        .distinct()
        .order_by(Unit.site_id, stays.c.household_id, stays.c.start_date)
    )
    frame = read_frame(engine, query, dates=["start_date"], ints=["household_id", "site_id", "axis_id", "days"])
    frame["ongoing"] = frame["ongoing"].astype(bool)
    return frame


def _stays_meeting(start: date, end: date, filters: Filters, today: date):
    """(stays table, query): the stays meeting [start, end) and begun by today, with their
    household's axis and partner, days (measured to today when ongoing), placements, ongoing.
    Household filters apply. The stays are those the database keeps (table `stay`, stays_query)."""
    stays = Stay.__table__.alias("stays")
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
    )
    return stays, query


def _placement_in_stay(inside, stays, start: date, end: date, filters: Filters) -> list:
    """Conditions: `inside` is a placement of the stay, in the filtered units, meeting [start, end)."""
    return [
        inside.household_id == stays.c.household_id,
        inside.start_date >= stays.c.start_date,
        (stays.c.end_date.is_(None)) | (inside.start_date < stays.c.end_date),
        overlaps(inside.start_date, inside.end_date, start, end),
        *filters.of_units(inside.unit_id),
    ]


def _has_placement_in_units(stays, start: date, end: date, filters: Filters):  # noqa: ANN001, ANN202
    """The stay holds a placement in the filtered units that meets [start, end)."""
    inside = aliased(Placement)
    return exists().where(*_placement_in_stay(inside, stays, start, end, filters))


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


@reads("sites", "stays", "reference")
def exit_destinations(engine: Engine, start: date, end: date, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """Exits (placements ending in [start, end), transfers excluded) per axis × destination.
    An ended placement without a recorded destination counts as `unknown`. Both filter kinds apply.

    columns: axis_id, destination, exits, durable (the destination is durable housing)."""
    frame = read_frame(engine, _exits_query(start, end, filters), ints=["axis_id", "exits"])
    frame["durable"] = frame["destination"].isin(DURABLE)
    return frame.sort_values(["axis_id", "exits", "destination"], ascending=[True, False, True]).reset_index(drop=True)


@reads("sites", "stays", "reference")
def durable_exit_share(engine: Engine, start: date, end: date, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """Exits to durable housing % per axis = exits to durable_social_housing, durable_private_housing
    or housing_first ÷ exits (transfers excluded), over [start, end).

    columns: axis_id, exits, durable_exits, durable_share (None when no exit)."""
    return durable_exit_summary(exit_destinations(engine, start, end, filters), filters.axes)


def durable_exit_summary(exits: pd.DataFrame, axes: tuple[int, ...]) -> pd.DataFrame:
    """durable_exit_share from the rows of exit_destinations already read (a page showing both reads
    the exits once)."""
    rows = []
    for axis in axes:
        mine = exits[exits["axis_id"] == axis]
        total, durable = int(mine["exits"].sum()), int(mine.loc[mine["durable"], "exits"].sum())
        rows.append((axis, total, durable, durable / total if total else None))
    return pd.DataFrame(rows, columns=["axis_id", "exits", "durable_exits", "durable_share"])
