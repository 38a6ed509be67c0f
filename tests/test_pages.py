"""AppTest: every page × role (and signed out), on the demo data, through app.py's navigation.

The matrix signs in with a session injected (tests.conftest.signed_in: what a good cookie gives the gate);
four tests sign in through the form (admin, a coordinator, the screen, a refusal)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from issue_core.auth import SYSTEM
from issue_core.db import PROJECT_ROOT, create_issue_engine
from issue_core.services import sites as site_services
from tests.conftest import APP, PASSWORDS, SESSION_KEY, page_titles, sign_in, signed_in, use_database

DASHBOARDS = {"overview", "map", "timeline", "occupancy", "caseloads", "contributions", "sites", "site", "report"}
ADMIN_ONLY = {"users", "audit", "admin_sites", "close_site", "admin_reference", "data_export"}
EVERYONE = {"meeting", "account"}
PAGES = {name: f"pages/{name}.py" for name in (*sorted(DASHBOARDS), "households", "waiting_list", "placements",
                                               "payments", "data_import", "data_quality", "my_organisation",
                                               *sorted(ADMIN_ONLY),
                                               *sorted(EVERYONE))}
ALLOWED = {
    "admin": set(PAGES) - {"my_organisation"},  # an admin has no organisation: the overview is its landing page
    "coord.samusocial": DASHBOARDS | EVERYONE | {"households", "waiting_list", "placements", "payments", "data_import",
                                                 "data_quality", "my_organisation"},
    "dir.diogenes": DASHBOARDS | EVERYONE | {"households", "waiting_list", "my_organisation"},
    "ecran": EVERYONE,  # DOMAIN.md: the meeting screen only
}


def table_of(app: AppTest):
    frame = app.dataframe[0].value
    return frame.data if hasattr(frame, "data") else frame  # a Styler holds its DataFrame in .data


# --- signed out ----------------------------------------------------------------------------------


def test_signed_out_only_the_sign_in_form_shows(app):
    app.run()
    assert not app.exception
    assert [field.label for field in app.text_input] == ["Nom d'utilisateur", "Mot de passe"]
    assert page_titles(app) == [] and not app.dataframe


@pytest.mark.parametrize("page", PAGES)
def test_signed_out_a_page_address_shows_only_the_sign_in_form(app, page):
    app.run()
    app.switch_page(PAGES[page]).run()  # the address is known (a bookmark survives the sign-in) …
    assert not app.exception
    assert [field.label for field in app.text_input] == ["Nom d'utilisateur", "Mot de passe"]
    assert page_titles(app) == [] and not app.dataframe and not app.metric  # … but nothing of the page runs


def test_a_bookmarked_page_opens_once_signed_in(app):
    app.run()
    app.switch_page(PAGES["audit"]).run()
    app.text_input[0].input("admin")
    app.text_input[1].input(PASSWORDS["admin"])
    app.button[0].click().run()
    assert not app.exception
    assert page_titles(app) == ["Journal d'audit"]


def test_a_wrong_password_gets_the_single_refusal_message(app):
    sign_in(app, "admin", "not-the-password")
    assert [e.value for e in app.error] == ["Nom d'utilisateur ou mot de passe incorrect, ou compte temporairement bloqué."]
    sign_in(app, "nobody.at.all", "not-the-password")
    assert [e.value for e in app.error] == ["Nom d'utilisateur ou mot de passe incorrect, ou compte temporairement bloqué."]


# --- each role × each page -----------------------------------------------------------------------


@pytest.mark.parametrize("username", ALLOWED)
def test_every_page_by_role(app, username):
    """One session walks every page, as a user clicking through the navigation: an allowed page renders
    (a title, no exception, no error); another is not even in the navigation."""
    signed_in(app, username)
    problems = {}
    for page, path in PAGES.items():
        if page not in ALLOWED[username]:
            with pytest.raises(ValueError, match="Could not find a navigation page"):
                app.switch_page(path)
            continue
        app.switch_page(path).run()
        if app.exception or app.error or not page_titles(app):
            problems[page] = [e.value for e in (*app.exception, *app.error)] or "no title"
    assert problems == {}, f"pages that do not render for {username}: {problems}"


@pytest.mark.parametrize("username", ["dir.diogenes", "coord.samusocial"])
def test_coordinators_and_directors_land_on_their_organisation(app, username):
    sign_in(app, username)
    assert not app.error
    assert page_titles(app) == ["Mon organisation"]
    assert app.session_state["issue_pages"] == {PAGES[page] for page in ALLOWED[username]}


def test_admins_land_on_the_overview(app):
    sign_in(app, "admin")
    assert not app.error
    assert page_titles(app) == ["Vue d'ensemble"]
    assert app.session_state["issue_pages"] == {PAGES[page] for page in ALLOWED["admin"]}


def test_the_screen_signs_in_to_the_meeting_only(app):
    sign_in(app, "ecran")
    assert not app.error and not app.text_input  # no sign-in form left
    assert app.session_state["issue_pages"] == {PAGES["meeting"], PAGES["account"]}
    assert page_titles(app)  # the meeting's first slide


def test_sites_page_lists_the_six_sites_with_durations_and_status(app):
    signed_in(app, "dir.diogenes")
    app.switch_page("pages/sites.py").run()
    assert page_titles(app) == ["Sites"]
    table = table_of(app).set_index("Site")
    # The closed conventions as in the source table; the "ongoing" ones as extended since (demo.EXTENSIONS):
    # to 31/12/2027, 31/10/2026, 31/12/2026 and 31/07/2027 (tests/test_demo.py, ON_TODAY).
    assert list(table.loc[["Peterbos", "Grande Haie", "3 pommiers", "Ganshoren", "Trèfles", "Dubrucq"], "Durée (mois)"]) == [
        "7", "17", "84", "81", "57", "52,5"]  # the French decimal sign
    assert table.loc["Peterbos", "Statut"] == ["Clôturée"]  # a coloured tag
    assert table.loc["Ganshoren", "Statut"] == ["Échéance dépassée"]
    assert table.loc["Trèfles", "Statut"] == ["Fin proche"]
    assert table.loc["Dubrucq", "Statut"] == ["En cours"]
    assert table.loc["Dubrucq", "Gestion"] == "Communa"
    assert table.loc["Peterbos", "Période de la convention"] == "01/03/2020 – 30/09/2020 (prévue : 28/02/2021)"
    assert [m.value for m in app.metric] == ["6", "39", "1"]  # one overdue: Ganshoren
    assert "1 convention(s)" in app.warning[0].value


def test_a_sign_in_stopped_before_its_language_still_speaks_the_account_language(app, demo_url):
    """A rerun can stop a sign-in after its session was kept, before its language was (the cookie component
    reporting back on a busy server): the runs after it take the account's language, not the default."""
    from issue_core.services.users import open_session

    engine = create_issue_engine(demo_url)
    set_language = "UPDATE app_user SET language = '{}' WHERE username = 'dir.diogenes'"
    with engine.begin() as connection:
        connection.exec_driver_sql(set_language.format("nl"))
    try:
        app.session_state[SESSION_KEY] = open_session(engine, "dir.diogenes")
        app.session_state["authentication_status"] = True  # as the sign-in left them: no "language" yet
        app.session_state["username"] = "dir.diogenes"
        app.run()
        assert not app.exception
        assert page_titles(app) == ["Mijn organisatie"]
        assert app.session_state["language"] == "nl"
    finally:  # the module's demo copy, as the other tests expect it
        with engine.begin() as connection:
            connection.exec_driver_sql(set_language.format("fr"))
        engine.dispose()


