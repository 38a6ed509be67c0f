"""The hand-made worlds of the tests, written through the services (tests/conftest.py's world_from writes
each once per engine, then copies its rows). build_world: for invariant and service tests.

    Site "Alpha" (operator Hou): convention 01/01/2024 → planned 31/12/2025, no actual end (overdue
        on TODAY); units A1, A2 (reserved for Samu), A3.
    Site "Beta": convention 01/01/2023 → closed 31/12/2023; unit B1.
    Site "Gamma": no convention; unit G1.
    Partners: Samu (axis 2), Dio (axes 2 and 3), Cel (axis 1), Ilot (no axis).
    Households: h_samu (Samu, axis 2), h_dio (Dio, axis 3), h_cel (Cel, axis 1), all referred 01/12/2023.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select

from issue_core.auth import SYSTEM, Actor
from issue_core.db import read_session
from issue_core.errors import DomainError
from issue_core.models import AuditEvent, Base, Role
from issue_core.services import contributions, households, organisations, placements, sites


@dataclass
class World:
    engine: Engine
    samu: int
    dio: int
    cel: int
    ilot: int
    hou: int
    alpha: int
    beta: int
    gamma: int
    a1: int
    a2: int
    a3: int
    b1: int
    g1: int
    alpha_convention: int
    h_samu: int
    h_dio: int
    h_cel: int
    admin: Actor
    coord_samu: Actor
    coord_dio: Actor
    director_samu: Actor
    screen: Actor


def build_world(engine: Engine) -> World:
    org = {}
    for short, kind in (("Samu", "partner"), ("Dio", "partner"), ("Cel", "partner"), ("Ilot", "partner"), ("Hou", "housing_operator")):
        org[short] = organisations.create_organisation(engine, SYSTEM, name=f"{short} asbl", short_name=short, kind=kind)
    organisations.set_axis_operators(engine, SYSTEM, 1, [org["Cel"]])
    organisations.set_axis_operators(engine, SYSTEM, 2, [org["Samu"], org["Dio"]])
    organisations.set_axis_operators(engine, SYSTEM, 3, [org["Dio"]])

    def site(name: str) -> int:
        return sites.create_site(engine, SYSTEM, name=name, commune="Bruxelles", latitude=50.85, longitude=4.35,
                                 housing_operator_id=org["Hou"])

    alpha, beta, gamma = site("Alpha"), site("Beta"), site("Gamma")
    alpha_convention = sites.create_convention(engine, SYSTEM, site_id=alpha, start_date=date(2024, 1, 1),
                                               planned_end_date=date(2025, 12, 31), units_planned=3)
    beta_convention = sites.create_convention(engine, SYSTEM, site_id=beta, start_date=date(2023, 1, 1),
                                              planned_end_date=date(2023, 12, 31), units_planned=1)
    sites.close_convention(engine, SYSTEM, beta_convention, version=1, actual_end_date=date(2023, 12, 31), reason="fin")

    def unit(site_id: int, label: str, reserved: int | None = None) -> int:
        return sites.create_unit(engine, SYSTEM, site_id=site_id, label=label, bedrooms=1, capacity=2,
                                 reserved_for_organisation_id=reserved)

    a1, a2, a3 = unit(alpha, "A1"), unit(alpha, "A2", org["Samu"]), unit(alpha, "A3")
    b1, g1 = unit(beta, "B1"), unit(gamma, "G1")

    def household(axis: int, organisation: int) -> int:
        household_id, _ = households.register_household(
            engine, SYSTEM, axis_id=axis, referent_organisation_id=organisation, adults=1, children=0,
            administrative_status="regular", referred_on=date(2023, 12, 1),
        )
        return household_id

    return World(
        engine=engine, samu=org["Samu"], dio=org["Dio"], cel=org["Cel"], ilot=org["Ilot"], hou=org["Hou"],
        alpha=alpha, beta=beta, gamma=gamma, a1=a1, a2=a2, a3=a3, b1=b1, g1=g1, alpha_convention=alpha_convention,
        h_samu=household(2, org["Samu"]), h_dio=household(3, org["Dio"]), h_cel=household(1, org["Cel"]),
        admin=Actor("admin", Role.ADMIN),
        coord_samu=Actor("coord.samu", Role.COORDINATOR, org["Samu"]),
        coord_dio=Actor("coord.dio", Role.COORDINATOR, org["Dio"]),
        director_samu=Actor("dir.samu", Role.DIRECTOR, org["Samu"]),
        screen=Actor("screen", Role.SCREEN),
    )


def samu_dio_and_hou(engine: Engine) -> tuple[int, int, int]:
    """The partners Samu (axis 2) and Dio (axes 2 and 3) and the housing operator Hou: the organisations of
    the small worlds of the waiting list and the data quality tests. Returns their ids."""
    samu = organisations.create_organisation(engine, SYSTEM, name="Samu asbl", short_name="Samu", kind="partner")
    dio = organisations.create_organisation(engine, SYSTEM, name="Dio asbl", short_name="Dio", kind="partner")
    hou = organisations.create_organisation(engine, SYSTEM, name="Hou scrl", short_name="Hou", kind="housing_operator")
    organisations.set_axis_operators(engine, SYSTEM, 2, [samu, dio])
    organisations.set_axis_operators(engine, SYSTEM, 3, [dio])
    return samu, dio, hou


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows per table, to show that a refused write changed nothing (audit included)."""
    with read_session(engine) as session:
        return {
            table.name: session.scalar(select(func.count()).select_from(table))
            for table in Base.metadata.sorted_tables
        }


