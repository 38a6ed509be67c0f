"""The metrics of the dashboards (DOMAIN.md, "Metrics"), in one place to import from:
`from issue_core.queries import metrics` then `metrics.occupancy_on(...)`.

Every function takes the engine first and computes its figures by aggregate SQL, the same on
SQLite and PostgreSQL; definitions are in each function's docstring and its module's:

- occupancy   — available / occupied / vacant units, utilisation, monthly occupancy, vacancy
- caseloads   — households followed, placed or waiting
- flows       — entries, exits, transfers, length of stay, exit destinations
- contributions — due, paid, collection rate, arrears
- alerts      — conventions ending or overdue, placements outside a convention

Periods are half-open [start, end). "The last N days" up to day d is [d − N + 1, d + 1): d counts.
"""

from issue_core.queries.metrics.caseloads import caseload_monthly, caseload_on, households_followed_on
from issue_core.queries.metrics.contributions import (
    arrears,
    arrears_by_partner,
    arrears_on,
    contributions_monthly,
    households_without_contribution,
    total_arrears,
)
from issue_core.queries.metrics.flows import (
    durable_exit_share,
    entries_exits,
    entries_exits_between,
    exit_destinations,
    length_of_stay,
    length_of_stay_by_axis,
)
from issue_core.queries.metrics.kpis import Kpi, Kpis, kpis, last_days
from issue_core.queries.metrics.occupancy import (
    Occupancy,
    Utilisation,
    monthly_occupancy,
    occupancy_on,
    utilisation,
    vacancy_gaps,
    vacancy_gaps_by_site,
    vacant_days_by_site,
    vacant_units,
)
from issue_core.queries.screens.alerts import conventions_ending, placements_outside_convention
from issue_core.queries.sql.filters import NO_FILTERS, Filters

__all__ = [
    "Filters", "NO_FILTERS", "Kpi", "Kpis", "Occupancy", "Utilisation", "kpis", "last_days",
    "occupancy_on", "utilisation", "monthly_occupancy", "vacancy_gaps", "vacancy_gaps_by_site", "vacant_days_by_site",
    "vacant_units",
    "caseload_on", "caseload_monthly", "households_followed_on",
    "entries_exits", "entries_exits_between", "length_of_stay", "length_of_stay_by_axis",
    "exit_destinations", "durable_exit_share",
    "contributions_monthly", "arrears", "arrears_by_partner", "arrears_on", "total_arrears",
    "households_without_contribution",
    "conventions_ending", "placements_outside_convention",
]
