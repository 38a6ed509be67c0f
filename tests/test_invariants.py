"""Invariants 1–7 of DOMAIN.md: refused by the database itself (1–3, raw SQL) and by the services
with a message naming the conflict (1–7); a refused write leaves no row and no audit event."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError

from issue_core.auth import SYSTEM
from issue_core.db import read_session
from issue_core.errors import Conflict, InvalidInput, PermissionDenied, StaleVersion
from issue_core.models import AuditEvent, Convention, Placement
from issue_core.queries.metrics.occupancy import occupancy_on, utilisation, vacant_days_by_site
from issue_core.queries.screens.alerts import placements_outside_convention
from issue_core.queries.sql.filters import Filters
from issue_core.services import contributions, households, placements, sites
from tests.checks import violations
from tests.conftest import TODAY
from tests.world import audit_count, refused, row_counts


def place(world, household, unit, start, end=None, actor=None, **kwargs) -> int:
    return placements.place_household(
        world.engine, actor or world.admin, household_id=household, unit_id=unit, start_date=start, end_date=end, **kwargs
    )


# --- 1–3 in the database itself (raw SQL, no service) --------------------------------------------


def raw_insert_placement(engine, household_id, unit_id, start, end=None):
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO placement (household_id, unit_id, start_date, end_date, version) "
                 "VALUES (:h, :u, :s, :e, 1)"),
            {"h": household_id, "u": unit_id, "s": start, "e": end},
        )


def placement_count(engine) -> int:
    with read_session(engine) as session:
        return len(session.scalars(select(Placement)).all())


def test_database_refuses_two_placements_of_a_unit_on_the_same_day(world):
    raw_insert_placement(world.engine, world.h_samu, world.a1, date(2024, 3, 1), date(2024, 6, 1))
    with pytest.raises(IntegrityError):
        raw_insert_placement(world.engine, world.h_dio, world.a1, date(2024, 5, 31), None)
    # Half-open ranges: leaving on 01/06 and arriving on 01/06 is no overlap.
    raw_insert_placement(world.engine, world.h_dio, world.a1, date(2024, 6, 1), None)
    assert placement_count(world.engine) == 2


def test_database_refuses_a_household_in_two_units_on_the_same_day(world):
    raw_insert_placement(world.engine, world.h_samu, world.a1, date(2024, 3, 1), None)
    with pytest.raises(IntegrityError):
        raw_insert_placement(world.engine, world.h_samu, world.a3, date(2025, 1, 1), date(2025, 2, 1))
    assert placement_count(world.engine) == 1


def test_database_refuses_an_update_that_creates_an_overlap(world):
    raw_insert_placement(world.engine, world.h_samu, world.a1, date(2024, 3, 1), date(2024, 4, 1))
    raw_insert_placement(world.engine, world.h_dio, world.a1, date(2024, 4, 1), None)
    with pytest.raises(IntegrityError), world.engine.begin() as connection:
        connection.execute(text("UPDATE placement SET end_date = :e WHERE household_id = :h"),
                           {"e": date(2024, 4, 2), "h": world.h_samu})


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO placement (household_id, unit_id, start_date, end_date, version) VALUES (:h, :u, '2024-03-01', '2024-03-01', 1)",
        "INSERT INTO placement (household_id, unit_id, start_date, end_date, version) VALUES (:h, :u, '2024-03-01', '2024-02-01', 1)",
        "INSERT INTO payment (household_id, paid_on, amount, period_month, method) VALUES (:h, '2024-03-01', -5, '2024-03-01', 'cash')",
        "INSERT INTO contribution_status (household_id, effective_from, income_status, monthly_amount) VALUES (:h, '2024-03-01', 'no_income', -1)",
        "UPDATE household SET adults = 0 WHERE id = :h",
        "UPDATE household SET children = -1 WHERE id = :h",
        "INSERT INTO unit_unavailability (unit_id, start_date, end_date, reason, version) VALUES (:u, '2024-03-01', '2024-01-01', 'works', 1)",
    ],
    ids=["end_equals_start", "end_before_start", "negative_payment", "negative_contribution", "no_adult",
         "negative_children", "unavailability_end_before_start"],
)
def test_database_refuses_invalid_values(world, statement):
    before = row_counts(world.engine)
    with pytest.raises(IntegrityError), world.engine.begin() as connection:
        connection.execute(text(statement), {"h": world.h_samu, "u": world.a1})
    assert row_counts(world.engine) == before


def test_database_refuses_a_referent_that_does_not_operate_the_axis(world):
    with pytest.raises(IntegrityError), world.engine.begin() as connection:
        connection.execute(text("UPDATE household SET axis_id = 1 WHERE id = :h"), {"h": world.h_samu})


def test_audit_trail_is_append_only(world):
    with pytest.raises(Exception), world.engine.begin() as connection:  # noqa: B017 (driver-specific type)
        connection.execute(text("DELETE FROM audit_event"))
    with pytest.raises(Exception), world.engine.begin() as connection:  # noqa: B017
        connection.execute(text("UPDATE audit_event SET username = 'someone else'"))
    assert audit_count(world.engine) > 0


# --- 1: a unit holds at most one placement on any day ---------------------------------------------


def test_service_names_the_household_holding_the_unit(world):
    place(world, world.h_samu, world.a1, date(2024, 3, 1))
    error = refused(world, Conflict, "error.unit_occupied_open", placements.place_household, world.admin,
                    household_id=world.h_dio, unit_id=world.a1, start_date=date(2024, 5, 1))
    message = error.message("fr")
    assert "ISS-2023-001" in message and "01/03/2024" in message and "Alpha · A1" in message


def test_service_hides_another_organisations_reference_in_the_refusal(world):
    place(world, world.h_samu, world.a1, date(2024, 3, 1), date(2024, 9, 1))
    error = refused(world, Conflict, "error.unit_occupied", placements.place_household, world.coord_dio,
                    household_id=world.h_dio, unit_id=world.a1, start_date=date(2024, 5, 1))
    message = error.message("en")
    assert "ISS-" not in message
    assert "a household followed by Samu" in message and "01/09/2024" in message


# --- 2: a household is in at most one unit on any day ---------------------------------------------


def test_service_refuses_a_household_already_placed(world):
    place(world, world.h_samu, world.a1, date(2024, 3, 1))
    error = refused(world, Conflict, "error.household_already_placed", placements.place_household, world.admin,
                    household_id=world.h_samu, unit_id=world.a3, start_date=date(2024, 4, 1))
    assert "Alpha · A1" in error.message("nl")


# --- 3: end after start, amounts ≥ 0, adults ≥ 1, children ≥ 0 ------------------------------------


def test_service_refuses_end_before_start(world):
    refused(world, InvalidInput, "error.end_before_start", placements.place_household, world.admin,
            household_id=world.h_samu, unit_id=world.a1, start_date=date(2024, 3, 1), end_date=date(2024, 3, 1))
    placement = place(world, world.h_samu, world.a1, date(2024, 3, 1))
    refused(world, InvalidInput, "error.end_before_start", placements.end_placement, world.admin, placement,
            version=1, end_date=date(2024, 2, 1), exit_destination="street")


def test_service_refuses_negative_amounts_and_empty_households(world):
    refused(world, InvalidInput, "error.amount_negative", contributions.record_payment, world.admin, world.h_samu,
            paid_on=date(2024, 3, 1), amount=Decimal("-5"), period_months=[date(2024, 3, 1)], method="cash")
    refused(world, InvalidInput, "error.too_small", households.register_household, world.admin, axis_id=2,
            referent_organisation_id=world.samu, adults=0, children=0, administrative_status="regular",
            referred_on=date(2024, 1, 1))
    refused(world, InvalidInput, "error.too_small", households.register_household, world.admin, axis_id=2,
            referent_organisation_id=world.samu, adults=1, children=-1, administrative_status="regular",
            referred_on=date(2024, 1, 1))


# --- 4: inside a convention, outside unavailability ----------------------------------------------


def test_service_refuses_a_site_without_convention(world):
    error = refused(world, Conflict, "error.no_convention", placements.place_household, world.admin,
                    household_id=world.h_samu, unit_id=world.g1, start_date=date(2024, 3, 1))
    assert "Gamma" in error.message("en")


def test_service_refuses_before_the_convention_starts(world):
    error = refused(world, Conflict, "error.before_convention_start", placements.place_household, world.admin,
                    household_id=world.h_samu, unit_id=world.a1, start_date=date(2023, 12, 15))
    assert "01/01/2024" in error.message("fr")


def test_service_refuses_after_the_convention_ended(world):
    error = refused(world, Conflict, "error.after_convention_end", placements.place_household, world.admin,
                    household_id=world.h_samu, unit_id=world.b1, start_date=date(2023, 12, 10))
    assert "31/12/2023" in error.message("fr")  # open, so it would run until today
    # The same stay, ending by the actual end, is accepted.
    place(world, world.h_samu, world.b1, date(2023, 12, 1), date(2023, 12, 31))


def test_a_conventions_last_day_is_occupiable(world):
    """Invariant 4: placement ends exclusive, convention ends inclusive. Beta's convention ends on
    31/12/2023, its last day: a stay may end on 01/01/2024 (last night 31/12), not a day later."""
    error = refused(world, Conflict, "error.after_convention_end", placements.place_household, world.admin,
                    household_id=world.h_samu, unit_id=world.b1, start_date=date(2023, 12, 1),
                    end_date=date(2024, 1, 2))
    assert "31/12/2023" in error.message("fr") and "01/01/2024" in error.message("fr")
    stay = place(world, world.h_samu, world.b1, date(2023, 12, 1), date(2024, 1, 1))
    # Confirming the planned end on its day (the day after the convention's last day) is accepted too.
    placements.end_placement(world.engine, world.admin, stay, version=1, end_date=date(2024, 1, 1),
                             exit_destination="street")
    assert {name: rows for name, rows in violations(world.engine).items() if rows} == {}
    # The last day counts as available and occupied: Beta on 31/12/2023, and all of December.
    beta = Filters(site_ids=(world.beta,))
    last_day = occupancy_on(world.engine, date(2023, 12, 31), beta)
    assert (last_day.available, last_day.occupied, last_day.vacant) == (1, 1, 0)
    december = utilisation(world.engine, date(2023, 12, 1), date(2024, 1, 1), beta)
    assert (december.available_unit_days, december.occupied_unit_days) == (31, 31)
    assert placements_outside_convention(world.engine, TODAY).empty


def test_the_checker_and_the_alert_see_a_stay_past_the_day_after_the_last_day(world):
    """Alpha's convention ended by hand on 30/06/2024 (no service does this) under three stays: one
    ending on 01/07 (the day after the last day: inside), one on 02/07 and an open one (outside).
    The invariant checker and the overview's alert list the same two."""
    inside = place(world, world.h_samu, world.a1, date(2024, 3, 1), date(2024, 7, 1))
    late = place(world, world.h_dio, world.a3, date(2024, 3, 1), date(2024, 7, 2))
    still_open = place(world, world.h_cel, world.a2, date(2024, 3, 1), override_reason="accord de Samu")
    with world.engine.begin() as connection:
        connection.execute(update(Convention).where(Convention.id == world.alpha_convention)
                           .values(actual_end_date=date(2024, 6, 30)))
    outside = sorted(row[0] for row in violations(world.engine)["outside_convention"])
    assert outside == sorted([late, still_open]) and inside not in outside
    assert sorted(placements_outside_convention(world.engine, TODAY)["placement_id"]) == outside


