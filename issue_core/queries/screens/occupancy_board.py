"""Read models of the occupancy page: the sites to show a board for, one site's units on a day, and the
board of every site at once (board_sites: the sites and their counts, one grouped query; units_board:
the units of a page of sites, one query), narrowed by a BoardFilter.

Definitions as in queries.metrics.occupancy: a unit is *unavailable* on d when one of its unavailability
periods [start_date, end_date) covers d, *occupied* when a placement [start_date, end_date) covers
d (and it is not unavailable), otherwise *vacant*; a vacant unit is vacant since the first day of its
current unbroken run of available, empty days (occupancy.vacant_since_sql, as in
occupancy.vacant_units: a convention renewed without a gap does not break the run).

A reference is None where the viewer's scope may not see it (issue_core.visibility).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import Engine, Select, and_, case, exists, false, func, literal, or_, select
from sqlalchemy.orm import aliased

from issue_core import policy
from issue_core.models import Convention, Household, Organisation, Placement, Site, Unit, UnitUnavailability
from issue_core.queries.areas import reads
from issue_core.queries.metrics.occupancy import vacant_since_sql
from issue_core.queries.sql.filters import NO_FILTERS, Filters
from issue_core.queries.sql.frames import read_frame
from issue_core.queries.sql.functions import date_param, days_between
from issue_core.rules import convention_active_on, covers
from issue_core.visibility import NOBODY, Scope, blank_references

BOARD_STATES = ("occupied", "vacant", "long_vacant", "unavailable", "reserved")  # the board's state filter
BOARD_COLUMNS = [
    "unit_id", "unit", "bedrooms", "capacity", "reserved_for_id", "reserved_for", "state",
    "placement_id", "household_id", "reference", "axis_id", "partner_id", "partner", "placed_since",
    "unavailable_reason", "unavailable_since", "unavailable_until", "vacant_since", "days_vacant",
    "next_placement_start",
]

UNITS_BOARD_COLUMNS = ["site_id", "site", *BOARD_COLUMNS, "board_state"]
SITE_COUNTS = ["occupied", "vacant", "long_vacant", "unavailable", "reserved"]
BOARD_SITE_COLUMNS = ["site_id", "site", "operator_id", "operator", "units", *SITE_COUNTS]


def _ids(values: Iterable | None) -> tuple[int, ...]:
    return tuple(sorted({int(value) for value in (() if values is None else values)}))


@dataclass(frozen=True)
class BoardFilter:
    """The board's own filters; an empty tuple means "all", kinds combine with "and", values of a kind
    with "or". partner_ids: the unit's household is followed by one of them, or the unit is reserved for
    one of them; operator_ids: the site's housing operator; states: among BOARD_STATES, 'vacant' being a
    unit vacant for VACANT_ALERT_DAYS days at most and 'long_vacant' for longer (as the tiles' colours),
    'reserved' a unit reserved for a partner, whatever its state. Hashable: a cache key."""

    partner_ids: tuple[int, ...] = ()
    operator_ids: tuple[int, ...] = ()
    states: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "partner_ids", _ids(self.partner_ids))
        object.__setattr__(self, "operator_ids", _ids(self.operator_ids))
        unknown = set(self.states or ()) - set(BOARD_STATES)
        if unknown:
            raise ValueError(f"unknown board states: {sorted(unknown)}")
        object.__setattr__(self, "states", tuple(state for state in BOARD_STATES if state in (self.states or ())))

    @property
    def narrows_units(self) -> bool:
        """Whether some units of a site may be left out (then a site without such a unit is too)."""
        return bool(self.partner_ids or self.states)


NO_BOARD_FILTER = BoardFilter()


def _board_rows(day: date, filters: Filters, board: BoardFilter):
    """The units of the sites under convention on `day` (overdue ones included) that the sidebar's
    unit filters (`filters`: sites, housing operators) and `board` keep, as a subquery (_unit_rows)."""
    rows = _unit_rows(day).subquery("units")
    conditions = [rows.c.site_id.in_(select(Convention.site_id).where(convention_active_on(day))),
                  *filters.site_conditions(rows.c.site_id)]
    if board.operator_ids:
        conditions.append(rows.c.operator_id.in_(board.operator_ids))
    if board.partner_ids:
        conditions.append(or_(rows.c.partner_id.in_(board.partner_ids), rows.c.reserved_for_id.in_(board.partner_ids)))
    if board.states:
        states = [state for state in board.states if state != "reserved"]
        conditions.append(or_(
            rows.c.board_state.in_(states) if states else false(),
            rows.c.reserved_for_id.is_not(None) if "reserved" in board.states else false(),
        ))
    return select(rows).where(*conditions).subquery("board")


@reads("sites", "stays", "reference")
def board_sites(engine: Engine, day: date, filters: Filters = NO_FILTERS, board: BoardFilter = NO_BOARD_FILTER
                ) -> pd.DataFrame:
    """The sites of the board of every site on `day`, in one grouped query: the sites with a convention
    active on `day` that `filters` (sites, housing operators) and `board` keep, ordered by name, with
    their housing operator and the counts of their units kept by `board`: units, occupied, vacant (for
    VACANT_ALERT_DAYS days at most), long_vacant, unavailable, reserved (any state). A site without a
    unit kept is left out when `board` narrows the units (a partner, a state), shown with 0 otherwise.

    columns: BOARD_SITE_COLUMNS."""
    rows = _board_rows(day, filters, board)

    def count(condition):
        return func.sum(case((condition, 1), else_=0))

    counts = (
        select(
            rows.c.site_id,
            func.count().label("units"),
            *[count(rows.c.board_state == state).label(state) for state in SITE_COUNTS if state != "reserved"],
            count(rows.c.reserved_for_id.is_not(None)).label("reserved"),
        )
        .group_by(rows.c.site_id)
        .subquery("counts")
    )
    operator = aliased(Organisation)
    query = (
        select(
            Site.id.label("site_id"), Site.name.label("site"), Site.housing_operator_id.label("operator_id"),
            operator.short_name.label("operator"),
            *[func.coalesce(counts.c[name], 0).label(name) for name in ("units", *SITE_COUNTS)],
        )
        .outerjoin(operator, operator.id == Site.housing_operator_id)
        .outerjoin(counts, counts.c.site_id == Site.id)
        .where(Site.id.in_(select(Convention.site_id).where(convention_active_on(day))),
               *filters.site_conditions(Site.id))
        .order_by(Site.name, Site.id)
    )
    if board.operator_ids:
        query = query.where(Site.housing_operator_id.in_(board.operator_ids))
    if board.narrows_units:
        query = query.where(counts.c.units > 0)
    return read_frame(engine, query, ints=["site_id", "operator_id", "units", *SITE_COUNTS])[BOARD_SITE_COLUMNS]


@reads("sites", "stays", "reference")
def units_board(engine: Engine, day: date, site_ids: Iterable[int], board: BoardFilter = NO_BOARD_FILTER,
                scope: Scope = NOBODY) -> pd.DataFrame:
    """The units of the sites `site_ids` (a page of board_sites) on `day` that `board` keeps, in one query,
    ordered by site name and unit label: unit_board's columns with site_id, site and board_state
    ('occupied' | 'vacant' | 'long_vacant' | 'unavailable'). reference: None where `scope` may not see it.

    columns: UNITS_BOARD_COLUMNS."""
    ids = _ids(site_ids)
    if not ids:
        return pd.DataFrame(columns=UNITS_BOARD_COLUMNS)
    rows = _board_rows(day, NO_FILTERS, board)
    query = select(rows).where(rows.c.site_id.in_(ids)).order_by(rows.c.site, rows.c.site_id, rows.c.unit)
    frame = read_frame(
        engine, query,
        dates=["placed_since", "unavailable_since", "unavailable_until", "vacant_since", "next_placement_start"],
        ints=["site_id", "unit_id", "bedrooms", "capacity", "reserved_for_id", "placement_id", "household_id",
              "axis_id", "partner_id"],
    )
    frame["days_vacant"] = pd.to_numeric(frame["days_vacant"]).astype("Int64")
    return blank_references(frame[UNITS_BOARD_COLUMNS], scope)


@reads("sites", "stays", "reference")
def sites_with_active_convention(engine: Engine, day: date, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """Sites with a convention active on `day` (the overdue ones included, as in the metrics), with
    their number of units. Unit filters apply; household filters do not.

    columns: site_id, site, units."""
    units = select(func.count(Unit.id)).where(Unit.site_id == Site.id).correlate(Site).scalar_subquery()
    query = (
        select(Site.id.label("site_id"), Site.name.label("site"), units.label("units"))
        .where(
            Site.id.in_(select(Convention.site_id).where(convention_active_on(day))),
            *filters.site_conditions(Site.id),
        )
        .order_by(Site.name)
    )
    return read_frame(engine, query, ints=["site_id", "units"])


def _unit_rows(day: date) -> Select:
    """Every unit on `day` (no site condition), as unit_board describes its rows, with its site (site_id,
    site, operator_id: the site's housing operator) and board_state: the state, a vacant unit being
    'long_vacant' when vacant for more than policy.VACANT_ALERT_DAYS days (the alerts' threshold)."""
    d = date_param(day)
    reserved = aliased(Organisation)
    partner = aliased(Organisation)

    def covers_day(model):
        return and_(model.unit_id == Unit.id, covers(model.start_date, model.end_date, day))

    # A unit's placements never meet: the one covering the day is the last one started by then (one probe of
    # the index on (unit_id, start_date) instead of reading every past stay of the unit).
    latest = aliased(Placement)
    latest_started = (
        select(latest.id).where(latest.unit_id == Unit.id, latest.start_date <= d)
        .order_by(latest.start_date.desc()).limit(1).correlate(Unit).scalar_subquery()
    )
    later = aliased(Placement)
    next_start = (
        select(func.min(later.start_date)).where(later.unit_id == Unit.id, later.start_date > d)
        .correlate(Unit).scalar_subquery()
    )
    state = case(
        (UnitUnavailability.id.is_not(None), literal("unavailable")),
        (Placement.id.is_not(None), literal("occupied")),
        else_=literal("vacant"),
    )
    under_convention = exists().where(Convention.site_id == Unit.site_id, convention_active_on(day))
    vacant = and_(UnitUnavailability.id.is_(None), Placement.id.is_(None), under_convention)
    since = vacant_since_sql(Unit.id, Unit.site_id, day)
    vacant_since = case((vacant, since), else_=None)
    board_state = case((and_(vacant, days_between(since, d) > policy.VACANT_ALERT_DAYS), literal("long_vacant")),
                       else_=state)
    return (
        select(
            Unit.site_id.label("site_id"),
            Site.name.label("site"),
            Site.housing_operator_id.label("operator_id"),
            Unit.id.label("unit_id"),
            Unit.label.label("unit"),
            Unit.bedrooms,
            Unit.capacity,
            Unit.reserved_for_organisation_id.label("reserved_for_id"),
            reserved.short_name.label("reserved_for"),
            state.label("state"),
            Placement.id.label("placement_id"),
            Household.id.label("household_id"),
            Household.reference,
            Household.axis_id,
            Household.referent_organisation_id.label("partner_id"),
            partner.short_name.label("partner"),
            Placement.start_date.label("placed_since"),
            UnitUnavailability.reason.label("unavailable_reason"),
            UnitUnavailability.start_date.label("unavailable_since"),
            UnitUnavailability.end_date.label("unavailable_until"),
            vacant_since.label("vacant_since"),
            case((vacant, days_between(since, d)), else_=None).label("days_vacant"),
            case((vacant, next_start), else_=None).label("next_placement_start"),
            board_state.label("board_state"),
        )
        .join(Site, Site.id == Unit.site_id)
        .outerjoin(reserved, reserved.id == Unit.reserved_for_organisation_id)
        .outerjoin(UnitUnavailability, covers_day(UnitUnavailability))
        .outerjoin(Placement, and_(Placement.id == latest_started, covers_day(Placement)))
        .outerjoin(Household, Household.id == Placement.household_id)
        .outerjoin(partner, partner.id == Household.referent_organisation_id)
    )


@reads("sites", "stays", "reference")
def unit_board(engine: Engine, site_id: int, day: date, scope: Scope = NOBODY) -> pd.DataFrame:
    """One row per unit of the site on `day`, in one query:

    unit (label), bedrooms, capacity, reserved_for (short name of the partner the unit is reserved
    for, or None), state ('unavailable' | 'occupied' | 'vacant'), the placement covering the day
    (placement_id, household_id, reference, axis_id, partner, placed_since), the unavailability
    covering it (unavailable_reason, unavailable_since, unavailable_until — None when open), and for
    a vacant unit vacant_since (occupancy.vacant_since_sql, as in the alerts), days_vacant and
    next_placement_start (a placement already planned). reference: None where `scope` may not see it.

    The ids of missing parts are 0 (placement_id, household_id, axis_id, partner_id, reserved_for_id)."""
    query = _unit_rows(day).where(Unit.site_id == site_id).order_by(Unit.label)
    frame = read_frame(
        engine, query,
        dates=["placed_since", "unavailable_since", "unavailable_until", "vacant_since", "next_placement_start"],
        ints=["unit_id", "bedrooms", "capacity", "reserved_for_id", "placement_id", "household_id", "axis_id",
              "partner_id"],
    )
    frame["days_vacant"] = pd.to_numeric(frame["days_vacant"]).astype("Int64")
    return blank_references(frame[BOARD_COLUMNS], scope)
