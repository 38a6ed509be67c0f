"""Deterministic demo data: the real ISSUE sites of the source table, synthetic households.

Everything is written through the services (so every invariant holds and every write is audited),
from a fixed random seed: the same `as_of` date gives the same data at every run.
"""

from __future__ import annotations

import calendar
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Engine, select

from issue_core import clock, security
from issue_core.auth import Actor
from issue_core.db import read_session, write_session
from issue_core.models import (
    AdministrativeStatus,
    IncomeStatus,
    OrganisationKind,
    Placement,
    Role,
    Site,
)
from issue_core.services import contributions, households, organisations, placements, sites, users
from issue_core.services.common import audit

SEED = 20200301
CENT = Decimal("0.01")
DEMO_ACTOR = Actor(username="demo-seed", role=Role.ADMIN)

PARTNERS = [
    ("L'Ilot", "L'Ilot"),
    ("DIOGENES", "DIOGENES"),
    ("Smes", "Smes"),
    ("Pierre d'Angle", "Pierre d'Angle"),
    ("New Samusocial", "Samusocial"),
    ("Cellule Captation et Création de logements", "Cellule CCL"),
]
HOUSING_OPERATORS = [
    ("SISP Comensia", "Comensia"),
    ("SISP Log'Iris", "Log'Iris"),
    ("AIS Les Trois Pommiers", "AIS 3 Pommiers"),
    ("CityDev", "CityDev"),
    ("SISP Logement Molenbeekois", "Log. Molenbeekois"),
]
MANAGERS = [("Communa asbl", "Communa")]
FUNDERS = [("Commission communautaire commune (COCOM)", "COCOM")]

AXIS_OPERATORS = {1: ["Cellule CCL"], 2: ["DIOGENES", "Pierre d'Angle", "Samusocial"], 3: ["DIOGENES", "Smes"]}


@dataclass(frozen=True)
class DemoSite:
    name: str
    operator: str
    units: int
    start: date
    planned_end: date
    commune: str
    latitude: float
    longitude: float
    address: str | None = None
    manager: str | None = None
    reserved_for_samusocial: int = 0
    notes: str | None = None


# The source table (seeds/000_…): units, convention months, place. Conventions start on the 1st of
# their first month and end on the last day of their last month (Dubrucq from 16/03/2023).
SITES = [
    DemoSite("Peterbos", "Comensia", 7, date(2020, 3, 1), date(2021, 2, 28), "Anderlecht", 50.837, 4.293,
             address="Cité du Peterbos, 1070 Anderlecht", reserved_for_samusocial=1,
             notes="Un appartement deux chambres pour le Samusocial. Incendie en 09/2020."),
    DemoSite("Grande Haie", "Log'Iris", 3, date(2020, 3, 1), date(2021, 7, 31), "Etterbeek", 50.832, 4.397),
    DemoSite("3 pommiers", "AIS 3 Pommiers", 13, date(2021, 1, 1), date(2023, 12, 31), "Etterbeek", 50.834, 4.389,
             reserved_for_samusocial=2,
             notes="Deux appartements pour les personnes suivies par le Samusocial "
                   "(la page du Samusocial dit 12 appartements, la convention 13)."),
    DemoSite("Ganshoren", "CityDev", 1, date(2020, 2, 1), date(2024, 10, 31), "Ganshoren", 50.872, 4.308),
    DemoSite("Trèfles", "CityDev", 1, date(2022, 4, 1), date(2024, 6, 30), "Anderlecht", 50.818, 4.266),
    DemoSite("Dubrucq", "Log. Molenbeekois", 14, date(2023, 3, 16), date(2025, 7, 31), "Molenbeek-Saint-Jean",
             50.862, 4.332, address="Avenue Dubrucq, 1080 Molenbeek-Saint-Jean", manager="Communa",
             notes="Gestion locative assurée par l'asbl Communa."),
]
PETERBOS_FIRE = date(2020, 9, 30)
GRANDE_HAIE_END = date(2021, 7, 31)