def test_service_refuses_an_unavailable_unit(world):
    sites.add_unavailability(world.engine, world.admin, unit_id=world.a3, start_date=date(2024, 2, 1),
                             end_date=date(2024, 4, 1), reason="travaux")
    error = refused(world, Conflict, "error.unit_unavailable", placements.place_household, world.admin,
                    household_id=world.h_samu, unit_id=world.a3, start_date=date(2024, 3, 15))
    assert "travaux" in error.message("fr")
    place(world, world.h_samu, world.a3, date(2024, 4, 1))


def test_service_refuses_unavailability_over_a_stay(world):
    place(world, world.h_samu, world.a1, date(2024, 3, 1))
    refused(world, Conflict, "error.unit_occupied_open", sites.add_unavailability, world.admin, unit_id=world.a1,
            start_date=date(2024, 6, 1), reason="incendie")


def test_service_refuses_closing_a_convention_with_occupants(world):
    place(world, world.h_samu, world.a1, date(2024, 3, 1))
    refused(world, Conflict, "error.convention_has_occupants", sites.close_convention, world.admin,
            world.alpha_convention, version=1, actual_end_date=date(2024, 12, 31), reason="fin")


# --- 5: the referent organisation operates the household's axis ----------------------------------


def test_service_refuses_a_referent_outside_the_axis(world):
    error = refused(world, Conflict, "error.referent_not_axis_operator", households.register_household, world.admin,
                    axis_id=1, referent_organisation_id=world.samu, adults=1, children=0,
                    administrative_status="regular", referred_on=date(2024, 1, 1))
    assert "Samu" in error.message("en") and "1" in error.message("en")


