"""Benchmark of the metrics on a large synthetic database (`python -m issue_core.bench`).

run_bench(engine, households=…, units=…) fills an empty, migrated database with synthetic sites,
conventions, units, households, placements (with transfers), unavailability periods, contribution
statuses and payments — bulk inserts through SQLAlchemy Core, bypassing the services for speed, but
keeping every invariant of DOMAIN.md (tests/checks.py can verify it) — then times each metric.
"""

from __future__ import annotations

import argparse
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
from issue_core.db import create_issue_engine, is_empty, migrate
from issue_core.models import (
    AxisOperator,
    ContributionStatus,
    Convention,
    Household,
    Organisation,
    Payment,
    Placement,
    Site,
    Unit,
    UnitUnavailability,
)
from issue_core.queries import metrics as m

SEED = 20261123
YEARS_OF_HISTORY = 6
UNITS_PER_SITE = 15
BATCH = 5_000
AXIS_WEIGHTS = (30, 45, 25)
EXITS = ["durable_social_housing", "durable_private_housing", "housing_first", "other_temporary_housing",
         "emergency_shelter", "care_institution", "prison", "street", "deceased", "unknown"]
AMOUNTS = [Decimal(a) for a in ("0", "0", "120", "120", "150", "180", "220", "250", "300", "400")]


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
    def __init__(self, households: int, units: int, today: date, seed: int = SEED) -> None:
        self.target_households, self.target_units, self.today = households, units, today
        self.rng = random.Random(seed)
        self.data = Synthetic()
        self.history_start = today.replace(year=today.year - YEARS_OF_HISTORY)
        self.stays: list[Stay] = []
        self.axis_partners: dict[int, list[int]] = {}

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
        while made < self.target_units:
            count = min(UNITS_PER_SITE, self.target_units - made)
            operator = self.rng.choice(operators)
            site_id = self.data.add("site", {"name": f"Site {len(self.data.rows.get('site', [])) + 1}",
                                             "housing_operator_id": operator, "location_approximate": True,
                                             "version": 1})
            unit_ids = [self.data.add("unit", {"site_id": site_id, "label": f"U{n:02d}", "bedrooms": 1,
                                               "capacity": 2, "version": 1}) for n in range(1, count + 1)]
            made += count
            for start, actual_end in self.convention_periods():
                planned = actual_end or start + self.days(365, 365 * 6)
                self.data.add("convention", {"site_id": site_id, "operator_id": operator, "start_date": start,
                                             "planned_end_date": max(planned, start), "actual_end_date": actual_end,
                                             "units_planned": count, "version": 1})
                for unit_id in unit_ids:
                    self.fill_unit(unit_id, start, actual_end)

    def convention_periods(self) -> list[tuple[date, date | None]]:
        """One open convention (60 %), a closed one renewed (25 %), or a closed site (15 %)."""
        start = self.history_start + self.days(0, 365 * 4)
        kind = self.rng.random()
        if kind < 0.60:
            return [(start, None)]
        end = min(start + self.days(200, 900), self.today - timedelta(days=30))
        if end <= start:
            return [(start, None)]
        if kind < 0.85:
            return [(start, end), (end + timedelta(days=1), None)]
        return [(start, end)]

    def fill_unit(self, unit_id: int, start: date, actual_end: date | None) -> None:
        """Successive stays; a stay ends by the convention's actual end (invariant 4)."""
        limit = actual_end or self.today + timedelta(days=1)
        cursor, gaps = start + self.days(0, 60), []
        while cursor < limit and cursor <= self.today:
            end = cursor + self.days(20, 900)
            if end >= limit:
                end = actual_end  # closed with its convention, or still running
            self.stays.append(Stay(unit_id, cursor, end))
            if end is None:
                break
            following = end + self.days(0, 90)
            gaps.append((end, min(following, limit)))
            cursor = following
        self.unavailability(unit_id, gaps)

    def unavailability(self, unit_id: int, gaps: list[tuple[date, date]]) -> None:
        wide = [(a, b) for a, b in gaps if (b - a).days >= 10]
        if wide and self.rng.random() < 0.05:
            a, b = self.rng.choice(wide)
            self.data.add("unit_unavailability", {"unit_id": unit_id, "start_date": a + timedelta(days=2),
                                                  "end_date": b - timedelta(days=2), "reason": "works", "version": 1})

    def households(self) -> None:
        """A household per stay, except transfers (a stay continuing another that ends that day),
        then waiting households up to the target."""
        starting: dict[date, list[Stay]] = {}
        for stay in self.stays:
            starting.setdefault(stay.start, []).append(stay)
        self.stays.sort(key=lambda s: s.start)
        chains: list[list[Stay]] = []
        for stay in self.stays:
            if stay.household:
                continue
            chain = [stay]
            stay.household = -1
            while chain[-1].end is not None and self.rng.random() < 0.10:
                previous = chain[-1]
                free = [s for s in starting.get(previous.end, []) if not s.household and s.unit_id != previous.unit_id]
                if not free:
                    break
                chain[-1].exit = "other_issue_unit"
                free[0].household = -1
                chain.append(free[0])
            chains.append(chain)
        for chain in chains[: self.target_households]:
            self.placed_household(chain)
        while len(self.data.rows.get("household", [])) < self.target_households:
            self.waiting_household()

    def new_household(self, referred: date, ended: date | None) -> tuple[int, int]:
        axis = self.rng.choices((1, 2, 3), weights=AXIS_WEIGHTS)[0]
        number = len(self.data.rows.get("household", [])) + 1
        household_id = self.data.add("household", {
            "reference": f"BEN-{referred.year}-{number:06d}", "adults": 1, "children": self.rng.randint(0, 3),
            "axis_id": axis, "referent_organisation_id": self.rng.choice(self.axis_partners[axis]),
            "administrative_status": "regular", "referred_on": referred, "follow_up_ended_on": ended, "version": 1,
        })
        return household_id, axis

    def placed_household(self, chain: list[Stay]) -> None:
        first, last = chain[0].start, chain[-1].end
        ended = None
        if last is not None and last <= self.today and self.rng.random() < 0.8:
            ended = min(self.today, last + self.days(0, 60))
        household_id, _ = self.new_household(first - self.days(7, 120), ended)
        for stay in chain:
            stay.household = household_id
            if stay.end is not None and stay.exit is None and stay.end <= self.today:
                stay.exit = self.rng.choice(EXITS)
            self.data.add("placement", {"household_id": household_id, "unit_id": stay.unit_id,
                                        "start_date": stay.start, "end_date": stay.end,
                                        "exit_destination": stay.exit, "version": 1})
        self.contributions(household_id, chain)

    def waiting_household(self) -> None:
        """Referred at any time of the history; most follow-ups end within 30–400 days unplaced."""
        referred = self.history_start + self.days(0, (self.today - self.history_start).days - 1)
        ended = referred + self.days(30, 400)
        still_followed = ended > self.today or self.rng.random() < 0.03
        self.new_household(referred, None if still_followed else ended)

    def contributions(self, household_id: int, chain: list[Stay]) -> None:
        first = chain[0].start
        last = min(chain[-1].end or self.today, self.today)
        schedule = [(first, self.rng.choice(AMOUNTS))]
        if (last - first).days > 60 and self.rng.random() < 0.2:
            schedule.append((first + self.days(30, (last - first).days - 1), self.rng.choice(AMOUNTS)))
        for effective_from, amount in schedule:
            self.data.add("contribution_status", {"household_id": household_id, "effective_from": effective_from,
                                                  "income_status": "no_income", "monthly_amount": amount})
        rate = 1 if self.rng.random() < 0.85 else self.rng.choice((0.5, 0.75))
        for month in _months(first, last):
            paid_on = month + timedelta(days=40)
            amount = [a for start, a in schedule if start <= month + timedelta(days=27)] or [schedule[0][1]]
            if paid_on <= self.today and amount[-1] > 0:
                self.data.add("payment", {"household_id": household_id, "paid_on": paid_on,
                                          "amount": (amount[-1] * Decimal(str(rate))).quantize(Decimal("0.01")),
                                          "period_month": month, "method": "transfer"})

    def build(self) -> Synthetic:
        self.sites(self.organisations())
        self.households()
        return self.data


