"""AppTest on the editing pages (contributions & payments, sites & units, scale & axis operators, site
closure), run directly on the page files with a signed-in actor, on a copy of the demo data.

Each accepted path writes its rows and exactly one audit event; each refusal shows its message next
to the form and writes nothing (row and audit counts compared before and after)."""

from __future__ import annotations

import shutil
from datetime import date

import pandas as pd
import pytest
import streamlit as st
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from issue_core import policy
from issue_core.auth import SYSTEM, Actor
from issue_core.db import create_issue_engine
from issue_core.i18n import translate
from issue_core.models import ExitDestination, Role
from issue_core.queries.screens.closure import occupants_on, relocation_units, units_offered
from issue_core.queries.screens.payments import editable_households
from issue_core.services import sites as site_services
from tests.checks import violations
from tests.conftest import run_page, use_database

ADMIN = Actor("admin", Role.ADMIN, None)
EXITS = [d for d in ExitDestination.values() if d != ExitDestination.OTHER_ISSUE_UNIT.value]
PAGES = {"pages/payments.py", "pages/admin_sites.py", "pages/admin_reference.py", "pages/close_site.py"}


@pytest.fixture
def db(demo_url, monkeypatch):
    monkeypatch.setenv("ISSUE_DATABASE_URL", demo_url)
    st.cache_resource.clear()
    st.cache_data.clear()
    engine = create_issue_engine(demo_url)
    yield engine
    engine.dispose()


def scalar(engine, sql: str, **params):
    with engine.connect() as connection:
        return connection.execute(text(sql), params).scalar()


def counts(engine, *tables: str) -> dict[str, int]:
    return {table: scalar(engine, f"SELECT COUNT(*) FROM {table}") for table in (*tables, "audit_event")}


def new_events(engine, since: int) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(text("SELECT action FROM audit_event WHERE id > :id ORDER BY id"), {"id": since}).scalars())


def last_event_id(engine) -> int:
    return scalar(engine, "SELECT COALESCE(MAX(id), 0) FROM audit_event")


def organisation_id(engine, short_name: str) -> int:
    return scalar(engine, "SELECT id FROM organisation WHERE short_name = :s", s=short_name)


def open_page(name: str, actor: Actor) -> AppTest:
    return run_page(f"pages/{name}.py", actor, pages=PAGES)


def errors(app: AppTest) -> list[str]:
    return [e.value for e in app.error]


def widget(elements, label: str):
    return next(element for element in elements if element.label == label)


def button(app: AppTest, label: str):
    return widget(app.button, label)


def message(key: str, **params) -> str:
    return translate(key, "fr", **params)


# --- pages refused to the roles that may not use them ----------------------------------------------


@pytest.mark.parametrize("page", ["admin_sites", "admin_reference", "close_site"])
@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.DIRECTOR, Role.SCREEN])
def test_admin_pages_refuse_other_roles(db, page, role):
    app = open_page(page, Actor("someone", role, organisation_id(db, "Smes")))
    assert errors(app) == [message("error.page_not_allowed")]
    assert not app.title and not app.button


@pytest.mark.parametrize("role", [Role.DIRECTOR, Role.SCREEN])
def test_payments_page_refuses_read_only_roles(db, role):
    app = open_page("payments", Actor("someone", role, organisation_id(db, "Smes")))
    assert errors(app) == [message("error.page_not_allowed")]


# --- contributions and payments ----------------------------------------------------------------------


def followed_household(engine, organisation: int) -> tuple[int, str]:
    frame = editable_households(engine, organisation, False)
    row = frame[frame["follow_up_ended_on"].isna()].iloc[0]
    return int(row["household_id"]), row["reference"]


@pytest.fixture
def coordinator(db) -> Actor:
    return Actor("coord.smes", Role.COORDINATOR, organisation_id(db, "Smes"))


def payments_page(db, actor: Actor) -> tuple[AppTest, int]:
    app = open_page("payments", actor)
    household_id, _ = followed_household(db, actor.organisation_id)
    app.selectbox(key="payments_household").set_value(household_id).run()
    assert not app.exception
    return app, household_id


def fill_payment(app: AppTest, amount, months: list[date]) -> None:
    """`amount` typed the French way ("100,00"): a text field, read in the user's language."""
    widget(app.text_input, "Montant").input("" if amount is None else f"{amount:.2f}".replace(".", ","))
    widget(app.multiselect, "Mois couverts").set_value(months)
    button(app, "Enregistrer le paiement").click().run()
    assert not app.exception


