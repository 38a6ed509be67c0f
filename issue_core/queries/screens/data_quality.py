"""Read models of the data quality page (pages/data_quality.py): today's problems, per check.

The checks are the score's definition (queries/metrics/data_quality.py, docs/RULES.md "Data quality"), which
also counts today's problems per partner and check, for everyone (quality_figures):
- problems: for each check, how many problems the viewer's scope holds and the DATA_QUALITY_LIST_LIMIT
  oldest, with what the page needs to name and fix them — one query for the five checks (each check's rows
  counted and its oldest kept by a top-N), whatever the number of households.

A coordinator sees its organisation's problems only (visibility.in_scope), an admin every partner's;
references are blanked outside the scope all the same (visibility.blank_references).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Engine, func, literal, select, union_all

from issue_core.models import Household, Organisation, Site, Unit
from issue_core.policy import DATA_QUALITY_LIST_LIMIT
from issue_core.queries.areas import reads
from issue_core.queries.metrics.data_quality import CHECK_QUERIES, CHECKS, flag_columns
from issue_core.queries.sql.frames import read_frame
from issue_core.queries.sql.functions import date_param, days_between
from issue_core.visibility import NOBODY, Scope, blank_references, in_scope

PROBLEM_COLUMNS = ["check", "total", "rank", "household_id", "reference", "partner_id", "partner", "site_id",
                   "site", "unit_id", "unit", "since", "days", "payments", "amount"]


@reads("sites", "stays", "money", "reference")
def problems(engine: Engine, today: date, scope: Scope = NOBODY, limit: int = DATA_QUALITY_LIST_LIMIT) -> pd.DataFrame:
    """Today's problems of the scope's households: for each check its total and its `limit` oldest (the
    earliest `since` first, then the reference).

    columns: PROBLEM_COLUMNS — total: the check's problems in the scope; since: the day the problem
    began (the stay's end; the last activity; the stay's start; the first payment after closing; the
    day after the convention's end), days: today − since; site_id and unit_id 0 (site, unit None) where
    no stay is concerned; payments and amount: the payments after closing (check 4), else 0."""
    # Per check: its rows in the scope (computed once), their number and the `limit` oldest (a top-N, not a
    # sort of every problem); then the few rows kept are ranked and named.
    oldest = []
    for check, build in CHECK_QUERIES.items():
        part = build([today], details=True).subquery(f"check_{check}")
        found = (select(*(column for column in part.c if column.name not in flag_columns(1)))
                 .where(*in_scope(scope, part.c.partner_id))
                 .cte(f"found_{check}").prefix_with("MATERIALIZED"))
        total = select(func.count()).select_from(found).scalar_subquery()
        first = (select(found, literal(check).label("check"), total.label("total"))
                 .order_by(found.c.since, found.c.household_id, found.c.unit_id).limit(limit)
                 .subquery(f"first_{check}"))
        oldest.append(select(first))
    kept = union_all(*oldest).subquery("kept")
    ranked = select(kept, func.row_number().over(partition_by=kept.c.check,
                                                 order_by=(kept.c.since, kept.c.household_id, kept.c.unit_id))
                    .label("rank")).subquery("ranked")
    query = (
        select(
            ranked.c.check, ranked.c.total, ranked.c.rank, ranked.c.household_id, Household.reference,
            ranked.c.partner_id, Organisation.short_name.label("partner"), ranked.c.site_id,
            Site.name.label("site"), ranked.c.unit_id, Unit.label.label("unit"), ranked.c.since,
            days_between(ranked.c.since, date_param(today)).label("days"), ranked.c.payments, ranked.c.amount,
        )
        .join(Household, Household.id == ranked.c.household_id)
        .join(Organisation, Organisation.id == ranked.c.partner_id)
        .outerjoin(Unit, Unit.id == ranked.c.unit_id)
        .outerjoin(Site, Site.id == ranked.c.site_id)
        .order_by(ranked.c.check, ranked.c.rank)
    )
    frame = read_frame(engine, query, dates=["since"],
                       ints=["total", "rank", "household_id", "partner_id", "site_id", "unit_id", "days", "payments"],
                       money=["amount"], keys=["check", "site", "unit"])
    frame = blank_references(frame, scope)
    # The id of a household the viewer may not see is not given either (a fix link would name it).
    frame["household_id"] = frame["household_id"].where(frame["reference"].notna(), 0)
    order = {check: index for index, check in enumerate(CHECKS)}
    return frame.sort_values(["check", "rank"], key=lambda c: c.map(order) if c.name == "check" else c,
                             ignore_index=True)[PROBLEM_COLUMNS]