@dataclass(frozen=True)
class Extensions:
    """How a convention the source page calls "ongoing" has been extended since (avenants, each an
    audited extension of its planned end, to the last day of a month): by `months` at a time until
    its planned end is at least `ahead` days after as_of; `overdue`: instead up to the last day of the
    month before as_of's, the next extension still awaited (overdue by as_of's day of the month)."""

    months: int
    ahead: int = 0
    overdue: bool = False


# On any day: 3 pommiers and Dubrucq active (more than the 180-day warning ahead), Trèfles ending soon
# (30 to about 120 days ahead), Ganshoren overdue by a few days (1 to 31).
EXTENSIONS = {
    "3 pommiers": Extensions(months=12, ahead=181),
    "Ganshoren": Extensions(months=12, overdue=True),
    "Trèfles": Extensions(months=3, ahead=30),  # a CityDev house awaiting its works, extended by the quarter
    "Dubrucq": Extensions(months=12, ahead=181),
}

# Example scale, not ISSUE's real one: (status, label, rule, amount, percent, minimum, maximum).
DEMO_SCALE = [
    (IncomeStatus.NO_INCOME, "Exemple — sans revenus : gratuit", "fixed", "0", None, None, None),
    (IncomeStatus.INTEGRATION_INCOME, "Exemple — revenu d'intégration : forfait", "fixed", "120", None, None, None),
    (IncomeStatus.REPLACEMENT_INCOME, "Exemple — revenu de remplacement : 15 %", "percent_of_income", None, "15", "100", "250"),
    (IncomeStatus.EMPLOYMENT_INCOME, "Exemple — revenu du travail : 20 %", "percent_of_income", None, "20", "150", "400"),
]

EXITS_BY_AXIS = {
    1: [("durable_social_housing", 35), ("durable_private_housing", 30), ("other_temporary_housing", 12),
        ("care_institution", 5), ("street", 5), ("unknown", 13)],
    2: [("durable_social_housing", 15), ("housing_first", 6), ("other_temporary_housing", 20),
        ("emergency_shelter", 15), ("care_institution", 14), ("street", 10), ("prison", 5),
        ("deceased", 3), ("unknown", 12)],
    3: [("housing_first", 40), ("durable_social_housing", 10), ("care_institution", 20), ("street", 10),
        ("prison", 5), ("deceased", 4), ("unknown", 11)],
}


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: Role
    organisation: str | None = None  # short name


_PARTNER_SLUGS = {"L'Ilot": "ilot", "DIOGENES": "diogenes", "Smes": "smes", "Pierre d'Angle": "pierredangle",
                  "Samusocial": "samusocial", "Cellule CCL": "cellule"}
# Demo mode only; listed in the README. Outside demo mode no account exists until an admin creates one.
DEMO_ACCOUNTS = [
    DemoAccount("admin", "Brussels-demo-A1", Role.ADMIN),
    DemoAccount("ecran", "Brussels-demo-S1", Role.SCREEN),
    *[DemoAccount(f"coord.{slug}", "Brussels-demo-C1", Role.COORDINATOR, short) for short, slug in _PARTNER_SLUGS.items()],
    *[DemoAccount(f"dir.{slug}", "Brussels-demo-D1", Role.DIRECTOR, short) for short, slug in _PARTNER_SLUGS.items()],
]


@dataclass
class DemoHousehold:
    id: int
    axis: int
    organisation_id: int
    referred_on: date
    version: int = 1
    stays: list[tuple[date, date | None]] = field(default_factory=list)
    status_set: bool = False
    income_change_on: date | None = None  # a household without income that obtains one
    schedule: list[tuple[date, Decimal]] = field(default_factory=list)  # monthly amount from each date


@dataclass
class Occupant:
    placement_id: int
    household: DemoHousehold
    start: date


