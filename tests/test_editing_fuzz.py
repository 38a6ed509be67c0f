"""Random input into the forms of issue 5 beyond households and placements: the payment and
income-status forms, the administration forms (site, convention, unit, unavailability, scale, axis
operators) and the site closure.

Two levels: the services the forms call, with anything at all (on SQLite and PostgreSQL), and the
pages themselves through AppTest, with what their widgets can hold (on a copy of the demo data).
Either way: no exception other than a DomainError (no traceback on a page), no invalid row
(tests/checks.py), and a refused call writes nothing."""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from issue_core.auth import Actor
from issue_core.db import PROJECT_ROOT, read_session
from issue_core.models import Role
from issue_core.queries.screens.closure import closable_sites, relocation_units
from issue_core.queries.screens.payments import editable_households
from issue_core.services import contributions, organisations, placements, sites
from tests.checks import violations
from tests.conftest import TODAY
from tests.test_bad_input import ANYTHING, PLAUSIBLE_DATE, attempt
from tests.test_editing_households import open_page, state

SERVICES = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
PAGES = settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
ADMIN = Actor("admin", Role.ADMIN, None)
TEXT = hs.text(max_size=60)
NUMBER = hs.one_of(hs.none(), hs.floats(min_value=-1e7, max_value=1e7, allow_nan=False))
# What an amount field (a text field read in the user's language) can hold: numbers typed the French,
# Dutch or English way, or any text at all.
TYPED_NUMBER = hs.one_of(
    hs.floats(min_value=-1e7, max_value=1e7, allow_nan=False).flatmap(lambda x: hs.sampled_from(
        [f"{x:.2f}".replace(".", ","), f"{x:,.2f}", f"{x:,.2f}".replace(",", " ").replace(".", ","), str(x)])),
    TEXT,
)
DAY = hs.dates(min_value=date(1999, 1, 1), max_value=date(2101, 1, 1))


# --- the services, with anything ------------------------------------------------------------------


@SERVICES
@given(paid_on=PLAUSIBLE_DATE, amount=ANYTHING, months=ANYTHING, method=ANYTHING, notes=ANYTHING, drawn_from=ANYTHING)
def test_payment_service_with_random_input(world, paid_on, amount, months, method, notes, drawn_from):
    attempt(world, contributions.record_payment, world.coord_samu, world.h_samu, paid_on=paid_on, amount=amount,
            period_months=months, method=method, notes=notes, drawn_from=drawn_from)


@SERVICES
@given(start=PLAUSIBLE_DATE, status=hs.one_of(hs.just("no_income"), ANYTHING), income=ANYTHING, override=ANYTHING,
       reason=ANYTHING, drawn_from=ANYTHING)
def test_income_status_service_with_random_input(world, start, status, income, override, reason, drawn_from):
    attempt(world, contributions.set_income_status, world.coord_samu, world.h_samu, effective_from=start,
            income_status=status, monthly_income=income, override_amount=override, override_reason=reason,
            drawn_from=drawn_from)


@SERVICES
@given(name=ANYTHING, commune=ANYTHING, latitude=ANYTHING, longitude=ANYTHING, approximate=ANYTHING,
       operator=ANYTHING, notes=ANYTHING, version=ANYTHING, existing=hs.booleans())
def test_site_services_with_random_input(world, name, commune, latitude, longitude, approximate, operator, notes,
                                         version, existing):
    values = {"name": name, "commune": commune, "latitude": latitude, "longitude": longitude,
              "location_approximate": approximate, "housing_operator_id": hs_or(operator, world.hou), "notes": notes}
    if existing:
        attempt(world, sites.update_site, world.admin, world.gamma, version=version, **values)
    else:
        attempt(world, sites.create_site, world.admin, **values)


def hs_or(value, default):  # noqa: ANN001, ANN201
    """A random value, or (when it drew None) a valid one, so that the other fields get tested too."""
    return default if value is None else value


@SERVICES
@given(start=PLAUSIBLE_DATE, end=PLAUSIBLE_DATE, units=ANYTHING, operator=ANYTHING, notes=ANYTHING,
       version=ANYTHING, reason=ANYTHING, which=hs.sampled_from(["create", "extend", "close"]))
def test_convention_services_with_random_input(world, start, end, units, operator, notes, version, reason, which):
    if which == "create":
        attempt(world, sites.create_convention, world.admin, site_id=world.gamma, start_date=start,
                planned_end_date=end, units_planned=units, operator_id=operator, notes=notes)
    elif which == "extend":
        attempt(world, sites.extend_convention, world.admin, world.alpha_convention, version=version,
                planned_end_date=end)
    else:
        attempt(world, sites.close_convention, world.admin, world.alpha_convention, version=version,
                actual_end_date=end, reason=reason)


