"""AppTest: the overview, occupancy and caseloads pages × every role, on the demo data.

Each page file runs on its own (the navigation is app.py's business), with the acting user put in
the session as the sign-in gate would. Figures are checked against the metric functions on the same
database, so a page showing wrong numbers fails here.
"""

from __future__ import annotations

import re
import shutil
from datetime import date
from textwrap import dedent

import pytest
import streamlit as st
from sqlalchemy import select
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
from streamlit.testing.v1 import AppTest

from issue_core import policy
from issue_core.auth import SYSTEM
from issue_core.db import PROJECT_ROOT, create_issue_engine, migrate
from issue_core.i18n import Translator, format_money
from issue_core.models import Household, Role
from issue_core.policy import ARREARS_THRESHOLD
from issue_core.queries.metrics import caseload_on, kpis, occupancy_on, vacant_units
from issue_core.queries.screens.occupancy_board import sites_with_active_convention, unit_board
from issue_core.queries.screens.overview import arrears_above
from issue_core.queries.sql.filters import Filters
from issue_core.services.sites import add_unavailability
from issue_core.ui.figures import number
from issue_core.visibility import EVERY_HOUSEHOLD
from tests.conftest import TODAY, open_numbers

PAGES = {name: str(PROJECT_ROOT / f"pages/{name}.py") for name in ("overview", "occupancy", "caseloads")}
REFERENCE = re.compile(r"ISS-\d{4}-\d+")
HEADINGS = {
    "overview": (["Vue d'ensemble"], ["Alertes"]),
    "occupancy": (["Occupation"],
                  ["Logements par site aujourd'hui", "Logements disponibles et occupés par mois", "Vacance par site"]),
    "caseloads": (["Suivis"],
                  ["Ménages suivis au 23/11/2026, par axe et partenaire", "Évolution mensuelle par axe",
                   "Entrées et sorties par mois", "Durée de séjour par axe", "Sorties"]),
}


@pytest.fixture(scope="module")
def partner_of_reference(demo_engine) -> dict[str, int]:
    with demo_engine.connect() as connection:
        return dict(connection.execute(select(Household.reference, Household.referent_organisation_id)).all())


@pytest.fixture
def open_page(open_page, actors):
    """This file's pages by name, as a demo account by username."""
    return lambda page, username="admin", pages=(): open_page(PAGES[page], actors[username], pages=pages)


def metrics(app: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in app.metric}


def texts(app: AppTest) -> str:
    """Every text the page shows (markdown, captions, badges, alerts, metrics, headings)."""
    parts = [element.value for kind in ("markdown", "caption", "title", "header", "subheader", "success",
                                        "info", "warning", "error") for element in getattr(app, kind)]
    parts += [f"{metric.label} {metric.value}" for metric in app.metric]
    return "\n".join(str(part) for part in parts)


def french_percent(rate: float) -> str:
    return f"{rate * 100:.1f}".replace(".", ",") + "\u00a0%"


# --- every page × every role ---------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["admin", "coord.samusocial", "dir.diogenes", "ecran"])
@pytest.mark.parametrize("page", PAGES)
def test_page_renders_for_every_role(open_page, page, username):
    app = open_page(page, username)
    titles, headers = HEADINGS[page]
    assert [title.value for title in app.title] == titles
    assert [header.value for header in app.header] == headers
    assert not app.error


def test_a_signed_out_session_is_refused(demo_url, monkeypatch):
    monkeypatch.setenv("ISSUE_DATABASE_URL", demo_url)
    st.cache_resource.clear()
    st.cache_data.clear()
    for path in PAGES.values():
        app = AppTest.from_file(path, default_timeout=60).run()
        assert [error.value for error in app.error] and not app.title and not app.metric


# --- overview ---------------------------------------------------------------------------------------------


def test_overview_kpis_are_the_metrics(open_page, demo_engine):
    expected = kpis(demo_engine, TODAY)
    shown = metrics(open_page("overview"))
    assert shown["Sites sous convention"] == str(expected.active_sites.value)
    assert shown["Logements disponibles"] == str(expected.available_units.value)
    assert shown["Logements occupés"] == str(expected.occupied_units.value)
    assert shown["Logements vides"] == str(expected.vacant_units.value)
    assert shown["Taux d'occupation"] == french_percent(expected.occupancy_rate.value)
    assert shown["Utilisation (90 j)"] == french_percent(expected.utilisation_90_days.value)
    assert shown["Entrées (30 j)"] == str(expected.entries_30_days.value)
    assert shown["Sorties (30 j)"] == str(expected.exits_30_days.value)
    assert shown["Ménages suivis"] == str(expected.households_followed.value)
    for axis, figure in expected.households_followed_by_axis.items():
        assert shown[f"Ménages · Axe {axis}"] == str(figure.value)
    assert shown["Arriérés (tous les ménages)"] == format_money(expected.arrears.value, "fr")
    # Demo facts: 29 units available on 4 sites, 26 occupied.
    assert (shown["Logements disponibles"], shown["Sites sous convention"], shown["Logements occupés"]) == ("29", "4", "26")