def audit_count(engine: Engine) -> int:
    with read_session(engine) as session:
        return session.scalar(select(func.count()).select_from(AuditEvent))


def refused(world, error_type, key, call, *args, **kwargs) -> DomainError:
    """Run a service call that must be refused with `key`, and check that nothing was written."""
    before = row_counts(world.engine)
    with pytest.raises(error_type) as caught:
        call(world.engine, *args, **kwargs)
    assert caught.value.key == key, caught.value.message("en")
    assert row_counts(world.engine) == before
    return caught.value


# --- the small world of the metrics and the period report (tests/test_metrics.py, tests/test_report.py) -----

def d(month: int, day: int, year: int = 2026) -> date:
    return date(year, month, day)


@dataclass
class Small:
    engine: object
    cel: int
    samu: int
    dio: int
    hou: int
    cit: int
    north: int
    south: int
    west: int
    units: dict[str, int]
    h: dict[int, int]  # h1..h9 → household id
    placements: dict[str, int]


def build_small_world(engine) -> Small:
    """The small world of the metrics, counted by hand (today is pinned to 2026-11-23):

        Partners: Cel (axis 1), Samu (axis 2), Dio (axes 2 and 3). Housing operators: Hou, Cit.
        North (Hou): convention 01/01/2026 → planned 31/03/2027, open     units N1 N2 N3
        South (Cit): convention 01/06/2025 → planned 30/06/2026, open     units S1 S2   (overdue today)
        West  (Hou): convention 01/01/2026 → closed 20/03/2026 (last day) unit  W1
        N3 unavailable [10/03, 15/03) (works) and [01/06, 01/07) (damage).

        household  axis partner referred  placements [start, end) → exit          follow-up ended
        h1         1    Cel     01/02     N1 [20/02, 10/03) → durable_social       31/03
        h2         2    Samu    01/03     N1 [15/03, open)
        h3         3    Dio     15/12/25  N2 [10/01, 20/03) → transfer, S1 [20/03, 05/04) → street
        h4         2    Dio     15/01     W1 [01/02, 20/03) → emergency_shelter   20/03
        h5         2    Samu    01/03     S2 [25/03, open)
        h6         1    Cel     01/03     N3 [15/03, 20/04) → durable_private
        h7         1    Cel     15/10     S1 [01/11, open)
        h8         3    Dio     05/03     (waiting)
        h9         2    Samu    01/02     (never placed)                          12/03

        Monthly contribution in force: h1 62 from 20/02; h2 62 from 15/03; h3 31 from 10/01;
        h5 0 from 25/03 then 90 from 11/04 (mid-month change); h4, h6, h7 none.
        Payments: h3 62 on 01/03 for Jan + Feb (31 each); h1 20 on 05/03 for Feb; h2 34 on 05/04 for
        March and 62 on 05/05 for April; h5 60 on 10/05 for April.

    All dates are 2026 unless written otherwise.
    """
    org = {
        short: organisations.create_organisation(engine, SYSTEM, name=f"{short} asbl", short_name=short, kind=kind)
        for short, kind in (("Cel", "partner"), ("Samu", "partner"), ("Dio", "partner"),
                            ("Hou", "housing_operator"), ("Cit", "housing_operator"))
    }
    organisations.set_axis_operators(engine, SYSTEM, 1, [org["Cel"]])
    organisations.set_axis_operators(engine, SYSTEM, 2, [org["Samu"], org["Dio"]])
    organisations.set_axis_operators(engine, SYSTEM, 3, [org["Dio"]])

    site_ids, convention_ids = {}, {}
    for name, operator, start, planned_end in (
        ("North", "Hou", d(1, 1), d(3, 31, 2027)),
        ("South", "Cit", d(6, 1, 2025), d(6, 30)),
        ("West", "Hou", d(1, 1), d(12, 31)),
    ):
        site_ids[name] = sites.create_site(engine, SYSTEM, name=name, commune="Bruxelles", latitude=50.85,
                                           longitude=4.35, housing_operator_id=org[operator])
        convention_ids[name] = sites.create_convention(engine, SYSTEM, site_id=site_ids[name], start_date=start,
                                                       planned_end_date=planned_end, units_planned=3)
    units = {
        label: sites.create_unit(engine, SYSTEM, site_id=site_ids[site], label=label, bedrooms=1, capacity=2)
        for label, site in (("N1", "North"), ("N2", "North"), ("N3", "North"), ("S1", "South"), ("S2", "South"),
                            ("W1", "West"))
    }
    sites.add_unavailability(engine, SYSTEM, unit_id=units["N3"], start_date=d(3, 10), end_date=d(3, 15),
                             reason="works")

    h = {}
    for number, axis, partner, referred in (
        (1, 1, "Cel", d(2, 1)), (2, 2, "Samu", d(3, 1)), (3, 3, "Dio", d(12, 15, 2025)), (4, 2, "Dio", d(1, 15)),
        (5, 2, "Samu", d(3, 1)), (6, 1, "Cel", d(3, 1)), (7, 1, "Cel", d(10, 15)), (8, 3, "Dio", d(3, 5)),
        (9, 2, "Samu", d(2, 1)),
    ):
        h[number], _ = households.register_household(
            engine, SYSTEM, axis_id=axis, referent_organisation_id=org[partner], adults=1, children=0,
            administrative_status="regular", referred_on=referred,
        )

    def place(number: int, unit: str, start: date) -> int:
        return placements.place_household(engine, SYSTEM, household_id=h[number], unit_id=units[unit], start_date=start)

    def end(placement_id: int, day: date, destination: str) -> None:
        placements.end_placement(engine, SYSTEM, placement_id, version=1, end_date=day, exit_destination=destination)

    p = {}
    p["h1"] = place(1, "N1", d(2, 20))
    end(p["h1"], d(3, 10), "durable_social_housing")
    p["h2"] = place(2, "N1", d(3, 15))
    p["h3_n2"] = place(3, "N2", d(1, 10))
    p["h3_s1"] = placements.transfer_household(engine, SYSTEM, p["h3_n2"], version=1, transfer_date=d(3, 20),
                                               unit_id=units["S1"])
    end(p["h3_s1"], d(4, 5), "street")
    p["h4"] = place(4, "W1", d(2, 1))
    end(p["h4"], d(3, 20), "emergency_shelter")
    sites.close_convention(engine, SYSTEM, convention_ids["West"], version=1, actual_end_date=d(3, 20), reason="fin")
    p["h5"] = place(5, "S2", d(3, 25))
    p["h6"] = place(6, "N3", d(3, 15))
    end(p["h6"], d(4, 20), "durable_private_housing")
    sites.add_unavailability(engine, SYSTEM, unit_id=units["N3"], start_date=d(6, 1), end_date=d(7, 1), reason="damage")
    p["h7"] = place(7, "S1", d(11, 1))

    for number, ended in ((1, d(3, 31)), (4, d(3, 20)), (9, d(3, 12))):
        households.end_follow_up(engine, SYSTEM, h[number], version=1, ended_on=ended)

    for number, start, amount in ((1, d(2, 20), "62"), (2, d(3, 15), "62"), (3, d(1, 10), "31"),
                                  (5, d(3, 25), "0"), (5, d(4, 11), "90")):
        contributions.set_income_status(engine, SYSTEM, h[number], effective_from=start, income_status="no_income",
                                        override_amount=Decimal(amount), override_reason="test")
    for number, paid_on, amount, months in ((3, d(3, 1), "62", [d(1, 1), d(2, 1)]), (1, d(3, 5), "20", [d(2, 1)]),
                                            (2, d(4, 5), "34", [d(3, 1)]), (2, d(5, 5), "62", [d(4, 1)]),
                                            (5, d(5, 10), "60", [d(4, 1)])):
        contributions.record_payment(engine, SYSTEM, h[number], paid_on=paid_on, amount=Decimal(amount),
                                     period_months=months, method="transfer")
    return Small(engine, org["Cel"], org["Samu"], org["Dio"], org["Hou"], org["Cit"], site_ids["North"],
                 site_ids["South"], site_ids["West"], units, h, p)