def test_coordinator_sees_only_own_households_and_the_balance(db, coordinator):
    app = open_page("payments", coordinator)
    options = app.selectbox(key="payments_household").options
    own = editable_households(db, coordinator.organisation_id, False, active_on=date(2026, 11, 23))  # open files
    assert len(options) == len(own) and all("Smes" in option for option in options)
    assert [m.label for m in app.metric][:3] == ["Dû au 23/11/2026", "Payé au 23/11/2026", "Arriérés"]


def test_a_payment_over_several_months_writes_its_rows_and_one_event(db, coordinator):
    app, household_id = payments_page(db, coordinator)
    before, since = counts(db, "payment"), last_event_id(db)
    fill_payment(app, 100.0, [date(2026, 10, 1), date(2026, 11, 1)])
    assert not errors(app)
    assert counts(db, "payment") == {"payment": before["payment"] + 2, "audit_event": before["audit_event"] + 1}
    assert new_events(db, since) == ["payment.create"]
    with db.connect() as connection:
        rows = connection.execute(text(
            "SELECT period_month, amount FROM payment WHERE household_id = :h AND id > (SELECT MAX(id) - 2 FROM payment)"
            " ORDER BY period_month"), {"h": household_id}).all()
    assert [float(r.amount) for r in rows] == [50.0, 50.0]
    assert "50" not in app.success[0].value and "100,00" in app.success[0].value  # the undo offer, after the rerun


@pytest.mark.parametrize(
    ("amount", "months", "key", "params"),
    [
        (-5.0, [date(2026, 11, 1)], "error.amount_negative", {"field": "Montant"}),
        (0.0, [date(2026, 11, 1)], "error.amount_zero", {"field": "Montant"}),
        (None, [date(2026, 11, 1)], "error.required_amount", {"field": "Montant"}),
        (20.0, [], "error.months_required", {}),
    ],
    ids=["negative", "zero", "missing-amount", "missing-months"],
)
def test_refused_payments_write_nothing(db, coordinator, amount, months, key, params):
    app, _ = payments_page(db, coordinator)
    before = counts(db, "payment")
    fill_payment(app, amount, months)
    assert errors(app) == [message(key, **params)]
    assert counts(db, "payment") == before


def test_a_payment_for_another_organisations_household_is_refused(db, coordinator):
    app, _ = payments_page(db, coordinator)
    before = counts(db, "payment")
    # The coordinator moved to another partner while the screen was open (the gate re-reads the actor).
    app.session_state["issue_actor"] = Actor("coord.smes", Role.COORDINATOR, organisation_id(db, "DIOGENES"))
    fill_payment(app, 30.0, [date(2026, 11, 1)])
    assert errors(app) == [message("error.other_organisation_household")]
    assert counts(db, "payment") == before


def test_the_scale_amount_shows_before_saving_then_the_status_is_saved(db, coordinator):
    app, household_id = payments_page(db, coordinator)
    widget(app.selectbox, "Statut de revenus").set_value("employment_income").run()
    assert "revenu mensuel" in app.info[0].value  # a percentage: the income is needed first
    widget(app.text_input, "Revenu mensuel").input("1 500").run()  # typed with a thousands space
    preview = widget(app.metric, "Montant selon le barème")
    assert preview.value.replace("\u202f", " ").replace("\xa0", " ") == "300,00 €"  # 20 % of 1 500, before saving
    before, since = counts(db, "contribution_status"), last_event_id(db)
    button(app, "Enregistrer le statut").click().run()
    assert not app.exception and not errors(app)
    assert counts(db, "contribution_status")["audit_event"] == before["audit_event"] + 1
    assert new_events(db, since) == ["contribution.set_status"]
    amount = scalar(db, "SELECT monthly_amount FROM contribution_status WHERE household_id = :h AND effective_from = :d",
                    h=household_id, d="2026-11-23")
    assert float(amount) == 300.0


