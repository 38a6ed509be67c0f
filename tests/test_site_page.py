"""A site's own page (pages/site.py, issue_core/queries/screens/site_page.py) on the small world of
tests/world.py (build_small_world; today is pinned to 23/11/2026), on both engines:

    North: convention 01/01/2026 → planned 31/03/2027 (ending soon: 128 days), units N1 N2 N3;
           N1 holds h2 (Samu, axis 2) since 15/03, open; N2 and N3 are empty today.
    South: convention 01/06/2025 → planned 30/06/2026, open (overdue); S1 holds h7 (Cel), S2 h5 (Samu).
    West:  convention closed on 20/03/2026; unit W1.

Hand counts for North in March 2026: available unit-days 3 × 31 − 5 (N3 unavailable 10/03–14/03) = 88;
occupied unit-days N1 9 (h1, 01–09/03) + 17 (h2, 15–31/03) + N2 19 (h3, 01–19/03) + N3 17 (h6, 15–31/03) = 62.
"""

from __future__ import annotations

from datetime import date
from textwrap import dedent

import pytest
from sqlalchemy import select, text
from streamlit.testing.v1 import AppTest

from issue_core.auth import SYSTEM, Actor
from issue_core.db import PROJECT_ROOT
from issue_core.models import Household, Role
from issue_core.queries.screens import site_page
from issue_core.services import sites
from issue_core.ui.site_links import site_address
from issue_core.visibility import EVERY_HOUSEHOLD
from tests.conftest import use_database, world_from
from tests.test_escaping import ESCAPED, HOSTILE, assert_escaped
from tests.world import build_small_world

TODAY = date(2026, 11, 23)
PAGE = "pages/site.py"


@pytest.fixture
def small(engine, built_worlds):
    return world_from(build_small_world, engine, built_worlds)


def url_of(small) -> str:
    return small.engine.url.render_as_string(hide_password=False)


def reference(small, number: int) -> str:
    with small.engine.connect() as connection:
        return connection.execute(select(Household.reference).where(Household.id == small.h[number])).scalar_one()


# --- the read model --------------------------------------------------------------------------------


def test_units_today_per_state(small):
    north = site_page.site_units_today(small.engine, small.north, TODAY, EVERY_HOUSEHOLD)
    assert dict(zip(north["unit"], north["state"], strict=True)) == {"N1": "occupied", "N2": "vacant", "N3": "vacant"}
    assert north.set_index("unit").loc["N1", "axis_id"] == 2
    assert north.set_index("unit").loc["N1", "reference"] == reference(small, 2)
    west = site_page.site_units_today(small.engine, small.west, TODAY, EVERY_HOUSEHOLD)
    assert west["state"].tolist() == ["no_convention"]  # closed on 20/03: not vacant, nobody can be placed


def test_occupancy_and_utilisation_of_one_month(small):
    today = site_page.occupancy_today(small.engine, small.north, TODAY)
    assert (today.available, today.occupied, today.vacant, today.unavailable) == (3, 1, 2, 0)
    monthly = site_page.monthly_site_occupancy(small.engine, small.north, TODAY)
    march = monthly[monthly["month"] == date(2026, 3, 1)]
    assert len(march) == 3  # one row per axis
    assert round(float(march["available_units"].iloc[0]) * 31) == 88
    assert round(float(march["occupied_units"].sum()) * 31) == 62
    assert march["utilisation"].iloc[0] == pytest.approx(62 / 88)
    assert monthly["month"].min() == date(2026, 1, 1) and monthly["month"].max() == date(2026, 11, 1)


def test_households_at_risk_and_their_relocation(small):
    north = site_page.households_at_risk(small.engine, small.north, TODAY, EVERY_HOUSEHOLD)
    assert north["household_id"].tolist() == [small.h[2]]
    # North's last day is 31/03/2027: h2 leaves on 01/04/2027; South's units are taken then, West is closed.
    assert site_page.relocation_status(small.engine, small.north, TODAY) == site_page.RelocationStatus(
        leaving_on=date(2027, 4, 1), households=1, units_elsewhere=0, placeable=0)
    # South is overdue: everyone there today is at risk; North's N2 and N3 are free for them from today.
    south = site_page.households_at_risk(small.engine, small.south, TODAY, small.cel)
    assert sorted(south["household_id"]) == sorted([small.h[5], small.h[7]])
    shown = dict(zip(south["household_id"], south["reference"], strict=True))
    assert shown[small.h[7]] == reference(small, 7) and shown[small.h[5]] is None  # Cel sees its own only
    plan = site_page.relocation_status(small.engine, small.south, TODAY)
    assert (plan.leaving_on, plan.households, plan.units_elsewhere, plan.placeable, plan.short_by) == (
        TODAY, 2, 2, 2, 0)
    assert site_page.relocation_status(small.engine, small.west, TODAY) is None
    assert site_page.households_at_risk(small.engine, small.west, TODAY, EVERY_HOUSEHOLD).empty


