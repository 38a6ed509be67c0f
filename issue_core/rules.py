"""The rules of DOMAIN.md that several places check, each defined once, as SQL conditions the same on
SQLite and PostgreSQL: the services refuse with them (services/rules.py finds the clashing row and
explains it with the error keys below), the forms offer only what they allow (queries/screens/), the
metrics count with them (queries/metrics/) and tests/checks.py looks for their violations.
docs/RULES.md maps every invariant, metric and visibility rule to its one home.

Dates are days. A placement, an unavailability period and a follow-up occupy the half-open range
[start, end), an open (NULL) end running for ever; a convention's actual end is its last day, an
occupiable day like any other, so its range is [start_date, actual_end_date + 1 day).
Bounds are Python dates (bound as typed parameters) or SQL expressions; `None` is an open end.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import and_, case, exists, func, literal, or_, true
from sqlalchemy.sql.elements import BindParameter

from issue_core.models import AxisOperator, Convention, Household, Placement, StrEnum, Unit, UnitUnavailability
from issue_core.policy import DEFAULT_WARNING_DAYS
from issue_core.queries.sql.functions import date_param, days_between
from issue_core.queries.sql.intervals import next_day

ONE_DAY = timedelta(days=1)

# --- date ranges ---------------------------------------------------------------------------------


def overlaps(start, end, other_start, other_end):  # noqa: ANN001, ANN201
    """SQL condition: the ranges [start, end) and [other_start, other_end) share at least one day.
    An end that is None, or NULL in the database, is open."""
    return and_(_before(start, other_end), _before(other_start, end))


def covers(start, end, day):  # noqa: ANN001, ANN201
    """SQL condition: the range [start, end) holds `day` (a date, or a column of days: a calendar's)."""
    if isinstance(day, date):
        return overlaps(start, end, day, day + ONE_DAY)
    return and_(start <= day, _before(day, end))


def _before(day, end):  # noqa: ANN001, ANN202
    """day < end, an open end coming after every day."""
    if end is None:
        return true()
    day, end = _sql_day(day), _sql_day(end)
    if isinstance(end, BindParameter) and end.value is not None:
        return day < end
    return or_(end.is_(None), day < end)


def _sql_day(value):  # noqa: ANN001, ANN202
    return date_param(value) if isinstance(value, date) else value


def leaving_day(last_day: date) -> date:
    """The day after a convention's last day: the latest end of a stay inside it, the day its
    occupants leave when it closes."""
    return last_day + ONE_DAY


# The stored ranges, as (start, exclusive end or NULL). `model` may be an alias of the table.


def placement_range(model=Placement):  # noqa: ANN001, ANN201
    return model.start_date, model.end_date


def unavailability_range(model=UnitUnavailability):  # noqa: ANN001, ANN201
    return model.start_date, model.end_date


def convention_range(model=Convention):  # noqa: ANN001, ANN201
    """A convention's range ends the day after its actual end (inclusive); NULL stays open."""
    return model.start_date, next_day(model.actual_end_date)


def follow_up_range():  # noqa: ANN201
    """A household is followed from its referral to the day its follow-up ended (excluded)."""
    return Household.referred_on, Household.follow_up_ended_on


# --- the site's conventions ----------------------------------------------------------------------


def convention_active_during(start, end, model=Convention):  # noqa: ANN001, ANN201
    """SQL condition on Convention: active on at least one day of [start, end) (an overdue convention,
    without actual end, is still active)."""
    return overlaps(*convention_range(model), start, end)


def convention_active_on(day: date):  # noqa: ANN201
    return convention_active_during(day, day + ONE_DAY)


def convention_open_on(day):  # noqa: ANN001, ANN201
    """SQL condition on Convention: started on or before `day`, without actual end — the convention
    a site's closing ends, and the one an open-ended stay from `day` needs."""
    return and_(Convention.actual_end_date.is_(None), Convention.start_date <= _sql_day(day))


def convention_end_sql():  # noqa: ANN201
    """A convention's end: the actual end, else the planned end."""
    return func.coalesce(Convention.actual_end_date, Convention.planned_end_date)


def days_to_end_sql(today: date):  # noqa: ANN201
    """SQL: days from `today` to the convention's end (convention_end_sql; negative once passed)."""
    return days_between(date_param(today), convention_end_sql())


class ConventionStatus(StrEnum):
    """Derived, never stored (DOMAIN.md, convention). The values are the `status.*` keys of the locales."""

    UPCOMING = "upcoming"
    ACTIVE = "active"
    ENDING_SOON = "ending_soon"
    OVERDUE = "overdue"
    CLOSED = "closed"


def convention_status_sql(today: date, warning_days: int = DEFAULT_WARNING_DAYS):  # noqa: ANN201
    """SQL: the ConventionStatus value of a convention on `today`: upcoming (not started), closed (actual
    end passed), overdue (planned end passed, no actual end), ending soon (≤ warning_days to its end),
    else active."""
    day = date_param(today)
    return case(
        (Convention.start_date > day, literal(ConventionStatus.UPCOMING.value)),
        (and_(Convention.actual_end_date.is_not(None), Convention.actual_end_date < day),
         literal(ConventionStatus.CLOSED.value)),
        (and_(Convention.actual_end_date.is_(None), Convention.planned_end_date < day),
         literal(ConventionStatus.OVERDUE.value)),
        (days_to_end_sql(today) <= warning_days, literal(ConventionStatus.ENDING_SOON.value)),
        else_=literal(ConventionStatus.ACTIVE.value),
    )


# --- invariants 1, 2, 4, 6: a stay [start, end) of a household in a unit ---------------------------
# Each: the SQL condition, and the keys of the refusals that explain it (services/rules.py).

# Invariant 1: a unit holds at most one placement on any day.
UNIT_OCCUPIED, UNIT_OCCUPIED_OPEN = "error.unit_occupied", "error.unit_occupied_open"


def unit_placements_meeting(unit_id, start, end, model=Placement):  # noqa: ANN001, ANN201
    """SQL condition on Placement (or an alias): a placement of the unit during [start, end)."""
    return and_(model.unit_id == unit_id, overlaps(*placement_range(model), start, end))


def unit_free(unit_id, start, end):  # noqa: ANN001, ANN201
    return ~exists().where(unit_placements_meeting(unit_id, start, end))


# Invariant 2: a household is in at most one unit on any day.
HOUSEHOLD_ALREADY_PLACED = "error.household_already_placed"


def household_placements_meeting(household_id, start, end, model=Placement):  # noqa: ANN001, ANN201
    """SQL condition on Placement (or an alias): a placement of the household during [start, end)."""
    return and_(model.household_id == household_id, overlaps(*placement_range(model), start, end))


def household_free(household_id, start, end):  # noqa: ANN001, ANN201
    return ~exists().where(household_placements_meeting(household_id, start, end))


# Invariant 4, convention part: the stay lies inside a convention of the unit's site.
NO_CONVENTION = "error.no_convention"
BEFORE_CONVENTION_START = "error.before_convention_start"
AFTER_CONVENTION_END = "error.after_convention_end"


def stay_fits_convention(start, end):  # noqa: ANN001, ANN201
    """SQL condition on Convention: the stay [start, end) lies inside it.

    Placement ends are exclusive, convention ends inclusive: start ≥ the convention's start and
    end ≤ its actual end + 1 day (the stay's last night is the convention's last day at the latest).
    An open stay (end None, or a NULL column) needs a convention without actual end."""
    start, end = _sql_day(start), _sql_day(end)
    without_end = Convention.actual_end_date.is_(None)
    ends_in_time = without_end if end is None else or_(
        without_end, and_(end.is_not(None), end <= convention_range()[1])
    )
    return and_(Convention.start_date <= start, ends_in_time)


def site_takes_stay(site_id, start, end):  # noqa: ANN001, ANN201
    """SQL condition: a convention of the site holds the stay [start, end)."""
    return exists().where(Convention.site_id == site_id, stay_fits_convention(start, end))


# Invariant 4, availability part: the stay meets no unavailability period of the unit.
UNIT_UNAVAILABLE, UNIT_UNAVAILABLE_OPEN = "error.unit_unavailable", "error.unit_unavailable_open"


def unit_unavailability_meeting(unit_id, start, end, model=UnitUnavailability):  # noqa: ANN001, ANN201
    """SQL condition on UnitUnavailability: a period of the unit during [start, end)."""
    return and_(model.unit_id == unit_id, overlaps(*unavailability_range(model), start, end))


def unit_available(unit_id, start, end):  # noqa: ANN001, ANN201
    return ~exists().where(unit_unavailability_meeting(unit_id, start, end))


# Invariant 6: a unit reserved for an organisation takes only its households (an admin may override,
# with a reason kept in the audit).
UNIT_RESERVED, UNIT_RESERVED_ADMIN_HINT = "error.unit_reserved", "error.unit_reserved_admin_hint"


def reservation_allows(organisation_id, unit=Unit):  # noqa: ANN001, ANN201
    """SQL condition on Unit: reserved for no one, or for the household's organisation."""
    return or_(unit.reserved_for_organisation_id.is_(None), unit.reserved_for_organisation_id == organisation_id)


# Invariant 5: a household's referent organisation operates its axis (also a foreign key to axis_operator).
REFERENT_NOT_AXIS_OPERATOR = "error.referent_not_axis_operator"


def referent_operates_axis():  # noqa: ANN201
    """SQL condition on Household: its referent organisation is a field operator of its axis."""
    return exists().where(
        AxisOperator.axis_id == Household.axis_id, AxisOperator.organisation_id == Household.referent_organisation_id
    )


# A household can be placed from `start`: its follow-up runs and it was referred by then.
FOLLOW_UP_ENDED, PLACEMENT_BEFORE_REFERRAL = "error.follow_up_ended", "error.placement_before_referral"


def follow_up_running():  # noqa: ANN201
    """SQL condition on Household: its follow-up has not ended (FOLLOW_UP_ENDED otherwise)."""
    return Household.follow_up_ended_on.is_(None)


def referred_by(start):  # noqa: ANN001, ANN201
    """SQL condition on Household: referred on or before `start` (PLACEMENT_BEFORE_REFERRAL otherwise)."""
    return Household.referred_on <= _sql_day(start)


def household_placeable_from(start):  # noqa: ANN001, ANN201
    return and_(follow_up_running(), referred_by(start))


# --- ending a stay and closing a site ---------------------------------------------------------------


def stays_past(last_day: date, model=Placement):  # noqa: ANN001, ANN201
    """SQL condition on Placement: started by `last_day` (a convention's last day) and still running on
    the day after (leaving_day) — the occupants who must leave when the site closes that day."""
    leave = leaving_day(last_day)
    return and_(model.start_date < date_param(leave), _before(leave, model.end_date))


def end_bounds(start: date, planned_end: date | None) -> tuple[date, date | None]:
    """(earliest, latest) day a running stay may end or be transferred on: the day after it started,
    and its planned end when it has one (brought forward or confirmed, never extended; None: no bound)."""
    return start + ONE_DAY, planned_end


# --- what a waiting household needs (the waiting list and its matching) -------------------------------


def bedrooms_needed(adults: int, children: int) -> int:
    """Bedrooms a household needs: a person alone needs none (a studio); otherwise one bedroom per two
    adults (a couple shares one) plus one per two children (rounded up each). bedrooms_needed_sql is
    the same rule in SQL."""
    if adults + children <= 1:
        return 0
    return (adults + 1) // 2 + (children + 1) // 2


def bedrooms_needed_sql(adults, children):
    """SQL: bedrooms_needed of the columns (or expressions) `adults` and `children`."""
    return case((adults + children <= 1, literal(0)), else_=(adults + 1) // 2 + (children + 1) // 2)