TABLES = [
    ("organisation", Organisation), ("axis_operator", AxisOperator), ("site", Site), ("convention", Convention),
    ("unit", Unit), ("unit_unavailability", UnitUnavailability), ("household", Household),
    ("placement", Placement), ("contribution_status", ContributionStatus), ("payment", Payment),
]


def write(engine: Engine, data: Synthetic) -> None:
    with engine.begin() as connection:
        for name, model in TABLES:
            rows = data.rows.get(name, [])
            for offset in range(0, len(rows), BATCH):
                connection.execute(insert(model.__table__), rows[offset: offset + BATCH])
        if engine.dialect.name == "postgresql":
            for name, _ in TABLES:
                if name != "axis_operator":
                    connection.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), COALESCE(MAX(id), 1)) FROM {name}"))
    with engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))


def metric_calls(today: date) -> list[tuple[str, Callable]]:
    year_ago = today - timedelta(days=365)
    tomorrow = today + timedelta(days=1)
    start_of_history = today.replace(year=today.year - YEARS_OF_HISTORY)
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


def run_bench(
    engine: Engine, households: int = 20_000, units: int = 2_000, repeat: int = 3, today: date | None = None,
    report: Callable[[str], None] = print,
) -> list[Timing]:
    """Fill an empty database with synthetic data, then time each metric (first call and median
    of `repeat` calls). Returns the timings; `report` receives progress lines."""
    today = today or clock.today()
    migrate(engine)
    if not is_empty(engine):
        raise RuntimeError("run_bench needs an empty database: it writes synthetic data into it")
    started = time.perf_counter()
    data = Generator(households, units, today).build()
    generated = time.perf_counter()
    write(engine, data)
    written = time.perf_counter()
    counts = ", ".join(f"{len(data.rows.get(name, []))} {name}" for name, _ in TABLES)
    report(f"{engine.dialect.name}: generated in {generated - started:.1f} s, "
           f"written in {written - generated:.1f} s: {counts}")
    return time_metrics(engine, today, repeat, report)


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m issue_core.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="an EMPTY database (it receives synthetic data)")
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--units", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--existing", action="store_true", help="time the metrics on the database as it is")
    args = parser.parse_args(argv)
    engine = create_issue_engine(args.database_url)
    if args.existing:
        time_metrics(engine, repeat=args.repeat)
    else:
        run_bench(engine, households=args.households, units=args.units, repeat=args.repeat)
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