def test_overview_changes_over_30_days_are_shown(open_page, demo_engine):
    expected = kpis(demo_engine, TODAY)
    app = open_page("overview")
    shown = {metric.label: metric.proto for metric in app.metric}
    # Changes are numbers (st.metric takes the arrow from their sign), formatted by the browser.
    assert shown["Logements occupés"].delta == str(expected.occupied_units.change)
    occupancy = shown["Taux d'occupation"]
    assert float(occupancy.delta) == round(expected.occupancy_rate.change * 100, 1)
    assert occupancy.format == "localized" and occupancy.delta_description == "points de %, sur 30 jours"


def test_an_axis_filter_changes_the_overview(open_page, demo_engine):
    app = open_page("overview")
    before = metrics(app)["Ménages suivis"]
    app.multiselect(key="flt_axes").set_value([2]).run()
    assert not app.exception
    only_axis_2 = kpis(demo_engine, TODAY, Filters(axis_ids=(2,)))
    after = metrics(app)
    assert after["Ménages suivis"] == str(only_axis_2.households_followed.value) != before
    assert after["Logements occupés"] == str(only_axis_2.occupied_units.value)
    assert "Ménages · Axe 1" not in after


def test_overview_alerts_on_the_demo(open_page):
    app = open_page("overview")
    shown = texts(app)
    # The four "ongoing" sites of the source table were extended since (demo.EXTENSIONS): Ganshoren's next
    # extension is awaited (planned end 31/10/2026, 23 days before TODAY), Trèfles ends on 31/12/2026 (in 38
    # days); 3 pommiers and Dubrucq run to 2027.
    assert "1 convention(s) à échéance dépassée" in shown and "Ganshoren (" in shown and "23 jours" in shown
    assert "1 convention(s) se terminent dans les 180 jours" in shown and "Trèfles (" in shown and "38 jours" in shown
    assert "logement(s) vide(s) depuis plus de 30 jours" in shown and "DUB-03 (Dubrucq)" in shown
    assert "d'arriérés" in shown
    assert "À faire" in shown
    assert not app.success  # there is something to do
    # Without the pages in the navigation, the alerts name them instead of linking.
    assert "Page : Sites\n" in shown + "\n" and "Page : Contributions et arriérés" in shown


def test_an_alert_lists_its_first_cases_then_says_how_many_more(open_page, monkeypatch):
    """An alert lists its first ALERT_MAX_LINES cases, a line each, then how many more (the page builds the
    first lines only and gives the number of cases): the demo's long-vacant units, with one line allowed."""
    vacant_lines = texts(open_page("overview")).count("vide depuis le")
    assert vacant_lines >= 2
    monkeypatch.setattr(policy, "ALERT_MAX_LINES", 1)
    shown = texts(open_page("overview"))
    assert shown.count("vide depuis le") == 1
    assert f"… et {vacant_lines - 1} de plus : la liste complète est sur sa page." in shown


def test_overview_links_to_the_pages_in_the_navigation(demo_url, monkeypatch, actors):
    monkeypatch.setenv("ISSUE_DATABASE_URL", demo_url)
    st.cache_resource.clear()
    st.cache_data.clear()
    root = PROJECT_ROOT
    script = dedent(f"""
        import streamlit as st
        from issue_core.auth import SYSTEM, Actor
        from issue_core.models import Role
        st.session_state["issue_actor"] = Actor("admin", Role.ADMIN)
        st.session_state["issue_pages"] = {{"pages/overview.py", "pages/sites.py"}}
        st.navigation([st.Page("{root}/pages/overview.py"), st.Page("{root}/pages/sites.py")]).run()
    """)
    app = AppTest.from_string(script, default_timeout=60).run()
    assert not app.exception
    links = [link.proto.label for link in app.get("page_link")]
    assert "Sites" in links  # linked: the page is in the navigation, under its navigation name
    assert "Page : Liste d'attente" in texts(app)  # named: it is not (the vacant-unit alert)


def test_overview_shows_references_to_their_organisation_only(open_page, demo_engine, partner_of_reference,
                                                               organisation_ids):
    in_arrears = arrears_above(demo_engine, TODAY, Filters(), ARREARS_THRESHOLD)
    assert len(in_arrears) > 0
    samusocial = organisation_ids["Samusocial"]
    seen = set(REFERENCE.findall(texts(open_page("overview", "coord.samusocial"))))
    assert seen and {partner_of_reference[reference] for reference in seen} == {samusocial}
    assert not REFERENCE.search(texts(open_page("overview", "ecran")))
    assert len(set(REFERENCE.findall(texts(open_page("overview", "admin"))))) == 10  # the first ten, then "et N autre(s)"


