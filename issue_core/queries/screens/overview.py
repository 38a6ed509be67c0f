"""Read models of the overview's alerts, on top of the metrics (queries.metrics.kpis).

The thresholds are the partnership's defaults; each function takes its own so a page or a report
may use another. Those listing households take the viewer's scope: a reference it may not see is
None (issue_core.visibility), the rows are kept (counts are shown to everyone).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import NamedTuple

import pandas as pd
from sqlalchemy import Engine

from issue_core.policy import ARREARS_THRESHOLD, VACANT_ALERT_DAYS
from issue_core.queries.areas import reads
from issue_core.queries.metrics.contributions import arrears, households_without_contribution, owing_more_than
from issue_core.queries.metrics.occupancy import vacant_units
from issue_core.queries.screens.alerts import placements_outside_convention
from issue_core.queries.sql.filters import NO_FILTERS, Filters
from issue_core.queries.sql.frames import money_sum
from issue_core.visibility import NOBODY, Scope, blank_references


@reads("sites", "stays", "reference")
def long_vacant_units(
    engine: Engine, today: date, filters: Filters = NO_FILTERS, days: int = VACANT_ALERT_DAYS
) -> pd.DataFrame:
    """Units available and empty today for more than `days` days (occupancy.vacant_units: same
    columns, longest vacancy first). Unit filters apply."""
    frame = vacant_units(engine, today, filters)
    return frame[frame["days_vacant"] > days].reset_index(drop=True)


@reads("sites", "stays", "money", "reference")
def arrears_above(
    engine: Engine, as_of: date, filters: Filters = NO_FILTERS, threshold: Decimal | float = ARREARS_THRESHOLD,
    scope: Scope = NOBODY,
) -> pd.DataFrame:
    """Households "in arrears" on `as_of`: owing more than `threshold` (contributions.arrears: same
    columns, largest first). The same households as the contributions page's at the same threshold.
    Household filters apply."""
    return owing_above(arrears(engine, as_of, filters), threshold, scope)


def owing_above(
    frame: pd.DataFrame, threshold: Decimal | float = ARREARS_THRESHOLD, scope: Scope = NOBODY
) -> pd.DataFrame:
    """arrears_above from the rows of contributions.arrears (a page that has them needs not compute them again)."""
    return blank_references(owing_more_than(frame, threshold).reset_index(drop=True), scope)


class ArrearsAlert(NamedTuple):
    """The overview's arrears alert: how many households owe more than the threshold and how much in all;
    per_partner: partner, households, amount (by partner); references: the viewer may see of them (column
    reference, largest arrears first)."""

    count: int
    total: Decimal
    per_partner: pd.DataFrame
    references: pd.DataFrame


def arrears_alert(balances: tuple[pd.DataFrame, Decimal], threshold: Decimal | float = ARREARS_THRESHOLD,
                  scope: Scope = NOBODY) -> ArrearsAlert:
    """The arrears alert from the balances of metrics.kpis.balances_compared (today's), derived once per read
    (ui.data.read_from): the page's rerun then reads these few rows, not every household's balance."""
    owing = owing_above(balances[0], threshold, scope)
    per_partner = (owing.groupby("partner", as_index=False)
                   .agg(households=("household_id", "count"), amount=("arrears", money_sum)))
    references = owing.loc[owing["reference"].notna(), ["reference"]].reset_index(drop=True)
    return ArrearsAlert(len(owing), money_sum(owing["arrears"]), per_partner, references)


@reads("sites", "stays", "reference")
def running_outside_convention(
    engine: Engine, today: date, filters: Filters = NO_FILTERS, scope: Scope = NOBODY
) -> pd.DataFrame:
    """The placements outside any convention still running today (alerts.placements_outside_convention:
    same columns). Both filter kinds apply."""
    return blank_references(placements_outside_convention(engine, today, filters, running_only=True), scope)


@reads("sites", "stays", "money", "reference")
def placed_without_contribution(
    engine: Engine, today: date, filters: Filters = NO_FILTERS, scope: Scope = NOBODY
) -> pd.DataFrame:
    """Households placed today without a contribution status in force
    (contributions.households_without_contribution: same columns). Both filter kinds apply."""
    return blank_references(households_without_contribution(engine, today, filters), scope)