# --- 6: reserved units ------------------------------------------------------------------------------


def test_service_refuses_a_reserved_unit_to_other_organisations(world):
    error = refused(world, Conflict, "error.unit_reserved", placements.place_household, world.coord_dio,
                    household_id=world.h_dio, unit_id=world.a2, start_date=date(2024, 3, 1))
    assert "Samu" in error.message("fr")
    refused(world, Conflict, "error.unit_reserved_admin_hint", placements.place_household, world.admin,
            household_id=world.h_dio, unit_id=world.a2, start_date=date(2024, 3, 1))
    place(world, world.h_samu, world.a2, date(2024, 3, 1), actor=world.coord_samu)


def test_admin_may_override_a_reservation_with_a_reason_kept_in_the_audit(world):
    placement_id = place(world, world.h_dio, world.a2, date(2024, 3, 1), override_reason="urgence, Samu d'accord")
    with read_session(world.engine) as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.entity == "placement", AuditEvent.entity_id == placement_id)
        ).one()
    assert event.after["reservation_override_reason"] == "urgence, Samu d'accord"
    assert event.username == "admin"


# --- 7: one transaction with its audit row; a refused write changes nothing --------------------------


def test_each_write_has_exactly_one_audit_row_with_before_and_after(world):
    before = audit_count(world.engine)
    placement_id = place(world, world.h_samu, world.a1, date(2024, 3, 1))
    placements.end_placement(world.engine, world.coord_samu, placement_id, version=1, end_date=date(2024, 9, 1),
                             exit_destination="durable_social_housing")
    assert audit_count(world.engine) == before + 2
    with read_session(world.engine) as session:
        event = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()
    assert (event.action, event.entity, event.entity_id, event.username) == ("placement.end", "placement", placement_id, "coord.samu")
    assert event.before["end_date"] is None and event.after["end_date"] == "2024-09-01"


