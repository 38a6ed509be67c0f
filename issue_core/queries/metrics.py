"""The metrics of the dashboards (DOMAIN.md, "Metrics"), in one place to import from.

Every function takes the engine first and computes its figures by aggregate SQL, the same on
SQLite and PostgreSQL; definitions are in each function's docstring and its module's:

- occupancy   — available / occupied / vacant units, utilisation, monthly occupancy, vacancy
- caseloads   — households followed, placed or waiting
- flows       — entries, exits, transfers, length of stay, exit destinations
- contributions — due, paid, collection rate, arrears
- alerts      — conventions ending or overdue, placements outside a convention

Periods are half-open [start, end). "The last N days" up to day d is [d − N + 1, d + 1): d counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Engine

from issue_core.queries.alerts import conventions_ending, placements_outside_convention
from issue_core.queries.caseloads import caseload_monthly, caseload_on, households_followed_on
from issue_core.queries.contributions import (
    arrears,
    arrears_by_partner,
    contributions_monthly,
    households_without_contribution,
    total_arrears,
)
from issue_core.queries.filters import NO_FILTERS, Filters
from issue_core.queries.flows import (
    durable_exit_share,
    entries_exits,
    entries_exits_between,
    exit_destinations,
    length_of_stay,
    length_of_stay_by_axis,
)
from issue_core.queries.occupancy import (
    Occupancy,
    Utilisation,
    monthly_occupancy,
    occupancy_on,
    utilisation,
    vacancy_gaps,
    vacant_days_by_site,
    vacant_units,
)

__all__ = [
    "Filters", "NO_FILTERS", "Kpi", "Kpis", "Occupancy", "Utilisation", "kpis", "last_days",
    "occupancy_on", "utilisation", "monthly_occupancy", "vacancy_gaps", "vacant_days_by_site", "vacant_units",
    "caseload_on", "caseload_monthly", "households_followed_on",
    "entries_exits", "entries_exits_between", "length_of_stay", "length_of_stay_by_axis",
    "exit_destinations", "durable_exit_share",
    "contributions_monthly", "arrears", "arrears_by_partner", "total_arrears", "households_without_contribution",
    "conventions_ending", "placements_outside_convention",
]

COMPARISON_DAYS = 30
UTILISATION_DAYS = 90
FLOW_DAYS = 30


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
    arrears: Kpi


def figures_on(engine: Engine, day: date, filters: Filters = NO_FILTERS) -> dict:
    """The overview figures on one day (see kpis)."""
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
        "arrears": total_arrears(engine, day, filters),
    }


def kpis(engine: Engine, today: date, filters: Filters = NO_FILTERS) -> Kpis:
    """The overview: sites with an active convention; units available, occupied, vacant today;
    occupancy today; utilisation over the last 90 days; households followed (total and per axis);
    entries and exits (transfers apart) over the last 30 days; total arrears (Σ of positive
    balances) — each with its value 30 days earlier, for the "change over 30 days"."""
    earlier = today - timedelta(days=COMPARISON_DAYS)
    now, then = figures_on(engine, today, filters), figures_on(engine, earlier, filters)
    by_axis = {
        axis: Kpi(count, then["households_followed_by_axis"].get(axis))
        for axis, count in now["households_followed_by_axis"].items()
    }
    simple = {name: Kpi(value, then[name]) for name, value in now.items() if name != "households_followed_by_axis"}
    return Kpis(day=today, compared_with=earlier, households_followed_by_axis=by_axis, **simple)
