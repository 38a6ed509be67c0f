"""Random sequences of service calls — valid and invalid — keep every invariant of DOMAIN.md, and the
audit holds exactly one row per accepted write while a refused call changes nothing.

A hypothesis state machine draws calls to register, place, end, transfer, close a site, set an income
status and record a payment, from small pools of units, households, actors and dates (invalid ones
included). After each step the invariants are checked by SQL on the database itself.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import Date, Engine, and_, exists, func, literal, or_, select
from sqlalchemy.orm import aliased

from issue_core import clock
from issue_core.auth import SYSTEM
from issue_core.db import create_issue_engine, read_session
from issue_core.errors import DomainError
from issue_core.models import (
    AdministrativeStatus,
    AuditEvent,
    AxisOperator,
    ContributionStatus,
    Convention,
    ExitDestination,
    Household,
    IncomeStatus,
    Payment,
    PaymentMethod,
    Placement,
    Unit,
    UnitUnavailability,
)
from issue_core.services import contributions, households, placements, sites
from tests.conftest import ENGINES, empty_postgres, sqlite_engine
from tests.world import build_world, row_counts

FIRST_DAY, LAST_DAY = date(2023, 6, 1), date(2026, 12, 31)
FAR_FUTURE = date(9999, 12, 31)
MISSING_ID = 999_999

# Days where the rules change: referral, convention starts and ends, today, the end of the pool.
KEY_DATES = [
    FIRST_DAY, date(2023, 12, 1), date(2023, 12, 31), date(2024, 1, 1), date(2025, 1, 1), date(2025, 12, 31),
    date(2026, 11, 22), date(2026, 11, 23), date(2026, 11, 24), date(2026, 12, 20), LAST_DAY,
]
dates = st.one_of(st.sampled_from(KEY_DATES), st.dates(FIRST_DAY, LAST_DAY))
maybe_dates = st.one_of(st.none(), dates)
ACTORS = ["admin", "coord_samu", "coord_dio", "director_samu", "screen"]
actors = st.one_of(st.just("admin"), st.sampled_from(ACTORS))  # admin half the time: more accepted writes
UNITS = ["a1", "a2", "a3", "b1", "g1", "d1", "d2"]
units = st.sampled_from(UNITS)
exit_destinations = st.sampled_from([*ExitDestination.values(), "nowhere"])
override_reasons = st.sampled_from([None, None, "urgence hivernale"])
amounts = st.one_of(st.sampled_from(["-5", "0", "0.01", "12.50", "250"]), st.decimals(-10, 900, places=2))

SETTINGS = settings(
    max_examples=30,
    stateful_step_count=35,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# --- the world the machine plays in -----------------------------------------------------------------


def add_delta_site(world) -> dict[str, int]:
    """A second open site, "Delta" (convention from 01/06/2023, no end), with D1 and D2 (reserved for Dio)."""
    engine = world.engine
    delta = sites.create_site(engine, SYSTEM, name="Delta", commune="Molenbeek", housing_operator_id=world.hou)
    sites.create_convention(engine, SYSTEM, site_id=delta, start_date=FIRST_DAY, planned_end_date=date(2027, 6, 30),
                            units_planned=2)
    d1 = sites.create_unit(engine, SYSTEM, site_id=delta, label="D1", bedrooms=2, capacity=4)
    d2 = sites.create_unit(engine, SYSTEM, site_id=delta, label="D2", bedrooms=1, capacity=2,
                           reserved_for_organisation_id=world.dio)
    return {"delta": delta, "d1": d1, "d2": d2}


def add_unavailability(world, d1: int) -> None:
    """A3 under works in Q1 2025; D1 unavailable from 01/10/2026 with no end yet."""
    sites.add_unavailability(world.engine, SYSTEM, unit_id=world.a3, start_date=date(2025, 1, 1),
                             end_date=date(2025, 4, 1), reason="travaux")
    sites.add_unavailability(world.engine, SYSTEM, unit_id=d1, start_date=date(2026, 10, 1), reason="dégât des eaux")


def add_scale(engine: Engine) -> None:
    """A scale for three statuses from 2023; employment income only from 2025 (before: no scale)."""
    entries = [
        dict(income_status="no_income", rule="fixed", amount="0", effective_from=date(2023, 1, 1)),
        dict(income_status="integration_income", rule="fixed", amount="50", effective_from=date(2023, 1, 1)),
        dict(income_status="replacement_income", rule="percent_of_income", percent="10", minimum="20",
             maximum="200", effective_from=date(2023, 1, 1)),
        dict(income_status="employment_income", rule="percent_of_income", percent="15",
             effective_from=date(2025, 1, 1)),
    ]
    for entry in entries:
        contributions.set_scale_entry(engine, SYSTEM, label=entry["income_status"], **entry)


# --- what the database holds ------------------------------------------------------------------------


def ids(engine: Engine, column) -> list[Any]:
    with read_session(engine) as session:
        return list(session.scalars(select(column).order_by(column)))


def mutable_rows(engine: Engine) -> dict[str, list[tuple]]:
    """Every row of the tables the services update in place, to show a refusal changed nothing."""
    with read_session(engine) as session:
        return {
            model.__tablename__: [tuple(row) for row in session.execute(select(model.__table__).order_by(model.id))]
            for model in (Placement, Convention, Household, ContributionStatus)
        }


def overlaps(a_start, a_end, b_start, b_end):
    """SQL: half-open [a_start, a_end) meets [b_start, b_end); a NULL end is the far future."""
    far = literal(FAR_FUTURE, Date)
    return and_(a_start < func.coalesce(b_end, far), b_start < func.coalesce(a_end, far))


def overlapping_placements(engine: Engine, column: str) -> list[tuple]:
    a, b = aliased(Placement), aliased(Placement)
    query = select(a.id, b.id).where(
        getattr(a, column) == getattr(b, column), a.id < b.id,
        overlaps(a.start_date, a.end_date, b.start_date, b.end_date),
    )
    with read_session(engine) as session:
        return list(session.execute(query))


def override_placement_ids(engine: Engine) -> set[int]:
    """Placements whose audit row (create, transfer or site closing) records a reservation override."""
    found: set[int] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if value.get("reservation_override_reason") and "id" in value:
                found.add(value["id"])
            for inner in value.values():
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    for after in ids(engine, AuditEvent.after):
        walk(after)
    return found


# --- the machine ------------------------------------------------------------------------------------


class ServiceCalls(RuleBasedStateMachine):
    def __init__(self, make_engine: Callable[[], Engine]) -> None:
        super().__init__()
        self.engine = make_engine()
        self.world = build_world(self.engine)
        delta = add_delta_site(self.world)
        add_unavailability(self.world, delta["d1"])
        add_scale(self.engine)
        w = self.world
        self.units = {"a1": w.a1, "a2": w.a2, "a3": w.a3, "b1": w.b1, "g1": w.g1, "d1": delta["d1"], "d2": delta["d2"]}
        self.sites = [w.alpha, w.beta, w.gamma, delta["delta"], MISSING_ID]
        self.actors = {name: getattr(w, name) for name in ACTORS}
        self.organisations = [w.samu, w.dio, w.cel, w.ilot, w.hou]

    def teardown(self) -> None:
        self.engine.dispose()

    # -- one service call, checked ----------------------------------------------------------------

    def attempt(self, action: str, call: Callable[..., Any], *args: Any, grows: dict[str, int] | None = None,
                **kwargs: Any) -> Any:
        """Call a service. Accepted: exactly one new audit row, of `action` (and the rows in `grows`).
        Refused with a DomainError: nothing changed at all. Any other exception fails the test."""
        counts, rows = row_counts(self.engine), mutable_rows(self.engine)
        try:
            result = call(self.engine, *args, **kwargs)
        except DomainError as refusal:
            event(f"{action}: refused {refusal.key}")
            assert row_counts(self.engine) == counts, f"{action} refused ({refusal.key}) but wrote rows"
            assert mutable_rows(self.engine) == rows, f"{action} refused ({refusal.key}) but changed rows"
            return None
        event(f"{action}: accepted")
        after = row_counts(self.engine)
        assert after["audit_event"] == counts["audit_event"] + 1, f"{action}: not exactly one audit row"
        assert self.last_audit_action() == action, f"{action}: audited as {self.last_audit_action()}"
        for table, delta in (grows or {}).items():
            assert after[table] == counts[table] + delta, f"{action}: {table} grew by {after[table] - counts[table]}"
        return result

    def last_audit_action(self) -> str:
        with read_session(self.engine) as session:
            return session.scalar(select(AuditEvent.action).order_by(AuditEvent.id.desc()).limit(1))

    def pick_household(self, data) -> int:
        return data.draw(st.sampled_from([*ids(self.engine, Household.id), MISSING_ID]), label="household")

    def pick_placement(self, data) -> tuple[int, int]:
        """A placement id and its current version (a missing id now and then)."""
        with read_session(self.engine) as session:
            current = [tuple(row) for row in session.execute(select(Placement.id, Placement.version).order_by(Placement.id))]
        return data.draw(st.sampled_from([*current, (MISSING_ID, 1)]), label="placement")

    @staticmethod
    def version_to_send(version: int, stale: bool) -> int:
        return (version - 1 or version + 1) if stale else version

    # -- rules -----------------------------------------------------------------------------------

    @rule(actor=actors, axis=st.integers(0, 3), organisation=st.integers(0, 4), adults=st.integers(0, 3),
          children=st.integers(-1, 3), status=st.sampled_from([*AdministrativeStatus.values(), "homeless"]),
          referred_on=dates)
    def register(self, actor, axis, organisation, adults, children, status, referred_on):
        self.attempt(
            "household.create", households.register_household, self.actors[actor], grows={"household": 1},
            axis_id=axis, referent_organisation_id=self.organisations[organisation], adults=adults,
            children=children, administrative_status=status, referred_on=referred_on,
        )

    @rule(data=st.data(), actor=actors, unit=units, start=dates, end=maybe_dates, override=override_reasons)
    def place(self, data, actor, unit, start, end, override):
        self.attempt(
            "placement.create", placements.place_household, self.actors[actor], grows={"placement": 1},
            household_id=self.pick_household(data), unit_id=self.units[unit], start_date=start, end_date=end,
            override_reason=override,
        )

    @rule(data=st.data(), actor=actors, stale=st.booleans(), end=dates, destination=exit_destinations)
    def end(self, data, actor, stale, end, destination):
        placement_id, version = self.pick_placement(data)
        self.attempt(
            "placement.end", placements.end_placement, self.actors[actor], placement_id, grows={"placement": 0},
            version=self.version_to_send(version, stale), end_date=end, exit_destination=destination,
        )

    @rule(data=st.data(), actor=actors, stale=st.booleans(), day=dates, unit=units, override=override_reasons)
    def transfer(self, data, actor, stale, day, unit, override):
        placement_id, version = self.pick_placement(data)
        self.attempt(
            "placement.transfer", placements.transfer_household, self.actors[actor], placement_id,
            grows={"placement": 1}, version=self.version_to_send(version, stale), transfer_date=day,
            unit_id=self.units[unit], override_reason=override,
        )

    @rule(data=st.data(), actor=actors, day=dates, gap=st.sampled_from(["complete", "complete", "missing", "extra"]),
          override=override_reasons)
    def close_site(self, data, actor, day, gap, override):
        site_id = data.draw(st.sampled_from(self.sites), label="site")
        with read_session(self.engine) as session:
            occupants = [p.id for p in placements.site_occupants(session, site_id, day)]
        relocation = st.one_of(
            exit_destinations.map(lambda d: placements.Relocation(exit_destination=d)),
            units.map(lambda u: placements.Relocation(unit_id=self.units[u])),
        )
        plan = {pid: data.draw(relocation, label=f"plan[{pid}]") for pid in occupants}
        if gap == "missing" and plan:
            plan.pop(data.draw(st.sampled_from(occupants), label="left out"))
        elif gap == "extra":
            plan[MISSING_ID] = placements.Relocation(exit_destination="street")
        transfers = sum(1 for r in plan.values() if r.unit_id is not None)
        self.attempt(
            "site.close", placements.close_site, self.actors[actor], site_id, grows={"placement": transfers},
            closing_date=day, reason="fin de convention", plan=plan, override_reason=override,
        )

    @rule(data=st.data(), actor=actors, start=dates, status=st.sampled_from([*IncomeStatus.values(), "lottery"]),
          income=st.one_of(st.none(), amounts), override=st.one_of(st.none(), amounts),
          reason=st.sampled_from([None, "accord du CPAS"]))
    def set_income_status(self, data, actor, start, status, income, override, reason):
        self.attempt(
            "contribution.set_status", contributions.set_income_status, self.actors[actor], self.pick_household(data),
            effective_from=start, income_status=status, monthly_income=income, override_amount=override,
            override_reason=reason,
        )

    @rule(data=st.data(), actor=actors, paid_on=dates, amount=amounts,
          months=st.lists(dates, min_size=0, max_size=3), method=st.sampled_from([*PaymentMethod.values(), "bitcoin"]))
    def pay(self, data, actor, paid_on, amount, months, method):
        self.attempt(
            "payment.create", contributions.record_payment, self.actors[actor], self.pick_household(data),
            grows={"payment": len({m.replace(day=1) for m in months})},
            paid_on=paid_on, amount=amount, period_months=months, method=method,
        )

    # -- invariants, by SQL on the database --------------------------------------------------------

    @invariant()
    def a_unit_holds_one_placement_a_day(self):
        assert overlapping_placements(self.engine, "unit_id") == []

    @invariant()
    def a_household_is_in_one_unit_a_day(self):
        assert overlapping_placements(self.engine, "household_id") == []

    @invariant()
    def values_are_in_range(self):
        checks = {
            "placement end after start": select(Placement.id).where(Placement.end_date <= Placement.start_date),
            "negative payment": select(Payment.id).where(Payment.amount < 0),
            "negative contribution": select(ContributionStatus.id).where(
                or_(ContributionStatus.monthly_amount < 0, ContributionStatus.monthly_income < 0)),
            "household without adult": select(Household.id).where(or_(Household.adults < 1, Household.children < 0)),
        }
        with read_session(self.engine) as session:
            broken = {name: session.scalars(query).all() for name, query in checks.items()}
        assert all(not rows for rows in broken.values()), broken

    @invariant()
    def placements_lie_inside_a_convention(self):
        today = literal(clock.today(), Date)
        c = Convention
        inside = exists().where(
            c.site_id == Unit.site_id,
            c.start_date <= Placement.start_date,
            or_(
                c.actual_end_date.is_(None),
                and_(Placement.end_date.is_not(None), Placement.end_date <= c.actual_end_date),
                # open: max(today, start + 1 day) <= actual end
                and_(Placement.end_date.is_(None), Placement.start_date < c.actual_end_date, today <= c.actual_end_date),
            ),
        )
        query = select(Placement.id, Placement.start_date, Placement.end_date).join(Unit, Unit.id == Placement.unit_id)
        with read_session(self.engine) as session:
            assert session.execute(query.where(~inside)).all() == []

    @invariant()
    def placements_avoid_unavailability(self):
        u = UnitUnavailability
        query = select(Placement.id, u.id).join(u, u.unit_id == Placement.unit_id).where(
            overlaps(Placement.start_date, Placement.end_date, u.start_date, u.end_date)
        )
        with read_session(self.engine) as session:
            assert session.execute(query).all() == []

    @invariant()
    def referents_operate_their_axis(self):
        query = select(Household.id).outerjoin(
            AxisOperator,
            and_(AxisOperator.axis_id == Household.axis_id, AxisOperator.organisation_id == Household.referent_organisation_id),
        ).where(AxisOperator.axis_id.is_(None))
        with read_session(self.engine) as session:
            assert session.scalars(query).all() == []

    @invariant()
    def reserved_units_take_their_organisation_or_an_audited_override(self):
        query = (
            select(Placement.id)
            .join(Unit, Unit.id == Placement.unit_id)
            .join(Household, Household.id == Placement.household_id)
            .where(Unit.reserved_for_organisation_id.is_not(None))
            .where(Household.referent_organisation_id != Unit.reserved_for_organisation_id)
        )
        with read_session(self.engine) as session:
            outsiders = set(session.scalars(query))
        assert outsiders <= override_placement_ids(self.engine)


# --- running it on both engines ---------------------------------------------------------------------


@pytest.fixture(params=ENGINES)
def make_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], Engine]:
    """A factory of fresh, migrated, empty databases (one per hypothesis example) on each engine."""
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        return lambda: sqlite_engine(template, tmp_path)
    url = request.getfixturevalue("postgres_database")

    def fresh_postgres() -> Engine:
        engine = create_issue_engine(url)
        empty_postgres(engine)
        return engine

    return fresh_postgres


def test_random_service_calls_keep_every_invariant(make_engine):
    run_state_machine_as_test(lambda: ServiceCalls(make_engine), settings=SETTINGS)
