"""Units: availability, occupancy, utilisation, vacancy.

Definitions (DOMAIN.md, "Metrics"):

- A unit is **available** on day d when its site has a convention active on d (start_date ≤ d and,
  when it has an actual end, d ≤ actual_end_date; an overdue convention without actual end is still
  active) and no unavailability period [start_date, end_date) of the unit covers d.
- A unit is **occupied** on d when it is available and a placement [start_date, end_date) covers d.
- **Unit-days**: every figure here is a sum of intersection lengths of such ranges with a window
  (a day, a month, a period), computed in SQL — never a day-by-day expansion. Conventions of a
  site do not overlap, nor do a unit's unavailability periods or placements (the services keep
  this), so the sums count each day once.

Filters: housing operator and site select units. Axis and partner select households, so they narrow
the *occupied* figures to units occupied by those households; available, unavailable and vacant
units stay unit figures (with a household filter, occupied + vacant ≤ available).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import Engine, and_, exists, func, literal, or_, select
from sqlalchemy.orm import aliased

from issue_core.db import read_connection
from issue_core.models import Convention, Household, Placement, Site, Unit, UnitUnavailability
from issue_core.queries.areas import reads
from issue_core.queries.sql.filters import NO_FILTERS, Filters
from issue_core.queries.sql.frames import box_figures, read_frame
from issue_core.queries.sql.functions import date_param, days_between
from issue_core.queries.sql.intervals import (
    Window,
    common_bounds,
    common_days,
    day_window,
    greatest,
    month_windows,
    period_window,
    sum_of_parts,
    windows_table,
)
from issue_core.rules import (
    convention_active_during,
    convention_active_on,
    convention_range,
    covers,
    overlaps,
    placement_range,
    unavailability_range,
)

# --- building blocks: unit-days per window ------------------------------------------------------


def unit_days_query(  # noqa: ANN201
    windows: list[Window], filters: Filters, *, by_site: bool = False, by_unit: bool = False,
):
    """Per window (and site, unit): convention unit-days and, among them, unavailable unit-days.

    available unit-days = convention_days − unavailable_days."""
    w = windows_table(windows)
    keys = [w.c.key] + ([Unit.site_id.label("site_id")] if by_site else [])
    if by_unit:
        keys.append(Unit.id.label("unit_id"))
    nothing = literal(0)

    def unit_days(convention_days, unavailable_days):  # noqa: ANN001, ANN202
        return (
            select(*keys, func.sum(convention_days).label("convention_days"),
                   func.sum(unavailable_days).label("unavailable_days"))
            .select_from(w)
            .join(Convention, convention_active_during(w.c.start, w.c.end))
            .join(Unit, Unit.site_id == Convention.site_id)
            .where(*filters.site_conditions(Unit.site_id))
            .group_by(*keys)
        )

    in_convention = unit_days(common_days([convention_range()], w.c.start, w.c.end), nothing)
    unavailable = unit_days(
        nothing, common_days([convention_range(), unavailability_range()], w.c.start, w.c.end)
    ).join(
        UnitUnavailability,
        and_(UnitUnavailability.unit_id == Unit.id, overlaps(*unavailability_range(), w.c.start, w.c.end)),
    )
    return sum_of_parts(
        [in_convention, unavailable], [column.name for column in keys], ["convention_days", "unavailable_days"]
    )


def occupied_days_query(  # noqa: ANN201
    windows: list[Window], filters: Filters, *, by_site: bool = False, by_axis: bool = False,
    households: bool = True,
):
    """Per window (and site, axis): unit-days occupied while available.

    occupied_days = days of placement ∩ convention ∩ window − days of those also unavailable
    (zero on consistent data, where no placement meets an unavailability). With households=False
    the household filters are ignored (vacancy is a property of units)."""
    w = windows_table(windows)
    stays = _placed_ranges(windows, filters, by_site=by_site, by_axis=by_axis, households=households)
    keys = [w.c.key] + [stays.c[name] for name in ("site_id", "axis_id") if name in stays.c]
    placed = (stays.c.first, stays.c.last)

    def placed_days(*, during_unavailability: bool):  # noqa: ANN202
        ranges = [placed, unavailability_range()] if during_unavailability else [placed]
        days = common_days(ranges, w.c.start, w.c.end)
        total = func.sum(-days if during_unavailability else days).label("occupied_days")
        query = select(*keys, total).select_from(stays)
        if during_unavailability:
            query = query.join(
                UnitUnavailability,
                and_(UnitUnavailability.unit_id == stays.c.unit_id, overlaps(*unavailability_range(), *placed)),
            )
        return query.join(w, overlaps(*placed, w.c.start, w.c.end)).group_by(*keys)

    parts = [placed_days(during_unavailability=flag) for flag in (False, True)]
    return sum_of_parts(parts, [column.name for column in keys], ["occupied_days"])


def _placed_ranges(
    windows: list[Window], filters: Filters, *, by_site: bool, by_axis: bool, households: bool,
):
    """The days of each placement ∩ convention of its site, clipped to the windows' span, as a CTE (unit_id,
    first, last and the keys asked for: site_id, axis_id): the stays meeting the span are found once, and
    only they meet the windows (a placement ending before the span never does)."""
    span_start, span_end = min(w.start for w in windows), max(w.end for w in windows)
    keys = [Unit.site_id.label("site_id")] if by_site else []
    if by_axis:
        keys.append(Household.axis_id.label("axis_id"))
    household_conditions = filters.household_conditions() if households else []
    ranges = [placement_range(), convention_range()]
    first, last = common_bounds(ranges, date_param(span_start), date_param(span_end))
    query = (
        select(Placement.unit_id, *keys, first.label("first"), last.label("last"))
        .join(Unit, Unit.id == Placement.unit_id)
        .join(
            Convention,
            and_(
                Convention.site_id == Unit.site_id,
                convention_active_during(span_start, span_end),
                overlaps(*placement_range(), *convention_range()),
            ),
        )
        .where(overlaps(*placement_range(), span_start, span_end))
    )
    if by_axis or household_conditions:
        query = query.join(Household, Household.id == Placement.household_id)
    query = query.where(*filters.site_conditions(Unit.site_id), *household_conditions)
    # Materialized: SQLite would otherwise inline it and scan every stay once per window.
    return query.cte("placed").prefix_with("MATERIALIZED")


def _scalar_sums(engine: Engine, query) -> dict:  # noqa: ANN001
    with read_connection(engine) as connection:
        row = connection.execute(query).mappings().first()
    return {name: int(value or 0) for name, value in (row or {}).items() if name != "key"}


def active_sites_on(engine: Engine, day: date, filters: Filters = NO_FILTERS) -> int:
    """Sites with a convention active on `day` (unit filters apply)."""
    query = select(func.count(func.distinct(Convention.site_id))).where(
        convention_active_on(day), *filters.site_conditions(Convention.site_id)
    )
    with read_connection(engine) as connection:
        return int(connection.execute(query).scalar_one())


# --- public metrics -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Occupancy:
    """Units on one day. rate = occupied ÷ available (None when no unit is available)."""

    day: date
    active_sites: int
    available: int
    occupied: int
    vacant: int
    unavailable: int

    @property
    def rate(self) -> float | None:
        return self.occupied / self.available if self.available else None


def occupancy_on(engine: Engine, day: date, filters: Filters = NO_FILTERS) -> Occupancy:
    """Occupancy on `day`:

    - available: units whose site has a convention active on d, not unavailable on d;
    - unavailable: units whose site has a convention active on d, unavailable on d;
    - occupied: available units with a placement covering d (of the filtered households);
    - vacant: available units with no placement covering d (whoever the household);
    - active_sites: sites with a convention active on d.
    """
    window = day_window(day)
    units = _scalar_sums(engine, unit_days_query(window, filters))
    occupied = _scalar_sums(engine, occupied_days_query(window, filters)).get("occupied_days", 0)
    occupied_by_anyone = (
        _scalar_sums(engine, occupied_days_query(window, filters, households=False)).get("occupied_days", 0)
        if filters.filters_households else occupied
    )
    available = units.get("convention_days", 0) - units.get("unavailable_days", 0)
    return Occupancy(
        day=day,
        active_sites=active_sites_on(engine, day, filters),
        available=available,
        occupied=occupied,
        vacant=available - occupied_by_anyone,
        unavailable=units.get("unavailable_days", 0),
    )


@dataclass(frozen=True)
class Utilisation:
    """Unit-days over [start, end). rate = occupied ÷ available unit-days (None when none)."""

    start: date
    end: date
    available_unit_days: int
    occupied_unit_days: int

    @property
    def rate(self) -> float | None:
        return self.occupied_unit_days / self.available_unit_days if self.available_unit_days else None


def utilisation(engine: Engine, start: date, end: date, filters: Filters = NO_FILTERS) -> Utilisation:
    """Utilisation over [start, end) = Σ occupied unit-days ÷ Σ available unit-days, where a day
    counts as occupied only when the unit is available that day."""
    window = _period(start, end)
    units = _scalar_sums(engine, unit_days_query(window, filters))
    occupied = _scalar_sums(engine, occupied_days_query(window, filters)).get("occupied_days", 0)
    return Utilisation(
        start=start,
        end=end,
        available_unit_days=units.get("convention_days", 0) - units.get("unavailable_days", 0),
        occupied_unit_days=occupied,
    )


@reads("sites", "stays", "reference")
def unit_figures_by_site(engine: Engine, start: date, end: date, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """utilisation's unit-days over [start, end) per site, with the units available on at least one
    day, in two grouped queries (the same filters apply: household filters narrow the occupied
    days). Summing rows gives the figures of a set of sites.

    columns: site_id, units_available, available_unit_days, occupied_unit_days (only the sites with
    a convention meeting the period)."""
    columns = ["site_id", "units_available", "available_unit_days", "occupied_unit_days"]
    if start >= end:
        return pd.DataFrame(columns=columns)
    window = _period(start, end)
    units = read_frame(engine, unit_days_query(window, filters, by_site=True, by_unit=True),
                       ints=["site_id", "convention_days", "unavailable_days"])
    units["available_unit_days"] = units["convention_days"] - units["unavailable_days"]
    units["units_available"] = (units["available_unit_days"] > 0).astype("int64")
    per_site = units.groupby("site_id", as_index=False)[["units_available", "available_unit_days"]].sum()
    occupied = read_frame(engine, occupied_days_query(window, filters, by_site=True), ints=["site_id", "occupied_days"])
    per_site = per_site.merge(occupied[["site_id", "occupied_days"]], on="site_id", how="outer")
    per_site = per_site.rename(columns={"occupied_days": "occupied_unit_days"})
    for column in columns:
        per_site[column] = per_site[column].fillna(0).astype("int64")
    return per_site[columns]


@reads("sites", "stays", "reference")
def monthly_occupancy(engine: Engine, start: date, end: date, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """Per month of [start, end) and per axis, the *average* number of units over the month's days
    inside the period (unit-days ÷ days — rather than a reference day, so that every day counts
    and the figures add up to utilisation):

    columns: month (first day), axis_id, available_units, occupied_units, days (of the month in
    the period). available_units repeats on the axis rows of a month; occupied_units is the
    average number of available units occupied by households of that axis. One row per month × axis
    (all three axes, or the filtered ones), zeros included.
    """
    windows = month_windows(start, end) if start < end else []
    if not windows:
        return pd.DataFrame(columns=["month", "axis_id", "available_units", "occupied_units", "days"])
    units = read_frame(
        engine, unit_days_query(windows, filters), dates=["key"], ints=["convention_days", "unavailable_days"]
    )
    occupied = read_frame(
        engine, occupied_days_query(windows, filters, by_axis=True), dates=["key"], ints=["axis_id", "occupied_days"]
    )
    axes = filters.axes
    grid = pd.DataFrame(
        [(w.key, axis, w.days) for w in windows for axis in axes], columns=["month", "axis_id", "days"]
    )
    units["available_days"] = units["convention_days"] - units["unavailable_days"]
    grid = grid.merge(units[["key", "available_days"]].rename(columns={"key": "month"}), on="month", how="left")
    grid = grid.merge(occupied.rename(columns={"key": "month"}), on=["month", "axis_id"], how="left")
    grid = grid.fillna({"available_days": 0, "occupied_days": 0})
    grid["available_units"] = grid["available_days"] / grid["days"]
    grid["occupied_units"] = grid["occupied_days"] / grid["days"]
    grid["axis_id"] = grid["axis_id"].astype("int64")
    return grid[["month", "axis_id", "available_units", "occupied_units", "days"]]


@reads("sites", "stays", "reference")
def vacant_days_by_site(engine: Engine, start: date, end: date, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """Vacant unit-days lost per site over [start, end) = available unit-days − occupied unit-days.

    columns: site_id, site, available_unit_days, occupied_unit_days, vacant_unit_days. Sites with
    no available day in the period are left out. Unit filters apply; household filters do not
    (a vacant day is lost whoever might have used it)."""
    window = _period(start, end)
    units = read_frame(
        engine, unit_days_query(window, filters, by_site=True),
        ints=["site_id", "convention_days", "unavailable_days"],
    )
    occupied = read_frame(
        engine, occupied_days_query(window, filters, by_site=True, households=False), ints=["site_id", "occupied_days"]
    )
    names = read_frame(engine, select(Site.id.label("site_id"), Site.name.label("site")), ints=["site_id"])
    frame = units.merge(occupied[["site_id", "occupied_days"]], on="site_id", how="left").fillna({"occupied_days": 0})
    frame = frame.merge(names, on="site_id")
    frame["available_unit_days"] = frame["convention_days"] - frame["unavailable_days"]
    frame["occupied_unit_days"] = frame["occupied_days"].astype("int64")
    frame["vacant_unit_days"] = frame["available_unit_days"] - frame["occupied_unit_days"]
    frame = frame[frame["available_unit_days"] > 0]
    columns = ["site_id", "site", "available_unit_days", "occupied_unit_days", "vacant_unit_days"]
    return frame[columns].sort_values(["vacant_unit_days", "site"], ascending=[False, True]).reset_index(drop=True)


@reads("sites", "stays", "reference")
def vacancy_gaps(engine: Engine, start: date, end: date, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """Gaps between consecutive placements of a unit whose next placement starts in [start, end):
    gap_days = next start − previous end (DOMAIN.md; the raw calendar gap, whether or not the unit
    was available all along).

    columns: unit_id, unit, site_id, site, previous_end, next_start, gap_days. Unit filters apply."""
    previous = aliased(Placement)
    # The placements of a unit never meet: the previous one is the one starting last before (found in
    # the index on (unit_id, start_date), rather than ordering the whole history of every unit).
    previous_end = (
        select(previous.end_date)
        .where(previous.unit_id == Placement.unit_id, previous.start_date < Placement.start_date)
        .order_by(previous.start_date.desc())
        .limit(1)
        .scalar_subquery()
    )
    ordered = (
        select(Placement.unit_id, Placement.start_date, previous_end.label("previous_end"))
        .where(Placement.start_date >= date_param(start), Placement.start_date < date_param(end),
               *filters.of_units(Placement.unit_id))
        .cte("ordered")
        .prefix_with("MATERIALIZED")  # SQLite would otherwise look the previous end up once per use
    )
    query = (
        select(
            ordered.c.unit_id,
            Unit.label.label("unit"),
            Site.id.label("site_id"),
            Site.name.label("site"),
            ordered.c.previous_end,
            ordered.c.start_date.label("next_start"),
            days_between(ordered.c.previous_end, ordered.c.start_date).label("gap_days"),
        )
        .join(Unit, Unit.id == ordered.c.unit_id)
        .join(Site, Site.id == Unit.site_id)
        .where(ordered.c.previous_end.is_not(None))
        .where(*filters.site_conditions(Unit.site_id))
        .order_by(ordered.c.start_date, Site.name, Unit.label)
    )
    return read_frame(engine, query, dates=["previous_end", "next_start"], ints=["unit_id", "site_id", "gap_days"])


@reads("sites", "stays", "reference")
def vacancy_gaps_by_site(engine: Engine, start: date, end: date, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """The gaps of vacancy_gaps summed up per site: their number and the five figures of a box plot
    (frames.box_figures), so a page draws them without every gap.

    columns: site_id, site, gaps, shortest_days, q1_days, median_days, q3_days, longest_days — by site name."""
    per_site = vacancy_gaps(engine, start, end, filters).groupby(["site_id", "site"], sort=False)["gap_days"]
    frame = pd.DataFrame({"gaps": per_site.size()}).join(box_figures(per_site)).reset_index()
    return frame.sort_values("site", ignore_index=True).astype({"site_id": "int64", "gaps": "int64"})


FAR_PAST = date(1, 1, 1)


def run_start_sql(site_id, day: date):  # noqa: ANN001, ANN201
    """SQL: the first day of the site's unbroken run of convention days that reaches `day` (when a
    convention is active on `day`): the latest start, on or before `day`, of a convention of the site
    whose previous day no convention of the site covers. A renewal starting the day after the previous
    convention's last day continues the run; a day without convention breaks it."""
    chain, earlier = aliased(Convention), aliased(Convention)
    day_before_covered = exists().where(
        earlier.site_id == chain.site_id,
        earlier.start_date < chain.start_date,
        or_(earlier.actual_end_date.is_(None), convention_range(earlier)[1] >= chain.start_date),
    )
    return (
        select(func.max(chain.start_date))
        .where(chain.site_id == site_id, chain.start_date <= date_param(day), ~day_before_covered)
        .scalar_subquery()
    )


