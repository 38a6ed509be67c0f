"""The contributions page: collection over a period, and households in arrears split into the rows
the viewer may see (with their reference) and the others, counted per partner without reference."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pandas as pd
from sqlalchemy import Engine

from issue_core.policy import ARREARS_THRESHOLD
from issue_core.queries.areas import reads
from issue_core.queries.metrics.contributions import (
    NO_THRESHOLD,
    arrears,
    contributions_monthly,
    owing_more_than,
    partner_arrears,
)
from issue_core.queries.sql.filters import NO_FILTERS, Filters
from issue_core.queries.sql.frames import money_sum
from issue_core.visibility import NOBODY, Scope, blank_references


@dataclass(frozen=True)
class Collection:
    """Due and paid over the whole months of a period; rate = paid ÷ due (None when nothing is due)."""

    due: float
    paid: float

    @property
    def rate(self) -> float | None:
        return self.paid / self.due if self.due else None


@reads("sites", "stays", "money", "reference")
def collection(engine: Engine, start: date, end: date, filters: Filters = NO_FILTERS) -> Collection:
    """The collection rate for [start, end): Σ paid ÷ Σ due over the months of contributions_monthly
    (whole months, payments counted by the month they cover)."""
    return collection_of(contributions_monthly(engine, start, end, filters))


def collection_of(monthly: pd.DataFrame) -> Collection:
    """collection from the rows of contributions_monthly (a page that has them needs not compute them again)."""
    return Collection(due=round(float(monthly["due"].sum()), 2), paid=round(float(monthly["paid"].sum()), 2))


@dataclass(frozen=True)
class ArrearsSplit:
    """visible: rows of `arrears` with reference (the viewer may see them); hidden: the other
    households, per partner (columns partner_id, partner, households, arrears), no reference."""

    visible: pd.DataFrame
    hidden: pd.DataFrame


@reads("sites", "stays", "money", "reference")
def households_in_arrears(
    engine: Engine, as_of: date, filters: Filters = NO_FILTERS, threshold: Decimal | float = ARREARS_THRESHOLD,
    scope: Scope = NOBODY,
) -> ArrearsSplit:
    """The households owing more than `threshold` on `as_of` (contributions.arrears, household filters
    apply), split by what the viewer's scope may see (split_households_in_arrears)."""
    return split_households_in_arrears(arrears(engine, as_of, filters), scope, threshold)


def split_households_in_arrears(
    frame: pd.DataFrame, scope: Scope = NOBODY, threshold: Decimal | float = ARREARS_THRESHOLD
) -> ArrearsSplit:
    """Households of `frame` (as returned by contributions.arrears) owing more than `threshold`,
    split by what the viewer's scope may see (issue_core.visibility): the meeting screen no
    reference, a coordinator or director those of its organisation, an admin all."""
    owing = blank_references(owing_more_than(frame, threshold), scope)
    may_see = owing["reference"].notna()
    visible = owing[may_see].reset_index(drop=True)
    hidden = (
        owing[~may_see]
        .groupby(["partner_id", "partner"], as_index=False)
        .agg(households=("household_id", "count"), arrears=("arrears", lambda amounts: float(money_sum(amounts))))
        .sort_values(["arrears", "partner"], ascending=[False, True])
        .reset_index(drop=True)
    )
    return ArrearsSplit(visible=visible, hidden=hidden)


# --- figures derived from the balances the pages share (metrics.kpis.balances_compared: today's rows, the
# compared day's total), once per read and threshold (ui.data.read_from), not at every rerun ---------------------------


def partners_in_arrears(balances: tuple[pd.DataFrame, Decimal],
                        threshold: Decimal | float = NO_THRESHOLD) -> pd.DataFrame:
    """contributions.partner_arrears of today's balances."""
    return partner_arrears(balances[0], threshold)


def households_owing(balances: tuple[pd.DataFrame, Decimal], scope: Scope = NOBODY,
                     threshold: Decimal | float = ARREARS_THRESHOLD) -> ArrearsSplit:
    """split_households_in_arrears of today's balances."""
    return split_households_in_arrears(balances[0], scope, threshold)
