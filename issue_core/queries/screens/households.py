"""Read models of the households and placements pages: the households a user may see, one
household's history, the open placements, and the choices a placement form may offer.

Every function takes the viewer's *scope* (issue_core.visibility: None for every household, an
organisation id, or NOBODY) and returns only the rows of households it may see (visibility.scope_of
computes it from the actor). Each is one SQL query, on SQLite and PostgreSQL alike.

`placeable_households` and `placeable_units` offer only what the services accept: they apply the
conditions of issue_core.rules (invariants 1, 2, 4 and 6), which the services' refusals apply too —
the service still checks everything in its transaction.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Engine, and_, case, func, literal, or_, select
from sqlalchemy.orm import aliased

from issue_core.db import read_connection
from issue_core.models import (
    AxisOperator,
    ContributionStatus,
    Household,
    Organisation,
    Payment,
    Placement,
    Site,
    Unit,
)
from issue_core.queries.areas import reads
from issue_core.queries.sql.columns import (
    UNIT_INTS,
    household_columns,
    join_household_columns,
    join_unit_columns,
    unit_columns,
)
from issue_core.queries.sql.frames import read_frame
from issue_core.queries.sql.functions import date_param
from issue_core.rules import (
    covers,
    household_free,
    household_placeable_from,
    reservation_allows,
    site_takes_stay,
    unit_available,
    unit_free,
)
from issue_core.services.placements import cancellable
from issue_core.visibility import Scope, in_scope

HOUSEHOLD_STATES = ("waiting", "placed", "ended")


def _in_scope(scope: Scope) -> list:
    return in_scope(scope, Household.referent_organisation_id)


# --- the households list and one household --------------------------------------------------------

NEWEST_REFERRAL_FIRST = (Household.referred_on.desc(), Household.reference.desc())
HOUSEHOLD_COLUMNS = [
    "household_id", "reference", "axis_id", "partner_id", "partner", "adults", "children",
    "administrative_status", "referred_on", "follow_up_ended_on", "version", "state",
    "placement_id", "site", "unit", "placed_since", "first_start", "last_end", "open_placements",
]


@reads("sites", "stays", "reference")
def households(
    engine: Engine,
    scope: Scope,
    day: date,
    axis_ids: tuple[int, ...] = (),
    partner_ids: tuple[int, ...] = (),
    states: tuple[str, ...] = (),
    reference: str = "",
    *,
    limit: int | None = None,
    offset: int = 0,
) -> pd.DataFrame:
    """The households of the scope, newest referral first, with their state on `day`:
    'ended' (follow-up ended on or before day), 'placed' (a placement covers day), else 'waiting';
    for a placed household the placement, site, unit and start; first_start (its first placement's
    start), last_end (its latest placement end) and open_placements (how many have no end), which
    bound the dates an edit may choose. Filters: axes, partners, states,
    part of the reference (case-insensitive). `limit` and `offset`: one page of the list
    (households_count counts them all).

    columns: HOUSEHOLD_COLUMNS (placement_id 0 when not placed)."""
    current = _current_placements(day)
    state = _household_state(current, day)
    stays = aliased(Placement)

    def of_household(column):
        return select(column).where(stays.household_id == Household.id).correlate(Household).scalar_subquery()

    query = (
        join_household_columns(select(
            *household_columns(),
            Household.adults, Household.children, Household.administrative_status, Household.referred_on,
            Household.follow_up_ended_on, Household.version, state.label("state"),
            current.c.id.label("placement_id"), current.c.name.label("site"), current.c.label.label("unit"),
            current.c.start_date.label("placed_since"),
            of_household(func.min(stays.start_date)).label("first_start"),
            of_household(func.max(stays.end_date)).label("last_end"),
            of_household(func.count(stays.id) - func.count(stays.end_date)).label("open_placements"),
        ))
        .outerjoin(current, current.c.household_id == Household.id)
        .order_by(*NEWEST_REFERRAL_FIRST)
    )
    listed = _listed(scope, day, axis_ids, partner_ids, states, reference)
    if limit is not None:  # the page's ids first: the columns above are computed for its rows only
        listed = listed.order_by(*NEWEST_REFERRAL_FIRST).limit(limit).offset(offset or None)
    query = query.where(Household.id.in_(listed.scalar_subquery()))
    return read_frame(
        engine, query, dates=["referred_on", "follow_up_ended_on", "placed_since", "first_start", "last_end"],
        ints=["household_id", "axis_id", "partner_id", "adults", "children", "version", "placement_id",
              "open_placements"],
    )


@reads("sites", "stays", "reference")
def households_count(
    engine: Engine,
    scope: Scope,
    day: date,
    axis_ids: tuple[int, ...] = (),
    partner_ids: tuple[int, ...] = (),
    states: tuple[str, ...] = (),
    reference: str = "",
) -> int:
    """How many households `households` lists with these filters, every page together."""
    return count_rows(engine, _listed(scope, day, axis_ids, partner_ids, states, reference))


def _current_placements(day: date):
    """The placements covering `day`, with their unit and site (a subquery)."""
    return (
        select(Placement.id, Placement.household_id, Placement.start_date, Unit.label, Site.name)
        .join(Unit, Unit.id == Placement.unit_id)
        .join(Site, Site.id == Unit.site_id)
        .where(covers(Placement.start_date, Placement.end_date, day))
        .subquery()
    )


def _household_state(current, day: date):
    """'ended', 'placed' or 'waiting' on `day` (current: _current_placements outer-joined)."""
    d = date_param(day)
    return case(
        (and_(Household.follow_up_ended_on.is_not(None), Household.follow_up_ended_on <= d), literal("ended")),
        (current.c.id.is_not(None), literal("placed")),
        else_=literal("waiting"),
    )


def _listed(scope: Scope, day: date, axis_ids: tuple[int, ...], partner_ids: tuple[int, ...],
            states: tuple[str, ...], reference: str):
    """The ids of the households `households` lists with these filters (a select, unordered): the one
    place its filters are written, so that households_count counts what households lists."""
    query = select(Household.id).where(*_in_scope(scope), *reference_matches(Household.reference, reference))
    if axis_ids:
        query = query.where(Household.axis_id.in_(axis_ids))
    if partner_ids:
        query = query.where(Household.referent_organisation_id.in_(partner_ids))
    if states:  # the state needs the placement covering the day; the other filters do not
        current = _current_placements(day)
        query = query.outerjoin(current, current.c.household_id == Household.id)
        query = query.where(_household_state(current, day).in_(states))
    return query


def reference_matches(column, typed: str) -> list:
    """The condition "the reference holds what was typed" (case-insensitive, any part of it: a prefix
    too; % and _ are plain characters); none when nothing was typed."""
    text = (typed or "").strip().lower()
    return [func.lower(column).contains(text, autoescape=True)] if text else []


def count_rows(engine: Engine, query) -> int:
    """The number of rows `query` (a select) returns, counted in SQL."""
    with read_connection(engine) as connection:
        return int(connection.execute(
            select(func.count()).select_from(query.order_by(None).limit(None).offset(None).subquery())).scalar_one())


@reads("sites", "stays", "reference")
def household_placements(engine: Engine, scope: Scope, household_id: int) -> pd.DataFrame:
    """A household's placements, oldest first (empty outside the scope).

    columns: placement_id, site, unit, start_date, end_date, exit_destination (None while open), notes."""
    query = (
        select(
            Placement.id.label("placement_id"), Site.name.label("site"), Unit.label.label("unit"),
            Placement.start_date, Placement.end_date, Placement.exit_destination, Placement.notes,
        )
        .join(Unit, Unit.id == Placement.unit_id)
        .join(Site, Site.id == Unit.site_id)
        .join(Household, Household.id == Placement.household_id)
        .where(Placement.household_id == household_id, *_in_scope(scope))
        .order_by(Placement.start_date)
    )
    return read_frame(engine, query, dates=["start_date", "end_date"], ints=["placement_id"], keys=["exit_destination"])


@reads("sites", "stays", "money", "reference")
def household_contribution_statuses(engine: Engine, scope: Scope, household_id: int) -> pd.DataFrame:
    """The dated income statuses and monthly amounts, oldest first.

    columns: effective_from, income_status, monthly_income, monthly_amount, override_reason."""
    query = (
        select(
            ContributionStatus.effective_from, ContributionStatus.income_status, ContributionStatus.monthly_income,
            ContributionStatus.monthly_amount, ContributionStatus.override_reason,
        )
        .join(Household, Household.id == ContributionStatus.household_id)
        .where(ContributionStatus.household_id == household_id, *_in_scope(scope))
        .order_by(ContributionStatus.effective_from)
    )
    frame = read_frame(engine, query, dates=["effective_from"], money=["monthly_amount"])
    frame["monthly_income"] = pd.to_numeric(frame["monthly_income"]).astype("float64")
    return frame


@reads("sites", "stays", "money", "reference")
def household_payments(engine: Engine, scope: Scope, household_id: int) -> pd.DataFrame:
    """The payments, newest first. columns: paid_on, period_month, amount, method, notes."""
    query = (
        select(Payment.paid_on, Payment.period_month, Payment.amount, Payment.method, Payment.notes)
        .join(Household, Household.id == Payment.household_id)
        .where(Payment.household_id == household_id, *_in_scope(scope))
        .order_by(Payment.paid_on.desc(), Payment.period_month.desc(), Payment.id.desc())
    )
    return read_frame(engine, query, dates=["paid_on", "period_month"], money=["amount"])


# --- choices of the forms -------------------------------------------------------------------------


@reads("reference")
def axis_partners(engine: Engine, scope: Scope) -> pd.DataFrame:
    """The (axis, partner) pairs a household may have (table axis_operator), within the scope.

    columns: axis_id, partner_id, partner."""
    query = (
        select(AxisOperator.axis_id, AxisOperator.organisation_id.label("partner_id"),
               Organisation.short_name.label("partner"))
        .join(Organisation, Organisation.id == AxisOperator.organisation_id)
        .order_by(AxisOperator.axis_id, Organisation.short_name)
    )
    return read_frame(engine, query.where(*in_scope(scope, AxisOperator.organisation_id)), ints=["axis_id", "partner_id"])


@reads("sites", "stays", "reference")
def placeable_households(
    engine: Engine,
    scope: Scope,
    start: date,
    end: date | None = None,
    search: str = "",
    *,
    limit: int | None = None,
    household_id: int | None = None,
) -> pd.DataFrame:
    """Households of the scope that can be placed over [start, end): follow-up not ended, referred on
    or before start, and in no unit during that range (rules.household_placeable_from and
    household_free, invariant 2). `search`: part of the reference (reference_matches); `limit`: the
    first ones only (placeable_households_count counts them all); `household_id`: that one only.

    columns: household_id, reference, axis_id, partner_id, partner, adults, children, referred_on."""
    query = (
        join_household_columns(select(*household_columns(), Household.adults, Household.children,
                                      Household.referred_on))
        .where(*_placeable(scope, start, end, search))
        .order_by(Household.referred_on, Household.reference)
        .limit(limit)
    )
    if household_id is not None:
        query = query.where(Household.id == household_id)
    return read_frame(
        engine, query, dates=["referred_on"],
        ints=["household_id", "axis_id", "partner_id", "adults", "children"],
    )


@reads("sites", "stays", "reference")
def placeable_households_count(engine: Engine, scope: Scope, start: date, end: date | None = None,
                               search: str = "") -> int:
    """How many households placeable_households finds without a limit."""
    return count_rows(engine, select(Household.id).where(*_placeable(scope, start, end, search)))


def _placeable(scope: Scope, start: date, end: date | None, search: str) -> list:
    return [household_placeable_from(start), household_free(Household.id, start, end), *_in_scope(scope),
            *reference_matches(Household.reference, search)]


UNIT_COLUMNS = ["unit_id", "site_id", "site", "unit", "bedrooms", "capacity", "reserved_for_id", "reserved_for",
                "free_until"]


@reads("sites", "stays", "reference")
def placeable_units(
    engine: Engine,
    start: date,
    end: date | None,
    organisation_id: int,
    *,
    other_reservations: bool = False,
    except_unit_id: int = 0,
) -> pd.DataFrame:
    """Units in which a household followed by `organisation_id` can be placed from `start` (until
    `end`, open-ended when None), grouped by site (ordered by site, then unit):

    - invariant 4, convention: the stay fits a convention of the unit's site
      (rules.site_takes_stay, as services.rules.check_inside_convention): started on or before
      `start`, and without actual end — or, for a stay with an end, whose last day is on or after the
      stay's last night (end − 1 day);
    - invariant 4, availability: no unavailability period of the unit meets [start, end);
    - invariant 1: no placement of the unit meets [start, end) (the unit is vacant the whole stay);
    - invariant 6: the unit is reserved for no one, or for `organisation_id`; with
      `other_reservations` (an admin, who may override with a reason) the units reserved for
      others are included too, their reserved_for telling the page to ask for the reason.

    `except_unit_id` leaves out one unit (a transfer's current unit).
    free_until is the start of the next placement already planned in the unit (None: none).

    columns: UNIT_COLUMNS (reserved_for_id 0 when not reserved)."""
    s = date_param(start)
    next_start = (
        select(func.min(Placement.start_date))
        .where(Placement.unit_id == Unit.id, Placement.start_date > s)
        .correlate(Unit).scalar_subquery()
    )
    query = (
        join_unit_columns(select(*unit_columns(), next_start.label("free_until")))
        .where(site_takes_stay(Unit.site_id, start, end), unit_available(Unit.id, start, end),
               unit_free(Unit.id, start, end), Unit.id != except_unit_id)
        .order_by(Site.name, Unit.label)
    )
    if not other_reservations:
        query = query.where(reservation_allows(organisation_id))
    return read_frame(engine, query, dates=["free_until"], ints=UNIT_INTS)


@reads("sites", "stays", "reference")
def unit_name(engine: Engine, unit_id: int) -> str | None:
    """"Site · unit" of a unit (None when there is no such unit)."""
    with read_connection(engine) as connection:
        row = connection.execute(
            select(Site.name, Unit.label).join(Site, Site.id == Unit.site_id).where(Unit.id == unit_id)
        ).first()
    return None if row is None else f"{row[0]} · {row[1]}"


OPEN_PLACEMENT_COLUMNS = ["placement_id", "version", "household_id", "reference", "partner_id", "unit_id", "site",
                          "unit", "start_date", "end_date"]


@reads("sites", "stays", "reference")
def open_placements(engine: Engine, scope: Scope, day: date | None = None, search: str = "", *,
                    limit: int | None = None, unrecorded_exits: bool = False,
                    household_id: int | None = None) -> pd.DataFrame:
    """The placements that can be ended or transferred, by reference: those without an end and, with
    `day`, those only planned to end (an end date, no exit destination yet) on or after `day`, which
    may be brought forward (services.placements._check_exit). With `unrecorded_exits`, every stay
    without an exit destination, also those whose planned end has passed: their end is confirmed with
    its destination (the data quality page's first check). `search`: part of the household's reference
    or of the site's name (case-insensitive); `limit`: the first ones only (open_placements_count counts
    them all); `household_id`: that household's only.

    columns: OPEN_PLACEMENT_COLUMNS (end_date: the planned end, None when open)."""
    condition = Placement.exit_destination.is_(None) if unrecorded_exits else _still_running(day)
    if household_id is not None:
        condition = and_(condition, Placement.household_id == household_id)
    return _placements(engine, scope, condition, search, limit)


@reads("sites", "stays", "reference")
def open_placements_count(engine: Engine, scope: Scope, day: date | None = None, search: str = "", *,
                          unrecorded_exits: bool = False) -> int:
    """How many placements open_placements finds without a limit."""
    condition = Placement.exit_destination.is_(None) if unrecorded_exits else _still_running(day)
    return count_rows(engine, _placements_query(scope, condition, search))


def _still_running(day: date | None):
    still_running = Placement.end_date.is_(None)
    if day is not None:
        planned = and_(Placement.exit_destination.is_(None), Placement.end_date >= date_param(day))
        still_running = or_(still_running, planned)
    return still_running


@reads("sites", "stays", "reference")
def cancellable_placements(engine: Engine, scope: Scope, day: date) -> pd.DataFrame:
    """The stays that may be cancelled on `day`: recorded that day, not left for another ISSUE unit
    (services.placements.cancellable, the rule cancel_placement applies).

    columns: OPEN_PLACEMENT_COLUMNS (end_date: the end, None when open)."""
    return _placements(engine, scope, cancellable(day))


def _placements(engine: Engine, scope: Scope, condition, search: str = "",
                limit: int | None = None) -> pd.DataFrame:
    return read_frame(
        engine, _placements_query(scope, condition, search).limit(limit), dates=["start_date", "end_date"],
        ints=["placement_id", "version", "household_id", "partner_id", "unit_id"],
    )


def _placements_query(scope: Scope, condition, search: str):
    query = (
        select(
            Placement.id.label("placement_id"), Placement.version, Household.id.label("household_id"),
            Household.reference, Household.referent_organisation_id.label("partner_id"), Unit.id.label("unit_id"),
            Site.name.label("site"), Unit.label.label("unit"), Placement.start_date, Placement.end_date,
        )
        .join(Household, Household.id == Placement.household_id)
        .join(Unit, Unit.id == Placement.unit_id)
        .join(Site, Site.id == Unit.site_id)
        .where(condition, *_in_scope(scope))
        .order_by(Household.reference, Placement.start_date)
    )
    household_or_site = reference_matches(Household.reference, search) + reference_matches(Site.name, search)
    return query.where(or_(*household_or_site)) if household_or_site else query