class DemoBuilder:
    def __init__(self, engine: Engine, as_of: date) -> None:
        self.engine = engine
        self.as_of = as_of
        self.rng = random.Random(SEED)
        self.org: dict[str, int] = {}
        self.units: dict[str, list[int]] = {}
        self.reserved_units: set[int] = set()
        self.households: list[DemoHousehold] = []
        self.conventions: dict[str, int] = {}
        # Draws added after the story was written come from their own generator, so they leave the
        # households and stays drawn from `rng` as they were.
        self.aftercare = random.Random(SEED + 1)

    # --- reference data ------------------------------------------------------------------------

    def organisations(self) -> None:
        for kind, rows in (
            (OrganisationKind.PARTNER, PARTNERS),
            (OrganisationKind.HOUSING_OPERATOR, HOUSING_OPERATORS),
            (OrganisationKind.MANAGER, MANAGERS),
            (OrganisationKind.FUNDER, FUNDERS),
        ):
            for name, short in rows:
                self.org[short] = organisations.create_organisation(
                    self.engine, DEMO_ACTOR, name=name, short_name=short, kind=kind
                )
        for axis, names in AXIS_OPERATORS.items():
            organisations.set_axis_operators(self.engine, DEMO_ACTOR, axis, [self.org[n] for n in names])
        for status, label, rule, amount, percent, minimum, maximum in DEMO_SCALE:
            contributions.set_scale_entry(
                self.engine, DEMO_ACTOR, income_status=status, label=label, rule=rule,
                effective_from=date(2020, 1, 1), amount=amount, percent=percent, minimum=minimum, maximum=maximum,
            )

    def sites(self) -> None:
        for demo in SITES:
            site_id = sites.create_site(
                self.engine, DEMO_ACTOR, name=demo.name, address=demo.address, commune=demo.commune,
                latitude=demo.latitude, longitude=demo.longitude, location_approximate=True,
                housing_operator_id=self.org[demo.operator],
                manager_id=self.org[demo.manager] if demo.manager else None, notes=demo.notes,
            )
            self.conventions[demo.name] = sites.create_convention(
                self.engine, DEMO_ACTOR, site_id=site_id, start_date=demo.start,
                planned_end_date=demo.planned_end, units_planned=demo.units,
            )
            self.units[demo.name] = []
            for number in range(1, demo.units + 1):
                reserved = number <= demo.reserved_for_samusocial
                bedrooms = 2 if reserved else self.rng.choice([0, 1, 1, 1, 2, 2, 3])
                unit_id = sites.create_unit(
                    self.engine, DEMO_ACTOR, site_id=site_id, label=f"{demo.name[:3].upper()}-{number:02d}",
                    bedrooms=bedrooms, capacity=max(1, bedrooms * 2),
                    reserved_for_organisation_id=self.org["Samusocial"] if reserved else None,
                )
                self.units[demo.name].append(unit_id)
                if reserved:
                    self.reserved_units.add(unit_id)

    # --- households and placements -------------------------------------------------------------

    def new_household(self, before: date, unit_id: int | None = None, referred_days: tuple[int, int] = (7, 120),
                      follow: tuple[int, str] | None = None) -> DemoHousehold:
        """A household referred some days before `before`, on the axis and by the partner `follow` names
        (else those of the unit's reservation, else drawn)."""
        if follow is not None:
            axis, organisation = follow
        elif unit_id in self.reserved_units:
            axis, organisation = 2, "Samusocial"
        else:
            axis = self.rng.choices([1, 2, 3], weights=[30, 45, 25])[0]
            organisation = self.rng.choice(AXIS_OPERATORS[axis])
        referred = max(date(2020, 1, 6), before - timedelta(days=self.rng.randint(*referred_days)))
        adults = self.rng.choices([1, 2], weights=[75, 25])[0]
        children = 0 if axis == 3 else self.rng.choices([0, 1, 2, 3], weights=[60, 15, 15, 10])[0]
        status = self.rng.choices(AdministrativeStatus.values(), weights=[60, 15, 15, 10])[0]
        household_id, _ = households.register_household(
            self.engine, DEMO_ACTOR, axis_id=axis, referent_organisation_id=self.org[organisation],
            adults=adults, children=children, administrative_status=status, referred_on=referred,
        )
        household = DemoHousehold(household_id, axis, self.org[organisation], referred)
        self.households.append(household)
        return household

    def place(self, household: DemoHousehold, unit_id: int, start: date) -> Occupant:
        placement_id = placements.place_household(
            self.engine, DEMO_ACTOR, household_id=household.id, unit_id=unit_id, start_date=start
        )
        household.stays.append((start, None))
        if not household.status_set:
            self.first_income_status(household, start)
        return Occupant(placement_id, household, start)

    def _close_stay(self, household: DemoHousehold, end: date) -> None:
        start, _ = household.stays[-1]
        household.stays[-1] = (start, end)

    def end(self, occupant: Occupant, end: date) -> None:
        household = occupant.household
        weights = EXITS_BY_AXIS[household.axis]
        destination = self.rng.choices([d for d, _ in weights], weights=[w for _, w in weights])[0]
        placements.end_placement(
            self.engine, DEMO_ACTOR, occupant.placement_id, version=1, end_date=end, exit_destination=destination
        )
        self._close_stay(household, end)
        if self.rng.random() < 0.8:
            ended = min(self.as_of, end + timedelta(days=self.rng.randint(0, 60)))
        else:
            ended = self.later_follow_up_end(end)
        self.end_follow_up(household, ended)

    def later_follow_up_end(self, left: date) -> date:
        """One household in five is followed a while after leaving (two to eight months), never
        beyond today: nobody waits for years on the list."""
        ended = left + timedelta(days=self.aftercare.randint(61, 240))
        if ended > self.as_of:
            ended = left + timedelta(days=self.aftercare.randint(0, max(0, (self.as_of - left).days)))
        return ended

    def end_follow_up(self, household: DemoHousehold, ended: date) -> None:
        households.end_follow_up(self.engine, DEMO_ACTOR, household.id, version=household.version, ended_on=ended)
        household.version += 1

    def transfer(self, occupant: Occupant, unit_id: int, day: date) -> Occupant:
        new_id = placements.transfer_household(
            self.engine, DEMO_ACTOR, occupant.placement_id, version=1, transfer_date=day, unit_id=unit_id
        )
        self._close_stay(occupant.household, day)
        occupant.household.stays.append((day, None))
        return Occupant(new_id, occupant.household, day)

    def fill_unit(self, unit_id: int, cursor: date, limit: date, occupant: Occupant | None = None) -> Occupant | None:
        """Successive stays in one unit from `cursor` until `limit`; returns whoever occupies it then."""
        while True:
            if occupant is None:
                start = cursor + timedelta(days=self.rng.randint(3, 75))
                if start >= limit:
                    return None
                occupant = self.place(self.new_household(start, unit_id), unit_id, start)
            end = occupant.start + timedelta(days=self.rng.randint(150, 900))
            if end >= limit:
                return occupant
            self.end(occupant, end)
            cursor, occupant = end, None

    # --- contributions -------------------------------------------------------------------------

    def first_income_status(self, household: DemoHousehold, start: date) -> None:
        status, income = self.income_for(household.axis)
        amount = contributions.set_income_status(
            self.engine, DEMO_ACTOR, household.id, effective_from=start, income_status=status, monthly_income=income
        )
        household.status_set = True
        household.schedule.append((start, amount))
        if status == IncomeStatus.NO_INCOME and self.rng.random() < 0.5:
            household.income_change_on = start + timedelta(days=self.rng.randint(90, 300))

    def income_for(self, axis: int) -> tuple[IncomeStatus, Decimal | None]:
        if axis == 1:
            status = self.rng.choice([IncomeStatus.EMPLOYMENT_INCOME, IncomeStatus.REPLACEMENT_INCOME])
        elif axis == 2:
            status = self.rng.choices(
                [IncomeStatus.NO_INCOME, IncomeStatus.INTEGRATION_INCOME, IncomeStatus.REPLACEMENT_INCOME],
                weights=[50, 30, 20],
            )[0]
        else:
            status = self.rng.choice([IncomeStatus.INTEGRATION_INCOME, IncomeStatus.REPLACEMENT_INCOME])
        if status == IncomeStatus.EMPLOYMENT_INCOME:
            return status, Decimal(self.rng.randrange(1500, 2400, 10))
        if status == IncomeStatus.REPLACEMENT_INCOME:
            return status, Decimal(self.rng.randrange(1100, 1600, 10))
        if status == IncomeStatus.INTEGRATION_INCOME:
            return status, Decimal("1263.17")
        return status, None

    def status_changes(self) -> None:
        """Some households without income obtain the integration income during their stay."""
        for household in self.households:
            change = household.income_change_on
            last_end = household.stays[-1][1] if household.stays else None
            if change and change <= self.as_of and (last_end is None or change < last_end):
                amount = contributions.set_income_status(
                    self.engine, DEMO_ACTOR, household.id, effective_from=change,
                    income_status=IncomeStatus.INTEGRATION_INCOME, monthly_income=Decimal("1263.17"),
                )
                household.schedule.append((change, amount))

    def payments(self) -> None:
        """Each household pays by the quarter of its stay, in advance: on a day of its own early in
        the quarter's first month (1st-15th, not before it moves in), what the quarter's placed days
        cost (an open stay counted to the quarter's end). So every month up to the current one is
        paid, the current one unless its quarter starts this month and the payment day is still to
        come. About one household in six pays only part of it and falls behind."""
        for household in self.households:
            schedule = household.schedule
            if not schedule or not household.stays:
                continue
            payer_rate = Decimal("1") if self.rng.random() > 0.17 else Decimal(self.rng.choice(["0.5", "0.6", "0.75"]))
            payday = self.aftercare.randint(0, 14)
            first_day = household.stays[0][0]
            months = _months_between(first_day, _add_months(_last_day(household, self.as_of), 2))
            for quarter in [months[i:i + 3] for i in range(0, len(months), 3)]:
                paid_on = max(first_day, quarter[0] + timedelta(days=payday))
                if paid_on > self.as_of:
                    continue
                method = self.rng.choice(["transfer", "transfer", "cash", "direct_debit"])
                # A payment splits its amount evenly over its months: months that cost the same go
                # together (a month partly placed, or after the stay, is not credited a full month).
                by_due: dict[Decimal, list[date]] = {}
                for month in quarter:
                    by_due.setdefault(_due(schedule, household.stays, month).quantize(CENT), []).append(month)
                for due, covered in by_due.items():
                    amount = (due * len(covered) * payer_rate).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
                    if amount > 0:
                        contributions.record_payment(
                            self.engine, DEMO_ACTOR, household.id, paid_on=paid_on, amount=amount,
                            period_months=covered, method=method,
                        )

    def accounts(self) -> None:
        """One account per role and partner, in one audited write (each password hashed once)."""
        hashes = {password: security.hash_password(password) for password in {a.password for a in DEMO_ACCOUNTS}}
        with write_session(self.engine) as session:
            created = []
            for account in DEMO_ACCOUNTS:
                user = users.add_user(
                    session, username=account.username, display_name=account.username,
                    role=account.role, organisation_id=self.org[account.organisation] if account.organisation else None,
                    language="fr", password_hash=hashes[account.password],
                )
                created.append(user.username)
            audit(session, DEMO_ACTOR, "user.create_demo_accounts", "app_user", None, after={"usernames": created})

    # --- the story -----------------------------------------------------------------------------

    def build(self) -> None:
        self.organisations()
        self.accounts()
        self.sites()
        as_of, rng = self.as_of, self.rng

        # Ganshoren: one unit, successive households since 02/2020.
        self.fill_unit(self.units["Ganshoren"][0], date(2020, 2, 1), as_of)

        # Peterbos: seven households from spring 2020 until the fire; all go to emergency shelters.
        peterbos = [self.fill_unit(u, date(2020, 3, 1), PETERBOS_FIRE) for u in self.units["Peterbos"]]
        placements.close_site(
            self.engine, DEMO_ACTOR, self._site_id("Peterbos"), closing_date=PETERBOS_FIRE,
            reason="Incendie (09/2020) : occupants relogés en hébergement d'urgence",
            plan={o.placement_id: placements.Relocation(exit_destination="emergency_shelter") for o in peterbos if o},
        )
        evacuees = [o.household for o in peterbos if o]
        for household in evacuees:
            self._reload_stays(household)

        # Grande Haie: until the end of its convention, 07/2021.
        grande_haie = [self.fill_unit(u, date(2020, 3, 1), GRANDE_HAIE_END) for u in self.units["Grande Haie"]]

        # 3 pommiers from 01/2021: Peterbos evacuees first (early 2021), two flats kept for Grande Haie.
        pommiers = self.units["3 pommiers"]
        for_grande_haie = pommiers[-2:]
        pommiers_at_trefles = pommiers[2]
        pommiers_at_dubrucq = pommiers[3:5]
        occupants: dict[int, Occupant | None] = {}
        waiting_evacuees = iter(evacuees)
        for unit_id in pommiers[:-2]:
            evacuee = None if unit_id in self.reserved_units else next(waiting_evacuees, None)
            first = None
            if evacuee is not None:
                first = self.place(evacuee, unit_id, date(2021, 1, 4) + timedelta(days=rng.randint(0, 30)))
            limit = date(2022, 4, 1) if unit_id == pommiers_at_trefles else (
                date(2023, 3, 16) if unit_id in pommiers_at_dubrucq else as_of)
            occupants[unit_id] = self.fill_unit(unit_id, date(2021, 1, 1), limit, first)

        plan, moved = {}, {}
        for occupant, target in zip([o for o in grande_haie if o], for_grande_haie + [None]):
            if target is None:
                plan[occupant.placement_id] = placements.Relocation(exit_destination="durable_social_housing")
            else:
                plan[occupant.placement_id] = placements.Relocation(unit_id=target)
                moved[target] = occupant
        placements.close_site(
            self.engine, DEMO_ACTOR, self._site_id("Grande Haie"), closing_date=GRANDE_HAIE_END,
            reason="Fin de la convention", plan=plan,
        )
        for occupant in [o for o in grande_haie if o]:
            self._reload_stays(occupant.household)
        for target in for_grande_haie:
            first = None
            if target in moved:
                household = moved[target].household
                first = Occupant(self._open_placement_id(target), household, household.stays[-1][0])
            self.fill_unit(target, GRANDE_HAIE_END, as_of, first)
        for occupant in [o for o in grande_haie if o and o.placement_id in plan and plan[o.placement_id].unit_id is None]:
            left = occupant.household.stays[-1][1]
            self.end_follow_up(occupant.household, min(as_of, left + timedelta(days=self.aftercare.randint(0, 60))))

        # Trèfles (a house, 04/2022): a family moves there from 3 pommiers.
        trefles = self.units["Trèfles"][0]
        first = occupants.get(pommiers_at_trefles)
        first = self.transfer(first, trefles, date(2022, 4, 1)) if first else None
        self.fill_unit(trefles, date(2022, 4, 1), as_of, first)
        self.fill_unit(pommiers_at_trefles, date(2022, 4, 1), as_of)

        # Dubrucq (16/03/2023, with Communa): two households move from 3 pommiers, the rest are new.
        dubrucq = self.units["Dubrucq"]
        for index, unit_id in enumerate(dubrucq):
            first = None
            if index < 2 and occupants.get(pommiers_at_dubrucq[index]):
                first = self.transfer(occupants[pommiers_at_dubrucq[index]], unit_id, date(2023, 3, 16))
            self.fill_unit(unit_id, date(2023, 3, 16), as_of, first)
        for unit_id in pommiers_at_dubrucq:
            self.fill_unit(unit_id, date(2023, 3, 16), as_of)

        # Households referred in the last eight months, waiting for a unit: one for each axis and partner
        # that follows it, and two more.
        for follow in [*((axis, name) for axis, names in AXIS_OPERATORS.items() for name in names), None, None]:
            self.new_household(as_of, referred_days=(14, 240), follow=follow)

        self.extend_conventions()
        self.status_changes()
        self.payments()

    def extend_conventions(self) -> None:
        """The conventions still "ongoing" on the source page, extended since (EXTENSIONS)."""
        for demo in SITES:
            plan = EXTENSIONS.get(demo.name)
            ends = extension_ends(demo.planned_end, plan, self.as_of) if plan else []
            for version, end in enumerate(ends, start=1):
                sites.extend_convention(
                    self.engine, DEMO_ACTOR, self.conventions[demo.name], version=version, planned_end_date=end
                )

    def _reload_stays(self, household: DemoHousehold) -> None:
        """The household's stays as the database holds them (after a site closure moved or ended them)."""
        with read_session(self.engine) as session:
            rows = session.execute(
                select(Placement.start_date, Placement.end_date)
                .where(Placement.household_id == household.id).order_by(Placement.start_date)
            ).all()
        household.stays = [(start, end) for start, end in rows]

    def _site_id(self, name: str) -> int:
        with read_session(self.engine) as session:
            return session.scalar(select(Site.id).where(Site.name == name))

    def _open_placement_id(self, unit_id: int) -> int:
        with read_session(self.engine) as session:
            return session.scalar(
                select(Placement.id).where(Placement.unit_id == unit_id, Placement.end_date.is_(None))
            )