def test_an_override_without_reason_is_refused(db, coordinator):
    app, _ = payments_page(db, coordinator)
    widget(app.checkbox, "Modifier le montant (une raison est requise)").check().run()
    widget(app.text_input, "Montant modifié").input("10,00")
    before = counts(db, "contribution_status")
    button(app, "Enregistrer le statut").click().run()
    assert errors(app) == [message("error.override_needs_reason")]
    assert counts(db, "contribution_status") == before
    widget(app.text_input, "Raison de la dérogation").input("Accord du CPAS")
    button(app, "Enregistrer le statut").click().run()
    assert not errors(app)
    assert counts(db, "contribution_status")["audit_event"] == before["audit_event"] + 1


# --- sites, conventions, units, unavailability ---------------------------------------------------------


def sites_page(db, site_name: str | None = None) -> AppTest:
    app = open_page("admin_sites", ADMIN)
    if site_name is not None:
        app.selectbox(key="admin_site").set_value(scalar(db, "SELECT id FROM site WHERE name = :n", n=site_name)).run()
        assert not app.exception
    return app


def test_admin_creates_a_site_with_coordinates(db):
    app = sites_page(db)
    before, since = counts(db, "site"), last_event_id(db)
    widget(app.text_input, "Nom du site").input("Anneessens")
    widget(app.text_input, "Commune").input("Bruxelles")
    widget(app.number_input, "Latitude").set_value(50.844)
    widget(app.number_input, "Longitude").set_value(4.345)
    widget(app.selectbox, "Opérateur logement").set_value(organisation_id(db, "CityDev"))
    button(app, "Créer le site").click().run()
    assert not app.exception and not errors(app)
    assert counts(db, "site") == {"site": before["site"] + 1, "audit_event": before["audit_event"] + 1}
    assert new_events(db, since) == ["site.create"]
    assert scalar(db, "SELECT location_approximate FROM site WHERE name = 'Anneessens'") in (1, True)


def test_a_site_without_name_is_refused(db):
    app = sites_page(db)
    before = counts(db, "site")
    widget(app.selectbox, "Opérateur logement").set_value(organisation_id(db, "CityDev"))
    button(app, "Créer le site").click().run()
    assert errors(app) == [message("error.required_text", field="Nom du site")]
    assert counts(db, "site") == before


def test_editing_a_site_changed_since_the_screen_was_drawn_is_refused(db):
    app = sites_page(db, "Trèfles")
    site_id = scalar(db, "SELECT id FROM site WHERE name = 'Trèfles'")
    operator = scalar(db, "SELECT housing_operator_id FROM site WHERE id = :s", s=site_id)
    site_services.update_site(db, SYSTEM, site_id, version=1, name="Trèfles", commune="Anderlecht",
                              housing_operator_id=operator, notes="changed elsewhere")
    before = counts(db, "site")
    widget(app.text_input, "Commune").input("Forest")
    button(app, "Enregistrer").click().run()
    assert errors(app) == [message("error.stale_version")]
    assert counts(db, "site") == before
    assert scalar(db, "SELECT commune FROM site WHERE id = :s", s=site_id) == "Anderlecht"


def test_a_convention_ending_before_it_starts_is_refused_then_one_is_created(db):
    app = sites_page(db, "Anneessens") if scalar(db, "SELECT COUNT(*) FROM site WHERE name = 'Anneessens'") else None
    if app is None:
        operator = organisation_id(db, "CityDev")
        site_services.create_site(db, SYSTEM, name="Anneessens", housing_operator_id=operator)
        app = sites_page(db, "Anneessens")
    before = counts(db, "convention")
    widget(app.date_input, "Date de début").set_value(date(2026, 12, 1))
    widget(app.date_input, "Fin prévue").set_value(date(2026, 6, 30))
    button(app, "Créer la convention").click().run()
    assert errors(app) == [message("error.end_before_start", start=date(2026, 12, 1), end=date(2026, 6, 30))]
    assert counts(db, "convention") == before
    widget(app.date_input, "Fin prévue").set_value(date(2028, 11, 30))
    widget(app.number_input, "Logements prévus").set_value(4)
    button(app, "Créer la convention").click().run()
    assert not errors(app)
    assert counts(db, "convention") == {"convention": before["convention"] + 1, "audit_event": before["audit_event"] + 1}


def test_closing_a_convention_with_occupants_points_to_the_closure_page(db):
    app = sites_page(db, "Dubrucq")
    before = counts(db, "convention")
    widget(app.text_input, "Motif de clôture").input("Fin de convention")
    button(app, "Clôturer la convention").click().run()
    assert len(errors(app)) == 1 and "Clôturer un site" in errors(app)[0]
    assert counts(db, "convention") == before


