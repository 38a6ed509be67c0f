"""Read models of the meeting screen: counts only, never a household reference.

- changes_since: what changed from a day up to today (entries, exits by destination, transfers,
  conventions opened / extended / closed, contribution statuses set), aggregated in SQL;
- occupancy_tiles: every unit of the sites under convention today, with its state and the axis of
  its occupant (no household column at all);
- caseload_by_axis: households followed, placed and waiting per axis (derived from caseload_on's rows, which the
  screen reads for its tables anyway).

"Since d" is the period [d, today + 1 day): d and today both count. Dated facts are counted by their
own date (a placement's start or end, a convention's start or actual end, a contribution status's
effective_from); an extension has no date of its own, so it counts by its audit row written since d
(Brussels midnight).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pandas as pd
from sqlalchemy import Engine, and_, case, func, select

from issue_core.db import read_connection
from issue_core.i18n import BRUSSELS
from issue_core.models import AuditEvent, ContributionStatus, Convention
from issue_core.queries.areas import reads
from issue_core.queries.metrics.flows import entries_exits_between, exit_destinations
from issue_core.queries.screens.occupancy_board import sites_with_active_convention, units_board
from issue_core.queries.sql.filters import ALL_AXES
from issue_core.queries.sql.functions import date_param

EXTENSION_ACTION = "convention.extend"  # the audit action of services.sites.extend_convention
TILE_COLUMNS = ["site_id", "site", "unit_id", "unit", "state", "axis_id", "days_vacant", "reserved_for"]


@dataclass(frozen=True)
class Changes:
    """Counts of what changed over [since, today]. exits excludes transfers; exits_by_destination
    holds the destinations with at least one exit (an exit without a recorded destination is
    `unknown`); transfers counts the moves between two ISSUE units; conventions_extended counts
    conventions (one extended twice counts once)."""

    since: date
    today: date
    entries: int
    exits: int
    exits_by_destination: dict[str, int]
    transfers: int
    conventions_opened: int
    conventions_extended: int
    conventions_closed: int
    contribution_statuses_set: int


def _count_in(column, start: date, end: date):  # noqa: ANN001, ANN202
    """SQL: how many rows have `column` in [start, end)."""
    inside = and_(column >= date_param(start), column < date_param(end))
    return func.coalesce(func.sum(case((inside, 1), else_=0)), 0)


def start_of_day_utc(day: date) -> datetime:
    """Midnight in Brussels on `day`, in UTC (audit times are stored in UTC)."""
    return datetime.combine(day, time.min, BRUSSELS).astimezone(UTC)


@reads("sites", "stays", "money", "reference")
def changes_since(engine: Engine, since: date, today: date) -> Changes:
    """What changed from `since` to `today` included, as counts (see the module docstring)."""
    end = max(since, today + timedelta(days=1))  # a day after today: an empty period
    flows = entries_exits_between(engine, since, end)
    exits = exit_destinations(engine, since, end).groupby("destination")["exits"].sum()
    conventions = select(
        _count_in(Convention.start_date, since, end).label("opened"),
        _count_in(Convention.actual_end_date, since, end).label("closed"),
    )
    extended = select(func.count(func.distinct(AuditEvent.entity_id))).where(
        AuditEvent.action == EXTENSION_ACTION, AuditEvent.at >= start_of_day_utc(since)
    )
    statuses = select(_count_in(ContributionStatus.effective_from, since, end))
    with read_connection(engine) as connection:
        opened, closed = connection.execute(conventions).one()
        extended_count = connection.execute(extended).scalar_one()
        statuses_count = connection.execute(statuses).scalar_one()
    return Changes(
        since=since,
        today=today,
        entries=flows["entries"],
        exits=flows["exits"],
        exits_by_destination={str(name): int(count) for name, count in exits.sort_values(ascending=False).items()},
        transfers=flows["transfers_out"],
        conventions_opened=int(opened),
        conventions_extended=int(extended_count),
        conventions_closed=int(closed),
        contribution_statuses_set=int(statuses_count),
    )


@reads("sites", "stays", "reference")
def occupancy_tiles(engine: Engine, day: date) -> pd.DataFrame:
    """The units of every site under convention on `day` (overdue ones included), as on the
    occupancy page's board, without anything about the household but its axis.

    columns: site_id, site, unit_id, unit (label), state ('occupied' | 'vacant' | 'unavailable'),
    axis_id (0 unless occupied), days_vacant (<NA> unless vacant), reserved_for (partner short name
    or None). Sorted by site, then unit."""
    sites = sites_with_active_convention(engine, day)
    return units_board(engine, day, sites["site_id"])[TILE_COLUMNS]  # one query for every site's units


def caseload_by_axis(per_partner: pd.DataFrame) -> pd.DataFrame:
    """Households followed per axis (every axis, zeros included): followed, placed, waiting — the rows of
    caseloads.caseload_on (per axis and partner) summed per axis.

    columns: axis_id, followed, placed, waiting."""
    totals = per_partner.groupby("axis_id")[["followed", "placed", "waiting"]].sum()
    frame = totals.reindex(list(ALL_AXES), fill_value=0).rename_axis("axis_id").reset_index()
    return frame.astype("int64")
