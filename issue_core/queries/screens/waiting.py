"""Read models of the waiting list and its matching (pages/waiting_list.py).

- waiting_households: the households followed and not placed (DOMAIN.md, caseload: "waiting for a
  unit"), with the days they have waited and the bedrooms they need (rules.bedrooms_needed_sql);
- waiting_counts: how many wait, per partner and axis (counts are for everyone);
- units_to_fill: the units vacant today and those whose stay ends within MATCHING_HORIZON_DAYS, that
  can take an open-ended stay from the day they are free (the placement form's conditions);
- candidates: for each of those units, the CANDIDATES_PER_UNIT waiting households that fit it best.

The ranking (docs/RULES.md, "Waiting list and matching") is one SQL query built for 100,000 households:
no unit × household product. Every key of the ranking but the days waited depends on the household only
through its *class* (partner, persons, bedrooms needed), so the best households of a unit are among the
CANDIDATES_PER_UNIT longest-waiting of each class: those few rows meet the units, not all the households.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
from sqlalchemy import Engine, and_, case, exists, func, literal, select, union_all
from sqlalchemy.orm import aliased

from issue_core.models import Household, Organisation, Placement, Site, Unit
from issue_core.policy import CANDIDATES_PER_UNIT, MATCHING_HORIZON_DAYS
from issue_core.queries.sql.columns import UNIT_INTS, join_unit_columns, unit_columns
from issue_core.queries.sql.frames import read_frame
from issue_core.queries.sql.functions import date_param, days_between
from issue_core.queries.sql.intervals import greatest
from issue_core.rules import (
    bedrooms_needed_sql,
    covers,
    household_placeable_from,
    household_placements_meeting,
    site_takes_stay,
    unit_available,
    unit_free,
)
from issue_core.visibility import NOBODY, Scope, blank_references, in_scope

WAITING_COLUMNS = ["household_id", "reference", "partner_id", "partner", "axis_id", "adults", "children", "persons",
                   "bedrooms_needed", "waiting_since", "days_waiting"]


def _waiting(today: date):
    """Subquery: every household waiting on `today` — referred by then, follow-up not ended (it can be
    placed: rules.household_placeable_from) and without a stay today or later (a household with a unit
    already lined up is not waiting). It waits since its referral, or since its last stay ended."""
    d = date_param(today)
    last_end = (
        select(func.max(Placement.end_date))
        .where(Placement.household_id == Household.id, Placement.end_date <= d)
        .correlate(Household).scalar_subquery()
    )
    waiting_since = greatest(Household.referred_on, func.coalesce(last_end, Household.referred_on))
    return (
        select(
            Household.id.label("household_id"), Household.reference,
            Household.referent_organisation_id.label("partner_id"), Household.axis_id,
            Household.adults, Household.children, (Household.adults + Household.children).label("persons"),
            bedrooms_needed_sql(Household.adults, Household.children).label("bedrooms_needed"),
            waiting_since.label("waiting_since"),
        )
        .where(household_placeable_from(today),
               ~exists().where(household_placements_meeting(Household.id, today, None)))
        .subquery("waiting")
    )


def waiting_households(engine: Engine, today: date, scope: Scope = NOBODY, *, limit: int | None = None
                       ) -> pd.DataFrame:
    """The waiting households of the scope (visibility.in_scope: an admin all, a coordinator or a
    director its organisation's), longest waiting first; `limit`: the first ones only.

    columns: WAITING_COLUMNS (days_waiting = today − waiting_since)."""
    waiting = _waiting(today)
    days = days_between(waiting.c.waiting_since, date_param(today))
    query = (
        select(
            waiting.c.household_id, waiting.c.reference, waiting.c.partner_id,
            Organisation.short_name.label("partner"), waiting.c.axis_id, waiting.c.adults, waiting.c.children,
            waiting.c.persons, waiting.c.bedrooms_needed, waiting.c.waiting_since, days.label("days_waiting"),
        )
        .join(Organisation, Organisation.id == waiting.c.partner_id)
        .where(*in_scope(scope, waiting.c.partner_id))
        .order_by(waiting.c.waiting_since, waiting.c.reference)
        .limit(limit)
    )
    return read_frame(
        engine, query, dates=["waiting_since"],
        ints=["household_id", "partner_id", "axis_id", "adults", "children", "persons", "bedrooms_needed",
              "days_waiting"],
    )


def waiting_counts(engine: Engine, today: date) -> pd.DataFrame:
    """How many households wait, per partner and axis, with the longest wait (days). For everyone.

    columns: partner_id, partner, axis_id, households, longest_days. By partner, then axis."""
    waiting = _waiting(today)
    query = (
        select(
            waiting.c.partner_id, Organisation.short_name.label("partner"), waiting.c.axis_id,
            func.count().label("households"),
            func.max(days_between(waiting.c.waiting_since, date_param(today))).label("longest_days"),
        )
        .join(Organisation, Organisation.id == waiting.c.partner_id)
        .group_by(waiting.c.partner_id, Organisation.short_name, waiting.c.axis_id)
        .order_by(Organisation.short_name, waiting.c.axis_id)
    )
    return read_frame(engine, query, ints=["partner_id", "axis_id", "households", "longest_days"])


# --- the units to fill and their candidates ------------------------------------------------------------

UNIT_COLUMNS = ["unit_id", "site_id", "site", "unit", "bedrooms", "capacity", "reserved_for_id", "reserved_for",
                "free_from", "state"]


def _free_units(today: date):
    """Subquery (unit_id, free_from): the units empty today (free from today) and those whose stay
    covering today ends within MATCHING_HORIZON_DAYS (free from its end), that can take an open-ended
    stay from then on: a convention of the site without actual end started by then (overdue ones
    included), no unavailability and no stay from then on (rules: site_takes_stay, unit_available,
    unit_free — the placement form's conditions)."""
    horizon = date_param(today + timedelta(days=MATCHING_HORIZON_DAYS))
    running_today = covers(Placement.start_date, Placement.end_date, today)
    empty_today = select(Unit.id.label("unit_id"), date_param(today).label("free_from")).where(
        ~exists().where(Placement.unit_id == Unit.id, running_today))
    ending_soon = select(Placement.unit_id.label("unit_id"), Placement.end_date.label("free_from")).where(
        running_today, Placement.end_date.is_not(None), Placement.end_date <= horizon)
    candidates = union_all(empty_today, ending_soon).subquery("free_candidates")
    return (
        select(candidates.c.unit_id, candidates.c.free_from)
        .join(Unit, Unit.id == candidates.c.unit_id)
        .where(site_takes_stay(Unit.site_id, candidates.c.free_from, None),
               unit_available(Unit.id, candidates.c.free_from, None),
               unit_free(Unit.id, candidates.c.free_from, None))
        .subquery("free_units")
    )


def units_to_fill(engine: Engine, today: date) -> pd.DataFrame:
    """The units to fill (see _free_units): vacant ones first, then by the day they are free, site, unit.

    columns: UNIT_COLUMNS (reserved_for_id 0 when not reserved; state 'vacant' or 'ending')."""
    free = _free_units(today)
    d = date_param(today)
    query = select(
        *unit_columns(), free.c.free_from,
        case((free.c.free_from <= d, literal("vacant")), else_=literal("ending")).label("state"),
    ).join(Unit, Unit.id == free.c.unit_id)
    query = join_unit_columns(query).order_by(free.c.free_from, Site.name, Unit.label)
    return read_frame(engine, query, dates=["free_from"], ints=UNIT_INTS)


CANDIDATE_COLUMNS = ["unit_id", "rank", "household_id", "reference", "partner_id", "partner", "axis_id", "adults",
                     "children", "bedrooms_needed", "waiting_since", "days_waiting", "needs_override",
                     "partner_on_site", "spare_bedrooms"]


def _partners_on_sites(today: date):
    """Subquery (site_id, partner_id): the partner follows a household housed on the site today (its team
    already works there). One grouped read, joined to the unit × household pairs (a correlated EXISTS per
    pair re-read the site's stays hundreds of thousands of times at sector scale)."""
    stay, home, housed = aliased(Placement), aliased(Unit), aliased(Household)
    return (
        select(home.site_id, housed.referent_organisation_id.label("partner_id"))
        .join(stay, stay.unit_id == home.id)
        .join(housed, housed.id == stay.household_id)
        .where(covers(stay.start_date, stay.end_date, today))
        .group_by(home.site_id, housed.referent_organisation_id)
        .subquery("partners_on_sites")
    )


def candidates(engine: Engine, today: date, scope: Scope = NOBODY) -> pd.DataFrame:
    """For each unit of units_to_fill, its best CANDIDATES_PER_UNIT waiting households, ranked (rank 1
    best) by, in this order (docs/RULES.md):

    1. the reservation: a unit reserved for a partner takes its households first; another partner's
       household comes after them (needs_override: only an admin may place it, with a reason);
    2. the partner already works on the site (partner_on_site: it follows a household housed there today);
    3. the fit: only households that fit (persons ≤ capacity and bedrooms needed ≤ bedrooms) are listed,
       the least wasted bedrooms first (spare_bedrooms), then the fewest spare places;
    4. the longest wait (waiting since the earliest day), then the household id.

    References are blanked outside the scope (visibility.blank_references): the rows stay, for counts.
    columns: CANDIDATE_COLUMNS, by unit then rank."""
    waiting = _waiting(today)
    in_class = func.row_number().over(
        partition_by=(waiting.c.partner_id, waiting.c.persons, waiting.c.bedrooms_needed),
        order_by=(waiting.c.waiting_since, waiting.c.household_id),
    )
    best_of_class = select(waiting, in_class.label("class_rank")).subquery("best_of_class")
    # Both sides are computed once before they meet (MATERIALIZED, on SQLite and PostgreSQL alike): left to
    # itself, SQLite's planner paired every unit with every waiting household and only then filtered.
    best = select(best_of_class).where(best_of_class.c.class_rank <= CANDIDATES_PER_UNIT)
    best = best.cte("best").prefix_with("MATERIALIZED")
    free_units = _free_units(today)
    free = select(free_units).cte("free").prefix_with("MATERIALIZED")
    needs_override = and_(Unit.reserved_for_organisation_id.is_not(None),
                          Unit.reserved_for_organisation_id != best.c.partner_id)
    override_key = case((needs_override, literal(1)), else_=literal(0))
    on_site = _partners_on_sites(today)
    on_site_key = case((on_site.c.site_id.is_not(None), literal(0)), else_=literal(1))
    spare_bedrooms = Unit.bedrooms - best.c.bedrooms_needed
    rank = func.row_number().over(
        partition_by=Unit.id,
        order_by=(override_key, on_site_key, spare_bedrooms, Unit.capacity - best.c.persons,
                  best.c.waiting_since, best.c.household_id),
    )
    pairs = (
        select(
            Unit.id.label("unit_id"), rank.label("rank"), best.c.household_id, best.c.reference, best.c.partner_id,
            best.c.axis_id, best.c.adults, best.c.children, best.c.bedrooms_needed, best.c.waiting_since,
            override_key.label("needs_override"), (1 - on_site_key).label("partner_on_site"),
            spare_bedrooms.label("spare_bedrooms"),
        )
        .select_from(free)
        .join(Unit, Unit.id == free.c.unit_id)
        .join(best, and_(best.c.persons <= Unit.capacity, best.c.bedrooms_needed <= Unit.bedrooms))
        .outerjoin(on_site, and_(on_site.c.site_id == Unit.site_id, on_site.c.partner_id == best.c.partner_id))
        .subquery("pairs")
    )
    query = (
        select(
            pairs.c.unit_id, pairs.c.rank, pairs.c.household_id, pairs.c.reference, pairs.c.partner_id,
            Organisation.short_name.label("partner"), pairs.c.axis_id, pairs.c.adults, pairs.c.children,
            pairs.c.bedrooms_needed, pairs.c.waiting_since,
            days_between(pairs.c.waiting_since, date_param(today)).label("days_waiting"),
            pairs.c.needs_override, pairs.c.partner_on_site, pairs.c.spare_bedrooms,
        )
        .join(Organisation, Organisation.id == pairs.c.partner_id)
        .where(pairs.c.rank <= CANDIDATES_PER_UNIT)
        .order_by(pairs.c.unit_id, pairs.c.rank)
    )
    frame = read_frame(
        engine, query, dates=["waiting_since"],
        ints=["unit_id", "rank", "household_id", "partner_id", "axis_id", "adults", "children", "bedrooms_needed",
              "days_waiting", "spare_bedrooms"],
    )
    for flag in ("needs_override", "partner_on_site"):
        frame[flag] = frame[flag].astype(bool)
    frame = blank_references(frame, scope)
    # The household id of a household the viewer may not see is not shown either (it would name it).
    frame["household_id"] = frame["household_id"].where(frame["reference"].notna(), 0)
    return frame
