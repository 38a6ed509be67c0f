"""Caseloads: households followed per axis and partner, placed or waiting for a unit.

A household is **followed** on day d when referred_on ≤ d and its follow-up has not ended by d
(follow_up_ended_on is NULL or > d): the half-open range [referred_on, follow_up_ended_on). It is
**placed** on d when a placement covers d, otherwise **waiting**. Household filters apply; unit
filters do not (a waiting household has no unit).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Engine, func, literal, select

from issue_core.models import Household, Organisation, Placement
from issue_core.queries.areas import reads
from issue_core.queries.sql.filters import NO_FILTERS, Filters
from issue_core.queries.sql.frames import read_frame
from issue_core.queries.sql.functions import date_param
from issue_core.queries.sql.intervals import (
    Window,
    common_bounds,
    common_days,
    day_window,
    month_windows,
    sum_of_parts,
    windows_table,
)
from issue_core.rules import covers, follow_up_range, overlaps, placement_range


def household_days_query(windows: list[Window], filters: Filters, *, by_partner: bool = False):  # noqa: ANN201
    """Per window, axis (and partner): followed household-days and, among them, placed ones."""
    w = windows_table(windows)
    nothing = literal(0)

    def household_days(ranges, *, placed: bool):
        keys = [w.c.key, ranges.c.axis_id, *([ranges.c.partner_id] if by_partner else [])]
        days = func.sum(ranges.c.households * common_days([(ranges.c.first, ranges.c.last)], w.c.start, w.c.end))
        return (
            select(
                *keys, (nothing if placed else days).label("followed"), (days if placed else nothing).label("placed")
            )
            .select_from(ranges)
            .join(w, overlaps(ranges.c.first, ranges.c.last, w.c.start, w.c.end))
            .group_by(*keys)
        )

    parts = [household_days(_ranges_in_span(windows, filters, by_partner=by_partner, placed=placed), placed=placed)
             for placed in (False, True)]
    return sum_of_parts(parts, ["key", "axis_id", *(["partner_id"] if by_partner else [])], ["followed", "placed"])


def _ranges_in_span(windows: list[Window], filters: Filters, *, by_partner: bool, placed: bool):
    """The days households are followed (placed: followed and placed, per placement), clipped to the
    windows' span, as a CTE (axis_id, partner_id when asked, first, last, households: how many share
    that range). Found once and materialized: the engines would otherwise read every household (every
    placement) once per window; grouped, as most households are followed all through the span."""
    span_start, span_end = date_param(min(w.start for w in windows)), date_param(max(w.end for w in windows))
    ranges = [follow_up_range(), placement_range()] if placed else [follow_up_range()]
    first, last = common_bounds(ranges, span_start, span_end)
    keys = [Household.axis_id.label("axis_id")]
    if by_partner:
        keys.append(Household.referent_organisation_id.label("partner_id"))
    query = select(*keys, first.label("first"), last.label("last"))
    if placed:
        query = query.select_from(Placement).join(Household, Household.id == Placement.household_id)
    clipped = query.where(*(overlaps(*r, span_start, span_end) for r in ranges), *filters.household_conditions())
    clipped = clipped.subquery("clipped")
    # The range first: grouped by axis first, SQLite would read the households along an index, row by row.
    shared = [clipped.c.first, clipped.c.last, *(clipped.c[key.name] for key in keys)]
    return (
        select(*shared, func.count().label("households"))
        .group_by(*shared)
        .cte("placed_ranges" if placed else "followed_ranges")
        .prefix_with("MATERIALIZED")
    )


@reads("sites", "stays", "reference")
def caseload_on(engine: Engine, day: date, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """Households followed on `day`, per axis × referent partner.

    columns: axis_id, partner_id, partner (short name), followed, placed, waiting
    (followed = placed + waiting). Only axis × partner pairs with at least one household."""
    counts = read_frame(
        engine, household_days_query(day_window(day), filters, by_partner=True),
        ints=["axis_id", "partner_id", "followed", "placed"],
    )
    partners = read_frame(
        engine, select(Organisation.id.label("partner_id"), Organisation.short_name.label("partner")),
        ints=["partner_id"],
    )
    frame = counts.merge(partners, on="partner_id", how="left")
    frame = frame[frame["followed"] > 0].copy()
    frame["waiting"] = frame["followed"] - frame["placed"]
    columns = ["axis_id", "partner_id", "partner", "followed", "placed", "waiting"]
    return frame[columns].sort_values(["axis_id", "partner"]).reset_index(drop=True)


def households_followed_on(engine: Engine, day: date, filters: Filters = NO_FILTERS) -> dict[int, int]:
    """Households followed on `day` per axis (every axis of the filter, zero included): counted from the households
    alone (household_days_query of that one day would also sum up its placed days, which this does not need)."""
    query = (select(Household.axis_id, func.count().label("followed"))
             .where(covers(*follow_up_range(), day), *filters.household_conditions())
             .group_by(Household.axis_id))
    counts = read_frame(engine, query, ints=["axis_id", "followed"])
    found = dict(zip(counts["axis_id"], counts["followed"], strict=True))
    return {axis: int(found.get(axis, 0)) for axis in filters.axes}


@reads("sites", "stays", "reference")
def caseload_monthly(engine: Engine, start: date, end: date, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """Per month of [start, end) and axis, the *average* caseload over the month's days inside the
    period (household-days ÷ days, as monthly_occupancy does): followed, placed, waiting.

    columns: month (first day), axis_id, followed, placed, waiting, days. One row per month × axis,
    zeros included."""
    windows = month_windows(start, end) if start < end else []
    columns = ["month", "axis_id", "followed", "placed", "waiting", "days"]
    if not windows:
        return pd.DataFrame(columns=columns)
    counts = read_frame(
        engine, household_days_query(windows, filters), dates=["key"], ints=["axis_id", "followed", "placed"]
    )
    grid = pd.DataFrame(
        [(w.key, axis, w.days) for w in windows for axis in filters.axes],
        columns=["month", "axis_id", "days"],
    )
    grid = grid.merge(counts.rename(columns={"key": "month"}), on=["month", "axis_id"], how="left")
    grid = grid.fillna({"followed": 0, "placed": 0})
    grid["followed"] = grid["followed"] / grid["days"]
    grid["placed"] = grid["placed"] / grid["days"]
    grid["waiting"] = grid["followed"] - grid["placed"]
    return grid[columns]
