"""Read model of "My organisation" (pages/my_organisation.py): a partner's own screen, for its coordinators
and directors — its caseload, its waiting households, its vacant reserved units, its arrears, and the
overview's alerts that concern it (docs/RULES.md, "My organisation").

Built on the metrics and read models that exist, narrowed to the organisation (a household filter on its
partner, a unit filter on the sites concerned), never a query per site or per household. References are
those of the organisation's own households: the viewer's own (visibility: its scope is its organisation).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pandas as pd
from sqlalchemy import Engine, func, select

from issue_core.models import ContributionStatus, Household, Organisation, Placement, Unit
from issue_core.queries.areas import reads
from issue_core.queries.metrics.caseloads import caseload_on
from issue_core.queries.metrics.contributions import arrears
from issue_core.queries.metrics.occupancy import vacant_units
from issue_core.queries.screens.alerts import conventions_ending
from issue_core.queries.screens.overview import owing_above, placed_without_contribution, running_outside_convention
from issue_core.queries.screens.waiting import waiting_counts, waiting_households
from issue_core.queries.sql.filters import Filters
from issue_core.queries.sql.frames import read_frame
from issue_core.queries.sql.functions import date_param
from issue_core.rules import covers, placement_range

VACANT_COLUMNS = ["unit_id", "unit", "site_id", "site", "bedrooms", "capacity", "vacant_since", "days_vacant",
                  "last_placement_end", "next_placement_start"]
CONCERN_COLUMNS = ["site_id", "own_households", "reserved_units"]


@dataclass(frozen=True)
class MyOrganisation:
    """Everything the page shows for one organisation on one day (one cached read).

    caseload: caseload_on narrowed to the organisation (axis_id, followed, placed, waiting per axis);
    waiting: its first `rows` waiting households, longest wait first (waiting.WAITING_COLUMNS); waiting_total: all;
    vacant: the units reserved for it, available and empty today, longest vacancy first (VACANT_COLUMNS);
    in_arrears: its households owing more than the threshold, largest first (contributions.arrears' columns,
    plus monthly_amount in force today and months = arrears ÷ monthly_amount, None without an amount);
    conventions: the conventions ending soon or overdue of the sites that concern it (alerts.conventions_ending,
    plus own_households housed there today and reserved_units there);
    outside: its running placements outside a convention; uncovered: its households placed today without a
    contribution status."""

    organisation: str | None
    caseload: pd.DataFrame
    waiting: pd.DataFrame
    waiting_total: int
    vacant: pd.DataFrame
    in_arrears: pd.DataFrame
    conventions: pd.DataFrame
    outside: pd.DataFrame
    uncovered: pd.DataFrame

    @property
    def followed(self) -> int:
        return int(self.caseload["followed"].sum())


def concerned_sites(engine: Engine, today: date, organisation_id: int) -> pd.DataFrame:
    """The sites that concern the organisation today (docs/RULES.md): it follows a household housed there
    today, or a unit there is reserved for it. Two grouped queries, one row per site.

    columns: CONCERN_COLUMNS (own_households: its households housed there today; reserved_units)."""
    housed = (
        select(Unit.site_id, func.count(func.distinct(Placement.household_id)).label("own_households"))
        .join(Unit, Unit.id == Placement.unit_id)
        .join(Household, Household.id == Placement.household_id)
        .where(Household.referent_organisation_id == organisation_id, covers(*placement_range(), today))
        .group_by(Unit.site_id)
    )
    reserved = (
        select(Unit.site_id, func.count(Unit.id).label("reserved_units"))
        .where(Unit.reserved_for_organisation_id == organisation_id)
        .group_by(Unit.site_id)
    )
    frame = read_frame(engine, housed, ints=["site_id", "own_households"]).merge(
        read_frame(engine, reserved, ints=["site_id", "reserved_units"]), on="site_id", how="outer")
    frame = frame.fillna({"own_households": 0, "reserved_units": 0}).astype("int64")
    return frame[CONCERN_COLUMNS].sort_values("site_id", ignore_index=True)


def waiting_of(engine: Engine, today: date, organisation_id: int, rows: int) -> tuple[pd.DataFrame, int]:
    """The organisation's first `rows` waiting households (queries.screens.waiting: who waits and since when),
    longest wait first, and how many wait in all."""
    counts = waiting_counts(engine, today)
    total = int(counts.loc[counts["partner_id"] == organisation_id, "households"].sum())
    return waiting_households(engine, today, organisation_id, limit=rows), total


def reserved_vacant_units(engine: Engine, today: date, organisation_id: int, site_ids: tuple[int, ...]) -> pd.DataFrame:
    """The units reserved for the organisation that are vacant today (occupancy.vacant_units on the sites
    `site_ids` where it has reserved units), longest vacancy first. columns: VACANT_COLUMNS."""
    if not site_ids:
        return pd.DataFrame(columns=VACANT_COLUMNS)
    reserved = read_frame(
        engine,
        select(Unit.id.label("unit_id"), Unit.bedrooms, Unit.capacity).where(
            Unit.reserved_for_organisation_id == organisation_id),
        ints=["unit_id", "bedrooms", "capacity"],
    )
    vacant = vacant_units(engine, today, Filters(site_ids=site_ids))
    return vacant.merge(reserved, on="unit_id", how="inner")[VACANT_COLUMNS].reset_index(drop=True)


def monthly_amounts(engine: Engine, today: date, organisation_id: int) -> pd.DataFrame:
    """The monthly contribution in force today of each household of the organisation that has one (the
    latest status with effective_from ≤ today). columns: household_id, monthly_amount."""
    latest = (
        select(ContributionStatus.household_id, ContributionStatus.monthly_amount,
               func.row_number().over(partition_by=ContributionStatus.household_id,
                                      order_by=ContributionStatus.effective_from.desc()).label("newest"))
        .join(Household, Household.id == ContributionStatus.household_id)
        .where(Household.referent_organisation_id == organisation_id,
               ContributionStatus.effective_from <= date_param(today))
        .subquery("latest")
    )
    query = select(latest.c.household_id, latest.c.monthly_amount).where(latest.c.newest == 1)
    return read_frame(engine, query, ints=["household_id"], money=["monthly_amount"])


def households_in_arrears(engine: Engine, today: date, organisation_id: int, threshold: Decimal) -> pd.DataFrame:
    """The organisation's households owing more than `threshold` today (contributions.arrears through the
    overview's owing_above: the same households as the contributions page's), with the monthly amount in
    force and how many months of it the arrears make (one decimal; None without an amount)."""
    frame = owing_above(arrears(engine, today, Filters(partner_ids=(organisation_id,))), threshold, organisation_id)
    if frame.empty:
        return frame.assign(monthly_amount=pd.Series(dtype="float64"), months=pd.Series(dtype=object))
    frame = frame.merge(monthly_amounts(engine, today, organisation_id), on="household_id", how="left")
    frame["months"] = [round(owed / amount, 1) if pd.notna(amount) and amount > 0 else None
                       for owed, amount in zip(frame["arrears"], frame["monthly_amount"], strict=True)]
    frame["months"] = frame["months"].astype(object)
    return frame


@reads("sites", "stays", "money", "reference")
def my_organisation(
    engine: Engine, today: date, organisation_id: int, *, rows: int, threshold: Decimal, warning_days: int,
) -> MyOrganisation:
    """The organisation's screen on `today` (see MyOrganisation). `rows`: the waiting households listed;
    `threshold`: arrears above it; `warning_days`: a convention ending within it ends soon. The page passes
    the policy's values (issue_core.policy)."""
    name = read_frame(engine, select(Organisation.short_name).where(Organisation.id == organisation_id))
    own = Filters(partner_ids=(organisation_id,))
    sites = concerned_sites(engine, today, organisation_id)
    site_ids = tuple(int(site) for site in sites["site_id"])
    if site_ids:
        conventions = conventions_ending(engine, today, warning_days, Filters(site_ids=site_ids)).merge(
            sites, on="site_id", how="left")
    else:
        conventions = conventions_ending(engine, today, warning_days).iloc[0:0].assign(
            own_households=pd.Series(dtype="int64"), reserved_units=pd.Series(dtype="int64"))
    waiting, waiting_total = waiting_of(engine, today, organisation_id, rows)
    reserved_sites = tuple(int(site) for site in sites.loc[sites["reserved_units"] > 0, "site_id"])
    return MyOrganisation(
        organisation=None if name.empty else str(name.iloc[0, 0]),
        caseload=caseload_on(engine, today, own),
        waiting=waiting,
        waiting_total=waiting_total,
        vacant=reserved_vacant_units(engine, today, organisation_id, reserved_sites),
        in_arrears=households_in_arrears(engine, today, organisation_id, threshold),
        conventions=conventions,
        outside=running_outside_convention(engine, today, own, organisation_id),
        uncovered=placed_without_contribution(engine, today, own, organisation_id),
    )
