"""Demo data: the real sites of the source table, deterministic, consistent."""

from __future__ import annotations

import calendar
from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
import pytest
from sqlalchemy import select, text

from issue_core import clock
from issue_core.db import create_issue_engine, migrate, read_session
from issue_core.demo import EXTENSIONS, SITES, extension_ends, seed_demo
from issue_core.models import (
    AuditEvent,
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
from issue_core.queries.metrics.contributions import contributions_monthly
from issue_core.queries.metrics.conventions import sites_overview
from tests.checks import violations
from tests.conftest import ENGINES, TODAY

SOURCE_TABLE = {  # site: (operator, units, duration in months of the convention as the source table has it)
    "Peterbos": ("Comensia", 7, 7.0),
    "Grande Haie": ("Log'Iris", 3, 17.0),
    "3 pommiers": ("AIS 3 Pommiers", 13, 36.0),
    "Ganshoren": ("CityDev", 1, 57.0),
    "Trèfles": ("CityDev", 1, 27.0),
    "Dubrucq": ("Log. Molenbeekois", 14, 28.5),
}
# On TODAY (23/11/2026), the "ongoing" conventions as extended since (demo.EXTENSIONS), counted by hand:
# 3 pommiers yearly to 31/12/2027 (403 days ahead), Ganshoren yearly to 31/10/2026 then awaiting its next
# extension (23 days overdue), Trèfles by the quarter to 31/12/2026 (38 days: ending soon), Dubrucq
# yearly to 31/07/2027 (250 days). Durations from the start to that planned end (DOMAIN.md, to the half month).
ON_TODAY = {  # site: (planned end, actual end, duration in months, days to end, status)
    "Peterbos": (date(2021, 2, 28), date(2020, 9, 30), 7.0, -2245, "closed"),
    "Grande Haie": (date(2021, 7, 31), date(2021, 7, 31), 17.0, -1941, "closed"),
    "3 pommiers": (date(2027, 12, 31), None, 84.0, 403, "active"),
    "Ganshoren": (date(2026, 10, 31), None, 81.0, -23, "overdue"),
    "Trèfles": (date(2026, 12, 31), None, 57.0, 38, "ending_soon"),
    "Dubrucq": (date(2027, 7, 31), None, 52.5, 250, "active"),
}


def seeded(url: str, as_of: date = TODAY):
    engine = create_issue_engine(url)
    migrate(engine)
    seed_demo(engine, as_of)
    return engine


@pytest.fixture(scope="module", params=ENGINES)
def demo(request, tmp_path_factory):
    """The demo as of TODAY: on SQLite, a copy of the run's demo (tests/conftest.py seeds it the same way)."""
    if request.param == "sqlite":
        engine = create_issue_engine(request.getfixturevalue("demo_url"))
    else:
        clock.pin(TODAY)
        engine = seeded(request.getfixturevalue("new_postgres_database")())
    yield engine
    engine.dispose()


def months(start: date, end: date) -> float:
    """DOMAIN.md: (end - start + 1 day) / (365.25 / 12), to the nearest half month."""
    return round(((end - start).days + 1) / (365.25 / 12) * 2) / 2


def optional(value):
    """A date read from a frame, None for a missing one (NaT)."""
    return None if pd.isna(value) else value


def test_the_six_sites_of_the_source_table(demo):
    """The conventions as written from the source table (their creation in the audit) keep its dates."""
    sites = sites_overview(demo, TODAY).set_index("site")
    assert set(sites.index) == set(SOURCE_TABLE)
    with read_session(demo) as session:
        created = {event.entity_id: event.after for event in session.scalars(
            select(AuditEvent).where(AuditEvent.action == "convention.create"))}
    for name, (operator, units, duration) in SOURCE_TABLE.items():
        row = sites.loc[name]
        assert (row["housing_operator"], row["units"]) == (operator, units), name
        source = created[int(row["convention_id"])]
        start, planned_end = date.fromisoformat(source["start_date"]), date.fromisoformat(source["planned_end_date"])
        end = optional(row["actual_end_date"]) or planned_end
        assert (start, months(start, end)) == (row["start_date"], duration), name


def test_ongoing_conventions_are_extended_not_overdue_for_years(demo):
    sites = sites_overview(demo, TODAY).set_index("site")
    for name, (planned_end, actual_end, duration, days_to_end, status) in ON_TODAY.items():
        row = sites.loc[name]
        assert (row["planned_end_date"], optional(row["actual_end_date"]), row["duration_months"], row["days_to_end"],
                row["status"]) == (planned_end, actual_end, duration, days_to_end, status), name
    with read_session(demo) as session:
        extended = session.scalars(select(AuditEvent.entity_id).where(AuditEvent.action == "convention.extend")).all()
    site_of = {int(row["convention_id"]): name for name, row in sites.iterrows()}
    # 31/12/2023 -> 2024, 2025, 2026, 2027; 31/10/2024 -> 2025, 2026; 30/06/2024 -> ten quarters to 31/12/2026;
    # 31/07/2025 -> 2026, 2027.
    assert Counter(site_of[c] for c in extended) == {"3 pommiers": 4, "Ganshoren": 2, "Trèfles": 10, "Dubrucq": 2}


def test_the_extensions_look_right_on_any_day():
    """Whatever the day the demo is written: 3 pommiers and Dubrucq more than 180 days from their end,
    Trèfles ending within 180 days, Ganshoren overdue by at most a month; never more."""
    source = {demo.name: demo.planned_end for demo in SITES}
    day = date(2026, 1, 1)
    while day < date(2030, 1, 1):
        left = {name: ((extension_ends(source[name], plan, day) or [source[name]])[-1] - day).days
                for name, plan in EXTENSIONS.items()}
        assert left["3 pommiers"] > 180 and left["Dubrucq"] > 180, day
        assert 0 <= left["Trèfles"] <= 180, day
        assert -31 <= left["Ganshoren"] < 0 and -left["Ganshoren"] == day.day, day
        day += timedelta(days=1)


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
    # 30/09 is the convention's last day, occupied like any other: the occupants left on 01/10.
    at_fire = [p for p in stays if p.end_date == date(2020, 10, 1)]
    assert len(at_fire) >= 5
    assert {p.exit_destination for p in at_fire} == {"emergency_shelter"}
    assert all(p.end_date is not None and p.end_date <= date(2020, 10, 1) for p in stays)


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


WAITING = """
    SELECT h.referred_on FROM household h
     WHERE h.referred_on <= :day AND (h.follow_up_ended_on IS NULL OR h.follow_up_ended_on > :day)
       AND NOT EXISTS (SELECT 1 FROM placement p WHERE p.household_id = h.id AND p.start_date <= :day
                         AND (p.end_date IS NULL OR p.end_date > :day))"""


def waiting_since(engine, day: date) -> list[date]:
    """The referral days of the households followed but in no unit on `day`, by plain SQL."""
    with engine.connect() as connection:
        rows = connection.execute(text(WAITING), {"day": day.isoformat() if engine.dialect.name == "sqlite" else day})
        return sorted(date.fromisoformat(str(referred)) for referred, in rows)


def test_the_waiting_list_holds_recent_referrals_only(demo):
    """The eight households referred from two weeks to eight months ago; nobody waits for years (those
    who left a unit were followed a while, at most until today, then their follow-up ended)."""
    waiting = waiting_since(demo, TODAY)
    assert len(waiting) == 8
    assert TODAY - timedelta(days=240) <= waiting[0] and waiting[-1] <= TODAY - timedelta(days=14)


def test_payments_run_up_to_the_current_month(demo):
    """Quarterly payments in advance: the last six months are collected at a realistic rate, the
    month before today and today's month included (no empty months at the end)."""
    monthly = contributions_monthly(demo, date(2026, 6, 1), date(2026, 12, 1)).set_index("month")
    assert list(monthly.index) == [date(2026, m, 1) for m in range(6, 12)]
    assert all(0.7 <= rate <= 1.0 for rate in monthly["collection_rate"]), monthly
    assert 0.7 <= monthly.loc[date(2026, 10, 1), "collection_rate"] <= 0.95
    with read_session(demo) as session:
        november = session.scalars(select(Payment).where(Payment.period_month == date(2026, 11, 1))).all()
    assert november and max(p.paid_on for p in november) <= TODAY


@pytest.mark.slow
def test_the_demo_looks_right_on_another_day(tmp_path):
    """Written on the 2nd of a month (a quarter's first payments not all made yet): the same shape."""
    day = date(2027, 3, 2)
    clock.pin(day)
    engine = seeded(f"sqlite:///{tmp_path / 'other-day.sqlite'}", day)
    sites = sites_overview(engine, day).set_index("site")
    assert dict(sites["status"]) == {"Peterbos": "closed", "Grande Haie": "closed", "3 pommiers": "active",
                                     "Ganshoren": "overdue", "Trèfles": "ending_soon", "Dubrucq": "active"}
    assert sites.loc["Ganshoren", "days_to_end"] == -2  # extended to 28/02/2027
    waiting = waiting_since(engine, day)
    assert len(waiting) == 8
    assert day - timedelta(days=240) <= waiting[0] and waiting[-1] <= day - timedelta(days=14)
    monthly = contributions_monthly(engine, date(2027, 2, 1), date(2027, 4, 1)).set_index("month")
    assert 0.7 <= monthly.loc[date(2027, 2, 1), "collection_rate"] <= 1.0  # 98 %: fewer partial payers placed then
    assert monthly.loc[date(2027, 3, 1), "collection_rate"] > 0.5
    assert {name: rows for name, rows in violations(engine, day).items() if rows} == {}
    engine.dispose()


def table_dump(engine) -> dict[str, list[tuple]]:
    dump = {}
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            # Audit timestamps and bcrypt salts differ from one run to the next, by design.
            columns = [c.name for c in table.columns if c.name not in ("at", "password_hash")]
            rows = connection.execute(text(f"SELECT {', '.join(columns)} FROM {table.name} ORDER BY 1, 2"))
            dump[table.name] = [tuple(str(value) for value in row) for row in rows]
    return dump


@pytest.mark.slow
def test_demo_is_deterministic(demo, request, tmp_path):
    if demo.dialect.name == "sqlite":
        url = f"sqlite:///{tmp_path / 'again.sqlite'}"
    else:
        url = request.getfixturevalue("new_postgres_database")()
    again = seeded(url)
    assert table_dump(again) == table_dump(demo)
    again.dispose()