@SERVICES
@given(label=ANYTHING, bedrooms=ANYTHING, capacity=ANYTHING, version=ANYTHING, reserved=ANYTHING, reason=ANYTHING,
       start=PLAUSIBLE_DATE, end=PLAUSIBLE_DATE, which=hs.sampled_from(["update", "reserve", "unavailable", "available"]))
def test_unit_services_with_random_input(world, label, bedrooms, capacity, version, reserved, reason, start, end, which):
    if which == "update":
        attempt(world, sites.update_unit, world.admin, world.a3, version=version, label=label, bedrooms=bedrooms,
                capacity=capacity)
    elif which == "reserve":
        attempt(world, sites.set_unit_reservation, world.admin, world.a3, version=version,
                organisation_id=reserved)
    elif which == "unavailable":
        attempt(world, sites.add_unavailability, world.admin, unit_id=world.a3, start_date=start, reason=reason,
                end_date=end)
    else:
        attempt(world, sites.end_unavailability, world.admin, hs_or(bedrooms, 1), version=version, end_date=end)


@SERVICES
@given(status=ANYTHING, label=ANYTHING, rule=hs.one_of(hs.sampled_from(["fixed", "percent_of_income"]), ANYTHING),
       start=PLAUSIBLE_DATE, amount=ANYTHING, percent=ANYTHING, minimum=ANYTHING, maximum=ANYTHING)
def test_scale_service_with_random_input(world, status, label, rule, start, amount, percent, minimum, maximum):
    attempt(world, contributions.set_scale_entry, world.admin, income_status=hs_or(status, "no_income"),
            label=label, rule=rule, effective_from=start, amount=amount, percent=percent, minimum=minimum,
            maximum=maximum)


@SERVICES
@given(axis=ANYTHING, partners=hs.one_of(ANYTHING, hs.lists(hs.integers(min_value=-2, max_value=12), max_size=4)))
def test_axis_operator_service_with_random_input(world, axis, partners):
    attempt(world, organisations.set_axis_operators, world.admin, axis, partners)


PLAN_KEY = hs.one_of(hs.none(), hs.booleans(), hs.integers(min_value=-3, max_value=20), hs.text(max_size=8), hs.dates())
RELOCATION = hs.one_of(
    hs.builds(placements.Relocation, exit_destination=hs.one_of(hs.sampled_from(["street", "other_issue_unit"]), ANYTHING)),
    hs.builds(placements.Relocation, unit_id=hs.one_of(hs.integers(min_value=-1, max_value=12), ANYTHING)),
    ANYTHING,
)


@SERVICES
@given(day=PLAUSIBLE_DATE, reason=ANYTHING, plan=hs.one_of(ANYTHING, hs.dictionaries(PLAN_KEY, RELOCATION, max_size=3)),
       keep_occupants=hs.booleans(), relocation=RELOCATION)
def test_site_closure_service_with_random_input(world, day, reason, plan, keep_occupants, relocation):
    """With occupants in Alpha (one open stay, one planned to end), a plan either random or naming each."""
    ensure_occupants(world)
    if keep_occupants and isinstance(day, date):
        with read_session(world.engine) as session:
            plan = {p.id: relocation for p in placements.site_occupants(session, world.alpha, day)}
    attempt(world, placements.close_site, world.admin, world.alpha, closing_date=day, reason=reason, plan=plan)


def ensure_occupants(world) -> None:  # noqa: ANN001
    if getattr(world, "_occupied", False):
        return
    placements.place_household(world.engine, world.admin, household_id=world.h_samu, unit_id=world.a1,
                               start_date=date(2024, 3, 1))
    placements.place_household(world.engine, world.admin, household_id=world.h_dio, unit_id=world.a3,
                               start_date=date(2024, 3, 1), end_date=date(2027, 3, 1))
    world._occupied = True


@SERVICES
@given(day=PLAUSIBLE_DATE, destination=hs.one_of(hs.sampled_from(["street", "housing_first"]), ANYTHING),
       version=hs.one_of(hs.just(1), ANYTHING), unit=hs.one_of(hs.sampled_from([0, 1, 2, 3]), ANYTHING),
       transfer=hs.booleans())
