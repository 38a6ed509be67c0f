"""Synthetic databases for the benchmarks (`python -m issue_core bench --scale mid|sector`), and the timing of
the metrics on them.

build(engine, shape) fills an empty, migrated database with synthetic sites, conventions, units, households,
placements (with transfers and returns), unavailability periods, contribution statuses, payments and three
accounts to sign in with — bulk inserts through SQLAlchemy Core, bypassing the services for speed, but keeping
every invariant of DOMAIN.md (tests/checks.py verifies it).
"""

from __future__ import annotations

import heapq
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Engine, insert, text

from issue_core import clock
from issue_core.db import is_empty, migrate
from issue_core.models import (
    AppUser,
    AxisOperator,
    ContributionStatus,
    Convention,
    Household,
    IncomeStatus,
    Organisation,
    Payment,
    Placement,
    Site,
    Unit,
    UnitUnavailability,
)
from issue_core.queries import metrics as m

SEED = 20261123
BATCH = 5_000
AXIS_WEIGHTS = (30, 45, 25)
EXITS = ["durable_social_housing", "durable_private_housing", "housing_first", "other_temporary_housing",
         "emergency_shelter", "care_institution", "prison", "street", "deceased", "unknown"]
AMOUNTS = [Decimal(a) for a in ("0", "0", "120", "120", "150", "180", "220", "250", "300", "400")]
INCOME_STATUSES = [status.value for status in IncomeStatus]


@dataclass(frozen=True)
class Shape:
    """What a synthetic database holds. Stays and payments follow from the units, the years and the stay
    lengths: `sector` gives about 250,000 stays and 1.5 million payments (many months paid in two instalments)."""

    units: int
    households: int
    years: int = 10
    units_per_site: int = 20
    stay_days: tuple[int, int] = (20, 180)
    gap_days: tuple[int, int] = (0, 20)
    waiting_share: float = 0.10
    transfer_share: float = 0.12
    instalment_share: float = 0.75


SCALES = {
    "mid": Shape(units=1_000, households=10_000),
    "sector": Shape(units=10_000, households=100_000),
}


@dataclass
class Stay:
    unit_id: int
    start: date
    end: date | None
    household: int = 0
    exit: str | None = None


@dataclass
class Synthetic:
    """Rows to insert, per table, in foreign-key order."""

    rows: dict[str, list[dict]] = field(default_factory=dict)

    def add(self, table: str, row: dict) -> int:
        rows = self.rows.setdefault(table, [])
        row.setdefault("id", len(rows) + 1)
        rows.append(row)
        return row["id"]


def _months(first: date, last: date) -> list[date]:
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months