def extension_ends(planned_end: date, plan: Extensions, as_of: date) -> list[date]:
    """The successive planned ends of a convention extended as `plan` says, as of a day (none when
    its planned end already reaches far enough)."""
    last_month_end = as_of.replace(day=1) - timedelta(days=1)
    until = last_month_end if plan.overdue else as_of + timedelta(days=plan.ahead)
    ends = []
    while planned_end < until:
        planned_end = _add_months(planned_end.replace(day=1), plan.months + 1) - timedelta(days=1)
        if plan.overdue:
            planned_end = min(planned_end, until)
        ends.append(planned_end)
    return ends


def _months_between(first: date, last: date) -> list[date]:
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = _add_months(month, 1)
    return months


def _add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def _last_day(household: DemoHousehold, as_of: date) -> date:
    end = household.stays[-1][1]
    return as_of if end is None else end - timedelta(days=1)


def _due(schedule: list[tuple[date, Decimal]], stays: list[tuple[date, date | None]], month: date) -> Decimal:
    """Monthly amount in force × placed days in the month ÷ days in the month (DOMAIN.md)."""
    days_in_month = calendar.monthrange(month.year, month.month)[1]
    month_end = _add_months(month, 1)
    due = Decimal("0")
    for day_offset in range(days_in_month):
        day = month + timedelta(days=day_offset)
        placed = any(start <= day < (end or date.max) for start, end in stays)
        if placed and day < month_end:
            amount = [a for start, a in schedule if start <= day]
            due += (amount[-1] if amount else Decimal("0")) / days_in_month
    return due


def seed_demo(engine: Engine, as_of: date | None = None) -> None:
    """Write the demo data into an empty, migrated database."""
    as_of = as_of or clock.today()
    previous = clock._pinned
    clock.pin(as_of)
    try:
        DemoBuilder(engine, as_of).build()
    finally:
        clock.pin(previous)