def vacant_since_sql(unit_id, site_id, day: date):  # noqa: ANN001, ANN201
    """SQL: for a unit available and empty on `day`, the first day of its current unbroken run of
    available, empty days (DOMAIN.md, "Vacant since"): the latest of the start of the site's run of
    convention days (run_start_sql), the end of the unit's last placement and the end of its last
    unavailability period (ends on or before `day`; ends are exclusive, so the run starts on them)."""
    d = date_param(day)

    def last_end(model):  # noqa: ANN001, ANN202
        period = aliased(model)
        ends_before = (period.unit_id == unit_id, period.end_date <= d)
        return select(func.max(period.end_date)).where(*ends_before).scalar_subquery()

    far_past = date_param(FAR_PAST)
    return greatest(
        run_start_sql(site_id, day),
        func.coalesce(last_end(Placement), far_past),
        func.coalesce(last_end(UnitUnavailability), far_past),
    )


def vacant_units(engine: Engine, today: date, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """Units available and empty today, with the day since which they are so (vacant_since_sql:
    the first day of their current unbroken run of available, empty days — a convention renewed
    without a gap does not break it); days_vacant = today − vacant_since. Alerts use days_vacant > 30.

    columns: unit_id, unit, site_id, site, vacant_since, days_vacant, last_placement_end,
    next_placement_start (a placement already planned, if any). Unit filters apply."""
    d = date_param(today)

    def covers_today(model):  # noqa: ANN001, ANN202
        return and_(model.unit_id == Unit.id, covers(model.start_date, model.end_date, today))

    last_end = (
        select(func.max(Placement.end_date)).where(Placement.unit_id == Unit.id, Placement.end_date <= d)
        .scalar_subquery()
    )
    next_start = (
        select(func.min(Placement.start_date))
        .where(Placement.unit_id == Unit.id, Placement.start_date > d)
        .scalar_subquery()
    )
    inner = (
        select(
            Unit.id.label("unit_id"),
            Unit.label.label("unit"),
            Site.id.label("site_id"),
            Site.name.label("site"),
            vacant_since_sql(Unit.id, Unit.site_id, today).label("vacant_since"),
            last_end.label("last_placement_end"),
            next_start.label("next_placement_start"),
        )
        .join(Site, Site.id == Unit.site_id)
        .where(exists().where(Convention.site_id == Unit.site_id, convention_active_on(today)))
        .where(~exists().where(covers_today(Placement)), ~exists().where(covers_today(UnitUnavailability)))
        .where(*filters.site_conditions(Unit.site_id))
        .subquery("vacant")
    )
    query = select(
        inner.c.unit_id, inner.c.unit, inner.c.site_id, inner.c.site, inner.c.vacant_since,
        days_between(inner.c.vacant_since, d).label("days_vacant"),
        inner.c.last_placement_end, inner.c.next_placement_start,
    ).order_by(days_between(inner.c.vacant_since, d).desc(), inner.c.site, inner.c.unit)
    return read_frame(
        engine, query,
        dates=["vacant_since", "last_placement_end", "next_placement_start"],
        ints=["unit_id", "site_id", "days_vacant"],
    )


def _period(start: date, end: date) -> list[Window]:
    if end <= start:
        raise ValueError(f"empty period [{start}, {end})")
    return period_window(start, end)