def test_overview_on_an_empty_database_has_no_alert(tmp_path, monkeypatch, actors):
    url = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    engine = create_issue_engine(url)
    migrate(engine)
    engine.dispose()
    monkeypatch.setenv("ISSUE_DATABASE_URL", url)
    monkeypatch.setenv("ISSUE_DEMO", "0")  # the app would seed an empty database with the demo
    st.cache_resource.clear()
    st.cache_data.clear()
    app = AppTest.from_file(PAGES["overview"], default_timeout=60)
    app.session_state["issue_actor"] = actors["admin"]
    app.run()
    assert not app.exception
    assert metrics(app)["Logements disponibles"] == "0"
    assert [box.value for box in app.success] == ["Aucune alerte : rien à traiter aujourd'hui."]
    assert metrics(app)["Taux d'occupation"] == "—"


# --- occupancy ---------------------------------------------------------------------------------------------


def board_texts(app: AppTest, site_ids: list[int]) -> dict[int, str]:
    """The board's texts for each site (the selectbox holds site ids, shown by name)."""
    assert len(app.selectbox(key="occ_site").options) == len(site_ids)
    shown = {}
    for site_id in site_ids:
        app.selectbox(key="occ_site").set_value(site_id).run()
        assert not app.exception
        shown[site_id] = texts(app)
    return shown


def test_the_board_lists_every_unit_of_the_active_sites(open_page, demo_engine):
    sites = sites_with_active_convention(demo_engine, TODAY)
    boards = {site_id: unit_board(demo_engine, site_id, TODAY) for site_id in sites["site_id"]}
    occupancy = occupancy_on(demo_engine, TODAY)
    assert sum((board["state"] == "occupied").sum() for board in boards.values()) == occupancy.occupied
    assert sum((board["state"] == "vacant").sum() for board in boards.values()) == occupancy.vacant
    vacant = vacant_units(demo_engine, TODAY).set_index("unit_id")["days_vacant"]
    for board in boards.values():
        for row in board[board["state"] == "vacant"].itertuples():
            assert row.days_vacant == vacant[row.unit_id]
    app = open_page("occupancy")  # every site at once (issue 14): the counts of all, a tile per unit
    shown = metrics(app)
    assert shown["Logements"] == str(sum(len(board) for board in boards.values()))
    assert shown["Occupés"] == str(occupancy.occupied) and shown["Vides"] == str(occupancy.vacant)
    shown_html = "".join(element.proto.body for element in app.get("html"))
    assert len(re.findall(r'class="ub-tile[ "]', shown_html)) == sum(len(board) for board in boards.values())
    assert all(f"<b>{unit}</b>" in shown_html for board in boards.values() for unit in board["unit"])
    first = next(iter(boards))
    app.selectbox(key="occ_site").set_value(first).run()  # one site: its detailed tiles, as before
    shown = metrics(app)
    assert shown["Logements"] == str(len(boards[first]))
    assert shown["Occupés"] == str(int((boards[first]["state"] == "occupied").sum()))
    shown_text = texts(app)
    assert all(f"**{unit}**" in shown_text for unit in boards[first]["unit"])


@pytest.mark.parametrize("username", ["admin", "coord.samusocial", "dir.diogenes", "ecran"])
def test_the_board_shows_references_to_the_right_roles(open_page, username, actors, partner_of_reference, demo_engine):
    actor = actors[username]
    site_ids = [int(site_id) for site_id in sites_with_active_convention(demo_engine, TODAY)["site_id"]]
    seen = set()
    for shown in board_texts(open_page("occupancy", username), site_ids).values():
        seen |= set(REFERENCE.findall(shown))
    placed = set()
    for site_id in site_ids:
        board = unit_board(demo_engine, site_id, TODAY, EVERY_HOUSEHOLD)
        placed |= set(board.loc[board["state"] == "occupied", "reference"])
    if actor.role == Role.SCREEN:
        assert seen == set()
    elif actor.role == Role.ADMIN:
        assert seen == placed
    else:
        own = {reference for reference in placed if partner_of_reference[reference] == actor.organisation_id}
        assert own and seen == own  # theirs, all of them, and nobody else's


def test_a_site_filter_narrows_the_board(open_page, demo_engine):
    app = open_page("occupancy")
    dubrucq = int(sites_with_active_convention(demo_engine, TODAY).set_index("site")["site_id"]["Dubrucq"])
    app.multiselect(key="flt_sites").set_value([dubrucq]).run()
    assert not app.exception
    assert app.selectbox(key="occ_site").options == ["Dubrucq"]
    assert metrics(app)["Logements"] == "14"