class Generator:
    def __init__(self, shape: Shape, today: date, seed: int = SEED) -> None:
        self.shape, self.today = shape, today
        self.rng = random.Random(seed)
        self.data = Synthetic()
        self.history_start = today.replace(year=today.year - shape.years)
        self.stays: list[Stay] = []
        self.axis_partners: dict[int, list[int]] = {}
        self.chains: list[list[Stay]] = []

    def days(self, low: int, high: int) -> timedelta:
        return timedelta(days=self.rng.randint(low, high))

    def organisations(self) -> list[int]:
        partners = [self.data.add("organisation", {"name": f"Partner {i}", "short_name": f"P{i}", "kind": "partner",
                                                   "active": True, "version": 1}) for i in range(1, 7)]
        operators = [self.data.add("organisation", {"name": f"Operator {i}", "short_name": f"O{i}",
                                                    "kind": "housing_operator", "active": True, "version": 1})
                     for i in range(1, 21)]
        self.axis_partners = {1: partners[:1], 2: partners[1:4], 3: partners[3:6]}
        for axis, ids in self.axis_partners.items():
            for organisation_id in ids:
                self.data.rows.setdefault("axis_operator", []).append(
                    {"axis_id": axis, "organisation_id": organisation_id})
        return operators

    def sites(self, operators: list[int]) -> None:
        made = 0
        while made < self.shape.units:
            count = min(self.shape.units_per_site, self.shape.units - made)
            operator = self.rng.choice(operators)
            site_id = self.data.add("site", {"name": f"Site {len(self.data.rows.get('site', [])) + 1}",
                                             "housing_operator_id": operator, "location_approximate": True,
                                             "latitude": 50.80 + self.rng.random() * 0.10,
                                             "longitude": 4.28 + self.rng.random() * 0.15, "version": 1})
            unit_ids = [self.data.add("unit", {"site_id": site_id, "label": f"U{n:02d}",
                                               "bedrooms": self.rng.choice((0, 1, 1, 2, 2, 3)),
                                               "capacity": self.rng.choice((1, 2, 2, 3, 4, 5)), "version": 1})
                        for n in range(1, count + 1)]
            made += count
            for start, actual_end in self.convention_periods():
                planned = actual_end or start + self.days(365, 365 * 6)
                self.data.add("convention", {"site_id": site_id, "operator_id": operator, "start_date": start,
                                             "planned_end_date": max(planned, start), "actual_end_date": actual_end,
                                             "units_planned": count, "version": 1})
                for unit_id in unit_ids:
                    self.fill_unit(unit_id, start, actual_end)

    def convention_periods(self) -> list[tuple[date, date | None]]:
        """One open convention (60 %: overdue, ending soon or not), a closed one renewed the next day (25 %),
        or a closed site (15 %)."""
        start = self.history_start + self.days(0, 365 * self.shape.years * 2 // 5)
        kind = self.rng.random()
        if kind < 0.60:
            return [(start, None)]
        end = min(start + self.days(200, 365 * self.shape.years // 2), self.today - timedelta(days=30))
        if end <= start:
            return [(start, None)]
        if kind < 0.85:
            return [(start, end), (end + timedelta(days=1), None)]
        return [(start, end)]

    def fill_unit(self, unit_id: int, start: date, actual_end: date | None) -> None:
        """Successive stays; a stay leaves by the day after its convention's last day (invariant 4)."""
        limit = actual_end + timedelta(days=1) if actual_end else self.today + timedelta(days=1)
        cursor, gaps = start + self.days(*self.shape.gap_days), []
        while cursor < limit and cursor <= self.today:
            end = cursor + self.days(*self.shape.stay_days)
            if end >= limit:
                end = limit if actual_end else None  # closed with its convention, or still running
            self.stays.append(Stay(unit_id, cursor, end))
            if end is None:
                break
            following = end + self.days(*self.shape.gap_days)
            gaps.append((end, min(following, limit)))
            cursor = following
        self.unavailability(unit_id, gaps)

    def unavailability(self, unit_id: int, gaps: list[tuple[date, date]]) -> None:
        wide = [(a, b) for a, b in gaps if (b - a).days >= 10]
        if wide and self.rng.random() < 0.05:
            a, b = self.rng.choice(wide)
            self.data.add("unit_unavailability", {"unit_id": unit_id, "start_date": a + timedelta(days=2),
                                                  "end_date": b - timedelta(days=2), "reason": "works", "version": 1})

    def chain_stays(self) -> None:
        """Transfers: a stay continues in another unit whose stay starts the day this one ends."""
        starting: dict[date, list[Stay]] = {}
        for stay in self.stays:
            starting.setdefault(stay.start, []).append(stay)
        self.stays.sort(key=lambda s: s.start)
        for stay in self.stays:
            if stay.household:
                continue
            chain = [stay]
            stay.household = -1
            while chain[-1].end is not None and self.rng.random() < self.shape.transfer_share:
                previous = chain[-1]
                free = [s for s in starting.get(previous.end, []) if not s.household and s.unit_id != previous.unit_id]
                if not free:
                    break
                previous.exit = "other_issue_unit"
                free[0].household = -1
                chain.append(free[0])
            self.chains.append(chain)

    def households(self) -> None:
        """Chains of stays go to households, several chains (returns after a gap) to one household when the
        chains outnumber the placed households wanted; then waiting households up to the target."""
        placed_target = round(self.shape.households * (1 - self.shape.waiting_share))
        free: list[tuple[date, int]] = []  # (day the household's last chain ended, household number)
        owners: list[list[list[Stay]]] = []
        for position, chain in enumerate(self.chains):
            wanted_so_far = placed_target * (position + 1) / len(self.chains)
            if len(owners) >= wanted_so_far and free and free[0][0] < chain[0].start:
                _, number = heapq.heappop(free)
                owners[number].append(chain)
            elif len(owners) < placed_target:
                number = len(owners)
                owners.append([chain])
            else:
                continue  # more stays than households can take: the unit stays empty then
            if chain[-1].end is not None:
                heapq.heappush(free, (chain[-1].end + self.days(7, 60), number))
        for chains in owners:
            self.placed_household(chains)
        while len(self.data.rows.get("household", [])) < self.shape.households:
            self.waiting_household()

    def new_household(self, referred: date, ended: date | None) -> int:
        axis = self.rng.choices((1, 2, 3), weights=AXIS_WEIGHTS)[0]
        number = len(self.data.rows.get("household", [])) + 1
        return self.data.add("household", {
            "reference": f"BEN-{referred.year}-{number:06d}", "adults": self.rng.choice((1, 1, 1, 2)),
            "children": self.rng.choice((0, 0, 0, 1, 2, 3)),
            "axis_id": axis, "referent_organisation_id": self.rng.choice(self.axis_partners[axis]),
            "administrative_status": "regular", "referred_on": referred, "follow_up_ended_on": ended, "version": 1,
        })

    def placed_household(self, chains: list[list[Stay]]) -> None:
        first, last = chains[0][0].start, chains[-1][-1].end
        ended = None
        if last is not None and last <= self.today and self.rng.random() < 0.8:
            ended = min(self.today, last + self.days(0, 60))
        household_id = self.new_household(first - self.days(7, 120), ended)
        for chain in chains:
            for stay in chain:
                stay.household = household_id
                if stay.end is not None and stay.exit is None and stay.end <= self.today:
                    stay.exit = self.rng.choice(EXITS)
                self.data.add("placement", {"household_id": household_id, "unit_id": stay.unit_id,
                                            "start_date": stay.start, "end_date": stay.end,
                                            "exit_destination": stay.exit, "version": 1})
        self.contributions(household_id, [stay for chain in chains for stay in chain])

    def waiting_household(self) -> None:
        """Referred at any time of the history; most follow-ups end within 30–400 days unplaced, and those
        still followed were referred within the last year."""
        if self.rng.random() < 0.5:
            referred = self.today - self.days(1, 365)
            self.new_household(referred, None)
            return
        referred = self.history_start + self.days(0, (self.today - self.history_start).days - 400)
        self.new_household(referred, referred + self.days(30, 400))

    def contributions(self, household_id: int, stays: list[Stay]) -> None:
        first = stays[0].start
        last = min(stays[-1].end or self.today, self.today)
        schedule = [(first, self.rng.choice(AMOUNTS))]
        if (last - first).days > 60 and self.rng.random() < 0.3:
            schedule.append((first + self.days(30, (last - first).days - 1), self.rng.choice(AMOUNTS)))
        for effective_from, amount in schedule:
            self.data.add("contribution_status", {"household_id": household_id, "effective_from": effective_from,
                                                  "income_status": self.rng.choice(INCOME_STATUSES),
                                                  "monthly_amount": amount})
        rate = Decimal(1) if self.rng.random() < 0.85 else Decimal(self.rng.choice(("0.5", "0.75")))
        for stay in stays:
            for month in _months(stay.start, min(stay.end or self.today, self.today)):
                amount = [a for start, a in schedule if start <= month + timedelta(days=27)] or [schedule[0][1]]
                self.payments(household_id, month, (amount[-1] * rate).quantize(Decimal("0.01")))

    def payments(self, household_id: int, month: date, amount: Decimal) -> None:
        paid_on = month + timedelta(days=40)
        if paid_on > self.today or amount <= 0:
            return
        parts = [amount]
        if self.rng.random() < self.shape.instalment_share and amount >= Decimal("2"):
            half = (amount / 2).quantize(Decimal("0.01"))
            parts = [half, amount - half]
        for number, part in enumerate(parts):
            if paid_on + timedelta(days=number * 10) > self.today:
                break
            self.data.add("payment", {"household_id": household_id, "paid_on": paid_on + timedelta(days=number * 10),
                                      "amount": part, "period_month": month, "method": "transfer"})

    def build(self, progress: Callable[[str, float], None] = lambda step, share: None) -> Synthetic:
        progress("sites, units and stays", 0.0)
        self.sites(self.organisations())
        progress("transfers", 0.3)
        self.chain_stays()
        progress("households, stays and payments", 0.5)
        self.households()
        progress("generated", 1.0)
        return self.data


TABLES = [
    ("organisation", Organisation), ("axis_operator", AxisOperator), ("site", Site), ("convention", Convention),
    ("unit", Unit), ("unit_unavailability", UnitUnavailability), ("household", Household),
    ("placement", Placement), ("contribution_status", ContributionStatus), ("payment", Payment),
]


BENCH_PASSWORD = "bench-password-2026"
BENCH_ACCOUNTS = (("bench.admin", "admin", None), ("bench.coord", "coordinator", 2), ("bench.dir", "director", 2))


def accounts() -> list[dict]:
    """Three accounts to sign in with (the bench database only): an admin, and a coordinator and a director of P2."""
    from issue_core.security import hash_password

    password_hash = hash_password(BENCH_PASSWORD)
    return [{"id": number, "username": username, "display_name": username, "password_hash": password_hash,
             "role": role, "organisation_id": organisation, "language": "fr", "active": True, "failed_logins": 0,
             "must_change_password": False, "version": 1}
            for number, (username, role, organisation) in enumerate(BENCH_ACCOUNTS, start=1)]


def progress_bar(stream=sys.stderr) -> Callable[[str, float], None]:  # noqa: ANN001 (a text stream)
    """A one-line progress bar: `[#######.............]  35 %  payment`."""
    shown = {"last": (None, -1)}

    def show(step: str, share: float) -> None:
        if shown["last"] == (step, round(share * 100)):
            return
        shown["last"] = (step, round(share * 100))
        filled = round(share * 30)
        stream.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {share * 100:3.0f} %  {step:<40}")
        if share >= 1:
            stream.write("\n")
        stream.flush()
    return show


def write(engine: Engine, data: Synthetic, progress: Callable[[str, float], None] = lambda step, share: None) -> None:
    total = sum(len(data.rows.get(name, [])) for name, _ in TABLES) or 1
    done = 0
    with engine.begin() as connection:
        for name, model in TABLES:
            rows = data.rows.get(name, [])
            for offset in range(0, len(rows), BATCH):
                connection.execute(insert(model.__table__), rows[offset: offset + BATCH])
                done += len(rows[offset: offset + BATCH])
                progress(name, done / total)
        connection.execute(insert(AppUser.__table__), accounts())
        if engine.dialect.name == "postgresql":
            for name in [*(name for name, _ in TABLES if name != "axis_operator"), "app_user"]:
                connection.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), COALESCE(MAX(id), 1)) FROM {name}"))
    progress("analyse", 1.0)
    # As a live database would be. PostgreSQL: autovacuum soon runs VACUUM ANALYZE (after a bulk load the visibility
    # map is empty, so no index-only scan: conventions_ending at sector scale 284 ms through the heap, 37 ms
    # without it). SQLite: the app never runs ANALYZE, so its planner has no statistics (sqlite_stat1), and the
    # queries were tuned and measured without them; neither has a bench database.
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))


