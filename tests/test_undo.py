"""Undo: a compensating, audited write, refused when the records changed since, after 10 minutes,
for someone else's change, or twice."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from issue_core.db import read_session
from issue_core.errors import Conflict, PermissionDenied
from issue_core.models import AuditEvent, Convention, Payment, Placement
from issue_core.services import contributions, placements, undo
from tests.checks import violations
from tests.conftest import TODAY
from tests.world import audit_count, row_counts


def last_event(world, username="admin") -> int:
    return undo.latest_event_id(world.engine, username)


def stays(world) -> dict[int, tuple]:
    with read_session(world.engine) as session:
        return {p.id: (p.unit_id, p.start_date, p.end_date, p.exit_destination) for p in session.scalars(select(Placement))}


def undo_last(world, actor=None, username="admin") -> None:
    undo.undo_event(world.engine, actor or world.admin, last_event(world, username))


def test_undo_a_placement_removes_it_and_is_audited(world):
    before = row_counts(world.engine)
    placements.place_household(world.engine, world.admin, household_id=world.h_samu, unit_id=world.a1,
                               start_date=date(2024, 3, 1))
    undo_last(world)
    after = row_counts(world.engine)
    assert after["placement"] == before["placement"]
    assert after["audit_event"] == before["audit_event"] + 2
    with read_session(world.engine) as session:
        event = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()
    assert (event.action, event.before["action"]) == ("undo", "placement.create")


def test_undo_an_exit_reopens_the_stay(world):
    stay = placements.place_household(world.engine, world.admin, household_id=world.h_samu, unit_id=world.a1,
                                      start_date=date(2024, 3, 1))
    placements.end_placement(world.engine, world.admin, stay, version=1, end_date=date(2024, 9, 1),
                             exit_destination="street")
    undo_last(world)
    assert stays(world)[stay] == (world.a1, date(2024, 3, 1), None, None)


def test_undo_a_transfer_puts_the_household_back(world):
    stay = placements.place_household(world.engine, world.admin, household_id=world.h_samu, unit_id=world.a1,
                                      start_date=date(2024, 3, 1))
    placements.transfer_household(world.engine, world.admin, stay, version=1, transfer_date=date(2024, 6, 1),
                                  unit_id=world.a3)
    undo_last(world)
    assert stays(world) == {stay: (world.a1, date(2024, 3, 1), None, None)}
    assert all(not rows for rows in violations(world.engine, TODAY).values())


def test_undo_a_site_closure_reopens_the_convention_and_every_stay(world):
    first = placements.place_household(world.engine, world.admin, household_id=world.h_samu, unit_id=world.a1,
                                       start_date=date(2024, 3, 1))
    second = placements.place_household(world.engine, world.admin, household_id=world.h_dio, unit_id=world.a3,
                                        start_date=date(2024, 3, 1))
    placements.close_site(world.engine, world.admin, world.alpha, closing_date=date(2024, 9, 30), reason="incendie",
                          plan={first: placements.Relocation(exit_destination="emergency_shelter"),
                                second: placements.Relocation(exit_destination="care_institution")})
    undo_last(world)
    assert stays(world) == {first: (world.a1, date(2024, 3, 1), None, None),
                            second: (world.a3, date(2024, 3, 1), None, None)}
    with read_session(world.engine) as session:
        assert session.get(Convention, world.alpha_convention).actual_end_date is None


def test_undo_a_payment_over_several_months(world):
    contributions.record_payment(world.engine, world.coord_samu, world.h_samu, paid_on=date(2024, 3, 1),
                                 amount=Decimal("90"), period_months=[date(2024, 1, 1), date(2024, 2, 1)],
                                 method="cash")
    undo_last(world, world.coord_samu, "coord.samu")
    with read_session(world.engine) as session:
        assert session.scalars(select(Payment)).all() == []


def test_undo_is_refused_when_the_record_changed_since(world):
    stay = placements.place_household(world.engine, world.admin, household_id=world.h_samu, unit_id=world.a1,
                                      start_date=date(2024, 3, 1))
    created = last_event(world)
    placements.end_placement(world.engine, world.admin, stay, version=1, end_date=date(2024, 9, 1),
                             exit_destination="street")
    before = row_counts(world.engine)
    with pytest.raises(Conflict) as refused:
        undo.undo_event(world.engine, world.admin, created)
    assert refused.value.key == "error.undo_changed_since"
    assert row_counts(world.engine) == before


def test_undo_is_refused_after_ten_minutes_for_others_and_twice(world, monkeypatch):
    placements.place_household(world.engine, world.coord_samu, household_id=world.h_samu, unit_id=world.a1,
                               start_date=date(2024, 3, 1))
    event = last_event(world, "coord.samu")
    with pytest.raises(PermissionDenied):
        undo.undo_event(world.engine, world.coord_dio, event)
    real_now = undo.now_utc
    monkeypatch.setattr(undo, "now_utc", lambda: real_now() + timedelta(minutes=11))
    with pytest.raises(Conflict) as late:
        undo.undo_event(world.engine, world.coord_samu, event)
    assert late.value.key == "error.undo_too_late"
    monkeypatch.setattr(undo, "now_utc", real_now)
    undo.undo_event(world.engine, world.coord_samu, event)
    count = audit_count(world.engine)
    with pytest.raises(Conflict) as twice:
        undo.undo_event(world.engine, world.coord_samu, event)
    assert twice.value.key == "error.undo_already_done"
    assert audit_count(world.engine) == count


def test_undo_a_site_closure_with_a_transfer(world):
    from issue_core.services import sites

    sites.create_convention(world.engine, world.admin, site_id=world.gamma, start_date=date(2024, 1, 1),
                            planned_end_date=date(2027, 12, 31), units_planned=1)
    first = placements.place_household(world.engine, world.admin, household_id=world.h_samu, unit_id=world.a1,
                                       start_date=date(2024, 3, 1))
    placements.close_site(world.engine, world.admin, world.alpha, closing_date=date(2024, 9, 30), reason="incendie",
                          plan={first: placements.Relocation(unit_id=world.g1)})
    assert len(stays(world)) == 2
    undo_last(world)
    assert stays(world) == {first: (world.a1, date(2024, 3, 1), None, None)}


def test_undo_a_site_closure_gives_back_a_moved_stay_its_planned_end(world):
    from issue_core.services import sites

    sites.create_convention(world.engine, world.admin, site_id=world.gamma, start_date=date(2024, 1, 1),
                            planned_end_date=date(2027, 12, 31), units_planned=1)
    first = placements.place_household(world.engine, world.admin, household_id=world.h_samu, unit_id=world.a1,
                                       start_date=date(2024, 3, 1), end_date=date(2024, 12, 1))
    placements.close_site(world.engine, world.admin, world.alpha, closing_date=date(2024, 9, 30), reason="incendie",
                          plan={first: placements.Relocation(unit_id=world.g1)})
    undo_last(world)
    assert stays(world) == {first: (world.a1, date(2024, 3, 1), date(2024, 12, 1), None)}
    assert all(not rows for rows in violations(world.engine, TODAY).values())
