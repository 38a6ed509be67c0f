"""A small hand-made world, written through the services, for invariant and service tests.

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

import pytest
from sqlalchemy import Engine, func, select

from issue_core.auth import SYSTEM, Actor
from issue_core.db import read_session
from issue_core.errors import DomainError
from issue_core.models import AuditEvent, Base, Role
from issue_core.services import households, organisations, sites


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
