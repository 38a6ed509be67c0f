"""Read models of the overview's alerts, on top of the metrics (queries.metrics).

The thresholds are the partnership's defaults; each function takes its own so a page or a report
may use another.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Engine

from issue_core.queries.contributions import arrears
from issue_core.queries.filters import NO_FILTERS, Filters
from issue_core.queries.occupancy import vacant_units

# A unit empty for longer than this is an alert (days).
VACANT_ALERT_DAYS = 30
# Arrears above this amount are an alert (euros): a few cents of rounding never count.
ARREARS_ALERT_THRESHOLD = 50.0


def long_vacant_units(
    engine: Engine, today: date, filters: Filters = NO_FILTERS, days: int = VACANT_ALERT_DAYS
) -> pd.DataFrame:
    """Units available and empty today for more than `days` days (occupancy.vacant_units: same
    columns, longest vacancy first). Unit filters apply."""
    frame = vacant_units(engine, today, filters)
    return frame[frame["days_vacant"] > days].reset_index(drop=True)


def arrears_above(
    engine: Engine, as_of: date, filters: Filters = NO_FILTERS, threshold: float = ARREARS_ALERT_THRESHOLD
) -> pd.DataFrame:
    """Households whose arrears on `as_of` exceed `threshold` (contributions.arrears: same columns,
    largest first; references included — the page shows only those the viewer may see).
    Household filters apply."""
    frame = arrears(engine, as_of, filters)
    return frame[frame["arrears"] > threshold].reset_index(drop=True)