def test_reserved_units_go_to_their_partner_only():
    assert site_page._placeable([1, 2], [1, 1]) == 1  # two units for partner 1: only its household
    assert site_page._placeable([1, 2], [0, 1]) == 2
    assert site_page._placeable([1, 2, 3], [0]) == 1


def test_conventions_with_extension_and_renewal(small):
    sites.extend_convention(small.engine, SYSTEM, north_convention(small), version=1,
                            planned_end_date=date(2027, 6, 30))
    sites.create_convention(small.engine, SYSTEM, site_id=small.west, start_date=date(2026, 4, 1),
                            planned_end_date=date(2027, 12, 31), units_planned=1)
    north = site_page.site_conventions_history(small.engine, small.north, TODAY)
    assert north[["status", "extensions", "renewal"]].values.tolist() == [["active", 1, False]]  # 219 days left
    assert north["planned_end_date"].iloc[0] == date(2027, 6, 30)
    extensions = site_page.convention_extensions(small.engine, small.north)
    assert extensions[["planned_end_before", "planned_end_after"]].values.tolist() == [
        [date(2027, 3, 31), date(2027, 6, 30)]]
    west = site_page.site_conventions_history(small.engine, small.west, TODAY)
    assert west["status"].tolist() == ["closed", "active"]
    assert west["renewal"].tolist() == [False, True]
    assert west["gap_days"].iloc[1] == 11  # 21/03 → 31/03 without convention
    assert west["duration_months"].tolist() == [2.5, 21.0]  # 79 and 640 days ÷ (365.25 ÷ 12)
    units = site_page.site_units_today(small.engine, small.west, TODAY, EVERY_HOUSEHOLD)
    assert units["state"].tolist() == ["vacant"]


def north_convention(small) -> int:
    history = site_page.site_conventions_history(small.engine, small.north, TODAY)
    return int(history["convention_id"].iloc[0])


def test_find_site_by_name_or_id(small):
    assert site_page.find_site(small.engine, name="North")["site_id"] == small.north
    assert site_page.find_site(small.engine, name="  north ")["site_id"] == small.north
    assert site_page.find_site(small.engine, site_id=small.south)["name"] == "South"
    assert site_page.find_site(small.engine, name="Nowhere") is None
    assert site_page.find_site(small.engine, name="") is None
    assert site_page.find_site(small.engine, name="x" * 500) is None


# --- the page per role ------------------------------------------------------------------------------


def actors(small) -> dict[str, Actor]:
    return {
        "admin": Actor("admin", Role.ADMIN),
        "coord.samu": Actor("coord.samu", Role.COORDINATOR, small.samu),
        "coord.cel": Actor("coord.cel", Role.COORDINATOR, small.cel),
        "dir.samu": Actor("dir.samu", Role.DIRECTOR, small.samu),
    }


def page_text(app) -> str:
    parts = [element.value for kind in ("title", "markdown", "caption", "info", "success", "warning")
             for element in getattr(app, kind)]
    for frame in app.dataframe:
        parts.append(frame.value.to_string())
    return "\n".join(str(part) for part in parts)


@pytest.mark.parametrize(("who", "sees_h2"), [("admin", True), ("coord.samu", True), ("dir.samu", True),
                                              ("coord.cel", False)])
def test_page_per_role_shows_references_only_where_allowed(small, open_page, who, sees_h2):
    app = open_page(PAGE, actors(small)[who], url=url_of(small), language="en", query={"name": "North"})
    assert [title.value for title in app.title] == ["Site page"] and app.header[0].value == "North"
    text = page_text(app)
    assert (reference(small, 2) in text) is sees_h2
    assert "**1** household(s) must leave the site on 01/04/2027" in text  # the count, for everyone
    assert "Samu: 1" in text
    metrics = {metric.label: metric.value for metric in app.metric}
    assert metrics["Occupied / available"] == "1 / 3"
    assert metrics["Occupied"] == "1" and metrics["Vacant"] == "2"
    assert metrics["Days to the end"] == "128" and "Convention: Ending soon" in text
    assert "1 unit(s) short" in text


