"""Every invariant of DOMAIN.md, checked over the whole database (independently of the services that are
supposed to keep them). Each query returns the offending rows. Invariants 1, 2, 4, 5 and 6 use the
SQL conditions of issue_core.rules, the ones the services refuse with and the forms offer by."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, Text, and_, cast, exists, or_, select
from sqlalchemy.orm import aliased

from issue_core import rules
from issue_core.models import (
    AuditEvent,
    ContributionStatus,
    Household,
    Payment,
    Placement,
    Unit,
    UnitUnavailability,
)


def _pairs_meeting(condition):  # noqa: ANN001, ANN202
    """Pairs of placements (a, b) where b meets `condition(a, b)` — a rule's clash of a's stay."""
    a, b = aliased(Placement), aliased(Placement)
    return select(a.id, b.id).join(b, and_(a.id < b.id, condition(a, b)))


def _overridden(placement_id):  # noqa: ANN001, ANN202
    """An admin placed the household in a unit reserved for another organisation, with a reason."""
    return exists().where(
        AuditEvent.entity == "placement", AuditEvent.entity_id == placement_id,
        AuditEvent.action.in_(("placement.create", "placement.transfer")),
        cast(AuditEvent.after, Text).like("%reservation_override_reason%"),
    )


VIOLATIONS = {
    "unit_overlap": _pairs_meeting(
        lambda a, b: rules.unit_placements_meeting(a.unit_id, a.start_date, a.end_date, model=b)),
    "household_overlap": _pairs_meeting(
        lambda a, b: rules.household_placements_meeting(a.household_id, a.start_date, a.end_date, model=b)),
    "end_not_after_start": select(Placement.id).where(Placement.end_date <= Placement.start_date),
    "negative_amounts": select(Payment.id).where(Payment.amount < 0).union_all(
        select(ContributionStatus.id).where(ContributionStatus.monthly_amount < 0)),
    "household_composition": select(Household.id).where(or_(Household.adults < 1, Household.children < 0)),
    "outside_convention": select(Placement.id).join(Unit, Unit.id == Placement.unit_id)
        .where(~rules.site_takes_stay(Unit.site_id, Placement.start_date, Placement.end_date)),
    "during_unavailability": select(Placement.id).join(
        UnitUnavailability,
        rules.unit_unavailability_meeting(Placement.unit_id, Placement.start_date, Placement.end_date),
    ),
    "referent_not_axis_operator": select(Household.id).where(~rules.referent_operates_axis()),
    "reserved_unit_other_organisation": select(Placement.id)
        .join(Unit, Unit.id == Placement.unit_id).join(Household, Household.id == Placement.household_id)
        .where(~rules.reservation_allows(Household.referent_organisation_id), ~_overridden(Placement.id)),
}


def violations(engine: Engine, today: date | None = None) -> dict[str, list[tuple]]:  # noqa: ARG001
    """The offending rows of each invariant (all lists empty when the database is consistent).
    No invariant depends on the day any more (an open placement needs a convention without actual
    end, DOMAIN.md invariant 4): `today` is accepted for the callers that pass it."""
    with engine.connect() as connection:
        return {name: [tuple(row) for row in connection.execute(query)] for name, query in VIOLATIONS.items()}