def test_language_switch_translates_and_is_kept_for_the_user(app, demo_url):
    signed_in(app, "dir.diogenes")
    assert app.button(key="language_fr").proto.type == "primary"  # the language in force
    app.button(key="language_nl").click().run()
    assert not app.exception
    assert page_titles(app) == ["Mijn organisatie"]
    app.switch_page("pages/sites.py").run()
    assert page_titles(app) == ["Sites"]
    statuses = table_of(app).set_index("Site")["Statuut"]
    assert statuses["Peterbos"] == ["Afgesloten"]
    engine = create_issue_engine(demo_url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT language FROM app_user WHERE username = 'dir.diogenes'").scalar() == "nl"
        connection.exec_driver_sql("SELECT 1")
    engine.dispose()


def test_a_write_shows_on_the_next_rerun(app, demo_url):
    signed_in(app, "dir.diogenes")
    app.switch_page("pages/sites.py").run()
    assert [m.value for m in app.metric][0] == "6"
    engine = create_issue_engine(demo_url)
    with engine.connect() as connection:
        operator_id = connection.exec_driver_sql("SELECT id FROM organisation WHERE short_name = 'CityDev'").scalar()
    site_services.create_site(engine, SYSTEM, name="Nouveau site", commune="Forest", housing_operator_id=operator_id)
    engine.dispose()
    app.run()
    assert [m.value for m in app.metric][0] == "7"
    assert "Nouveau site" in set(table_of(app)["Site"])


def test_admin_creates_a_user_who_must_change_the_password(app):
    signed_in(app, "admin")
    app.switch_page("pages/users.py").run()
    inputs = {field.label: field for field in app.text_input}
    inputs["Nom d'utilisateur"].input("nouvelle.coord")
    inputs["Nom affiché"].input("Nouvelle coordinatrice")
    inputs["Mot de passe initial"].input("Initial-pass-2026")
    role = next(box for box in app.selectbox if box.label == "Rôle")
    role.set_value("screen")
    next(button for button in app.button if button.label == "Créer le compte").click().run()
    assert not app.exception and not app.error
    assert "nouvelle.coord" in app.success[0].value


def test_an_unreachable_database_shows_a_clear_message_not_a_traceback(monkeypatch):
    use_database(monkeypatch, "postgresql://nobody@127.0.0.1:1/nothing")  # port 1: refused at once
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert not app.exception
    assert app.error[0].value.startswith("La base de données est injoignable")


def test_every_page_checks_the_role_before_it_reads_anything():
    """A fresh server runs the file of the first page asked for on its own (Streamlit's pages/ folder mode):
    only gate.require_role sends it back through app.py's sign-in. So nothing may be shown or read before it
    (constants may be set)."""
    import ast

    for path in sorted((PROJECT_ROOT / "pages").glob("*.py")):
        statements = ast.parse(path.read_text()).body
        checks = [n for n, node in enumerate(statements) if "require_role(" in ast.unparse(node)]
        assert checks, path.name
        before = [ast.unparse(node) for node in statements[:checks[0]] if shows_or_reads(node)]
        assert before == [], path.name


def shows_or_reads(node) -> bool:  # noqa: ANN001 (an ast statement)
    import ast

    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
        return False  # a docstring
    if not isinstance(node, ast.Import | ast.ImportFrom | ast.Assign | ast.AnnAssign):
        return True
    return any(word in ast.unparse(node) for word in ("st.", "read(", "engine(", "translator(", "clock."))
