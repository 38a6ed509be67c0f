"""AppTest on the households and placements pages (issue 5, Editing): each form's accepted path
writes its rows and one audit event; each refusal shows its message and writes nothing; the units
a form offers are exactly those the services accept; random input never breaks a page or the data."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import streamlit as st
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs
from sqlalchemy import Engine, select, text
from streamlit.testing.v1 import AppTest

from issue_core.auth import SYSTEM, Actor
from issue_core.db import PROJECT_ROOT, read_session
from issue_core.errors import DomainError
from issue_core.models import AuditEvent, Household, Organisation, Placement, Role, Unit
from issue_core.queries.screens import households as views
from issue_core.services import households as household_services
from issue_core.services import placements as placement_services
from issue_core.services import rules
from issue_core.visibility import scope_of
from tests.checks import violations
from tests.conftest import TODAY, run_page
from tests.world import row_counts

PAGES = {"pages/households.py", "pages/placements.py"}
HOUSEHOLDS = str(PROJECT_ROOT / "pages/households.py")
PLACEMENTS = str(PROJECT_ROOT / "pages/placements.py")


# --- fixtures and helpers ------------------------------------------------------------------------------


def organisation_id(engine: Engine, short_name: str) -> int:
    with read_session(engine) as session:
        return session.scalar(select(Organisation.id).where(Organisation.short_name == short_name))


def actor(engine: Engine, role: str) -> Actor:
    """The demo accounts (their usernames, so the undo message finds their audit events)."""
    if role == "admin":
        return Actor("admin", Role.ADMIN, None)
    if role == "coordinator":
        return Actor("coord.samusocial", Role.COORDINATOR, organisation_id(engine, "Samusocial"))
    if role == "director":
        return Actor("dir.samusocial", Role.DIRECTOR, organisation_id(engine, "Samusocial"))
    return Actor("ecran", Role.SCREEN, None)


def open_page(path: str, who: Actor, **query: str) -> AppTest:
    return run_page(path, who, pages=PAGES, query=query)


def widget(widgets, pattern: str):  # noqa: ANN001, ANN201
    """The one widget whose key matches `pattern` (keys carry a form generation and dates)."""
    found = [w for w in widgets if w.key and re.search(pattern, w.key)]
    assert len(found) == 1, (pattern, [w.key for w in widgets])
    return found[0]


def submit(app: AppTest, label: str) -> AppTest:
    buttons = [b for b in app.button if b.label == label]
    assert len(buttons) == 1, (label, [b.label for b in app.button])
    buttons[0].click().run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def state(engine: Engine) -> tuple:
    """Everything a form could write: row counts of every table and the rows of the edited tables."""
    with engine.connect() as connection:
        rows = tuple(
            tuple(map(tuple, connection.execute(text(f"SELECT * FROM {table} ORDER BY id"))))
            for table in ("household", "placement", "unit", "convention")
        )
    return tuple(sorted(row_counts(engine).items())), rows


def audit_actions(engine: Engine, after_id: int) -> list[str]:
    with read_session(engine) as session:
        return list(session.scalars(select(AuditEvent.action).where(AuditEvent.id > after_id).order_by(AuditEvent.id)))


def last_audit_id(engine: Engine) -> int:
    with read_session(engine) as session:
        return session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)) or 0


def errors(app: AppTest) -> list[str]:
    return [e.value for e in app.error]


def assert_refused(app: AppTest, engine: Engine, before: tuple, message: str) -> None:
    assert any(message in error for error in errors(app)), errors(app)
    assert state(engine) == before


# --- placements: place a household -----------------------------------------------------------------------


def waiting_households(engine: Engine, who: Actor, start: date = TODAY, end: date | None = None) -> list[int]:
    return views.placeable_households(engine, scope_of(who), start, end)["household_id"].tolist()


def choose_place(app: AppTest, engine: Engine, household_id: int | None = None, unit_id: int | None = None) -> tuple[int, int]:
    """Pick a waiting household and a unit offered (the first ones unless named)."""
    who = app.session_state["issue_actor"]
    household_id = household_id or waiting_households(engine, who)[0]
    widget(app.selectbox, r"^pl-place-g\d+-household-").set_value(household_id).run()
    with read_session(engine) as session:
        partner_id = session.get(Household, household_id).referent_organisation_id
    units = views.placeable_units(engine, TODAY, None, partner_id, other_reservations=who.is_admin)
    unit_id = unit_id or int(units["unit_id"].iloc[0])
    site_id = int(units.loc[units["unit_id"] == unit_id, "site_id"].iloc[0])
    widget(app.selectbox, r"^pl-place-g\d+-\d+-.*-site$").set_value(site_id).run()
    widget(app.selectbox, rf"^pl-place-g\d+-\d+-.*-unit-{site_id}$").set_value(unit_id).run()
    assert not app.exception
    return household_id, unit_id


def placement_page(engine: Engine, who: Actor, **query: str) -> AppTest:  # noqa: ARG001 (symmetry with household_page)
    return open_page(PLACEMENTS, who, **query)


def test_place_a_household_writes_one_placement_and_one_audit_event(database):
    coordinator = actor(database, "coordinator")
    app = placement_page(database, coordinator)
    household_id, unit_id = choose_place(app, database)
    counts, last = row_counts(database), last_audit_id(database)
    submit(app, "Loger le ménage")
    assert errors(app) == []
    assert row_counts(database)["placement"] == counts["placement"] + 1
    assert audit_actions(database, last) == ["placement.create"]
    with read_session(database) as session:
        placement = session.scalars(select(Placement).order_by(Placement.id.desc()).limit(1)).one()
        assert (placement.household_id, placement.unit_id, placement.start_date, placement.end_date) == (
            household_id, unit_id, TODAY, None)
    assert any("logé à" in s.value for s in app.success)  # the message that offers the undo
    assert {k: v for k, v in violations(database, TODAY).items() if v} == {}


def test_the_undo_button_removes_the_placement_just_made(database):
    coordinator = actor(database, "coordinator")
    app = placement_page(database, coordinator)
    choose_place(app, database)
    counts, last = row_counts(database), last_audit_id(database)
    submit(app, "Loger le ménage")
    assert row_counts(database)["placement"] == counts["placement"] + 1
    submit(app, "Annuler")
    assert errors(app) == []
    assert row_counts(database)["placement"] == counts["placement"]
    assert audit_actions(database, last) == ["placement.create", "undo"]
    assert any("Modification annulée" in s.value for s in app.success)
    assert {k: v for k, v in violations(database, TODAY).items() if v} == {}


def test_households_offered_are_the_coordinators_waiting_ones(database):
    coordinator = actor(database, "coordinator")
    app = placement_page(database, coordinator)
    chooser = widget(app.selectbox, r"^pl-place-g\d+-household-")
    waiting = views.placeable_households(database, coordinator.organisation_id, TODAY)
    assert len(chooser.options) == len(waiting) > 0
    assert set(waiting["partner_id"]) == {coordinator.organisation_id}


def behind_the_screen(engine: Engine, sql: str, **params) -> None:  # noqa: ANN003
    """Another user's change, made after the form was drawn (and seen by the page's cached reads)."""
    with engine.begin() as connection:
        connection.execute(text(sql), params)
    st.cache_data.clear()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("overlap", "est occupé par"),
        ("outside_convention", "la convention se termine le"),
        ("unavailable", "est indisponible"),
        ("reserved", "est réservé aux ménages suivis par"),
        ("wrong_organisation", "suivi par une autre organisation"),
    ],
)
def test_place_refusals_show_their_message_and_write_nothing(database, change, message):
    coordinator = actor(database, "coordinator")
    app = placement_page(database, coordinator)
    household_id, unit_id = choose_place(app, database)
    with read_session(database) as session:
        site_id = session.get(Unit, unit_id).site_id
    if change == "overlap":
        other = next(h for h in waiting_households(database, actor(database, "admin")) if h != household_id)
        behind_the_screen(database, "INSERT INTO placement (household_id, unit_id, start_date, version) "
                                    "VALUES (:h, :u, :d, 1)", h=other, u=unit_id, d=TODAY.isoformat())
    elif change == "outside_convention":
        behind_the_screen(database, "UPDATE convention SET actual_end_date = :d WHERE site_id = :s AND actual_end_date IS NULL",
                          d=(TODAY + timedelta(days=30)).isoformat(), s=site_id)
    elif change == "unavailable":
        behind_the_screen(database, "INSERT INTO unit_unavailability (unit_id, start_date, reason, version) "
                                    "VALUES (:u, :d, 'dégât des eaux', 1)", u=unit_id, d=(TODAY + timedelta(days=10)).isoformat())
    elif change == "reserved":
        behind_the_screen(database, "UPDATE unit SET reserved_for_organisation_id = :o WHERE id = :u",
                          o=organisation_id(database, "DIOGENES"), u=unit_id)
    else:
        behind_the_screen(database, "UPDATE household SET referent_organisation_id = :o WHERE id = :h",
                          o=organisation_id(database, "DIOGENES"), h=household_id)
    before = state(database)
    submit(app, "Loger le ménage")
    assert_refused(app, database, before, message)


def test_admin_needs_a_reason_to_override_a_reservation(database):
    admin = actor(database, "admin")
    reserved = views.placeable_units(database, TODAY, None, organisation_id(database, "DIOGENES"), other_reservations=True)
    reserved = reserved[reserved["reserved_for_id"] != 0]
    if reserved.empty:  # the demo's reserved units are all taken today: free one by reserving a vacant unit
        unit_id = int(views.placeable_units(database, TODAY, None, 0)["unit_id"].iloc[0])
        behind_the_screen(database, "UPDATE unit SET reserved_for_organisation_id = :o WHERE id = :u",
                          o=organisation_id(database, "Samusocial"), u=unit_id)
    else:
        unit_id = int(reserved["unit_id"].iloc[0])
    waiting = views.placeable_households(database, None, TODAY)
    with read_session(database) as session:
        reserved_for = session.get(Unit, unit_id).reserved_for_organisation_id
    household_id = int(waiting.loc[waiting["partner_id"] != reserved_for, "household_id"].iloc[0])
    app = placement_page(database, admin)
    choose_place(app, database, household_id, unit_id)
    assert any("raison de la dérogation" in w.value for w in app.warning)
    before = state(database)
    submit(app, "Loger le ménage")  # the missing field: no reason
    assert_refused(app, database, before, "pour passer outre, indiquez une raison")
    last, known = last_audit_id(database), violations(database, TODAY)  # (earlier stays of a unit reserved here)
    widget(app.text_input, r"-reason$").input("Relogement urgent après incendie").run()
    submit(app, "Loger le ménage")
    assert errors(app) == []
    assert audit_actions(database, last) == ["placement.create"]
    assert violations(database, TODAY) == known  # the override's reason is in the audit: not a violation


def test_the_place_form_explains_an_end_on_or_before_the_start(database):
    """Issue 10 item 9: a planned end on or before the start is kept and explained (it used to be erased)."""
    app = placement_page(database, actor(database, "coordinator"))
    for day in (TODAY - timedelta(days=5), TODAY):
        widget(app.date_input, r"^pl-place-g\d+-end$").set_value(day).run()
        assert widget(app.date_input, r"^pl-place-g\d+-end$").value == day
        assert errors(app) == [f"La fin prévue ({day:%d/%m/%Y}) doit être après le début ({TODAY:%d/%m/%Y}) : "
                               "changez l'une des deux dates."]
        assert not [w for w in app.selectbox if w.key.startswith("pl-place-") and "-household-" in w.key]
    widget(app.date_input, r"^pl-place-g\d+-end$").set_value(TODAY + timedelta(days=1)).run()
    assert widget(app.date_input, r"^pl-place-g\d+-end$").value == TODAY + timedelta(days=1)
    assert errors(app) == []


def test_the_occupancy_board_link_preselects_the_unit(database):
    coordinator = actor(database, "coordinator")
    units = views.placeable_units(database, TODAY, None, coordinator.organisation_id)
    unit_id = int(units["unit_id"].iloc[-1])
    app = placement_page(database, coordinator, unit=str(unit_id))
    assert any("tableau d'occupation" in i.value for i in app.info)
    household_id = waiting_households(database, coordinator)[0]
    widget(app.selectbox, r"^pl-place-g\d+-household-").set_value(household_id).run()
    assert widget(app.selectbox, r"-unit-\d+$").value == unit_id
    last = last_audit_id(database)
    submit(app, "Loger le ménage")
    assert audit_actions(database, last) == ["placement.create"]
    assert "unit" not in app.query_params


def test_a_garbage_unit_parameter_is_ignored(database):
    app = placement_page(database, actor(database, "coordinator"), unit="'; DROP TABLE unit; --")
    assert not app.info or all("tableau d'occupation" not in i.value for i in app.info)


# --- placements: end, transfer ------------------------------------------------------------------------------


def open_stay(engine: Engine, who: Actor) -> dict:
    frame = views.open_placements(engine, scope_of(who))
    return frame.iloc[0].to_dict()


def choose_stay(app: AppTest, tab: str, placement_id: int) -> None:
    widget(app.selectbox, rf"^pl-{tab}-stay$").set_value(placement_id).run()
    assert not app.exception


def test_end_a_placement_writes_the_end_and_one_audit_event(database):
    coordinator = actor(database, "coordinator")
    stay = open_stay(database, coordinator)
    app = placement_page(database, coordinator)
    choose_stay(app, "end", stay["placement_id"])
    destination = widget(app.selectbox, r"^pl-end-\d+-g\d+-destination$")
    assert "Autre logement ISSUE (transfert)" not in destination.options
    destination.set_value("durable_social_housing")
    last = last_audit_id(database)
    submit(app, "Terminer le séjour")
    assert errors(app) == []
    assert audit_actions(database, last) == ["placement.end"]
    with read_session(database) as session:
        placement = session.get(Placement, stay["placement_id"])
        assert (placement.end_date, placement.exit_destination) == (TODAY, "durable_social_housing")


@pytest.mark.parametrize("problem", ["missing_destination", "stale", "end_before_start", "wrong_organisation"])
def test_end_refusals(database, problem):
    coordinator = actor(database, "coordinator")
    stay = open_stay(database, coordinator)
    app = placement_page(database, coordinator)
    choose_stay(app, "end", stay["placement_id"])
    if problem != "missing_destination":
        widget(app.selectbox, r"^pl-end-\d+-g\d+-destination$").set_value("street")
    message = {"missing_destination": "Destination de sortie : choisissez une valeur",
               "stale": "a changé depuis que vous l'avez ouvert",
               "end_before_start": "doit être après le début",
               "wrong_organisation": "suivi par une autre organisation"}[problem]
    if problem == "stale":
        behind_the_screen(database, "UPDATE placement SET version = version + 1, notes = 'vu' WHERE id = :p",
                          p=stay["placement_id"])
    elif problem == "end_before_start":
        # The form offers no day before the stay's second day (a value below it is not taken)...
        widget(app.date_input, r"^pl-end-\d+-g\d+-date$").set_value(stay["start_date"] - timedelta(days=1)).run()
        assert widget(app.date_input, r"^pl-end-\d+-g\d+-date$").value > stay["start_date"]
        widget(app.selectbox, r"^pl-end-\d+-g\d+-destination$").set_value("street")
        # ... so the service's refusal shows when the stay's start was corrected meanwhile (an import).
        with database.begin() as connection:  # not audited: the page's cached reads do not see it
            connection.execute(text("UPDATE placement SET start_date = :d WHERE id = :p"),
                               {"d": TODAY.isoformat(), "p": stay["placement_id"]})
    elif problem == "wrong_organisation":
        behind_the_screen(database, "UPDATE household SET referent_organisation_id = :o WHERE id = :h",
                          o=organisation_id(database, "DIOGENES"), h=stay["household_id"])
    before = state(database)
    submit(app, "Terminer le séjour")
    assert_refused(app, database, before, message)
    if problem == "stale":  # drawn again from the record as it is now: the next try goes through
        app.run()
        widget(app.selectbox, r"^pl-end-\d+-g\d+-destination$").set_value("street")
        submit(app, "Terminer le séjour")
        assert errors(app) == []


def choose_transfer(app: AppTest, engine: Engine, stay: dict) -> int:
    choose_stay(app, "transfer", stay["placement_id"])
    units = views.placeable_units(engine, TODAY, None, stay["partner_id"], except_unit_id=stay["unit_id"])
    target = units.iloc[0]
    widget(app.selectbox, r"^pl-transfer-\d+-g\d+-.*-site$").set_value(int(target["site_id"])).run()
    widget(app.selectbox, rf"^pl-transfer-\d+-g\d+-.*-unit-{int(target['site_id'])}$").set_value(int(target["unit_id"])).run()
    assert stay["unit_id"] not in units["unit_id"].tolist()
    return int(target["unit_id"])


def test_transfer_ends_one_stay_and_opens_the_next_in_one_event(database):
    coordinator = actor(database, "coordinator")
    stay = open_stay(database, coordinator)
    app = placement_page(database, coordinator)
    target = choose_transfer(app, database, stay)
    counts, last = row_counts(database), last_audit_id(database)
    submit(app, "Transférer")
    assert errors(app) == []
    assert audit_actions(database, last) == ["placement.transfer"]
    assert row_counts(database)["placement"] == counts["placement"] + 1
    with read_session(database) as session:
        old = session.get(Placement, stay["placement_id"])
        new = session.scalars(select(Placement).order_by(Placement.id.desc()).limit(1)).one()
    assert (old.end_date, old.exit_destination) == (TODAY, "other_issue_unit")
    assert (new.unit_id, new.start_date, new.household_id) == (target, TODAY, stay["household_id"])
    assert {k: v for k, v in violations(database, TODAY).items() if v} == {}


@pytest.mark.parametrize(("problem", "message"), [("stale", "a changé depuis"), ("overlap", "est occupé par")])
def test_transfer_refusals(database, problem, message):
    coordinator = actor(database, "coordinator")
    stay = open_stay(database, coordinator)
    app = placement_page(database, coordinator)
    target = choose_transfer(app, database, stay)
    if problem == "stale":
        behind_the_screen(database, "UPDATE placement SET version = version + 1 WHERE id = :p", p=stay["placement_id"])
    else:
        other = int(views.placeable_households(database, None, TODAY)["household_id"].iloc[0])
        placement_services.place_household(database, SYSTEM, household_id=other, unit_id=target, start_date=TODAY)
    before = state(database)
    submit(app, "Transférer")
    assert_refused(app, database, before, message)


# --- households ------------------------------------------------------------------------------------------


def household_page(engine: Engine, who: Actor) -> AppTest:
    return open_page(HOUSEHOLDS, who)


def test_register_a_household(database):
    coordinator = actor(database, "coordinator")
    app = household_page(database, coordinator)
    axis = widget(app.selectbox, r"^hh-register-g\d+-axis$")
    assert sorted(axis.options) == ["Axe 2"]  # Samusocial operates axis 2 only
    axis.set_value(2).run()
    partner = widget(app.selectbox, r"^hh-register-g\d+-partner-2$")
    assert partner.options == ["Samusocial"] and partner.value == coordinator.organisation_id
    widget(app.number_input, r"^hh-register-g\d+-adults$").set_value(2)
    widget(app.number_input, r"^hh-register-g\d+-children$").set_value(3)
    widget(app.selectbox, r"^hh-register-g\d+-status$").set_value("pending")
    counts, last = row_counts(database), last_audit_id(database)
    submit(app, "Inscrire")
    assert errors(app) == []
    assert audit_actions(database, last) == ["household.create"]
    assert row_counts(database)["household"] == counts["household"] + 1
    with read_session(database) as session:
        household = session.scalars(select(Household).order_by(Household.id.desc()).limit(1)).one()
    assert (household.adults, household.children, household.axis_id, household.administrative_status,
            household.referent_organisation_id, household.referred_on) == (2, 3, 2, "pending", coordinator.organisation_id, TODAY)
    assert re.fullmatch(r"ISS-2026-\d{3}", household.reference)
    assert any(household.reference in s.value for s in app.success)


def test_admin_partner_list_follows_the_axis(database):
    app = household_page(database, actor(database, "admin"))
    widget(app.selectbox, r"^hh-register-g\d+-axis$").set_value(3).run()
    assert sorted(widget(app.selectbox, r"^hh-register-g\d+-partner-3$").options) == ["DIOGENES", "Smes"]
    widget(app.selectbox, r"^hh-register-g\d+-axis$").set_value(1).run()
    assert widget(app.selectbox, r"^hh-register-g\d+-partner-1$").options == ["Cellule CCL"]


def test_register_without_status_is_refused(database):
    app = household_page(database, actor(database, "coordinator"))
    widget(app.selectbox, r"^hh-register-g\d+-axis$").set_value(2).run()
    before = state(database)
    submit(app, "Inscrire")
    assert_refused(app, database, before, "Statut administratif : choisissez une valeur")


def choose_household(app: AppTest, engine: Engine, who: Actor, state_name: str) -> dict:
    frame = views.households(engine, scope_of(who), TODAY, states=(state_name,))
    household = frame.iloc[0].to_dict()
    app.selectbox(key="hh-chosen").set_value(household["household_id"]).run()
    assert not app.exception
    return household


def test_lists_show_only_the_users_households(database):
    coordinator = actor(database, "coordinator")
    app = household_page(database, coordinator)
    own = views.households(database, coordinator.organisation_id, TODAY)
    shown = app.dataframe[0].value
    assert sorted(shown["Référence"]) == sorted(own["reference"])
    everyone = views.households(database, None, TODAY)
    assert len(everyone) > len(own)
    admin_app = household_page(database, actor(database, "admin"))
    assert len(admin_app.dataframe[0].value) == len(everyone)


def test_directors_read_and_the_screen_cannot_open(database):
    director = actor(database, "director")
    app = household_page(database, director)
    assert len(app.button) == len(app.number_input) == len(app.date_input) == 0
    assert set(app.dataframe[0].value["Référence"]) == set(views.households(database, director.organisation_id, TODAY)["reference"])
    screen = AppTest.from_file(HOUSEHOLDS, default_timeout=60)
    screen.session_state["issue_actor"] = actor(database, "screen")
    screen.run()
    assert errors(screen) == ["Cette page n'est pas accessible avec votre rôle."] and not screen.dataframe
    placements = AppTest.from_file(PLACEMENTS, default_timeout=60)
    placements.session_state["issue_actor"] = director
    placements.run()
    assert errors(placements) == ["Cette page n'est pas accessible avec votre rôle."]


def test_household_view_shows_its_history(database):
    admin = actor(database, "admin")
    with database.connect() as connection:
        household_id = connection.execute(text(
            "SELECT household_id FROM payment GROUP BY household_id ORDER BY COUNT(*) DESC LIMIT 1")).scalar_one()
    app = household_page(database, admin)
    app.selectbox(key="hh-chosen").set_value(household_id).run()
    assert not app.exception
    tables = [frame.value for frame in app.dataframe]
    assert len(tables) == 4  # the list, the stays, the contribution statuses, the payments
    assert len(tables[1]) == len(views.household_placements(database, None, household_id))
    assert len(tables[3]) == len(views.household_payments(database, None, household_id)) > 0


def test_edit_a_household(database):
    coordinator = actor(database, "coordinator")
    app = household_page(database, coordinator)
    household = choose_household(app, database, coordinator, "placed")
    prefix = rf"^hh-edit-{household['household_id']}-g\d+"
    widget(app.number_input, prefix + "-children$").set_value(household["children"] + 1)
    last = last_audit_id(database)
    submit(app, "Enregistrer")
    assert errors(app) == []
    assert audit_actions(database, last) == ["household.update"]
    with read_session(database) as session:
        row = session.get(Household, household["household_id"])
        assert (row.children, row.version) == (household["children"] + 1, household["version"] + 1)


@pytest.mark.parametrize(("problem", "message"), [
    ("stale", "a changé depuis que vous l'avez ouvert"),
    ("wrong_organisation", "suivi par une autre organisation"),
])
def test_edit_refusals(database, problem, message):
    coordinator = actor(database, "coordinator")
    app = household_page(database, coordinator)
    household = choose_household(app, database, coordinator, "placed")
    prefix = rf"^hh-edit-{household['household_id']}-g\d+"
    widget(app.number_input, prefix + "-adults$").set_value(3)
    if problem == "stale":
        household_services.update_household(
            database, SYSTEM, household["household_id"], version=household["version"], adults=1, children=0,
            axis_id=household["axis_id"], referent_organisation_id=household["partner_id"],
            administrative_status="unknown", referred_on=household["referred_on"])
    else:
        behind_the_screen(database, "UPDATE household SET referent_organisation_id = :o, axis_id = 2 WHERE id = :h",
                          o=organisation_id(database, "DIOGENES"), h=household["household_id"])
    before = state(database)
    submit(app, "Enregistrer")
    assert_refused(app, database, before, message)


def test_end_the_follow_up_of_a_waiting_household(database):
    coordinator = actor(database, "coordinator")
    app = household_page(database, coordinator)
    household = choose_household(app, database, coordinator, "waiting")
    last = last_audit_id(database)
    submit(app, "Terminer le suivi")
    assert errors(app) == []
    assert audit_actions(database, last) == ["household.end_follow_up"]
    with read_session(database) as session:
        assert session.get(Household, household["household_id"]).follow_up_ended_on == TODAY


def test_end_the_follow_up_refusals(database):
    coordinator = actor(database, "coordinator")
    app = household_page(database, coordinator)
    placed = choose_household(app, database, coordinator, "placed")
    assert not [b for b in app.button if b.label == "Terminer le suivi"]  # still placed: no form, a hint
    assert any("terminez d'abord ce séjour" in c.value for c in app.caption)
    waiting = choose_household(app, database, coordinator, "waiting")
    assert placed != waiting
    behind_the_screen(database, "UPDATE household SET version = version + 1 WHERE id = :h", h=waiting["household_id"])
    before = state(database)
    submit(app, "Terminer le suivi")
    assert_refused(app, database, before, "a changé depuis que vous l'avez ouvert")


# --- the units offered are exactly those the services accept ---------------------------------------------


def service_accepts_unit(session, who: Actor, household: Household, unit: Unit, start: date, end: date | None) -> bool:  # noqa: ANN001
    try:
        rules.check_inside_convention(session, unit, start, end)
        rules.check_unit_available(session, unit, start, end)
        rules.check_reservation(session, who, unit, household, None)
        rules.check_unit_free(session, who, unit, start, end)
    except DomainError:
        return False
    return True


@pytest.mark.parametrize("start", [date(2020, 3, 15), date(2021, 6, 1), date(2023, 5, 1), date(2024, 6, 30),
                                   date(2025, 8, 1), TODAY, date(2027, 2, 1)])
@pytest.mark.parametrize("length", [None, 30, 400])
def test_placeable_units_match_the_rules(database, start, length):
    end = start + timedelta(days=length) if length else None
    with read_session(database) as session:
        units = session.scalars(select(Unit)).all()
        for short_name in ("Samusocial", "DIOGENES"):
            organisation = organisation_id(database, short_name)
            who = Actor("coord", Role.COORDINATOR, organisation)
            household = Household(id=0, reference="X", referent_organisation_id=organisation, referred_on=date(2000, 1, 1))
            expected = {u.id for u in units if service_accepts_unit(session, who, household, u, start, end)}
            offered = set(views.placeable_units(database, start, end, organisation)["unit_id"])
            assert offered == expected, (short_name, start, end)


# --- random input into the forms ---------------------------------------------------------------------------

TEXT = hs.text(max_size=60)
NUMBER = hs.integers(min_value=-5, max_value=30)
DAY = hs.dates(min_value=date(1999, 1, 1), max_value=date(2101, 1, 1))


@pytest.mark.slow
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(adults=NUMBER, children=NUMBER, referred=DAY, reference=TEXT, status=hs.sampled_from(["regular", "unknown", None]))
def test_random_household_input_breaks_nothing(database, adults, children, referred, reference, status):
    app = household_page(database, actor(database, "coordinator"))
    app.text_input(key="hh-flt-reference").input(reference).run()
    assert not app.exception
    if widget(app.selectbox, r"^hh-register-g\d+-axis$").value is None:
        widget(app.selectbox, r"^hh-register-g\d+-axis$").set_value(2).run()
    widget(app.number_input, r"^hh-register-g\d+-adults$").set_value(adults)
    widget(app.number_input, r"^hh-register-g\d+-children$").set_value(children)
    widget(app.selectbox, r"^hh-register-g\d+-status$").set_value(status)
    widget(app.date_input, r"^hh-register-g\d+-referred$").set_value(referred)
    submit(app, "Inscrire")
    assert {k: v for k, v in violations(database, TODAY).items() if v} == {}


@pytest.mark.slow
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=DAY, end=hs.one_of(hs.none(), DAY), notes=TEXT, ended=DAY, destination=hs.sampled_from(["street", None]))
def test_random_placement_input_breaks_nothing(database, start, end, notes, ended, destination):
    coordinator = actor(database, "coordinator")
    app = placement_page(database, coordinator)
    widget(app.date_input, r"^pl-place-g\d+-start$").set_value(start).run()
    assert not app.exception
    widget(app.date_input, r"^pl-place-g\d+-end$").set_value(end).run()
    assert not app.exception
    households = [w for w in app.selectbox if re.search(r"^pl-place-g\d+-household-", w.key)]
    if households and households[0].options:
        start_value = widget(app.date_input, r"^pl-place-g\d+-start$").value
        end_value = widget(app.date_input, r"^pl-place-g\d+-end$").value
        household_id = waiting_households(database, coordinator, start_value, end_value)[0]
        households[0].set_value(household_id).run()
        sites = [w for w in app.selectbox if w.key.endswith("-site") and w.key.startswith("pl-place")]
        if sites and sites[0].options:
            units = views.placeable_units(database, start_value, end_value, coordinator.organisation_id)
            sites[0].set_value(int(units["site_id"].iloc[0])).run()
            widget(app.selectbox, r"^pl-place-.*-unit-\d+$").set_value(int(units["unit_id"].iloc[0])).run()
            widget(app.text_area, r"^pl-place-g\d+-notes$").input(notes)
            submit(app, "Loger le ménage")
    stay = views.open_placements(database, scope_of(coordinator))
    if not stay.empty:
        choose_stay(app, "end", int(stay["placement_id"].iloc[0]))
        widget(app.date_input, r"^pl-end-\d+-g\d+-date$").set_value(ended)
        widget(app.selectbox, r"^pl-end-\d+-g\d+-destination$").set_value(destination)
        widget(app.text_area, r"^pl-end-\d+-g\d+-notes$").input(notes)
        submit(app, "Terminer le séjour")
    assert {k: v for k, v in violations(database, TODAY).items() if v} == {}


# --- a stay only planned to end: offered, brought forward, transferred ----------------------------------


def planned_stay(engine: Engine, who: Actor, days: int = 60) -> dict:
    """One of the coordinator's open stays, given a planned end `days` after TODAY (no destination)."""
    stay = open_stay(engine, who)
    behind_the_screen(engine, "UPDATE placement SET end_date = :d WHERE id = :p",
                      d=(TODAY + timedelta(days=days)).isoformat(), p=stay["placement_id"])
    return {**stay, "end_date": TODAY + timedelta(days=days)}


