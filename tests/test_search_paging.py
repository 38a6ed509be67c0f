"""Editing pages at scale (issue 13): a household or a stay is found by typing, the choices offer at most
policy.SEARCH_LIMIT matches read in SQL, the households list is read one page at a time, a coordinator
never finds another organisation's reference, and /placements?household=…&unit=… opens with both chosen.

On a synthetic database of 300 households (issue_core.bench's builder at a small custom size), on both engines."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import Engine

from issue_core import bench, policy
from issue_core.auth import Actor
from issue_core.models import Role
from issue_core.queries.metrics.contributions import arrears
from issue_core.queries.screens import households as views
from issue_core.queries.screens import payments as payment_views
from tests.conftest import TODAY, run_page, use_database

HOUSEHOLDS = 300
SHAPE = bench.Shape(units=60, households=HOUSEHOLDS, years=3, units_per_site=10)
ADMIN = Actor("bench.admin", Role.ADMIN)
COORDINATOR = Actor("bench.coord", Role.COORDINATOR, 2)  # bench.BENCH_ACCOUNTS: a coordinator of organisation 2
CUT = re.compile(r"^(\d+) affichés sur (\d+) : tapez davantage")


@pytest.fixture
def sector(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """300 households, their stays and payments; the pages read this database."""
    bench.build(engine, SHAPE, TODAY, report=lambda line: None)
    use_database(monkeypatch, engine.url.render_as_string(hide_password=False))
    return engine


def keyed(widgets, pattern: str):
    """The one widget whose key matches `pattern`."""
    found = [w for w in widgets if w.key and re.search(pattern, w.key)]
    assert len(found) == 1, (pattern, [w.key for w in widgets])
    return found[0]


def cut_notices(app) -> list[tuple[int, int]]:
    """(shown, total) of each "50 affichés sur 123 : tapez davantage" caption (the tabs of a page all show)."""
    found = [CUT.match(caption.value.replace("\u202f", "").replace("\u00a0", "")) for caption in app.caption]
    return [(int(match[1]), int(match[2])) for match in found if match]


def every_text(app) -> str:
    """What the page shows: its texts, tables and the options of its choices."""
    parts = [element.value for kind in ("caption", "markdown", "info", "warning", "error") for element in getattr(app, kind)]
    parts += [str(option) for box in app.selectbox for option in box.options]
    parts += [frame.value.to_string() for frame in app.dataframe]
    return "\n".join(str(part) for part in parts)


# --- the read models: a limit in SQL, a count of them all, the same rows page after page -----------------


def test_read_models_return_the_limit_and_count_every_match(sector):
    everyone = views.households(sector, None, TODAY)
    assert len(everyone) == views.households_count(sector, None, TODAY) == HOUSEHOLDS
    pages = [views.households(sector, None, TODAY, limit=120, offset=offset) for offset in (0, 120, 240)]
    assert [len(page) for page in pages] == [120, 120, 60]
    assert [h for page in pages for h in page["household_id"]] == everyone["household_id"].tolist()
    waiting = views.households(sector, None, TODAY, states=("waiting",))
    assert views.households_count(sector, None, TODAY, states=("waiting",)) == len(waiting) > 0
    assert views.households(sector, None, TODAY, states=("waiting",), limit=5)["household_id"].tolist() == \
        waiting["household_id"].head(5).tolist()

    placeable = views.placeable_households(sector, None, TODAY)
    assert views.placeable_households_count(sector, None, TODAY) == len(placeable) > 5
    assert views.placeable_households(sector, None, TODAY, limit=5).equals(placeable.head(5))
    running = views.open_placements(sector, None, TODAY)
    assert views.open_placements_count(sector, None, TODAY) == len(running) > 5
    assert views.open_placements(sector, None, TODAY, limit=5).equals(running.head(5))
    files = payment_views.editable_households(sector, None, True, TODAY)
    assert payment_views.editable_households_count(sector, None, True, TODAY) == len(files) > 5
    assert payment_views.editable_households(sector, None, True, TODAY, limit=5).equals(files.head(5))


def test_typing_part_of_a_reference_finds_it_in_any_case(sector):
    reference = views.households(sector, None, TODAY)["reference"].iloc[7]  # BEN-2025-000123
    typed = reference[-6:].lower()
    assert views.households(sector, None, TODAY, reference=typed)["reference"].tolist() == [reference]
    assert views.households(sector, None, TODAY, reference=reference[:8].lower(), limit=3)["reference"].str.startswith(
        reference[:8]).all()
    assert payment_views.editable_households(sector, None, True, search=typed)["reference"].tolist() == [reference]
    assert views.households(sector, None, TODAY, reference="_").empty  # a wildcard is a plain character
    stay = views.open_placements(sector, None, TODAY).iloc[3]
    by_site = views.open_placements(sector, None, TODAY, stay["site"].upper())
    assert stay["placement_id"] in set(by_site["placement_id"]) and set(by_site["site"]) == {stay["site"]}


def test_a_coordinator_never_finds_another_organisations_reference(sector):
    everyone = views.households(sector, None, TODAY)
    other = everyone[everyone["partner_id"] != COORDINATOR.organisation_id]["reference"].iloc[0]
    own = views.households(sector, COORDINATOR.organisation_id, TODAY)
    assert len(own) > 0 and set(own["partner_id"]) == {COORDINATOR.organisation_id}
    assert views.households(sector, COORDINATOR.organisation_id, TODAY, reference=other).empty
    assert views.households_count(sector, COORDINATOR.organisation_id, TODAY, reference=other) == 0
    assert views.placeable_households(sector, COORDINATOR.organisation_id, TODAY, None, other).empty
    assert views.open_placements(sector, COORDINATOR.organisation_id, TODAY, other).empty
    assert payment_views.editable_households(sector, COORDINATOR.organisation_id, False, search=other).empty

    for page, search_key in (("pages/households.py", "hh-flt-reference"), ("pages/placements.py", r"^pl-place-g\d+-find$"),
                             ("pages/payments.py", "payments_search")):
        app = run_page(page, COORDINATOR)
        keyed(app.text_input, search_key).input(other).run()
        assert not app.exception
        assert other not in every_text(app).replace(f"« {other} »", ""), page  # only the text typed, echoed


# --- the pages ----------------------------------------------------------------------------------------------


def test_the_households_list_is_read_one_page_at_a_time(sector, monkeypatch):
    monkeypatch.setattr(policy, "HOUSEHOLD_PAGE_SIZE", 120)
    everyone = views.households(sector, None, TODAY)["reference"].tolist()
    app = run_page("pages/households.py", ADMIN)
    assert app.dataframe[0].value["Référence"].tolist() == everyone[:120]
    assert len(keyed(app.selectbox, "^hh-chosen$").options) == 120
    assert "Lignes 1 à 120 sur 300." in [caption.value for caption in app.caption]
    keyed(app.number_input, "^hh-page-").set_value(3).run()
    assert app.dataframe[0].value["Référence"].tolist() == everyone[240:]
    assert "Lignes 241 à 300 sur 300." in [caption.value for caption in app.caption]
    # Another filter starts again from its first page.
    app.multiselect(key="hh-flt-states").set_value(["waiting"]).run()
    waiting = views.households(sector, None, TODAY, states=("waiting",))["reference"].tolist()
    assert app.dataframe[0].value["Référence"].tolist() == waiting[:120]


def test_the_placement_form_offers_the_first_matches_and_typing_finds_the_household(sector, monkeypatch):
    monkeypatch.setattr(policy, "SEARCH_LIMIT", 20)
    placeable = views.placeable_households(sector, None, TODAY)
    assert len(placeable) > policy.SEARCH_LIMIT  # the cut is seen
    app = run_page("pages/placements.py", ADMIN)
    chooser = keyed(app.selectbox, r"^pl-place-g\d+-household-")
    assert len(chooser.options) == policy.SEARCH_LIMIT
    assert (policy.SEARCH_LIMIT, len(placeable)) in cut_notices(app)
    wanted = placeable.iloc[-1]  # beyond the first matches
    keyed(app.text_input, r"^pl-place-g\d+-find$").input(wanted["reference"][-6:].lower()).run()
    chooser = keyed(app.selectbox, r"^pl-place-g\d+-household-")
    assert len(chooser.options) == 1 and (policy.SEARCH_LIMIT, len(placeable)) not in cut_notices(app)
    chooser.set_value(int(wanted["household_id"])).run()
    assert not app.exception
    assert keyed(app.selectbox, r"^pl-place-g\d+-household-").value == int(wanted["household_id"])


def test_the_stay_tabs_offer_the_first_matches_and_typing_finds_the_stay(sector, monkeypatch):
    monkeypatch.setattr(policy, "SEARCH_LIMIT", 20)
    running = views.open_placements(sector, None, TODAY)
    assert len(running) > policy.SEARCH_LIMIT
    app = run_page("pages/placements.py", ADMIN)
    assert len(keyed(app.selectbox, "^pl-end-stay$").options) == policy.SEARCH_LIMIT
    assert cut_notices(app).count((policy.SEARCH_LIMIT, len(running))) == 2  # the end and transfer tabs
    stay = running.iloc[-1]
    keyed(app.text_input, "^pl-end-stay-find$").input(stay["reference"]).run()
    options = keyed(app.selectbox, "^pl-end-stay$").options
    assert options and all(option.startswith(stay["reference"]) for option in options)
    assert len(keyed(app.selectbox, "^pl-transfer-stay$").options) == policy.SEARCH_LIMIT  # its own search
    keyed(app.selectbox, "^pl-end-stay$").set_value(int(stay["placement_id"])).run()
    assert not app.exception and keyed(app.selectbox, r"^pl-end-\d+-g\d+-destination$")


def test_the_payments_page_offers_the_first_matches_and_typing_finds_the_household(sector, monkeypatch):
    monkeypatch.setattr(policy, "SEARCH_LIMIT", 20)
    files = payment_views.editable_households(sector, None, True, TODAY)
    assert len(files) > policy.SEARCH_LIMIT
    app = run_page("pages/payments.py", ADMIN)
    assert len(app.selectbox(key="payments_household").options) == policy.SEARCH_LIMIT
    assert cut_notices(app) == [(policy.SEARCH_LIMIT, len(files))]
    wanted = files.iloc[-1]
    app.text_input(key="payments_search").input(wanted["reference"].lower()).run()
    assert app.selectbox(key="payments_household").value == int(wanted["household_id"])
    assert len(app.selectbox(key="payments_household").options) == 1
    assert not app.exception


def test_placements_address_chooses_the_household_and_the_unit(sector):
    household = views.placeable_households(sector, None, TODAY).iloc[-1]  # beyond the first matches
    unit = views.placeable_units(sector, TODAY, None, int(household["partner_id"])).iloc[-1]
    query = {"household": str(household["household_id"]), "unit": str(unit["unit_id"])}
    app = run_page("pages/placements.py", ADMIN, query=query)
    assert keyed(app.selectbox, r"^pl-place-g\d+-household-").value == int(household["household_id"])
    assert keyed(app.selectbox, r"^pl-place-g\d+-\d+-.*-site$").value == int(unit["site_id"])
    assert keyed(app.selectbox, rf"^pl-place-g\d+-\d+-.*-unit-{int(unit['site_id'])}$").value == int(unit["unit_id"])
    assert not app.error


def test_placements_address_is_ignored_for_a_household_the_user_may_not_place(sector):
    placeable = views.placeable_households(sector, None, TODAY)
    others = placeable[placeable["partner_id"] != COORDINATOR.organisation_id]
    unit = views.placeable_units(sector, TODAY, None, int(others["partner_id"].iloc[0])).iloc[0]
    query = {"household": str(others["household_id"].iloc[0]), "unit": str(unit["unit_id"])}
    app = run_page("pages/placements.py", COORDINATOR, query=query)
    assert keyed(app.selectbox, r"^pl-place-g\d+-household-").value is None
    assert others["reference"].iloc[0] not in every_text(app)
    ended = views.households(sector, None, TODAY, states=("ended",))["household_id"].iloc[0]
    for wanted in (str(ended), "999999", "abc"):
        app = run_page("pages/placements.py", ADMIN, query={"household": wanted})
        assert keyed(app.selectbox, r"^pl-place-g\d+-household-").value is None and not app.error


def test_the_balance_of_one_household_is_its_row_of_the_arrears(sector):
    expected = arrears(sector, TODAY).set_index("household_id")
    for household_id in expected.index[:40]:
        row = expected.loc[household_id]
        assert payment_views.household_balance(sector, int(household_id), TODAY) == {
            "due": row["due"], "paid": row["paid"], "arrears": row["arrears"]}
    nothing = set(views.households(sector, None, TODAY)["household_id"]) - set(expected.index)
    for household_id in list(nothing)[:3]:
        assert payment_views.household_balance(sector, household_id, TODAY) == {"due": 0.0, "paid": 0.0, "arrears": 0.0}


def test_an_address_chooses_the_household_of_the_payments_page(demo_engine, open_page, actors):
    """?household=<id> (the data quality page's and "My organisation"'s links) chooses that household first,
    even a closed file the list hides by default; a household of another organisation is not offered."""
    from sqlalchemy import text

    with demo_engine.connect() as connection:
        closed = connection.execute(text(
            "SELECT id, referent_organisation_id FROM household WHERE follow_up_ended_on IS NOT NULL "
            "ORDER BY reference DESC LIMIT 1")).one()
        with_open_files = {row[0] for row in connection.execute(text(
            "SELECT DISTINCT referent_organisation_id FROM household WHERE follow_up_ended_on IS NULL"))}
    app = open_page("pages/payments.py", actors["admin"], query={"household": str(closed.id)})
    assert app.selectbox(key="payments_household").value == closed.id
    other = next(actor for actor in actors.values() if actor.role.value == "coordinator"
                 and actor.organisation_id in with_open_files - {closed.referent_organisation_id})
    app = open_page("pages/payments.py", other, query={"household": str(closed.id)})
    assert closed.id not in app.selectbox(key="payments_household").options
