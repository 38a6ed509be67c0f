"""The overview's key figures: each today and 30 days earlier (metrics.kpis)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
from sqlalchemy import Engine

from issue_core.db import read_side_by_side
from issue_core.policy import COMPARISON_DAYS, FLOW_DAYS, UTILISATION_DAYS
from issue_core.queries.areas import reads
from issue_core.queries.metrics.caseloads import households_followed_on
from issue_core.queries.metrics.contributions import (
    arrears_and_earlier_totals,
    total_owed,
)
from issue_core.queries.metrics.flows import (
    entries_exits_between,
)
from issue_core.queries.metrics.occupancy import (
    occupancy_on,
    utilisation,
)
from issue_core.queries.sql.filters import NO_FILTERS, Filters


def last_days(day: date, days: int) -> tuple[date, date]:
    """The last `days` days up to and including `day`, as a half-open period."""
    return day - timedelta(days=days - 1), day + timedelta(days=1)


@dataclass(frozen=True)
class Kpi:
    """A figure today and the same figure 30 days earlier."""

    value: float | None
    previous: float | None

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous


@dataclass(frozen=True)
class Kpis:
    """The overview figures on `day`, each with its value on `compared_with` (30 days earlier)."""

    day: date
    compared_with: date
    active_sites: Kpi
    available_units: Kpi
    occupied_units: Kpi
    vacant_units: Kpi
    occupancy_rate: Kpi
    utilisation_90_days: Kpi
    households_followed: Kpi
    households_followed_by_axis: dict[int, Kpi]
    entries_30_days: Kpi
    exits_30_days: Kpi
    arrears: Kpi | None = None  # None until with_arrears adds it (see site_figures)


def compared_days(today: date) -> tuple[date, date]:
    """Today and the day its figures are compared with (30 days earlier)."""
    return today, today - timedelta(days=COMPARISON_DAYS)


def figures_on(engine: Engine, day: date, filters: Filters = NO_FILTERS) -> dict:
    """The overview figures on one day (see kpis), arrears apart."""
    occupancy = occupancy_on(engine, day, filters)
    followed = households_followed_on(engine, day, filters)
    flows = entries_exits_between(engine, *last_days(day, FLOW_DAYS), filters)
    return {
        "active_sites": occupancy.active_sites,
        "available_units": occupancy.available,
        "occupied_units": occupancy.occupied,
        "vacant_units": occupancy.vacant,
        "occupancy_rate": occupancy.rate,
        "utilisation_90_days": utilisation(engine, *last_days(day, UTILISATION_DAYS), filters).rate,
        "households_followed": sum(followed.values()),
        "households_followed_by_axis": followed,
        "entries_30_days": flows["entries"],
        "exits_30_days": flows["exits"],
    }


def arrears_figure(balances: tuple[pd.DataFrame, Decimal]) -> Kpi:
    """The arrears key figure from balances_compared — today's rows of contributions.arrears, which a page
    reads anyway for its alerts and tables, so the most expensive metric is not computed once more inside
    kpis, and the total owed on the day compared with. A page derives it once per read (ui.data.read_from)."""
    now, owed_then = balances
    return Kpi(total_owed(now), owed_then)


def with_arrears(figures: Kpis, arrears: Kpi) -> Kpis:
    """`figures` (kpis without arrears) with the arrears key figure (arrears_figure)."""
    return replace(figures, arrears=arrears)


@reads("sites", "stays", "money", "reference")
def kpis(engine: Engine, today: date, filters: Filters = NO_FILTERS) -> Kpis:
    """The overview: sites with an active convention; units available, occupied, vacant today;
    occupancy today; utilisation over the last 90 days; households followed (total and per axis);
    entries and exits (transfers apart) over the last 30 days; total arrears (Σ of positive
    balances) — each with its value 30 days earlier, for the "change over 30 days"."""
    return with_arrears(site_figures(engine, today, filters), arrears_figure(balances_compared(engine, today, filters)))


@reads("sites", "stays", "money", "reference")
def balances_compared(engine: Engine, today: date, filters: Filters = NO_FILTERS) -> tuple[pd.DataFrame, Decimal]:
    """contributions.arrears today, and total_arrears on the day it is compared with, read in one pass: the
    one read of the balances that the overview, the meeting and the contributions page share. Of the earlier
    day only the total is kept (a second frame of every household's balance would be built, sorted and cached
    for one sum)."""
    now, (owed_then,) = arrears_and_earlier_totals(engine, compared_days(today), filters)
    return now, owed_then


@reads("sites", "stays", "reference")
def site_figures(engine: Engine, today: date, filters: Filters = NO_FILTERS) -> Kpis:
    """kpis apart from arrears (None). A page reads the balances itself (contributions.arrears_on on
    compared_days, for its alerts and tables too) and adds them with with_arrears; a payment leaves
    these figures cached."""
    day, earlier = compared_days(today)
    both = read_side_by_side(engine, {"now": lambda: figures_on(engine, day, filters),
                                      "then": lambda: figures_on(engine, earlier, filters)})
    now, then = both["now"], both["then"]
    by_axis = {
        axis: Kpi(count, then["households_followed_by_axis"].get(axis))
        for axis, count in now["households_followed_by_axis"].items()
    }
    simple = {name: Kpi(value, then[name]) for name, value in now.items() if name != "households_followed_by_axis"}
    return Kpis(day=today, compared_with=compared_days(today)[1], households_followed_by_axis=by_axis, **simple)