# --- the money world: arrears and rounding (tests/test_money.py) -------------------------------------------


def build_money_world(engine: Engine) -> dict[str, int]:
    org = {short: organisations.create_organisation(engine, SYSTEM, name=f"{short} asbl", short_name=short, kind=kind)
           for short, kind in (("Samu", "partner"), ("Dio", "partner"), ("Hou", "housing_operator"))}
    organisations.set_axis_operators(engine, SYSTEM, 2, [org["Samu"], org["Dio"]])
    alpha = sites.create_site(engine, SYSTEM, name="Alpha", commune="Bruxelles", latitude=50.85, longitude=4.35,
                              housing_operator_id=org["Hou"])
    sites.create_convention(engine, SYSTEM, site_id=alpha, start_date=date(2026, 1, 1),
                            planned_end_date=date(2027, 12, 31), units_planned=4)
    units = [sites.create_unit(engine, SYSTEM, site_id=alpha, label=f"U{n}", bedrooms=1, capacity=2)
             for n in range(1, 5)]
    ids = {"samu": org["Samu"], "dio": org["Dio"]}
    for name, partner, referred, unit, start, amount in (
        ("hA", "Samu", date(2026, 10, 1), units[0], date(2026, 11, 1), "101"),
        ("hB", "Samu", date(2026, 10, 1), units[1], date(2026, 11, 1), "101"),
        ("hC", "Samu", date(2026, 10, 1), units[2], date(2026, 11, 1), "40"),
        ("hD", "Dio", date(2026, 5, 1), units[3], date(2026, 6, 1), "100"),
    ):
        ids[name], _ = households.register_household(
            engine, SYSTEM, axis_id=2, referent_organisation_id=org[partner], adults=1, children=0,
            administrative_status="regular", referred_on=referred)
        placements.place_household(engine, SYSTEM, household_id=ids[name], unit_id=unit, start_date=start)
        contributions.set_income_status(engine, SYSTEM, ids[name], effective_from=start, income_status="no_income",
                                        override_amount=Decimal(amount), override_reason="test")
    contributions.record_payment(engine, SYSTEM, ids["hD"], paid_on=date(2026, 11, 10), amount=Decimal("500"),
                                 period_months=[date(2026, month, 1) for month in range(6, 11)], method="transfer")
    ids["hE"], _ = households.register_household(
        engine, SYSTEM, axis_id=2, referent_organisation_id=org["Samu"], adults=1, children=0,
        administrative_status="regular", referred_on=date(2021, 2, 1))
    households.end_follow_up(engine, SYSTEM, ids["hE"], version=1, ended_on=date(2021, 6, 30))
    return ids
