"""Issue 10, items 6, 9, 10 and 12: what a household's file shows for an open stay, every problem of a
form told at once, undo and cancelling a stay, and small page defects (the overview's wording for
admins, no Streamlit warning from the filters)."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from issue_core import clock
from issue_core import errors as domain_errors
from issue_core.auth import SYSTEM
from issue_core.db import PROJECT_ROOT, read_session
from issue_core.errors import Conflict, InvalidInput, PermissionDenied, StaleVersion
from issue_core.i18n import BRUSSELS
from issue_core.imports.run import check_file
from issue_core.models import AuditEvent, Household, Organisation, Placement, Site
from issue_core.queries.screens import households as views
from issue_core.services import contributions, households, placements, undo
from issue_core.services import sites as site_services
from issue_core.services.common import snapshot
from tests.checks import violations
from tests.conftest import TODAY, sign_in
from tests.test_editing_households import (
    actor,
    audit_actions,
    choose_place,
    errors,
    household_page,
    last_audit_id,
    open_page,
    placement_page,
    state,
    submit,
    waiting_households,
    widget,
)
from tests.world import refused, row_counts

# --- item 6: an open stay has no exit destination (never "exit.nan") ---------------------------------


def test_an_open_stay_has_no_exit_destination_in_the_read_model(world):
    stay = placements.place_household(world.engine, world.admin, household_id=world.h_samu, unit_id=world.a1,
                                      start_date=date(2024, 3, 1))
    placements.transfer_household(world.engine, world.admin, stay, version=1, transfer_date=date(2024, 6, 1),
                                  unit_id=world.a3)
    shown = views.household_placements(world.engine, None, world.h_samu)
    assert shown["exit_destination"].tolist() == ["other_issue_unit", None]


def test_a_household_file_shows_no_exit_for_its_open_stay(database):
    stay = views.open_placements(database, None).iloc[0]  # transferred today: an ended stay, then an open one
    unit = views.placeable_units(database, TODAY, None, int(stay["partner_id"]), other_reservations=True,
                                 except_unit_id=int(stay["unit_id"]))["unit_id"].iloc[0]
    placements.transfer_household(database, SYSTEM, int(stay["placement_id"]), version=int(stay["version"]),
                                  transfer_date=TODAY, unit_id=int(unit), override_reason="test")
    app = household_page(database, actor(database, "admin"))
    app.selectbox(key="hh-chosen").set_value(int(stay["household_id"])).run()
    assert not app.exception
    exits = app.dataframe[1].value["Destination de sortie"].tolist()
    assert exits[-2:] == ["Autre logement ISSUE (transfert)", ""], exits


# --- item 9: every problem of a form at once, in the words of the form ---------------------------------


def test_the_service_names_every_problem_of_a_household_at_once(world):
    before = row_counts(world.engine)
    with pytest.raises(domain_errors.InvalidInputs) as refused:
        households.register_household(world.engine, world.admin, axis_id=None, referent_organisation_id=None,
                                      adults=-3, children=0, administrative_status=None, referred_on=date(2024, 1, 1))
    assert refused.value.message("fr") == (
        "Corrigez ces 4 points :\n"
        "- Adultes : au moins 1.\n"
        "- Axe : choisissez une valeur.\n"
        "- Partenaire référent : choisissez une valeur.\n"
        "- Statut administratif : choisissez une valeur.")
    assert refused.value.message("nl").splitlines()[2] == "- As: kies een waarde."
    assert row_counts(world.engine) == before


def test_one_problem_alone_keeps_its_own_message(world):
    refusal = refused(world, InvalidInput, "error.required_choice", households.register_household, world.admin,
                      axis_id=2, referent_organisation_id=world.samu, adults=1, children=0,
                      administrative_status=None, referred_on=date(2024, 1, 1))
    assert refusal.message("fr") == "Statut administratif : choisissez une valeur."


def test_an_amount_above_the_maximum_states_the_maximum(world):
    refusal = refused(world, InvalidInput, "error.amount_too_large", contributions.record_payment, world.admin,
                      world.h_samu, paid_on=date(2024, 3, 1), amount=Decimal("99999999999"),
                      period_months=[date(2024, 3, 1)], method="cash")
    assert refusal.message("fr") == "Montant : 1\u202f000\u202f000,00\xa0€ au plus."
    contributions.record_payment(world.engine, world.admin, world.h_samu, paid_on=date(2024, 3, 1),
                                 amount=Decimal("1000000"), period_months=[date(2024, 3, 1)], method="cash")


def test_a_payment_names_its_problems_at_once(world):
    with pytest.raises(domain_errors.InvalidInputs) as caught:
        contributions.record_payment(world.engine, world.admin, world.h_samu, paid_on=date(2027, 1, 1),
                                     amount=Decimal("-5"), period_months=[], method=None)
    assert [p.key for p in caught.value.problems] == [
        "error.amount_negative", "error.months_required", "error.required_choice", "error.payment_in_future"]


def test_a_stay_ending_before_it_starts_is_told_with_its_other_problems(world):
    with pytest.raises(domain_errors.InvalidInputs) as caught:
        placements.place_household(world.engine, world.admin, household_id=world.h_samu, unit_id=world.a1,
                                   start_date=date(2024, 3, 1), end_date=date(2024, 2, 1), notes="x" * 2001)
    assert caught.value.message("fr") == (
        "Corrigez ces 2 points :\n"
        "- Notes : 2\u202f000 caractères au plus.\n"
        "- La fin (01/02/2024) doit être après le début (01/03/2024).")


def test_the_register_form_lists_every_problem(database):
    app = household_page(database, actor(database, "coordinator"))
    adults = widget(app.number_input, r"^hh-register-g\d+-adults$")
    assert (adults.min, adults.max, adults.help) == (1, 20, "Un nombre entier de 1 à 20.")
    adults.set_value(-3)  # outside the bounds: not taken (the browser does not even send it)
    before = state(database)
    submit(app, "Inscrire")
    assert widget(app.number_input, r"^hh-register-g\d+-adults$").value == 1
    assert errors(app) == ["Corrigez ces 3 points :\n"
                           "- Axe : choisissez une valeur.\n"
                           "- Partenaire référent : choisissez une valeur.\n"
                           "- Statut administratif : choisissez une valeur."]
    assert state(database) == before


def test_an_import_row_gets_one_problem_per_column(world):
    from tests.test_import import filled_template

    content = filled_template({"households": [["ISS-2024-103", 0, 25, 2, "Samu", "regular", date(2024, 1, 15), None]]})
    result = check_file(world.engine, world.admin, "menages.xlsx", content)
    assert [(p.table, p.column, p.key) for p in result.problems] == [
        ("households", "adults", "error.too_small"), ("households", "children", "error.too_large")]


# --- item 10: undo any recent change; cancel a stay recorded by mistake the same day --------------------


@pytest.fixture
def recorded_today(world):
    """Today as the day the audit rows are written (Brussels), so that a stay placed now is 'recorded today'."""
    day = datetime.now(BRUSSELS).date()
    clock.pin(day)
    return day


def stays(world) -> dict[int, tuple]:
    with read_session(world.engine) as session:
        return {p.id: (p.unit_id, p.start_date, p.end_date, p.exit_destination) for p in session.scalars(select(Placement))}


def last_event(world, username="admin") -> AuditEvent:
    with read_session(world.engine) as session:
        return session.scalars(select(AuditEvent).where(AuditEvent.username == username)
                               .order_by(AuditEvent.id.desc()).limit(1)).one()


def test_a_stay_recorded_today_is_cancelled_and_audited(world, recorded_today):
    stay = placements.place_household(world.engine, world.coord_samu, household_id=world.h_samu, unit_id=world.a1,
                                      start_date=date(2024, 3, 1))
    with read_session(world.engine) as session:
        as_placed = snapshot(session.get(Placement, stay))
    counts = row_counts(world.engine)
    placements.cancel_placement(world.engine, world.coord_samu, stay, version=1)
    assert stays(world) == {}
    assert row_counts(world.engine)["audit_event"] == counts["audit_event"] + 1
    event = last_event(world, "coord.samu")
    assert (event.action, event.entity, event.entity_id, event.before, event.after) == (
        "placement.cancel", "placement", stay, as_placed, None)
    undo.undo_event(world.engine, world.coord_samu, event.id)  # the cancel itself can be undone
    assert stays(world) == {stay: (world.a1, date(2024, 3, 1), None, None)}
    assert {name: rows for name, rows in violations(world.engine, TODAY).items() if rows} == {}


def test_a_stay_is_not_cancelled_another_day_nor_once_transferred(world, recorded_today):
    stay = placements.place_household(world.engine, world.admin, household_id=world.h_samu, unit_id=world.a1,
                                      start_date=date(2024, 3, 1))
    clock.pin(recorded_today + timedelta(days=1))
    refused(world, Conflict, "error.cancel_not_today", placements.cancel_placement, world.admin, stay, version=1)
    clock.pin(recorded_today)
    placements.transfer_household(world.engine, world.admin, stay, version=1, transfer_date=date(2024, 6, 1),
                                  unit_id=world.a3)
    refused(world, Conflict, "error.cancel_transferred", placements.cancel_placement, world.admin, stay, version=2)
    refused(world, StaleVersion, "error.stale_version", placements.cancel_placement, world.admin, stay, version=1)
    refused(world, PermissionDenied, "error.other_organisation_household", placements.cancel_placement,
            world.coord_dio, stay, version=2)


def test_cancelling_the_stay_a_transfer_opened_reopens_the_previous_one(world, recorded_today):
    first = placements.place_household(world.engine, world.admin, household_id=world.h_samu, unit_id=world.a1,
                                       start_date=date(2024, 3, 1), end_date=date(2025, 6, 1))
    second = placements.transfer_household(world.engine, world.admin, first, version=1,
                                           transfer_date=date(2024, 6, 1), unit_id=world.a3)
    assert placements.cancel_placement(world.engine, world.admin, second, version=1) is None
    assert stays(world) == {first: (world.a1, date(2024, 3, 1), date(2025, 6, 1), None)}  # its planned end back
    assert {name: rows for name, rows in violations(world.engine, TODAY).items() if rows} == {}
    undo.undo_event(world.engine, world.admin, last_event(world).id)
    assert stays(world) == {first: (world.a1, date(2024, 3, 1), date(2024, 6, 1), "other_issue_unit"),
                            second: (world.a3, date(2024, 6, 1), None, None)}


def test_the_cancellable_stays_are_those_recorded_today(world, recorded_today):
    first = placements.place_household(world.engine, world.admin, household_id=world.h_samu, unit_id=world.a1,
                                       start_date=date(2024, 3, 1))
    second = placements.transfer_household(world.engine, world.admin, first, version=1,
                                           transfer_date=date(2024, 6, 1), unit_id=world.a3)
    other = placements.place_household(world.engine, world.admin, household_id=world.h_dio, unit_id=world.a1,
                                       start_date=date(2024, 7, 1))
    assert views.cancellable_placements(world.engine, None, recorded_today)["placement_id"].tolist() == [second, other]
    assert views.cancellable_placements(world.engine, world.samu, recorded_today)["placement_id"].tolist() == [second]
    assert views.cancellable_placements(world.engine, None, recorded_today + timedelta(days=1)).empty


def test_every_recent_change_is_listed_and_each_can_be_undone(world):
    first = placements.place_household(world.engine, world.admin, household_id=world.h_samu, unit_id=world.a1,
                                       start_date=date(2024, 3, 1))
    placed_first = last_event(world).id
    placements.place_household(world.engine, world.admin, household_id=world.h_dio, unit_id=world.a3,
                               start_date=date(2024, 3, 1))
    placed_second = last_event(world).id
    contributions.record_payment(world.engine, world.coord_samu, world.h_samu, paid_on=date(2024, 3, 1),
                                 amount=Decimal("20"), period_months=[date(2024, 3, 1)], method="cash")
    assert [c["event_id"] for c in undo.recent_changes(world.engine, "admin")] == [placed_second, placed_first]
    undo.undo_event(world.engine, world.admin, placed_first)  # not the last one
    assert first not in stays(world)
    assert [c["action"] for c in undo.recent_changes(world.engine, "admin")] == ["placement.create"]
    assert [c["action"] for c in undo.recent_changes(world.engine, "coord.samu")] == ["payment.create"]


def test_a_change_made_since_or_too_old_is_not_listed(world, monkeypatch):
    stay = placements.place_household(world.engine, world.admin, household_id=world.h_samu, unit_id=world.a1,
                                      start_date=date(2024, 3, 1))
    placements.end_placement(world.engine, world.admin, stay, version=1, end_date=date(2024, 9, 1),
                             exit_destination="street")
    assert [c["action"] for c in undo.recent_changes(world.engine, "admin")] == ["placement.end"]
    real_now = undo.now_utc
    monkeypatch.setattr(undo, "now_utc", lambda: real_now() + timedelta(minutes=11))
    assert undo.recent_changes(world.engine, "admin") == []


def undo_buttons(app) -> dict[str, object]:
    return {button.key: button for button in app.button if button.label == "Annuler"}


def test_an_undo_shows_its_result_on_the_page_where_it_was_clicked(database):
    admin = actor(database, "admin")
    with read_session(database) as session:
        operator = session.scalar(select(Organisation.id).where(Organisation.short_name == "CityDev"))
    site = site_services.create_site(database, admin, name="Site du test", commune="Forest", housing_operator_id=operator)
    app = open_page(str(PROJECT_ROOT / "pages/admin_sites.py"), admin)  # a page without any flash of its own
    assert "Vos autres modifications récentes, encore annulables (1)" in [e.label for e in app.get("expander")]
    assert list(undo_buttons(app)) == [f"undo-{last_audit_id(database)}"]
    next(iter(undo_buttons(app).values())).click().run()
    assert not app.exception and errors(app) == []
    assert [s.value for s in app.success] == ["Modification annulée."]
    with read_session(database) as session:
        assert session.get(Site, site) is None
    assert undo_buttons(app) == {}


def test_each_recent_change_can_be_undone_not_only_the_last(database):
    app = placement_page(database, actor(database, "admin"))
    first_household, _ = choose_place(app, database)
    submit(app, "Loger le ménage")
    first_event = last_audit_id(database)
    second_household, _ = choose_place(app, database)
    submit(app, "Loger le ménage")
    assert set(undo_buttons(app)) == {f"undo-{first_event}", f"undo-{last_audit_id(database)}"}
    undo_buttons(app)[f"undo-{first_event}"].click().run()
    assert not app.exception and errors(app) == []
    assert any(s.value == "Modification annulée." for s in app.success)
    with read_session(database) as session:
        placed = set(session.scalars(select(Placement.household_id).where(Placement.start_date == TODAY)))
    assert second_household in placed and first_household not in placed
    assert audit_actions(database, first_event) == ["placement.create", "undo"]


def test_a_stay_placed_by_mistake_is_cancelled_from_the_stays_page(database):
    today = datetime.now(BRUSSELS).date()  # the day the audit rows are written
    clock.pin(today)
    admin = actor(database, "admin")
    household_id = waiting_households(database, admin, today)[0]
    with read_session(database) as session:
        partner_id = session.get(Household, household_id).referent_organisation_id
    unit_id = int(views.placeable_units(database, today, None, partner_id)["unit_id"].iloc[0])
    stay = placements.place_household(database, admin, household_id=household_id, unit_id=unit_id, start_date=today)
    app = placement_page(database, admin)
    chooser = app.selectbox(key="pl-cancel-stay")
    assert any(option.endswith(f"depuis le {today:%d/%m/%Y}") for option in chooser.options)
    chooser.set_value(stay).run()
    last = last_audit_id(database)
    submit(app, "Supprimer ce séjour")
    assert errors(app) == []
    assert audit_actions(database, last) == ["placement.cancel"]
    with read_session(database) as session:
        assert session.get(Placement, stay) is None
    assert any(s.value.endswith("supprimé.") for s in app.success)
    assert list(undo_buttons(app)) == [f"undo-{last_audit_id(database)}"]  # the cancel can be undone too
    assert {k: v for k, v in violations(database, today).items() if v} == {}


# --- item 12: "your households" only for those who have an organisation; no Streamlit warning -------------


def test_the_overview_does_not_say_your_households_to_an_admin(database):
    admin = actor(database, "admin")
    household_id = waiting_households(database, admin)[0]
    with read_session(database) as session:
        partner_id = session.get(Household, household_id).referent_organisation_id
    unit_id = int(views.placeable_units(database, TODAY, None, partner_id)["unit_id"].iloc[0])
    placements.place_household(database, SYSTEM, household_id=household_id, unit_id=unit_id, start_date=TODAY)
    app = open_page(str(PROJECT_ROOT / "pages/overview.py"), admin)  # placed without contribution: an alert
    shown = [m.value for m in app.markdown]
    assert any(text.startswith("- Ménages concernés : ") for text in "\n".join(shown).splitlines()), shown
    assert not any("Vos ménages" in text for text in shown)


class Collected(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def streamlit_warnings():
    """What Streamlit logs (its loggers do not propagate), its once-per-process warnings armed again."""
    from streamlit.elements.lib import policies

    policies._shown_default_value_warning = False
    handler = Collected()
    loggers = [logging.getLogger(name) for name in list(logging.root.manager.loggerDict) if name.startswith("streamlit")]
    for logger in loggers:
        logger.addHandler(handler)
    yield handler.records
    for logger in loggers:
        logger.removeHandler(handler)


def test_the_filters_log_no_warning_and_survive_a_page_without_them(app, streamlit_warnings):
    sign_in(app, "admin")  # through the form: setting the session from outside a run makes Streamlit warn
    app.switch_page("pages/occupancy.py").run()
    app.multiselect(key="flt_axes").set_value([2]).run()
    period = (TODAY - timedelta(days=30), TODAY)
    app.date_input(key="flt_period").set_value(period).run()
    app.switch_page("pages/households.py").run()  # no filters on this page
    app.switch_page("pages/overview.py").run()  # the filters, but no period
    assert app.multiselect(key="flt_axes").value == [2]
    app.switch_page("pages/occupancy.py").run()
    assert not app.exception
    assert app.multiselect(key="flt_axes").value == [2] and app.date_input(key="flt_period").value == period
    assert [(record.name, record.getMessage()) for record in streamlit_warnings] == []
