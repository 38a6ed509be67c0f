"""Read models of the households and placements pages: the households a user may see, one
household's history, the open placements, and the choices a placement form may offer.

Every function takes a *scope*: None for every household (admins), else one organisation id (the
rows a coordinator or director may see); `household_scope(actor)` computes it. Each is one SQL
query, on SQLite and PostgreSQL alike.

`placeable_units` is the one definition of "the units a household can be placed in from D": the
same conditions as services.rules (invariants 1, 4 and 6), as SQL, so a form offers only what the
service will accept — the service still checks everything in its transaction.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Engine, and_, case, exists, func, literal, or_, select
from sqlalchemy.orm import aliased

from issue_core.auth import Actor
from issue_core.db import read_connection
from issue_core.models import (
    AxisOperator,
    ContributionStatus,
    Convention,
    Household,
    Organisation,
    Payment,
    Placement,
    Role,
    Site,
    Unit,
    UnitUnavailability,
)
from issue_core.queries.sql.frames import read_frame
from issue_core.queries.sql.functions import date_param
from issue_core.queries.sql.intervals import stay_fits_convention
from issue_core.services.placements import cancellable

NOBODY = 0  # an organisation id no household has: the scope of a role that sees no household row
FAR_FUTURE = date(9999, 12, 31)
HOUSEHOLD_STATES = ("waiting", "placed", "ended")


def household_scope(actor: Actor) -> int | None:
    """None (every household) for an admin, the own organisation for a coordinator or director,
    NOBODY for the meeting screen or an account without organisation (auth.can_see_household)."""
    if actor.role == Role.ADMIN:
        return None
    if actor.role in (Role.COORDINATOR, Role.DIRECTOR) and actor.organisation_id is not None:
        return int(actor.organisation_id)
    return NOBODY


def _in_scope(scope: int | None) -> list:
    return [] if scope is None else [Household.referent_organisation_id == scope]


def _overlaps(start_column, end_column, start: date, end: date | None):  # noqa: ANN001, ANN202
    """[start_column, end_column) meets [start, end) — as rules.overlaps, with typed parameters."""
    return and_(
        start_column < date_param(end or FAR_FUTURE),
        or_(end_column.is_(None), end_column > date_param(start)),
    )


# --- the households list and one household --------------------------------------------------------

HOUSEHOLD_COLUMNS = [
    "household_id", "reference", "axis_id", "partner_id", "partner", "adults", "children",
    "administrative_status", "referred_on", "follow_up_ended_on", "version", "state",
    "placement_id", "site", "unit", "placed_since", "first_start", "last_end", "open_placements",
]


def households(
    engine: Engine,
    scope: int | None,
    day: date,
    axis_ids: tuple[int, ...] = (),
    partner_ids: tuple[int, ...] = (),
    states: tuple[str, ...] = (),
    reference: str = "",
) -> pd.DataFrame:
    """The households of the scope, newest referral first, with their state on `day`:
    'ended' (follow-up ended on or before day), 'placed' (a placement covers day), else 'waiting';
    for a placed household the placement, site, unit and start; first_start (its first placement's
    start), last_end (its latest placement end) and open_placements (how many have no end), which
    bound the dates an edit may choose. Filters: axes, partners, states,
    part of the reference (case-insensitive).

    columns: HOUSEHOLD_COLUMNS (placement_id 0 when not placed)."""
    d = date_param(day)
    current = (
        select(Placement.id, Placement.household_id, Placement.start_date, Unit.label, Site.name)
        .join(Unit, Unit.id == Placement.unit_id)
        .join(Site, Site.id == Unit.site_id)
        .where(Placement.start_date <= d, or_(Placement.end_date.is_(None), Placement.end_date > d))
        .subquery()
    )
    stays = aliased(Placement)

    def of_household(column):  # noqa: ANN001, ANN202
        return select(column).where(stays.household_id == Household.id).correlate(Household).scalar_subquery()

    state = case(
        (and_(Household.follow_up_ended_on.is_not(None), Household.follow_up_ended_on <= d), literal("ended")),
        (current.c.id.is_not(None), literal("placed")),
        else_=literal("waiting"),
    )
    query = (
        select(
            Household.id.label("household_id"), Household.reference, Household.axis_id,
            Household.referent_organisation_id.label("partner_id"), Organisation.short_name.label("partner"),
            Household.adults, Household.children, Household.administrative_status, Household.referred_on,
            Household.follow_up_ended_on, Household.version, state.label("state"),
            current.c.id.label("placement_id"), current.c.name.label("site"), current.c.label.label("unit"),
            current.c.start_date.label("placed_since"),
            of_household(func.min(stays.start_date)).label("first_start"),
            of_household(func.max(stays.end_date)).label("last_end"),
            of_household(func.count(stays.id) - func.count(stays.end_date)).label("open_placements"),
        )
        .join(Organisation, Organisation.id == Household.referent_organisation_id)
        .outerjoin(current, current.c.household_id == Household.id)
        .where(*_in_scope(scope))
        .order_by(Household.referred_on.desc(), Household.reference.desc())
    )
    if axis_ids:
        query = query.where(Household.axis_id.in_(axis_ids))
    if partner_ids:
        query = query.where(Household.referent_organisation_id.in_(partner_ids))
    if states:
        query = query.where(state.in_(states))
    if reference.strip():
        query = query.where(func.lower(Household.reference).contains(reference.strip().lower(), autoescape=True))
    return read_frame(
        engine, query, dates=["referred_on", "follow_up_ended_on", "placed_since", "first_start", "last_end"],
        ints=["household_id", "axis_id", "partner_id", "adults", "children", "version", "placement_id",
              "open_placements"],
    )


def household_placements(engine: Engine, scope: int | None, household_id: int) -> pd.DataFrame:
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


def household_contribution_statuses(engine: Engine, scope: int | None, household_id: int) -> pd.DataFrame:
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


def household_payments(engine: Engine, scope: int | None, household_id: int) -> pd.DataFrame:
    """The payments, newest first. columns: paid_on, period_month, amount, method, notes."""
    query = (
        select(Payment.paid_on, Payment.period_month, Payment.amount, Payment.method, Payment.notes)
        .join(Household, Household.id == Payment.household_id)
        .where(Payment.household_id == household_id, *_in_scope(scope))
        .order_by(Payment.paid_on.desc(), Payment.period_month.desc(), Payment.id.desc())
    )
    return read_frame(engine, query, dates=["paid_on", "period_month"], money=["amount"])


# --- choices of the forms -------------------------------------------------------------------------


def axis_partners(engine: Engine, scope: int | None) -> pd.DataFrame:
    """The (axis, partner) pairs a household may have (table axis_operator), within the scope.

    columns: axis_id, partner_id, partner."""
    query = (
        select(AxisOperator.axis_id, AxisOperator.organisation_id.label("partner_id"),
               Organisation.short_name.label("partner"))
        .join(Organisation, Organisation.id == AxisOperator.organisation_id)
        .order_by(AxisOperator.axis_id, Organisation.short_name)
    )
    if scope is not None:
        query = query.where(AxisOperator.organisation_id == scope)
    return read_frame(engine, query, ints=["axis_id", "partner_id"])


def placeable_households(engine: Engine, scope: int | None, start: date, end: date | None = None) -> pd.DataFrame:
    """Households of the scope that can be placed over [start, end): follow-up not ended, referred on
    or before start, and in no unit during that range (rules.check_household_can_be_placed and
    check_household_free).

    columns: household_id, reference, axis_id, partner_id, partner, adults, children, referred_on."""
    placed = exists().where(
        Placement.household_id == Household.id, _overlaps(Placement.start_date, Placement.end_date, start, end)
    )
    query = (
        select(
            Household.id.label("household_id"), Household.reference, Household.axis_id,
            Household.referent_organisation_id.label("partner_id"), Organisation.short_name.label("partner"),
            Household.adults, Household.children, Household.referred_on,
        )
        .join(Organisation, Organisation.id == Household.referent_organisation_id)
        .where(
            Household.follow_up_ended_on.is_(None),
            Household.referred_on <= date_param(start),
            ~placed,
            *_in_scope(scope),
        )
        .order_by(Household.referred_on, Household.reference)
    )
    return read_frame(
        engine, query, dates=["referred_on"],
        ints=["household_id", "axis_id", "partner_id", "adults", "children"],
    )


UNIT_COLUMNS = ["unit_id", "site_id", "site", "unit", "bedrooms", "capacity", "reserved_for_id", "reserved_for",
                "free_until"]


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
      (intervals.stay_fits_convention, as rules.check_inside_convention): started on or before
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
    reserved = aliased(Organisation)
    convention_ok = exists().where(Convention.site_id == Unit.site_id, stay_fits_convention(start, end))
    unavailable = exists().where(
        UnitUnavailability.unit_id == Unit.id,
        _overlaps(UnitUnavailability.start_date, UnitUnavailability.end_date, start, end),
    )
    occupied = exists().where(Placement.unit_id == Unit.id, _overlaps(Placement.start_date, Placement.end_date, start, end))
    next_start = (
        select(func.min(Placement.start_date))
        .where(Placement.unit_id == Unit.id, Placement.start_date > s)
        .correlate(Unit).scalar_subquery()
    )
    reservation = or_(Unit.reserved_for_organisation_id.is_(None), Unit.reserved_for_organisation_id == organisation_id)
    query = (
        select(
            Unit.id.label("unit_id"), Site.id.label("site_id"), Site.name.label("site"), Unit.label.label("unit"),
            Unit.bedrooms, Unit.capacity, Unit.reserved_for_organisation_id.label("reserved_for_id"),
            reserved.short_name.label("reserved_for"), next_start.label("free_until"),
        )
        .join(Site, Site.id == Unit.site_id)
        .outerjoin(reserved, reserved.id == Unit.reserved_for_organisation_id)
        .where(convention_ok, ~unavailable, ~occupied, Unit.id != except_unit_id)
        .order_by(Site.name, Unit.label)
    )
    if not other_reservations:
        query = query.where(reservation)
    return read_frame(
        engine, query, dates=["free_until"],
        ints=["unit_id", "site_id", "bedrooms", "capacity", "reserved_for_id"],
    )


def unit_name(engine: Engine, unit_id: int) -> str | None:
    """"Site · unit" of a unit (None when there is no such unit)."""
    with read_connection(engine) as connection:
        row = connection.execute(
            select(Site.name, Unit.label).join(Site, Site.id == Unit.site_id).where(Unit.id == unit_id)
        ).first()
    return None if row is None else f"{row[0]} · {row[1]}"


OPEN_PLACEMENT_COLUMNS = ["placement_id", "version", "household_id", "reference", "partner_id", "unit_id", "site",
                          "unit", "start_date", "end_date"]


def open_placements(engine: Engine, scope: int | None, day: date | None = None) -> pd.DataFrame:
    """The placements that can be ended or transferred, by reference: those without an end and, with
    `day`, those only planned to end (an end date, no exit destination yet) on or after `day`, which
    may be brought forward (services.placements._check_exit).

    columns: OPEN_PLACEMENT_COLUMNS (end_date: the planned end, None when open)."""
    still_running = Placement.end_date.is_(None)
    if day is not None:
        planned = and_(Placement.exit_destination.is_(None), Placement.end_date >= date_param(day))
        still_running = or_(still_running, planned)
    return _placements(engine, scope, still_running)


def cancellable_placements(engine: Engine, scope: int | None, day: date) -> pd.DataFrame:
    """The stays that may be cancelled on `day`: recorded that day, not left for another ISSUE unit
    (services.placements.cancellable, the rule cancel_placement applies).

    columns: OPEN_PLACEMENT_COLUMNS (end_date: the end, None when open)."""
    return _placements(engine, scope, cancellable(day))


def _placements(engine: Engine, scope: int | None, condition) -> pd.DataFrame:  # noqa: ANN001
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
    return read_frame(
        engine, query, dates=["start_date", "end_date"],
        ints=["placement_id", "version", "household_id", "partner_id", "unit_id"],
    )
