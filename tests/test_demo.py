"""Demo data: the real sites of the source table, deterministic, consistent."""

from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from issue_core import clock
from issue_core.db import create_issue_engine, migrate, read_session
from issue_core.demo import seed_demo
from issue_core.models import (
    Base,
    ContributionScale,
    ContributionStatus,
    Convention,
    Household,
    Organisation,
    Payment,
    Placement,
    Site,
    Unit,
)
from issue_core.queries.sites import sites_overview
from tests.checks import violations
from tests.conftest import ENGINES, TODAY

SOURCE_TABLE = {  # site: (operator, units, duration in months, status on TODAY)
    "Peterbos": ("Comensia", 7, 7.0, "closed"),
    "Grande Haie": ("Log'Iris", 3, 17.0, "closed"),
    "3 pommiers": ("AIS 3 Pommiers", 13, 36.0, "overdue"),
    "Ganshoren": ("CityDev", 1, 57.0, "overdue"),
    "Trèfles": ("CityDev", 1, 27.0, "overdue"),
    "Dubrucq": ("Log. Molenbeekois", 14, 28.5, "overdue"),
}


def seeded(url: str):
    engine = create_issue_engine(url)
    migrate(engine)
    seed_demo(engine, TODAY)
    return engine


@pytest.fixture(scope="module", params=ENGINES)
def demo(request, tmp_path_factory):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.sqlite'}"
    else:
        url = request.getfixturevalue("new_postgres_database")()
    clock.pin(TODAY)
    engine = seeded(url)
    yield engine
    engine.dispose()


def test_the_six_sites_of_the_source_table(demo):
    sites = sites_overview(demo, TODAY).set_index("site")
    assert set(sites.index) == set(SOURCE_TABLE)
    for name, (operator, units, months, status) in SOURCE_TABLE.items():
        row = sites.loc[name]
        assert (row["housing_operator"], row["units"], row["duration_months"], row["status"]) == (
            operator, units, months, status), name


def test_peterbos_closed_by_the_fire_in_september_2020(demo):
    with read_session(demo) as session:
        convention = session.scalars(
            select(Convention).join(Site, Site.id == Convention.site_id).where(Site.name == "Peterbos")
        ).one()
        assert convention.actual_end_date == date(2020, 9, 30)
        assert "Incendie" in convention.closure_reason
        stays = session.scalars(
            select(Placement).join(Unit, Unit.id == Placement.unit_id).join(Site, Site.id == Unit.site_id)
            .where(Site.name == "Peterbos")
        ).all()
    at_fire = [p for p in stays if p.end_date == date(2020, 9, 30)]
    assert len(at_fire) >= 5
    assert {p.exit_destination for p in at_fire} == {"emergency_shelter"}
    assert all(p.end_date is not None and p.end_date <= date(2020, 9, 30) for p in stays)


def test_reservations_management_and_scale(demo):
    with read_session(demo) as session:
        samusocial = session.scalars(select(Organisation).where(Organisation.short_name == "Samusocial")).one()
        reserved = session.execute(
            select(Site.name, Unit.bedrooms).join(Site, Site.id == Unit.site_id)
            .where(Unit.reserved_for_organisation_id == samusocial.id)
        ).all()
        dubrucq_manager = session.scalar(
            select(Organisation.short_name).join(Site, Site.manager_id == Organisation.id).where(Site.name == "Dubrucq")
        )
        labels = session.scalars(select(ContributionScale.label)).all()
    assert sorted(name for name, _ in reserved) == ["3 pommiers", "3 pommiers", "Peterbos"]
    assert (dict(reserved)["Peterbos"]) == 2  # the two-bedroom flat
    assert dubrucq_manager == "Communa"
    assert labels and all(label.startswith("Exemple") for label in labels)


def test_households_stays_transfers_and_exits(demo):
    with read_session(demo) as session:
        households = session.scalars(select(Household)).all()
        stays = session.scalars(select(Placement)).all()
    assert 90 <= len(households) <= 130
    assert {h.axis_id for h in households} == {1, 2, 3}
    assert all(h.reference.startswith("ISS-20") for h in households)
    assert min(p.start_date for p in stays) < date(2020, 6, 1)
    assert any(p.end_date is None for p in stays)  # households housed today
    transfers = [p for p in stays if p.exit_destination == "other_issue_unit"]
    assert len(transfers) >= 3
    durable = {"durable_social_housing", "durable_private_housing", "housing_first"}
    assert any(p.exit_destination in durable for p in stays)
    waiting = {h.id for h in households} - {p.household_id for p in stays}
    assert len(waiting) >= 5


def test_every_invariant_holds(demo):
    found = violations(demo, TODAY)
    assert {name: rows for name, rows in found.items() if rows} == {}


def test_every_placed_household_has_a_contribution_and_some_are_in_arrears(demo):
    """Arrears counted independently of the app: due = amount in force × placed days ÷ days in month."""
    with read_session(demo) as session:
        stays = session.scalars(select(Placement)).all()
        statuses = session.scalars(select(ContributionStatus).order_by(ContributionStatus.effective_from)).all()
        payments = session.scalars(select(Payment)).all()
    placed = {p.household_id for p in stays}
    assert placed <= {s.household_id for s in statuses}
    amounts = defaultdict(list)
    for status in statuses:
        amounts[status.household_id].append((status.effective_from, Decimal(status.monthly_amount)))
    due = defaultdict(Decimal)
    for stay in stays:
        day = stay.start_date
        while day < (stay.end_date or TODAY + timedelta(days=1)):
            in_force = [amount for start, amount in amounts[stay.household_id] if start <= day]
            due[stay.household_id] += (in_force[-1] if in_force else 0) / calendar.monthrange(day.year, day.month)[1]
            day += timedelta(days=1)
    paid = defaultdict(Decimal)
    for payment in payments:
        paid[payment.household_id] += Decimal(payment.amount)
    in_arrears = [h for h in due if due[h] - paid[h] > 100]
    assert 5 <= len(in_arrears) <= 60
    assert sum(paid.values()) > 0


def table_dump(engine) -> dict[str, list[tuple]]:
    dump = {}
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            # Audit timestamps and bcrypt salts differ from one run to the next, by design.
            columns = [c.name for c in table.columns if c.name not in ("at", "password_hash")]
            rows = connection.execute(text(f"SELECT {', '.join(columns)} FROM {table.name} ORDER BY 1, 2"))
            dump[table.name] = [tuple(str(value) for value in row) for row in rows]
    return dump


def test_demo_is_deterministic(demo, request, tmp_path):
    if demo.dialect.name == "sqlite":
        url = f"sqlite:///{tmp_path / 'again.sqlite'}"
    else:
        url = request.getfixturevalue("new_postgres_database")()
    again = seeded(url)
    assert table_dump(again) == table_dump(demo)
    again.dispose()
