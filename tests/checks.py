"""Every invariant of DOMAIN.md, checked over the whole database (independently of the services that are
supposed to keep them). Each query returns the offending rows. Invariants 1, 2, 4, 5 and 6 use the
SQL conditions of issue_core.rules, the ones the services refuse with and the forms offer by."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, Engine, Text, and_, cast, exists, or_, select
from sqlalchemy.orm import aliased

from issue_core import ledger, rules, stays
from issue_core.models import (
    AuditEvent,
    ContributionStatus,
    Household,
    HouseholdLedger,
    Payment,
    Placement,
    Stay,
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


def ledger_differences(connection: Connection) -> list[tuple]:
    """The households whose household_ledger row is not what their stays, statuses and payments say
    (issue_core.ledger.computed_rows): (household, kept, computed). A missing row is a row of zeros; the due is a
    sum of floats, compared to a millionth of a euro."""
    kept = {row[0]: tuple(row[1:]) for row in connection.execute(select(HouseholdLedger.__table__))}
    computed = {row[0]: tuple(row[1:]) for row in connection.execute(ledger.computed_rows())}
    zero = (0.0, 0, 0, 0)

    def same(one: tuple, other: tuple) -> bool:
        return tuple(one[1:]) == tuple(other[1:]) and abs(one[0] - other[0]) < 1e-6

    return [(household, kept.get(household, zero), computed.get(household, zero))
            for household in sorted(kept.keys() | computed.keys())
            if not same(kept.get(household, zero), computed.get(household, zero))]


def stays_differences(connection: Connection) -> list[tuple]:
    """The stays the table `stay` holds and the placements do not make (issue_core.stays.computed_rows), and
    those they make that it does not: (household, start, end, placements, "kept" or "computed")."""
    def rows(query) -> set[tuple]:  # dates as ISO text: SQLite's CASE gives them untyped
        return {(row[0], str(row[1])[:10], row[2] and str(row[2])[:10], row[3]) for row in connection.execute(query)}

    kept, computed = rows(select(Stay.__table__)), rows(stays.computed_rows())
    return sorted([(*row, "kept") for row in kept - computed] + [(*row, "computed") for row in computed - kept],
                  key=repr)


def violations(engine: Engine, today: date | None = None) -> dict[str, list[tuple]]:  # noqa: ARG001
    """The offending rows of each invariant (all lists empty when the database is consistent), the
    households whose ledger (kept by the database's triggers) disagrees with their records, and the stays the
    table `stay` (kept by triggers too) holds wrong.
    No invariant depends on the day any more (an open placement needs a convention without actual
    end, DOMAIN.md invariant 4): `today` is accepted for the callers that pass it."""
    with engine.connect() as connection:
        found = {name: [tuple(row) for row in connection.execute(query)] for name, query in VIOLATIONS.items()}
        found["ledger_differs"] = ledger_differences(connection)
        found["stays_differ"] = stays_differences(connection)
        return found