def test_a_refused_transfer_leaves_the_first_placement_open(world):
    first = place(world, world.h_samu, world.a1, date(2024, 3, 1))
    place(world, world.h_dio, world.a3, date(2024, 3, 1))
    refused(world, Conflict, "error.unit_occupied_open", placements.transfer_household, world.admin, first,
            version=1, transfer_date=date(2024, 6, 1), unit_id=world.a3)
    with read_session(world.engine) as session:
        assert session.get(Placement, first).end_date is None


def test_transfer_ends_and_opens_in_one_write(world):
    first = place(world, world.h_samu, world.a1, date(2024, 3, 1))
    before = audit_count(world.engine)
    second = placements.transfer_household(world.engine, world.coord_samu, first, version=1,
                                           transfer_date=date(2024, 6, 1), unit_id=world.a2)
    assert audit_count(world.engine) == before + 1
    with read_session(world.engine) as session:
        old, new = session.get(Placement, first), session.get(Placement, second)
        assert (old.end_date, old.exit_destination) == (date(2024, 6, 1), "other_issue_unit")
        assert (new.unit_id, new.start_date, new.end_date) == (world.a2, date(2024, 6, 1), None)


def test_close_site_is_all_or_nothing(world):
    first = place(world, world.h_samu, world.a1, date(2024, 3, 1))
    second = place(world, world.h_dio, world.a3, date(2024, 3, 1))
    bad_plan = {
        first: placements.Relocation(exit_destination="emergency_shelter"),
        second: placements.Relocation(unit_id=world.g1),  # Gamma has no convention: refused
    }
    refused(world, Conflict, "error.no_convention", placements.close_site, world.admin, world.alpha,
            closing_date=date(2024, 9, 30), reason="incendie", plan=bad_plan)
    refused(world, InvalidInput, "error.plan_missing_occupant", placements.close_site, world.admin, world.alpha,
            closing_date=date(2024, 9, 30), reason="incendie", plan={first: bad_plan[first]})
    good_plan = {**bad_plan, second: placements.Relocation(exit_destination="care_institution")}
    placements.close_site(world.engine, world.admin, world.alpha, closing_date=date(2024, 9, 30),
                          reason="incendie", plan=good_plan)
    with read_session(world.engine) as session:
        ends = {p.id: (p.end_date, p.exit_destination) for p in session.scalars(select(Placement))}
    # 30/09 is the convention's last day: the occupants leave the next day.
    assert ends == {first: (date(2024, 10, 1), "emergency_shelter"), second: (date(2024, 10, 1), "care_institution")}