def test_an_unavailable_unit_shows_its_reason(demo_url, tmp_path, monkeypatch, actors):
    copy = tmp_path / "demo-copy.sqlite"
    shutil.copy(demo_url.removeprefix("sqlite:///"), copy)
    url = f"sqlite:///{copy}"
    engine = create_issue_engine(url)
    dubrucq = int(sites_with_active_convention(engine, TODAY).set_index("site")["site_id"]["Dubrucq"])
    board = unit_board(engine, dubrucq, TODAY)
    unit_id = int(board.loc[board["unit"] == "DUB-03", "unit_id"].iloc[0])  # vacant on the demo
    add_unavailability(engine, SYSTEM, unit_id=unit_id, start_date=date(2026, 11, 1), end_date=date(2027, 1, 15),
                       reason="Dégât des eaux [cuisine]")
    assert unit_board(engine, dubrucq, TODAY).set_index("unit").loc["DUB-03", "state"] == "unavailable"
    engine.dispose()
    monkeypatch.setenv("ISSUE_DATABASE_URL", url)
    st.cache_resource.clear()
    st.cache_data.clear()
    app = AppTest.from_file(PAGES["occupancy"], default_timeout=60)
    app.session_state["issue_actor"] = actors["ecran"]
    app.run()
    app.selectbox(key="occ_site").set_value(dubrucq).run()
    assert not app.exception
    assert metrics(app)["Indisponibles"] == "1"
    shown = texts(app)
    assert ":gray-badge[:material/block: Indisponible]" in shown
    assert "Dégât des eaux \\[cuisine\\]" in shown  # shown as written: Markdown characters escaped
    assert "du 01/11/2026 au 15/01/2027" in shown


# --- caseloads ----------------------------------------------------------------------------------------------


def test_caseloads_today_are_the_metric(open_page, demo_engine):
    expected = caseload_on(demo_engine, TODAY)
    app = open_numbers(open_page("caseloads"))
    shown = metrics(app)
    assert shown["Suivis"] == str(int(expected["followed"].sum()))
    assert shown["Logés"] == str(int(expected["placed"].sum()))
    assert shown["En attente d'un logement"] == str(int(expected["waiting"].sum()))
    table = app.dataframe[0].value
    assert len(table) == len(expected) and list(table["Partenaire"]) == list(expected["partner"])


def test_an_axis_filter_changes_the_caseloads(open_page, demo_engine):
    app = open_page("caseloads")
    before = metrics(app)["Suivis"]
    app.multiselect(key="flt_axes").set_value([3]).run()
    assert not app.exception
    after = metrics(app)
    expected = caseload_on(demo_engine, TODAY, Filters(axis_ids=(3,)))
    assert after["Suivis"] == str(int(expected["followed"].sum())) != before
    assert set(label for label in after if label.startswith("Médiane")) == {"Médiane · Axe 3"}


def test_caseloads_translate_exit_destinations(open_page):
    app = open_numbers(open_page("caseloads"))
    destinations = [frame.value for frame in app.dataframe if "Destination" in frame.value.columns]
    assert destinations and not any(value.startswith("exit.") or "_" in value
                                    for value in destinations[0]["Destination"])


def test_the_length_of_stay_chart_sends_five_figures_per_axis_not_every_stay(open_page):
    app = open_page("caseloads")
    boxes = [convert_arrow_bytes_to_pandas_df(dataset.data.data) for chart in app.get("vega_lite_chart")
             for dataset in chart.proto.datasets if b"shortest" in dataset.data.data]
    assert len(boxes) == 1
    box = boxes[0]
    assert list(box.columns) == ["axis", "shortest", "q1", "median", "q3", "longest"]
    assert 1 <= len(box) <= 3  # an axis per row, not a stay per row
    assert (box["shortest"] <= box["q1"]).all() and (box["q1"] <= box["median"]).all()
    assert (box["median"] <= box["q3"]).all() and (box["q3"] <= box["longest"]).all()
    medians = {label: text for label, text in metrics(app).items() if label.startswith("Médiane · ")}
    assert medians == {f"Médiane · {row.axis}": f"{number(Translator('fr'), row.median, 1)} mois"
                       for row in box.itertuples()}


def test_pages_speak_dutch(open_page, demo_url, monkeypatch, actors):
    for page in PAGES:
        app = AppTest.from_file(PAGES[page], default_timeout=60)
        app.session_state["issue_actor"] = actors["dir.diogenes"]
        app.session_state["language"] = "nl"
        app.run()
        assert not app.exception
        shown = texts(app)
        assert not re.search(r"\b(overview|occupancy|caseloads|alert|common)\.[a-z_.]+", shown), page
    assert app.title[0].value == "Begeleidingen"  # the page's name in the menu
