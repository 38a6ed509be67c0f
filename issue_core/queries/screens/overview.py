"""Read models of the overview's alerts, on top of the metrics (queries.metrics.kpis).

The thresholds are the partnership's defaults; each function takes its own so a page or a report
may use another.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
from sqlalchemy import Engine

from issue_core.queries.metrics.contributions import ARREARS_THRESHOLD, arrears, owing_more_than
from issue_core.queries.metrics.occupancy import vacant_units
from issue_core.queries.sql.filters import NO_FILTERS, Filters

# A unit empty for longer than this is an alert (days).
VACANT_ALERT_DAYS = 30


def long_vacant_units(
    engine: Engine, today: date, filters: Filters = NO_FILTERS, days: int = VACANT_ALERT_DAYS
) -> pd.DataFrame:
    """Units available and empty today for more than `days` days (occupancy.vacant_units: same
    columns, longest vacancy first). Unit filters apply."""
    frame = vacant_units(engine, today, filters)
    return frame[frame["days_vacant"] > days].reset_index(drop=True)


def arrears_above(
    engine: Engine, as_of: date, filters: Filters = NO_FILTERS, threshold: Decimal | float = ARREARS_THRESHOLD
) -> pd.DataFrame:
    """Households "in arrears" on `as_of`: owing more than `threshold` (contributions.arrears: same
    columns, largest first; references included — the page shows only those the viewer may see).
    The same households as the contributions page's at the same threshold. Household filters apply."""
    return owing_more_than(arrears(engine, as_of, filters), threshold).reset_index(drop=True)