def test_extending_a_convention_writes_one_event(db):
    app = sites_page(db, "Dubrucq")
    since = last_event_id(db)
    widget(app.date_input, "Fin prévue").set_value(date(2027, 12, 31))
    button(app, "Prolonger la convention").click().run()
    assert not errors(app)
    assert new_events(db, since) == ["convention.extend"]
    assert str(scalar(db, "SELECT planned_end_date FROM convention WHERE id = (SELECT MAX(c.id) FROM convention c "
                          "JOIN site s ON s.id = c.site_id WHERE s.name = 'Dubrucq')"))[:10] == "2027-12-31"


def test_units_are_created_edited_and_reserved(db):
    app = sites_page(db, "Dubrucq")
    before, since = counts(db, "unit"), last_event_id(db)
    new_unit_label = [field for field in app.text_input if field.label == "Nom du logement"][-1]
    new_unit_label.input("DUB-15")
    button(app, "Créer le logement").click().run()
    assert not errors(app)
    assert counts(db, "unit") == {"unit": before["unit"] + 1, "audit_event": before["audit_event"] + 1}
    app.selectbox(key=f"admin_unit_{scalar(db, 'SELECT id FROM site WHERE name = :n', n='Dubrucq')}").set_value(scalar(db, "SELECT id FROM unit WHERE label = 'DUB-15'")).run()
    capacity = [field for field in app.number_input if field.label == "Capacité"][0]
    capacity.set_value(3)
    [b for b in app.button if b.label == "Enregistrer"][1].click().run()  # the first one saves the site
    assert not errors(app)
    reserved = widget(app.selectbox, "Réservé à")
    reserved.set_value(organisation_id(db, "Smes"))
    button(app, "Enregistrer la réservation").click().run()
    assert not errors(app)
    assert new_events(db, since) == ["unit.create", "unit.update", "unit.reserve"]
    assert scalar(db, "SELECT capacity FROM unit WHERE label = 'DUB-15'") == 3


def test_unavailability_is_added_then_ended(db):
    app = sites_page(db, "Dubrucq")
    since = last_event_id(db)
    unit_box = [box for box in app.selectbox if box.label == "Nom du logement"][0]
    unit_box.set_value(scalar(db, "SELECT id FROM unit WHERE label = 'DUB-01'"))  # vacant in the demo
    button(app, "Ajouter la période").click().run()
    assert errors(app) == [message("error.required_text", field="Motif")]  # the reason is missing
    assert new_events(db, since) == []
    widget(app.text_input, "Motif").input("Dégâts des eaux")
    button(app, "Ajouter la période").click().run()
    assert not errors(app), errors(app)
    end = widget(app.date_input, "Disponible à nouveau le")
    end.set_value(date(2026, 11, 1))  # before the start: refused
    button(app, "Enregistrer la fin").click().run()
    assert errors(app) == [message("error.end_before_start", start=date(2026, 11, 23), end=date(2026, 11, 1))]
    widget(app.date_input, "Disponible à nouveau le").set_value(date(2027, 1, 15))
    button(app, "Enregistrer la fin").click().run()
    assert not errors(app)
    assert new_events(db, since) == ["unit.unavailable", "unit.available"]


# --- contribution scale and axis operators ---------------------------------------------------------------


def test_a_scale_entry_is_added_and_a_percentage_needs_its_percent(db):
    app = open_page("admin_reference", ADMIN)
    before, since = counts(db, "contribution_scale"), last_event_id(db)
    app.radio(key="scale_rule").set_value("percent_of_income").run()
    widget(app.text_input, "Libellé").input("Revenu du travail 2027")
    button(app, "Enregistrer l'entrée").click().run()
    assert errors(app) == [message("error.percent_needs_percent")]
    assert counts(db, "contribution_scale") == before
    widget(app.text_input, "Pourcentage").input("18")
    widget(app.text_input, "Maximum").input("350,00")
    widget(app.selectbox, "Statut de revenus").set_value("employment_income")
    widget(app.date_input, "À partir du").set_value(date(2027, 1, 1))
    button(app, "Enregistrer l'entrée").click().run()
    assert not errors(app)
    assert new_events(db, since) == ["scale.set"]
    assert counts(db, "contribution_scale")["contribution_scale"] == before["contribution_scale"] + 1


