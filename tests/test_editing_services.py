"""Services of the editing forms, on both engines: a stay only planned to end may be ended earlier or
transferred (a finished stay may not); set_income_status and record_payment refuse a change made
from a stale screen (`drawn_from`), and keep working without it (imports)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from issue_core.db import read_session
from issue_core.errors import Conflict, StaleVersion
from issue_core.models import AuditEvent, Placement
from issue_core.queries.screens.households import open_placements
from issue_core.queries.screens.payments import contribution_version
from issue_core.services import contributions, placements, undo
from tests.checks import violations
from tests.conftest import TODAY
from tests.world import refused, row_counts

PLANNED_END = date(2027, 6, 1)



def stale(world, call, *args, **kwargs) -> None:
    """A contributions call refused as coming from a stale screen, writing nothing."""
    before = row_counts(world.engine)
    with pytest.raises(StaleVersion):
        call(*args, **kwargs)
    assert row_counts(world.engine) == before


def stay(world, placement_id: int) -> tuple:
    with read_session(world.engine) as session:
        p = session.get(Placement, placement_id)
        return p.unit_id, p.start_date, p.end_date, p.exit_destination, p.version


def last_action(world) -> str:
    with read_session(world.engine) as session:
        return session.scalars(select(AuditEvent.action).order_by(AuditEvent.id.desc()).limit(1)).one()


def no_violation(world) -> None:
    assert {name: rows for name, rows in violations(world.engine, TODAY).items() if rows} == {}


@pytest.fixture
def planned(world) -> int:
    """h_samu in A1 since 01/03/2024, planned to leave on 01/06/2027 (no exit destination yet)."""
    return placements.place_household(world.engine, world.coord_samu, household_id=world.h_samu, unit_id=world.a1,
                                      start_date=date(2024, 3, 1), end_date=PLANNED_END)


# --- a planned end may be brought forward -------------------------------------------------------------


@pytest.mark.parametrize("day", [date(2026, 12, 15), PLANNED_END], ids=["earlier", "on-the-planned-day"])
def test_a_planned_end_is_brought_forward_or_confirmed(world, planned, day):
    audits = row_counts(world.engine)["audit_event"]
    placements.end_placement(world.engine, world.coord_samu, planned, version=1, end_date=day,
                             exit_destination="durable_social_housing")
    assert stay(world, planned) == (world.a1, date(2024, 3, 1), day, "durable_social_housing", 2)
    assert row_counts(world.engine)["audit_event"] == audits + 1 and last_action(world) == "placement.end"
    no_violation(world)


def test_a_planned_end_is_not_extended(world, planned):
    refused(world, Conflict, "error.placement_planned_end_earlier", placements.end_placement, world.coord_samu,
            planned, version=1, end_date=date(2027, 7, 1), exit_destination="street")


def test_a_finished_stay_stays_finished(world, planned):
    placements.end_placement(world.engine, world.coord_samu, planned, version=1, end_date=date(2026, 12, 15),
                             exit_destination="street")
    refused(world, Conflict, "error.placement_already_ended", placements.end_placement, world.coord_samu,
            planned, version=2, end_date=date(2026, 12, 1), exit_destination="prison")
    refused(world, Conflict, "error.placement_already_ended", placements.transfer_household, world.coord_samu,
            planned, version=2, transfer_date=date(2026, 12, 1), unit_id=world.a3)


def test_a_stay_ended_in_advance_with_its_destination_is_not_changed(world):
    ended = placements.place_household(world.engine, world.admin, household_id=world.h_dio, unit_id=world.a3,
                                       start_date=date(2024, 3, 1))
    placements.end_placement(world.engine, world.admin, ended, version=1, end_date=date(2027, 2, 1),
                             exit_destination="housing_first")
    refused(world, Conflict, "error.placement_already_ended", placements.end_placement, world.admin,
            ended, version=2, end_date=date(2026, 12, 1), exit_destination="street")


def test_a_planned_stay_is_transferred_earlier(world, planned):
    new = placements.transfer_household(world.engine, world.coord_samu, planned, version=1,
                                        transfer_date=date(2026, 12, 1), unit_id=world.a3)
    assert stay(world, planned)[2:4] == (date(2026, 12, 1), "other_issue_unit")
    assert stay(world, new)[:4] == (world.a3, date(2026, 12, 1), None, None)
    assert last_action(world) == "placement.transfer"
    no_violation(world)


def test_a_planned_stay_is_not_transferred_after_its_planned_end(world, planned):
    refused(world, Conflict, "error.placement_planned_end_earlier", placements.transfer_household, world.coord_samu,
            planned, version=1, transfer_date=date(2027, 7, 1), unit_id=world.a3)


def test_bringing_forward_is_undone_back_to_the_planned_end(world, planned):
    placements.end_placement(world.engine, world.coord_samu, planned, version=1, end_date=date(2026, 12, 15),
                             exit_destination="street")
    undo.undo_event(world.engine, world.coord_samu, undo.latest_event_id(world.engine, "coord.samu"))
    assert stay(world, planned)[:4] == (world.a1, date(2024, 3, 1), PLANNED_END, None)


def test_the_end_form_offers_open_and_planned_stays_only(world, planned):
    finished = placements.place_household(world.engine, world.admin, household_id=world.h_dio, unit_id=world.a3,
                                          start_date=date(2024, 3, 1), end_date=date(2024, 9, 1))
    running = placements.place_household(world.engine, world.admin, household_id=world.h_cel, unit_id=world.a3,
                                         start_date=date(2025, 1, 1))
    offered = open_placements(world.engine, None, TODAY)
    assert sorted(offered["placement_id"]) == sorted([planned, running])
    assert dict(zip(offered["placement_id"], offered["end_date"])) == {planned: PLANNED_END, running: None}
    assert list(open_placements(world.engine, None)["placement_id"]) == [running]  # without a day: open ones
    assert list(open_placements(world.engine, world.samu, TODAY)["placement_id"]) == [planned]
    # A planned end already passed (01/09/2024) is not offered on TODAY.
    assert finished not in set(offered["placement_id"])


# --- contributions: a change from a stale screen ---------------------------------------------------------


def set_status(world, drawn_from=None, day=date(2026, 11, 1), amount="120"):  # noqa: ANN001, ANN201
    return contributions.set_income_status(
        world.engine, world.coord_samu, world.h_samu, effective_from=day, income_status="no_income",
        override_amount=Decimal(amount), override_reason="accord CPAS", drawn_from=drawn_from)


def pay(world, drawn_from=None, amount="50", **options):  # noqa: ANN001, ANN003, ANN201
    return contributions.record_payment(
        world.engine, world.coord_samu, world.h_samu, paid_on=date(2026, 11, 10), amount=Decimal(amount),
        period_months=[date(2026, 11, 1)], method="cash", drawn_from=drawn_from, **options)


def test_a_status_from_the_current_screen_is_saved(world):
    assert set_status(world, contribution_version(world.engine, world.h_samu)) == Decimal("120.00")


def test_a_status_from_a_stale_screen_is_refused(world):
    screen = contribution_version(world.engine, world.h_samu)
    set_status(world, screen, amount="100")  # another user, from the same screen
    stale(world, set_status, world, screen, amount="80")
    with read_session(world.engine) as session:
        assert session.scalars(select(AuditEvent.action).where(AuditEvent.action == "contribution.set_status")).all() \
            == ["contribution.set_status"]


def test_a_status_replaced_in_place_changes_the_version(world):
    set_status(world)
    screen = contribution_version(world.engine, world.h_samu)
    set_status(world, amount="90")  # same day: the row is replaced, same id
    assert contribution_version(world.engine, world.h_samu) != screen
    stale(world, pay, world, screen)


def test_a_second_identical_payment_from_the_same_screen_is_refused(world):
    screen = contribution_version(world.engine, world.h_samu)
    pay(world, screen)
    stale(world, pay, world, screen)
    assert row_counts(world.engine)["payment"] == 1
    # Reloaded: accepted (the same payment again within minutes: confirmed, see test_money).
    assert len(pay(world, contribution_version(world.engine, world.h_samu), confirm_duplicate=True)) == 1


def test_an_undone_payment_changes_the_version(world):
    pay(world)
    screen = contribution_version(world.engine, world.h_samu)
    undo.undo_event(world.engine, world.coord_samu, undo.latest_event_id(world.engine, "coord.samu"))
    stale(world, set_status, world, screen)


def test_another_household_s_change_leaves_the_screen_valid(world):
    screen = contribution_version(world.engine, world.h_samu)
    contributions.record_payment(world.engine, world.admin, world.h_dio, paid_on=date(2026, 11, 10),
                                 amount=Decimal("10"), period_months=[date(2026, 11, 1)], method="cash")
    assert len(pay(world, screen)) == 1


def test_without_a_screen_version_nothing_is_compared(world):
    """The import helper's calls (no drawn_from) keep working."""
    pay(world)
    pay(world, confirm_duplicate=True)  # the same payment again within minutes: confirmed
    set_status(world)
    set_status(world, amount="70")
    assert row_counts(world.engine)["payment"] == 2