def test_a_planned_end_is_offered_and_brought_forward(database):
    coordinator = actor(database, "coordinator")
    stay = planned_stay(database, coordinator)
    app = placement_page(database, coordinator)
    chooser = widget(app.selectbox, r"^pl-end-stay$")
    assert any("fin prévue le 22/01/2027" in option for option in chooser.options)
    choose_stay(app, "end", stay["placement_id"])
    assert any("Fin prévue le 22/01/2027" in c.value for c in app.caption)
    day = widget(app.date_input, r"^pl-end-\d+-g\d+-date$")
    assert day.value == TODAY
    day.set_value(TODAY + timedelta(days=90)).run()  # after the planned end: not taken
    assert widget(app.date_input, r"^pl-end-\d+-g\d+-date$").value <= stay["end_date"]
    widget(app.date_input, r"^pl-end-\d+-g\d+-date$").set_value(TODAY + timedelta(days=30))
    widget(app.selectbox, r"^pl-end-\d+-g\d+-destination$").set_value("housing_first")
    last = last_audit_id(database)
    submit(app, "Terminer le séjour")
    assert errors(app) == []
    assert audit_actions(database, last) == ["placement.end"]
    with read_session(database) as session:
        placement = session.get(Placement, stay["placement_id"])
        assert (placement.end_date, placement.exit_destination) == (TODAY + timedelta(days=30), "housing_first")
    assert stay["placement_id"] not in widget(app.selectbox, r"^pl-end-stay$").options  # finished now
    assert {k: v for k, v in violations(database, TODAY).items() if v} == {}