def test_axis_operators_are_set_and_a_partner_with_households_cannot_be_removed(db):
    app = open_page("admin_reference", ADMIN)
    since = last_event_id(db)
    axis_three = app.multiselect[2]
    kept = list(axis_three.value)
    axis_three.set_value([])  # DIOGENES and Smes follow households on axis 3
    app.button[-1].click().run()
    assert len(errors(app)) == 1 and "axe 3" in errors(app)[0].lower()
    assert new_events(db, since) == []
    app.multiselect[2].set_value([*kept, organisation_id(db, "Pierre d'Angle")])
    app.button[-1].click().run()
    assert not errors(app)
    assert new_events(db, since) == ["axis.set_operators"]


# --- closing a site ------------------------------------------------------------------------------------


def test_closing_a_site_applies_the_relocation_plan_in_one_event(db):
    app = open_page("close_site", ADMIN)
    app.selectbox(key="closure_site").set_value(scalar(db, "SELECT id FROM site WHERE name = 'Ganshoren'")).run()
    occupant_box = [box for box in app.selectbox if box.label.startswith("Relogement de")]
    assert len(occupant_box) == 1
    review = button(app, "Vérifier et clôturer")
    assert review.disabled  # the plan is incomplete
    choice = occupant_box[0]
    unit_option = next(option for option in choice.options if option.startswith("Reloger à") and "3 P-10" in option)
    assert not any("Autre logement ISSUE" in option for option in choice.options)
    assert unit_option
    target = scalar(db, "SELECT id FROM unit WHERE label = '3 P-10'")
    choice.set_value(f"unit:{target}").run()
    app.text_input(key=f"closure_reason_{scalar(db, 'SELECT id FROM site WHERE name = :n', n='Ganshoren')}").input(
        "Fin de convention").run()
    since = last_event_id(db)
    button(app, "Vérifier et clôturer").click().run()
    assert not app.exception
    button(app, "Clôturer et appliquer le plan").click().run()
    assert not app.exception and not errors(app), errors(app)
    assert new_events(db, since) == ["site.close"]
    site_id = scalar(db, "SELECT id FROM site WHERE name = 'Ganshoren'")
    # Closed on 23/11, the convention's last day (occupiable): the occupant moves on 24/11.
    assert scalar(db, "SELECT COUNT(*) FROM placement p JOIN unit u ON u.id = p.unit_id WHERE u.site_id = :s "
                      "AND (p.end_date IS NULL OR p.end_date > '2026-11-24')", s=site_id) == 0
    assert scalar(db, "SELECT COUNT(*) FROM placement p JOIN unit u ON u.id = p.unit_id WHERE u.label = '3 P-10' "
                      "AND p.start_date = '2026-11-24' AND p.end_date IS NULL") == 1
    assert scalar(db, "SELECT actual_end_date FROM convention WHERE site_id = :s", s=site_id)[:10] == "2026-11-23"
    assert all(not rows for rows in violations(db, date(2026, 11, 23)).values())


@pytest.fixture
def pristine_demo(demo_sqlite_template, tmp_path, monkeypatch):
    """This test's own copy of the demo as seeded: the free units do not depend on what other tests placed."""
    path = tmp_path / "demo.sqlite"
    shutil.copy(demo_sqlite_template, path)
    use_database(monkeypatch, f"sqlite:///{path}")
    engine = create_issue_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


def test_a_closure_choice_offers_the_units_typed_not_every_free_unit(pristine_demo, monkeypatch):
    db = pristine_demo
    monkeypatch.setattr(policy, "SEARCH_LIMIT", 2)
    app = open_page("close_site", ADMIN)
    site = scalar(db, "SELECT id FROM site WHERE name = 'Trèfles'")
    app.selectbox(key="closure_site").set_value(site).run()
    day = date(2026, 11, 23)
    occupant = occupants_on(db, site, day).iloc[0]
    units = relocation_units(db, day, site)
    every, free = units_offered(units, "", occupant.partner_id, set(), 1_000)
    assert free > 2  # the free units the occupant may take (a unit reserved for another partner is not offered)

    def units_in(box) -> list[str]:
        return [option for option in box.options if option.startswith("Reloger à")]

    def occupant_box():
        return next(box for box in app.selectbox if box.label.startswith("Relogement de"))

    box = occupant_box()
    assert len(units_in(box)) == 2 and len(box.options) == 2 + len(EXITS)
    assert message("closure.units_cut", shown="2", total=str(free)) in [caption.value for caption in app.caption]

    last = units.set_index("unit_id").loc[every[-1]]  # beyond the first two: found by typing its name
    app.text_input(key="closure_unit_search").input(last["unit"].lower()).run()
    box = occupant_box()
    assert units_in(box) and all(last["unit"].casefold() in option.casefold() for option in units_in(box))
    box.set_value(f"unit:{every[-1]}").run()

    app.text_input(key="closure_unit_search").input("zzz").run()  # nothing matches: the choice made stays
    box = occupant_box()
    assert box.value == f"unit:{every[-1]}" and len(units_in(box)) == 1 and last["unit"] in units_in(box)[0]
    assert message("search.none", text="zzz") in [caption.value for caption in app.caption]
    assert not app.exception