def test_a_site_closed_on_its_last_day_is_left_the_day_after(world):
    """close_site on 30/09/2024, the last day of Alpha's convention: the occupants leave, or move to
    Gamma, on 01/10, so 30/09 is occupied like any other day and no unit loses a day."""
    sites.create_convention(world.engine, world.admin, site_id=world.gamma, start_date=date(2024, 1, 1),
                            planned_end_date=date(2026, 12, 31), units_planned=1)
    leaving = place(world, world.h_samu, world.a1, date(2024, 3, 1))
    moving = place(world, world.h_dio, world.a3, date(2024, 3, 1))
    plan = {leaving: placements.Relocation(exit_destination="emergency_shelter"),
            moving: placements.Relocation(unit_id=world.g1)}
    placements.close_site(world.engine, world.admin, world.alpha, closing_date=date(2024, 9, 30), reason="incendie",
                          plan=plan)
    with read_session(world.engine) as session:
        stays = {(p.household_id, p.unit_id): (p.start_date, p.end_date) for p in session.scalars(select(Placement))}
        assert session.get(Convention, world.alpha_convention).actual_end_date == date(2024, 9, 30)
    assert stays == {
        (world.h_samu, world.a1): (date(2024, 3, 1), date(2024, 10, 1)),
        (world.h_dio, world.a3): (date(2024, 3, 1), date(2024, 10, 1)),
        (world.h_dio, world.g1): (date(2024, 10, 1), None),
    }
    # September at Alpha: 3 units × 30 days available; A1 and A3 occupied all 30 days, A2 empty.
    september = vacant_days_by_site(world.engine, date(2024, 9, 1), date(2024, 10, 1), Filters(site_ids=(world.alpha,)))
    assert september[["available_unit_days", "occupied_unit_days", "vacant_unit_days"]].values.tolist() == [[90, 60, 30]]
    assert {name: rows for name, rows in violations(world.engine).items() if rows} == {}