def test_ending_or_moving_a_planned_stay_with_random_input(world, day, destination, version, unit, transfer):
    ensure_occupants(world)
    planned = 2  # h_dio's stay in A3, planned to end on 01/03/2027 (the second placement of the world)
    if transfer:
        units = {0: world.a2, 1: world.a1, 2: world.b1, 3: world.g1}
        target = units[unit] if type(unit) is int and unit in units else unit
        attempt(world, placements.transfer_household, world.admin, planned, version=version, transfer_date=day,
                unit_id=target)
    else:
        attempt(world, placements.end_placement, world.admin, planned, version=version, end_date=day,
                exit_destination=destination)


# --- the pages, with what their widgets hold ----------------------------------------------------------


def no_invalid_row(engine) -> None:  # noqa: ANN001
    assert {name: rows for name, rows in violations(engine, TODAY).items() if rows} == {}


def click(app: AppTest, engine, label: str, index: int = 0) -> None:  # noqa: ANN001
    """Press a button; when the page shows a refusal, nothing was written."""
    before = state(engine)
    buttons = [b for b in app.button if b.label == label]
    buttons[index].click().run()
    assert not app.exception, [e.value for e in app.exception]
    if app.error:
        assert state(engine) == before, [e.value for e in app.error]
    no_invalid_row(engine)


def in_form(elements, form: str, label: str):  # noqa: ANN001, ANN201
    """The element labelled `label` of the form whose key starts with `form`."""
    return next(e for e in elements if e.label == label and e.form_id.startswith(form))


@PAGES
@given(pick=hs.integers(min_value=0, max_value=10_000), day=DAY, status=hs.sampled_from(
    ["no_income", "integration_income", "replacement_income", "employment_income"]), income=TYPED_NUMBER,
    override=hs.booleans(), override_amount=TYPED_NUMBER, reason=TEXT, paid_on=DAY, amount=TYPED_NUMBER,
    months=hs.lists(hs.integers(min_value=0, max_value=200), max_size=4), notes=TEXT)
def test_random_input_into_the_payments_page(database, pick, day, status, income, override, override_amount, reason,
                                             paid_on, amount, months, notes):
    app = open_page(page("payments"), ADMIN)
    households = editable_households(database, None, True, active_on=TODAY)["household_id"].tolist()  # open files
    app.selectbox(key="payments_household").set_value(households[pick % len(households)]).run()
    assert not app.exception
    keyed(app.date_input, "status_from_").set_value(day)
    keyed(app.selectbox, "status_kind_").set_value(status)
    keyed(app.text_input, "status_income_").input(income)
    keyed(app.checkbox, "status_override_").set_value(override).run()
    if override:
        keyed(app.text_input, "status_override_amount_").input(override_amount)
        keyed(app.text_input, "status_reason_").input(reason)
    click(app, database, "Enregistrer le statut")
    covered = in_form(app.multiselect, "payment", "Mois couverts")
    in_form(app.date_input, "payment", "Payé le").set_value(paid_on)
    in_form(app.text_input, "payment", "Montant").input(amount)
    covered.set_value(sorted({covered.options[i % len(covered.options)] for i in months}) if covered.options else [])
    in_form(app.text_input, "payment", "Notes").input(notes)
    click(app, database, "Enregistrer le paiement")


def keyed(elements, prefix: str):  # noqa: ANN001, ANN201
    return next(e for e in elements if e.key and e.key.startswith(prefix))


def page(name: str) -> str:
    return str(PROJECT_ROOT / f"pages/{name}.py")


SMALL = hs.integers(min_value=-3, max_value=50)


@PAGES
@given(name=TEXT, commune=TEXT, latitude=NUMBER, longitude=NUMBER, site=hs.sampled_from(["Trèfles", "Dubrucq", "Peterbos"]),
       start=DAY, end=DAY, units=SMALL, label=TEXT, bedrooms=SMALL, capacity=SMALL, reason=TEXT, until=hs.one_of(hs.none(), DAY))