def test_units_offered_keeps_reservations_choices_and_the_limit():
    units = pd.DataFrame({
        "unit_id": [1, 2, 3, 4, 5], "site": ["Alpha", "Alpha", "Beta", "Beta", "Gamma"],
        "unit": ["A-1", "A-2", "B-1", "B-2", "G-1"], "reserved_for_id": [0, 7, 0, 0, 9],
    })
    assert units_offered(units, "", 7, set(), 50) == ([1, 2, 3, 4], 4)  # 5 is reserved for partner 9
    assert units_offered(units, "", 7, {3}, 2) == ([1, 2], 3)  # 3 taken; the first 2 of the 3 left
    assert units_offered(units, "  bEtA ", 9, set(), 50) == ([3, 4], 2)  # the site's name, any case
    assert units_offered(units, "g-1", 9, set(), 50) == ([5], 1)  # the unit's name
    assert units_offered(units, "g-1", 7, set(), 50) == ([], 0)


def test_closing_without_a_reason_is_refused_and_writes_nothing(db):
    app = open_page("close_site", ADMIN)
    app.selectbox(key="closure_site").set_value(scalar(db, "SELECT id FROM site WHERE name = 'Trèfles'")).run()
    choice = [box for box in app.selectbox if box.label.startswith("Relogement de")][0]
    choice.set_value("exit:durable_social_housing").run()
    before = counts(db, "placement", "convention")
    button(app, "Vérifier et clôturer").click().run()
    button(app, "Clôturer et appliquer le plan").click().run()
    assert errors(app) == [message("error.required_text", field="Motif de clôture")]
    assert counts(db, "placement", "convention") == before


# --- contributions: a change from a stale screen (two sessions on the same household) -----------------


def test_a_payment_from_a_stale_screen_is_refused_then_accepted_after_reload(db, coordinator):
    first, household_id = payments_page(db, coordinator)
    second, same = payments_page(db, coordinator)
    assert same == household_id
    fill_payment(first, 40.0, [date(2026, 11, 1)])
    assert not errors(first)
    before = counts(db, "payment")
    fill_payment(second, 40.0, [date(2026, 11, 1)])  # the same payment, recorded twice?
    assert errors(second) == [message("error.stale_version")]
    assert counts(db, "payment") == before
    fill_payment(second, 15.0, [date(2026, 11, 1)])  # the screen now shows the first payment
    assert not errors(second)
    assert counts(db, "payment") == {"payment": before["payment"] + 1, "audit_event": before["audit_event"] + 1}


def test_a_status_from_a_stale_screen_is_refused(db, coordinator):
    first, household_id = payments_page(db, coordinator)
    second, _ = payments_page(db, coordinator)
    for app, amount in ((first, 25.0), (second, 35.0)):
        widget(app.checkbox, "Modifier le montant (une raison est requise)").check().run()
        widget(app.text_input, "Montant modifié").input(f"{amount:.2f}".replace(".", ","))
        widget(app.text_input, "Raison de la dérogation").input("Accord du CPAS")
    button(first, "Enregistrer le statut").click().run()
    assert not errors(first)
    before = counts(db, "contribution_status")
    button(second, "Enregistrer le statut").click().run()
    assert errors(second) == [message("error.stale_version")]
    assert counts(db, "contribution_status") == before
    amount = scalar(db, "SELECT monthly_amount FROM contribution_status WHERE household_id = :h AND effective_from = :d",
                    h=household_id, d="2026-11-23")
    assert float(amount) == 25.0  # the first session's amount stays