def test_a_convention_closes_on_the_last_night_of_its_stays(world):
    """h_samu stays in A1 [01/03/2024, 01/10/2024): its last night is 30/09, so Alpha's convention may
    end on 30/09 (close_convention), not on 29/09."""
    place(world, world.h_samu, world.a1, date(2024, 3, 1), date(2024, 10, 1))
    refused(world, Conflict, "error.convention_has_occupants", sites.close_convention, world.admin,
            world.alpha_convention, version=1, actual_end_date=date(2024, 9, 29), reason="fin")
    sites.close_convention(world.engine, world.admin, world.alpha_convention, version=1,
                           actual_end_date=date(2024, 9, 30), reason="fin")
    assert {name: rows for name, rows in violations(world.engine).items() if rows} == {}

# --- permissions and stale screens ----------------------------------------------------------------


@pytest.mark.parametrize("who", ["director_samu", "screen"])
def test_read_only_roles_cannot_write(world, who):
    refused(world, PermissionDenied, "error.read_only_role", placements.place_household, getattr(world, who),
            household_id=world.h_samu, unit_id=world.a1, start_date=date(2024, 3, 1))


def test_coordinator_cannot_touch_another_organisations_household(world):
    refused(world, PermissionDenied, "error.other_organisation_household", placements.place_household,
            world.coord_dio, household_id=world.h_samu, unit_id=world.a1, start_date=date(2024, 3, 1))
    refused(world, PermissionDenied, "error.other_organisation_household", households.register_household,
            world.coord_dio, axis_id=2, referent_organisation_id=world.samu, adults=1, children=0,
            administrative_status="regular", referred_on=date(2024, 1, 1))


def test_only_admins_change_sites(world):
    refused(world, PermissionDenied, "error.admin_only", sites.create_unit, world.coord_samu, site_id=world.alpha,
            label="A9", bedrooms=1, capacity=1)


def test_a_change_from_a_stale_screen_is_refused(world):
    placement_id = place(world, world.h_samu, world.a1, date(2024, 3, 1))
    placements.end_placement(world.engine, world.admin, placement_id, version=1, end_date=date(2024, 9, 1),
                             exit_destination="street")
    error = refused(world, StaleVersion, "error.stale_version", placements.end_placement, world.admin, placement_id,
                    version=1, end_date=date(2024, 10, 1), exit_destination="prison")
    assert "rechargez" in error.message("fr")
    refused(world, StaleVersion, "error.stale_version", households.update_household, world.admin, world.h_samu,
            version=7, adults=2, children=0, axis_id=2, referent_organisation_id=world.samu,
            administrative_status="regular", referred_on=date(2023, 12, 1))


def test_references_are_generated_per_year(world):
    _, reference = households.register_household(
        world.engine, SYSTEM, axis_id=3, referent_organisation_id=world.dio, adults=1, children=2,
        administrative_status="pending", referred_on=date(2025, 2, 3),
    )
    assert reference == "ISS-2025-001"
    _, reference = households.register_household(
        world.engine, SYSTEM, axis_id=3, referent_organisation_id=world.dio, adults=1, children=0,
        administrative_status="unknown", referred_on=date(2023, 5, 5),
    )
    assert reference == "ISS-2023-004"


def test_a_site_closing_later_takes_only_stays_that_end_by_then(world):
    sites.close_convention(world.engine, world.admin, world.alpha_convention, version=1,
                           actual_end_date=date(2026, 12, 20), reason="fin annoncée")
    error = refused(world, Conflict, "error.after_convention_end", placements.place_household, world.admin,
                    household_id=world.h_dio, unit_id=world.a1, start_date=date(2026, 12, 1))
    assert "20/12/2026" in error.message("fr")
    refused(world, Conflict, "error.after_convention_end", placements.place_household, world.admin,
            household_id=world.h_dio, unit_id=world.a1, start_date=date(2026, 12, 1), end_date=date(2026, 12, 28))
    place(world, world.h_dio, world.a1, date(2026, 12, 1), date(2026, 12, 20))


def test_a_payment_too_small_to_split_is_refused(world):
    refused(world, InvalidInput, "error.amount_too_small_to_split", contributions.record_payment, world.admin,
            world.h_samu, paid_on=date(2024, 3, 1), amount=Decimal("0.01"),
            period_months=[date(2024, 3, 1), date(2024, 4, 1)], method="cash")