def test_random_input_into_the_sites_page(database, name, commune, latitude, longitude, site, start, end, units, label,
                                          bedrooms, capacity, reason, until):
    app = open_page(page("admin_sites"), ADMIN)
    in_form(app.text_input, "new_site", "Nom du site").input(name)
    in_form(app.text_input, "new_site", "Commune").input(commune)
    in_form(app.number_input, "new_site", "Latitude").set_value(latitude)
    in_form(app.number_input, "new_site", "Longitude").set_value(longitude)
    click(app, database, "Créer le site")
    with database.connect() as connection:
        site_id = connection.execute(text("SELECT id FROM site WHERE name = :n"), {"n": site}).scalar_one()
    app.selectbox(key="admin_site").set_value(site_id).run()
    assert not app.exception
    form = f"new_convention_{site_id}"
    in_form(app.date_input, form, "Date de début").set_value(start)
    in_form(app.date_input, form, "Fin prévue").set_value(end)
    in_form(app.number_input, form, "Logements prévus").set_value(units)
    click(app, database, "Créer la convention")
    if [b for b in app.button if b.label == "Prolonger la convention"]:
        in_form(app.date_input, "extend_", "Fin prévue").set_value(end)
        click(app, database, "Prolonger la convention")
    form = f"new_unit_{site_id}"
    in_form(app.text_input, form, "Nom du logement").input(label)
    in_form(app.number_input, form, "Chambres").set_value(bedrooms)
    in_form(app.number_input, form, "Capacité").set_value(capacity)
    click(app, database, "Créer le logement")
    if [b for b in app.button if b.label == "Ajouter la période"]:
        form = f"add_unavailability_{site_id}"
        in_form(app.date_input, form, "Date de début").set_value(start)
        in_form(app.date_input, form, "Date de fin").set_value(until)
        in_form(app.text_input, form, "Motif").input(reason)
        click(app, database, "Ajouter la période")


@PAGES
@given(rule=hs.sampled_from(["fixed", "percent_of_income"]), label=TEXT, amount=TYPED_NUMBER, percent=TYPED_NUMBER,
       minimum=TYPED_NUMBER, maximum=TYPED_NUMBER, day=DAY, axis=hs.integers(min_value=0, max_value=2),
       partners=hs.lists(hs.integers(min_value=0, max_value=20), max_size=4))
def test_random_input_into_the_scale_and_axes_page(database, rule, label, amount, percent, minimum, maximum, day, axis,
                                                   partners):
    app = open_page(page("admin_reference"), ADMIN)
    app.radio(key="scale_rule").set_value(rule).run()
    in_form(app.text_input, "scale_entry", "Libellé").input(label)
    for field, value in (("Montant", amount), ("Pourcentage", percent), ("Minimum", minimum), ("Maximum", maximum)):
        found = [n for n in app.text_input if n.label == field and n.form_id == "scale_entry"]
        if found:
            found[0].input(value)
    in_form(app.date_input, "scale_entry", "À partir du").set_value(day)
    click(app, database, "Enregistrer l'entrée")
    with database.connect() as connection:
        partner_ids = connection.execute(text("SELECT id FROM organisation WHERE kind = 'partner' ORDER BY id")).scalars().all()
    app.multiselect[axis].set_value(sorted({partner_ids[i % len(partner_ids)] for i in partners}))
    click(app, database, "Enregistrer", index=axis)


EXITS = ["street", "durable_social_housing", "unknown"]


@PAGES
@given(day=hs.one_of(DAY, hs.dates(min_value=date(2026, 1, 1), max_value=date(2027, 6, 1))),
       site=hs.sampled_from(["Ganshoren", "Trèfles", "Dubrucq"]), reason=TEXT,
       choices=hs.lists(hs.integers(min_value=0, max_value=len(EXITS)), min_size=3, max_size=3))
def test_random_input_into_the_closure_page(database, day, site, reason, choices):
    """A day, a site, a reason, and a relocation for each occupant (a unit offered or an exit) when
    there are few of them (each choice is a run of the page: a long plan is left incomplete)."""
    app = open_page(page("close_site"), ADMIN)
    app.date_input(key="closure_date").set_value(day).run()
    assert not app.exception
    closable = closable_sites(database, app.date_input(key="closure_date").value)
    if site not in set(closable["site"]):
        return
    site_id = int(closable.loc[closable["site"] == site, "site_id"].iloc[0])
    app.selectbox(key="closure_site").set_value(site_id).run()
    keyed(app.text_input, "closure_reason_").input(reason).run()
    assert not app.exception
    units = relocation_units(database, app.date_input(key="closure_date").value, site_id)
    free = [f"unit:{u}" for u in units.loc[units["reserved_for_id"] == 0, "unit_id"]]
    boxes = [b for b in app.selectbox if b.key.startswith(f"closure_{site_id}_")]
    for index, (box, choice) in enumerate(zip(boxes, choices)):
        value = free[0] if choice == len(EXITS) and index == 0 and free else f"exit:{EXITS[choice % len(EXITS)]}"
        box.set_value(value).run()
        assert not app.exception
    review = app.button(key="closure_review")
    if not review.disabled:
        review.click().run()
        assert not app.exception
        click(app, database, "Clôturer et appliquer le plan")