def app_with_navigation(actor: Actor, query: dict[str, str]) -> AppTest:
    """The site page run through st.navigation with the admin pages registered (as app.py does), so that
    st.page_link can link them."""
    paths = [PAGE, "pages/admin_sites.py", "pages/close_site.py"]
    script = dedent(f"""
        import streamlit as st
        from issue_core.auth import Actor
        from issue_core.models import Role
        st.session_state["issue_actor"] = Actor({actor.username!r}, Role({actor.role.value!r}), {actor.organisation_id!r})
        st.session_state["issue_pages"] = set({paths!r})
        st.session_state["language"] = "en"
        st.navigation([st.Page("{PROJECT_ROOT}/" + path) for path in {paths!r}], position="hidden").run()
    """)
    app = AppTest.from_string(script, default_timeout=60)
    for name, value in query.items():
        app.query_params[name] = value
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_the_admin_gets_the_links_to_extend_and_close(small, monkeypatch):
    use_database(monkeypatch, url_of(small))
    admin = app_with_navigation(actors(small)["admin"], {"name": "South"})
    links = {link.proto.label: link.proto.query_string for link in admin.get("page_link")}
    assert links["Record an extension (site administration)"] == f"site={small.south}"
    assert links["Close the site (relocation plan)"] == f"site={small.south}"
    coordinator = app_with_navigation(actors(small)["coord.samu"], {"name": "South"})
    assert not coordinator.get("page_link")
    assert "2 household(s) to relocate on 23/11/2026; 2 free unit(s) elsewhere" in page_text(coordinator)


def test_the_meeting_screen_may_not_open_it(small, open_page):
    app = open_page(PAGE, Actor("screen", Role.SCREEN), url=url_of(small), language="en", query={"name": "North"})
    assert app.error and not app.title and not app.dataframe


def test_bookmark_by_id(small, open_page):
    app = open_page(PAGE, actors(small)["admin"], url=url_of(small), language="en", query={"id": str(small.west)})
    assert [title.value for title in app.title] == ["Site page"] and app.header[0].value == "West"
    assert "No running convention: nobody is to be relocated." in page_text(app)
    assert {metric.label: metric.value for metric in app.metric}["No convention"] == "1"


@pytest.mark.parametrize("query", [{"name": "Nowhere **bold** [x](http://evil)"}, {"id": "12abc"}, {}])
def test_unknown_or_missing_site_is_a_friendly_message(small, open_page, query):
    app = open_page(PAGE, actors(small)["admin"], url=url_of(small), language="en", query=query)
    assert not app.exception
    assert [title.value for title in app.title] == ["Site page"] and not app.header
    message = app.info[0].value
    if "name" in query:
        assert "No site is called" in message and "\\*\\*bold\\*\\*" in message and "\\[x\\]" in message
    else:
        assert message.startswith("Choose a site") or "No site is called" in message
    assert app.selectbox[0].options == ["North", "South", "West"] or sorted(app.selectbox[0].options) == [
        "North", "South", "West"]


def test_choosing_a_site_puts_it_in_the_address(small, open_page):
    app = open_page(PAGE, actors(small)["admin"], url=url_of(small), language="en")
    app.selectbox[0].select("South").run()
    assert app.query_params["name"] == "South"
    assert [title.value for title in app.title] == ["Site page"] and app.header[0].value == "South"


def test_site_address_is_percent_encoded():
    assert site_address("Trèfles") == "site?name=Tr%C3%A8fles"
    assert site_address("3 pommiers") == "site?name=3%20pommiers"
    assert site_address("a&b/c?d") == "site?name=a%26b%2Fc%3Fd"


def test_hostile_site_and_partner_names_are_escaped(small, open_page):
    """A site and partners named with Markdown (a link, an image, a colour): the page shows them as typed."""
    with small.engine.begin() as connection:
        connection.execute(text("UPDATE site SET name = :hostile WHERE id = :id"), {"hostile": HOSTILE, "id": small.south})
        connection.execute(text("UPDATE organisation SET short_name = :hostile || ' ' || CAST(id AS VARCHAR(10))"),
                           {"hostile": HOSTILE})
    app = open_page(PAGE, actors(small)["admin"], url=url_of(small), language="en", query={"name": HOSTILE})
    assert_escaped(app)
    assert app.header[0].value == ESCAPED


def test_the_sites_list_links_each_site_to_its_page(small, open_page):
    app = open_page("pages/sites.py", actors(small)["dir.samu"], url=url_of(small), language="en")
    table = app.dataframe[0].value
    table = table.data if hasattr(table, "data") else table  # a Styler holds its DataFrame in .data
    assert dict(zip(table["Site"], table["Page"], strict=True)) == {
        "North": "site?name=North", "South": "site?name=South", "West": "site?name=West"}


def test_the_admin_pages_open_on_the_site_of_the_link(small, open_page):
    admin = actors(small)["admin"]
    sites_admin = open_page("pages/admin_sites.py", admin, url=url_of(small), query={"site": str(small.south)})
    assert sites_admin.selectbox(key="admin_site").value == small.south
    closing = open_page("pages/close_site.py", admin, url=url_of(small), query={"site": str(small.south)})
    assert closing.selectbox(key="closure_site").value == small.south