def test_a_planned_stay_is_transferred_before_its_planned_end(database):
    coordinator = actor(database, "coordinator")
    stay = planned_stay(database, coordinator)
    app = placement_page(database, coordinator)
    target = choose_transfer(app, database, stay)
    last = last_audit_id(database)
    submit(app, "Transférer")
    assert errors(app) == []
    assert audit_actions(database, last) == ["placement.transfer"]
    with read_session(database) as session:
        old = session.get(Placement, stay["placement_id"])
        new = session.scalars(select(Placement).order_by(Placement.id.desc()).limit(1)).one()
    assert (old.end_date, old.exit_destination) == (TODAY, "other_issue_unit")
    assert (new.unit_id, new.start_date, new.end_date) == (target, TODAY, None)
    assert {k: v for k, v in violations(database, TODAY).items() if v} == {}


def test_a_planned_end_finished_meanwhile_is_refused(database):
    coordinator = actor(database, "coordinator")
    stay = planned_stay(database, coordinator)
    app = placement_page(database, coordinator)
    choose_stay(app, "end", stay["placement_id"])
    widget(app.selectbox, r"^pl-end-\d+-g\d+-destination$").set_value("street")
    placement_services.end_placement(database, SYSTEM, stay["placement_id"], version=stay["version"],
                                     end_date=TODAY + timedelta(days=10), exit_destination="prison")
    st.cache_data.clear()
    before = state(database)
    submit(app, "Terminer le séjour")
    assert_refused(app, database, before, "a changé depuis que vous l'avez ouvert")
