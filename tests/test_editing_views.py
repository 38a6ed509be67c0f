"""Read models of the editing pages (household_views, payments_views, admin_views, closure_views) on
SQLite and PostgreSQL: the small world of tests/world.py, answers counted by hand.

The world on TODAY (23/11/2026): Alpha (convention from 01/01/2024, planned end 31/12/2025, no
actual end: overdue) with A1, A2 (reserved for Samu), A3; Beta (closed 31/12/2023) with B1; Gamma
(no convention) with G1. Households h_samu (axis 2), h_dio (axis 3), h_cel (axis 1), referred 01/12/2023.
Below, `placed` adds: h_samu in A1 from 01/11/2026 (open), h_dio in A3 from 01/03/2024 to 01/09/2024
(street), a fixed 300 €/month status for h_samu from 01/11/2026 and a payment of 100 € on 10/11/2026."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from issue_core.auth import Actor
from issue_core.models import Role
from issue_core.queries.screens import closure as closure_views
from issue_core.queries.screens import households as views
from issue_core.queries.screens import payments as payments_views
from issue_core.queries.screens import site_admin as admin_views
from issue_core.services import contributions, placements, sites
from issue_core.visibility import NOBODY, scope_of
from tests.conftest import TODAY


@pytest.fixture
def placed(world):
    w = world
    stays = {
        "samu": placements.place_household(w.engine, w.admin, household_id=w.h_samu, unit_id=w.a1,
                                           start_date=date(2026, 11, 1)),
        "dio": placements.place_household(w.engine, w.admin, household_id=w.h_dio, unit_id=w.a3,
                                          start_date=date(2024, 3, 1), end_date=date(2024, 9, 1)),
    }
    placements.end_placement(w.engine, w.admin, stays["dio"], version=1, end_date=date(2024, 9, 1),
                             exit_destination="street")
    contributions.set_income_status(w.engine, w.admin, w.h_samu, effective_from=date(2026, 11, 1),
                                    income_status="no_income", override_amount=Decimal("300"),
                                    override_reason="accord")
    contributions.record_payment(w.engine, w.admin, w.h_samu, paid_on=date(2026, 11, 10), amount=Decimal("100"),
                                 period_months=[date(2026, 11, 1)], method="transfer")
    return stays


# --- household_views ----------------------------------------------------------------------------------


def test_household_scope_follows_the_role(world):
    assert scope_of(world.admin) is None
    assert scope_of(world.coord_samu) == world.samu
    assert scope_of(world.director_samu) == world.samu
    assert scope_of(world.screen) == NOBODY
    assert scope_of(Actor("lost", Role.COORDINATOR, None)) == NOBODY


def test_households_with_their_state(world, placed):
    frame = views.households(world.engine, None, TODAY).set_index("household_id")
    assert list(frame.columns) == views.HOUSEHOLD_COLUMNS[1:]
    assert frame.loc[world.h_samu, ["state", "site", "unit", "placed_since"]].tolist() == [
        "placed", "Alpha", "A1", date(2026, 11, 1)]
    assert frame.loc[world.h_dio, ["state", "placement_id", "first_start", "last_end", "open_placements"]].tolist() == [
        "waiting", 0, date(2024, 3, 1), date(2024, 9, 1), 0]
    assert frame.loc[world.h_cel, "state"] == "waiting"
    assert int(frame.loc[world.h_samu, "open_placements"]) == 1
    assert views.households(world.engine, world.samu, TODAY)["household_id"].tolist() == [world.h_samu]
    assert views.households(world.engine, NOBODY, TODAY).empty
    assert sorted(views.households(world.engine, None, TODAY, states=("waiting",))["household_id"]) == sorted(
        [world.h_dio, world.h_cel])
    assert views.households(world.engine, None, TODAY, axis_ids=(3,))["household_id"].tolist() == [world.h_dio]


def test_households_filtered_by_part_of_the_reference(world):
    frame = views.households(world.engine, None, TODAY)
    reference = frame.loc[frame["household_id"] == world.h_cel, "reference"].iloc[0]
    assert views.households(world.engine, None, TODAY, reference=reference[-3:].lower())["household_id"].tolist() \
        == [world.h_cel]
    assert views.households(world.engine, None, TODAY, reference="%").empty  # a wildcard is a plain character


def test_one_household_s_history(world, placed):
    stays = views.household_placements(world.engine, None, world.h_dio)
    assert stays[["site", "unit", "start_date", "end_date", "exit_destination"]].values.tolist() == [
        ["Alpha", "A3", date(2024, 3, 1), date(2024, 9, 1), "street"]]
    assert views.household_placements(world.engine, world.samu, world.h_dio).empty  # outside the scope
    statuses = views.household_contribution_statuses(world.engine, None, world.h_samu)
    assert statuses[["effective_from", "income_status", "override_reason"]].values.tolist() == [
        [date(2026, 11, 1), "no_income", "accord"]]
    assert float(statuses["monthly_amount"].iloc[0]) == 300.0 and pd.isna(statuses["monthly_income"].iloc[0])
    paid = views.household_payments(world.engine, world.samu, world.h_samu)
    assert paid[["paid_on", "period_month", "method"]].values.tolist() == [
        [date(2026, 11, 10), date(2026, 11, 1), "transfer"]]
    assert float(paid["amount"].iloc[0]) == 100.0
    assert views.household_payments(world.engine, world.dio, world.h_samu).empty


def test_axis_partners(world):
    pairs = views.axis_partners(world.engine, None)
    assert sorted(zip(pairs["axis_id"], pairs["partner"])) == [(1, "Cel"), (2, "Dio"), (2, "Samu"), (3, "Dio")]
    assert views.axis_partners(world.engine, world.samu)[["axis_id", "partner"]].values.tolist() == [[2, "Samu"]]


def test_placeable_households(world, placed):
    waiting = views.placeable_households(world.engine, None, TODAY)
    assert sorted(waiting["household_id"]) == sorted([world.h_dio, world.h_cel])
    # Before h_samu's stay, for a stay ending the day it starts: h_samu too; not before the referral.
    before = views.placeable_households(world.engine, world.samu, date(2026, 10, 1), date(2026, 11, 1))
    assert before["household_id"].tolist() == [world.h_samu]
    assert views.placeable_households(world.engine, world.samu, date(2026, 10, 1), date(2026, 11, 2)).empty
    assert views.placeable_households(world.engine, None, date(2023, 11, 30)).empty


def test_placeable_units(world, placed):
    def offered(organisation, day=TODAY, end=None, **kwargs):  # noqa: ANN001, ANN003, ANN202
        return views.placeable_units(world.engine, day, end, organisation, **kwargs)["unit"].tolist()

    assert offered(world.samu) == ["A2", "A3"]  # A1 is taken; Beta closed; Gamma has no convention
    assert offered(world.dio) == ["A3"]  # A2 is reserved for Samu
    admin = views.placeable_units(world.engine, TODAY, None, world.dio, other_reservations=True)
    assert admin[["unit", "reserved_for"]].fillna("").values.tolist() == [["A2", "Samu"], ["A3", ""]]
    assert offered(world.samu, except_unit_id=world.a3) == ["A2"]
    # A1 is free until h_samu's stay starts on 01/11/2026.
    early = views.placeable_units(world.engine, date(2026, 6, 1), date(2026, 11, 1), world.dio)
    assert early[["unit", "free_until"]].values.tolist() == [["A1", date(2026, 11, 1)], ["A3", None]]
    assert offered(world.dio, date(2023, 6, 1), date(2023, 12, 31)) == ["B1"]  # Beta's convention then
    assert offered(world.dio, date(2023, 6, 1)) == []  # open-ended: Beta's convention has ended


def test_unit_name(world):
    assert views.unit_name(world.engine, world.a2) == "Alpha · A2"
    assert views.unit_name(world.engine, 999_999) is None


def test_open_placements(world, placed):
    frame = views.open_placements(world.engine, None, TODAY)
    assert list(frame.columns) == views.OPEN_PLACEMENT_COLUMNS
    assert frame[["placement_id", "version", "household_id", "site", "unit", "start_date"]].values.tolist() == [
        [placed["samu"], 1, world.h_samu, "Alpha", "A1", date(2026, 11, 1)]]
    assert views.open_placements(world.engine, world.dio, TODAY).empty


# --- payments_views -----------------------------------------------------------------------------------


def test_editable_households(world):
    assert payments_views.editable_households(world.engine, world.samu, False)["household_id"].tolist() == [world.h_samu]
    assert len(payments_views.editable_households(world.engine, None, True)) == 3
    assert payments_views.editable_households(world.engine, None, False).empty


def test_household_balance(world, placed):
    # 300 € a month, placed from 01/11: 23 days of 30 by 23/11 = 230 € due; 100 € paid.
    assert payments_views.household_balance(world.engine, world.h_samu, TODAY) == {
        "due": 230.0, "paid": 100.0, "arrears": 130.0}
    assert payments_views.household_balance(world.engine, world.h_cel, TODAY) == {"due": 0.0, "paid": 0.0, "arrears": 0.0}


def test_contribution_and_payment_history(world, placed):
    contributions.set_income_status(world.engine, world.admin, world.h_samu, effective_from=date(2026, 11, 20),
                                    income_status="integration_income", override_amount=Decimal("150.5"),
                                    override_reason="revu")
    history = payments_views.contribution_history(world.engine, world.h_samu)
    assert history[["effective_from", "income_status"]].values.tolist() == [
        [date(2026, 11, 20), "integration_income"], [date(2026, 11, 1), "no_income"]]
    assert [float(v) for v in history["monthly_amount"]] == [150.5, 300.0]
    paid = payments_views.payment_history(world.engine, world.h_samu)
    assert paid[["paid_on", "period_month", "method"]].values.tolist() == [
        [date(2026, 11, 10), date(2026, 11, 1), "transfer"]]


def test_scale_preview(world):
    contributions.set_scale_entry(world.engine, world.admin, income_status="employment_income", label="Travail",
                                  rule="percent_of_income", effective_from=date(2024, 1, 1), percent=Decimal("20"),
                                  maximum=Decimal("250"))
    preview = payments_views.scale_preview
    assert preview(world.engine, "employment_income", TODAY, 1000.0)["amount"] == Decimal("200.00")
    assert preview(world.engine, "employment_income", TODAY, 2000.0)["amount"] == Decimal("250.00")
    assert preview(world.engine, "employment_income", TODAY, None) == {
        "missing": "income", "label": "Travail", "rule": "percent_of_income"}
    assert preview(world.engine, "employment_income", date(2023, 12, 31), 1000.0) == {"missing": "no_scale"}
    assert preview(world.engine, "no_income", TODAY, None) == {"missing": "no_scale"}


def test_contribution_version_changes_with_the_household_s_records_only(world, placed):
    first = payments_views.contribution_version(world.engine, world.h_samu)
    assert payments_views.contribution_version(world.engine, world.h_samu) == first
    contributions.record_payment(world.engine, world.admin, world.h_dio, paid_on=date(2024, 5, 1),
                                 amount=Decimal("20"), period_months=[date(2024, 5, 1)], method="cash")
    assert payments_views.contribution_version(world.engine, world.h_samu) == first
    contributions.record_payment(world.engine, world.admin, world.h_samu, paid_on=date(2026, 11, 20),
                                 amount=Decimal("20"), period_months=[date(2026, 11, 1)], method="cash")
    assert payments_views.contribution_version(world.engine, world.h_samu) != first


# --- admin_views --------------------------------------------------------------------------------------


def test_sites_admin(world):
    frame = admin_views.sites_admin(world.engine)
    assert frame[["name", "commune", "housing_operator", "manager_id", "version"]].values.tolist() == [
        ["Alpha", "Bruxelles", "Hou", 0, 1], ["Beta", "Bruxelles", "Hou", 0, 1], ["Gamma", "Bruxelles", "Hou", 0, 1]]
    assert frame["location_approximate"].tolist() == [True, True, True]
    assert frame["latitude"].tolist() == [50.85] * 3


def test_site_conventions_with_their_status(world):
    alpha = admin_views.site_conventions(world.engine, world.alpha, TODAY)
    assert alpha[["start_date", "planned_end_date", "actual_end_date", "units_planned", "status", "version"]].values.tolist() \
        == [[date(2024, 1, 1), date(2025, 12, 31), None, 3, "overdue", 1]]
    beta = admin_views.site_conventions(world.engine, world.beta, TODAY)
    assert beta[["actual_end_date", "closure_reason", "status", "version"]].values.tolist() == [
        [date(2023, 12, 31), "fin", "closed", 2]]
    assert admin_views.site_conventions(world.engine, world.gamma, TODAY).empty
    assert admin_views.site_conventions(world.engine, world.alpha, date(2023, 6, 1))["status"].tolist() == ["upcoming"]


def test_site_units_and_unavailability(world):
    units = admin_views.site_units_admin(world.engine, world.alpha)
    assert units[["label", "bedrooms", "capacity", "reserved_for", "reserved_for_id"]].fillna("").values.tolist() == [
        ["A1", 1, 2, "", 0], ["A2", 1, 2, "Samu", world.samu], ["A3", 1, 2, "", 0]]
    sites.add_unavailability(world.engine, world.admin, unit_id=world.a3, start_date=date(2026, 12, 1), reason="travaux")
    sites.add_unavailability(world.engine, world.admin, unit_id=world.a1, start_date=date(2025, 1, 1),
                             end_date=date(2025, 2, 1), reason="dégâts")
    periods = admin_views.site_unavailability(world.engine, world.alpha)
    assert periods[["unit", "start_date", "end_date", "reason"]].values.tolist() == [
        ["A3", date(2026, 12, 1), None, "travaux"], ["A1", date(2025, 1, 1), date(2025, 2, 1), "dégâts"]]
    assert admin_views.site_unavailability(world.engine, world.beta).empty


def test_scale_entries(world):
    contributions.set_scale_entry(world.engine, world.admin, income_status="no_income", label="Sans revenu",
                                  rule="fixed", effective_from=date(2024, 1, 1), amount=Decimal("0"))
    contributions.set_scale_entry(world.engine, world.admin, income_status="no_income", label="Sans revenu 2026",
                                  rule="fixed", effective_from=date(2026, 1, 1), amount=Decimal("10"))
    frame = admin_views.scale_entries(world.engine)
    assert frame[["income_status", "label", "rule", "amount", "effective_from"]].values.tolist() == [
        ["no_income", "Sans revenu 2026", "fixed", 10.0, date(2026, 1, 1)],
        ["no_income", "Sans revenu", "fixed", 0.0, date(2024, 1, 1)]]
    assert frame["percent"].isna().all()


# --- closure_views ------------------------------------------------------------------------------------


def test_closable_sites(world):
    frame = closure_views.closable_sites(world.engine, TODAY)
    assert frame[["site", "convention_start", "planned_end_date"]].values.tolist() == [
        ["Alpha", date(2024, 1, 1), date(2025, 12, 31)]]
    assert closure_views.closable_sites(world.engine, date(2023, 12, 31)).empty  # Alpha had not started


def test_occupants_on_the_closing_day(world, placed):
    on_today = closure_views.occupants_on(world.engine, world.alpha, TODAY)
    assert on_today[["placement_id", "household_id", "partner", "unit", "start_date", "end_date"]].values.tolist() == [
        [placed["samu"], world.h_samu, "Samu", "A1", date(2026, 11, 1), None]]
    # The closing day is the convention's last day; its occupants are those still there the day after.
    assert closure_views.occupants_on(world.engine, world.alpha, date(2026, 10, 31)).empty  # starts the day after
    assert closure_views.occupants_on(world.engine, world.alpha, date(2026, 11, 1))["unit"].tolist() == ["A1"]
    assert closure_views.occupants_on(world.engine, world.alpha, date(2024, 6, 1))["unit"].tolist() == ["A3"]
    assert closure_views.occupants_on(world.engine, world.alpha, date(2024, 8, 30))["unit"].tolist() == ["A3"]
    assert closure_views.occupants_on(world.engine, world.alpha, date(2024, 8, 31)).empty  # leaves on 01/09 anyway


def test_the_forms_offer_a_conventions_last_day(world):
    """A convention's last day is occupiable. Beta's convention ends on 31/12/2023: the placement form
    offers B1 for a stay ending on 01/01/2024 (last night 31/12), not for one ending a day later. A site
    closed on 30/09/2024 is left on 01/10: the closure form offers G1 of Gamma, whose stay ends on
    01/10, to move to — but not when closing on 29/09 (G1 still taken on 30/09)."""
    def offered(start, end):  # noqa: ANN001, ANN202
        return views.placeable_units(world.engine, start, end, world.samu)["unit"].tolist()

    assert "B1" in offered(date(2023, 12, 1), date(2024, 1, 1))
    assert "B1" not in offered(date(2023, 12, 1), date(2024, 1, 2))
    sites.create_convention(world.engine, world.admin, site_id=world.gamma, start_date=date(2024, 1, 1),
                            planned_end_date=date(2026, 12, 31), units_planned=1)
    placements.place_household(world.engine, world.admin, household_id=world.h_cel, unit_id=world.g1,
                               start_date=date(2024, 3, 1), end_date=date(2024, 10, 1))
    assert closure_views.relocation_units(world.engine, date(2024, 9, 30), world.alpha)["unit"].tolist() == ["G1"]
    assert closure_views.relocation_units(world.engine, date(2024, 9, 29), world.alpha).empty

def test_relocation_units(world, placed):
    assert closure_views.relocation_units(world.engine, TODAY, world.alpha).empty  # Beta closed, Gamma no convention
    sites.create_convention(world.engine, world.admin, site_id=world.gamma, start_date=date(2026, 1, 1),
                            planned_end_date=date(2028, 12, 31), units_planned=1)
    frame = closure_views.relocation_units(world.engine, TODAY, world.alpha)
    assert frame[["unit", "site", "reserved_for_id"]].values.tolist() == [["G1", "Gamma", 0]]
    from_gamma = closure_views.relocation_units(world.engine, TODAY, world.gamma)
    assert from_gamma["unit"].tolist() == ["A2", "A3"]  # A1 is taken by h_samu
    sites.add_unavailability(world.engine, world.admin, unit_id=world.a3, start_date=date(2027, 1, 1), reason="travaux")
    assert closure_views.relocation_units(world.engine, TODAY, world.gamma)["unit"].tolist() == ["A2"]