def build(engine: Engine, shape: Shape, today: date | None = None, report: Callable[[str], None] = print,
          progress: Callable[[str, float], None] = lambda step, share: None) -> dict[str, int]:
    """Fill an empty, migrated database with synthetic data of `shape`; returns the row count per table."""
    today = today or clock.today()
    migrate(engine)
    if not is_empty(engine):
        raise RuntimeError("the bench needs an empty database: it writes synthetic data into it")
    started = time.perf_counter()
    data = Generator(shape, today).build(lambda step, share: progress(step, share * 0.3))
    generated = time.perf_counter()
    write(engine, data, lambda step, share: progress(step, 0.3 + share * 0.7))
    written = time.perf_counter()
    counts = {name: len(data.rows.get(name, [])) for name, _ in TABLES}
    report(f"{engine.dialect.name}: generated in {generated - started:.1f} s, written in {written - generated:.1f} s: "
           + ", ".join(f"{count:,} {name}" for name, count in counts.items()))
    report(f"sign in as {', '.join(username for username, _, _ in BENCH_ACCOUNTS)} with the password {BENCH_PASSWORD}")
    return counts


def metric_calls(today: date) -> list[tuple[str, Callable]]:
    year_ago = today - timedelta(days=365)
    tomorrow = today + timedelta(days=1)
    start_of_history = today.replace(year=today.year - 10)
    f = m.NO_FILTERS
    return [
        ("occupancy_on", lambda e: m.occupancy_on(e, today, f)),
        ("utilisation (12 months)", lambda e: m.utilisation(e, year_ago, tomorrow, f)),
        ("monthly_occupancy (12 months)", lambda e: m.monthly_occupancy(e, year_ago, tomorrow, f)),
        ("vacancy_gaps (12 months)", lambda e: m.vacancy_gaps(e, year_ago, tomorrow, f)),
        ("vacant_days_by_site (12 months)", lambda e: m.vacant_days_by_site(e, year_ago, tomorrow, f)),
        ("vacant_units", lambda e: m.vacant_units(e, today, f)),
        ("caseload_on", lambda e: m.caseload_on(e, today, f)),
        ("caseload_monthly (12 months)", lambda e: m.caseload_monthly(e, year_ago, tomorrow, f)),
        ("entries_exits (12 months)", lambda e: m.entries_exits(e, year_ago, tomorrow, f)),
        ("length_of_stay_by_axis (12 months)", lambda e: m.length_of_stay_by_axis(e, year_ago, tomorrow, f, today)),
        ("exit_destinations (12 months)", lambda e: m.exit_destinations(e, year_ago, tomorrow, f)),
        ("durable_exit_share (12 months)", lambda e: m.durable_exit_share(e, year_ago, tomorrow, f)),
        ("contributions_monthly (12 months)", lambda e: m.contributions_monthly(e, year_ago, tomorrow, f)),
        ("arrears", lambda e: m.arrears(e, today, f)),
        ("arrears_by_partner", lambda e: m.arrears_by_partner(e, today, f)),
        ("households_without_contribution", lambda e: m.households_without_contribution(e, today, f)),
        ("conventions_ending", lambda e: m.conventions_ending(e, today, 180, f)),
        ("placements_outside_convention", lambda e: m.placements_outside_convention(e, today)),
        ("kpis", lambda e: m.kpis(e, today, f)),
        ("monthly_occupancy (whole history)", lambda e: m.monthly_occupancy(e, start_of_history, tomorrow, f)),
        ("occupancy_on, filtered by axis 2", lambda e: m.occupancy_on(e, today, m.Filters(axis_ids=(2,)))),
    ]


@dataclass(frozen=True)
class Timing:
    metric: str
    first_seconds: float
    median_seconds: float


def time_metrics(
    engine: Engine, today: date | None = None, repeat: int = 3, report: Callable[[str], None] = print
) -> list[Timing]:
    """Time each metric on the database as it is (first call and median of `repeat` calls)."""
    today = today or clock.today()
    timings = []
    for name, call in metric_calls(today):
        durations = []
        for _ in range(max(1, repeat)):
            begin = time.perf_counter()
            call(engine)
            durations.append(time.perf_counter() - begin)
        median = statistics.median(durations)
        timings.append(Timing(name, durations[0], median))
        report(f"  {name:<40} first {durations[0] * 1000:8.0f} ms   median {median * 1000:8.0f} ms")
    return timings
