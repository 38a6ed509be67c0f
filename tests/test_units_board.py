"""The board of every unit on the occupancy page (issue 14, item 3): queries/screens/occupancy_board
(board_sites, units_board, BoardFilter), issue_core/ui/board.py (tiles, paging, the size label) and
pages/occupancy.py, on the small world of tests/world.py changed for the board (today 23/11/2026):

    North (Hou): N1 h2 (Samu, axis 2) since 15/03
                 N2 vacant since 20/03 (h3 moved out): 248 days, long vacant; reserved for Dio
                 N3 unavailable from 01/11 (works, open)
    South (Cit, overdue, still under convention):
                 S1 vacant since 13/11 (h7 left that day): 10 days
                 S2 h5 (Samu, axis 2) since 25/03
                 S3 a studio (0 bedrooms, 1 person), never occupied: vacant since the convention's start
                    01/06/2025, 540 days, long vacant; reserved for Cel
    West: convention closed on 20/03: not on the board.

Hand counts, per site: North 3 units: 1 occupied, 0 vacant, 1 long vacant, 1 unavailable, 1 reserved;
South 3 units: 1 occupied, 1 vacant, 1 long vacant, 0 unavailable, 1 reserved.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select, text

from issue_core import policy
from issue_core.auth import SYSTEM, Actor
from issue_core.i18n import Translator
from issue_core.models import Household, Role, Unit
from issue_core.queries.screens.occupancy_board import (
    BOARD_SITE_COLUMNS,
    NO_BOARD_FILTER,
    BoardFilter,
    board_sites,
    units_board,
)
from issue_core.queries.sql.filters import Filters
from issue_core.services import placements, sites
from issue_core.ui.board import size_label, text_colour
from issue_core.visibility import EVERY_HOUSEHOLD, NOBODY
from tests.conftest import world_from
from tests.world import build_small_world

TODAY = date(2026, 11, 23)
PAGE = "pages/occupancy.py"
REFERENCE = re.compile(r"ISS-\d{4}-\d+")
TILE = re.compile(r'<div class="ub-tile[ "].*?<b>([^<]*)</b>')


@pytest.fixture
def board_world(engine, built_worlds):
    small = world_from(build_small_world, engine, built_worlds)
    with engine.connect() as connection:
        version = connection.execute(select(Unit.version).where(Unit.id == small.units["N2"])).scalar_one()
    sites.set_unit_reservation(engine, SYSTEM, small.units["N2"], version=version, organisation_id=small.dio)
    sites.add_unavailability(engine, SYSTEM, unit_id=small.units["N3"], start_date=date(2026, 11, 1), end_date=None,
                             reason="works")
    placements.end_placement(engine, SYSTEM, small.placements["h7"], version=1, end_date=date(2026, 11, 13),
                             exit_destination="street")
    small.units["S3"] = sites.create_unit(engine, SYSTEM, site_id=small.south, label="S3", bedrooms=0, capacity=1,
                                          reserved_for_organisation_id=small.cel)
    return small


def reference(small, number: int) -> str:
    with small.engine.connect() as connection:
        return connection.execute(select(Household.reference).where(Household.id == small.h[number])).scalar_one()


def counts(frame) -> dict[str, list[int]]:
    return {row.site: [row.units, row.occupied, row.vacant, row.long_vacant, row.unavailable, row.reserved]
            for row in frame.itertuples()}


def units_of(small, board: BoardFilter = NO_BOARD_FILTER, scope=NOBODY) -> dict[str, str]:
    shown = units_board(small.engine, TODAY, [small.north, small.south], board, scope)
    return dict(zip(shown["unit"], shown["board_state"], strict=True))


# --- the grouped queries -------------------------------------------------------------------------------


def test_every_site_and_its_counts(board_world):
    frame = board_sites(board_world.engine, TODAY)
    assert list(frame.columns) == BOARD_SITE_COLUMNS
    assert frame["site"].tolist() == ["North", "South"]  # West's convention is closed
    assert frame["operator"].tolist() == ["Hou", "Cit"]
    assert counts(frame) == {"North": [3, 1, 0, 1, 1, 1], "South": [3, 1, 1, 1, 0, 1]}


def test_every_unit_with_its_state(board_world):
    shown = units_board(board_world.engine, TODAY, [board_world.north, board_world.south], scope=EVERY_HOUSEHOLD)
    assert shown["unit"].tolist() == ["N1", "N2", "N3", "S1", "S2", "S3"]  # by site, then unit
    assert shown["board_state"].tolist() == ["occupied", "long_vacant", "unavailable", "vacant", "occupied",
                                             "long_vacant"]
    by_unit = shown.set_index("unit")
    assert by_unit.loc["N2", "days_vacant"] == 248 and by_unit.loc["S1", "days_vacant"] == 10
    assert by_unit.loc["S3", "days_vacant"] == 540 and by_unit.loc["S3", "vacant_since"] == date(2025, 6, 1)
    assert (by_unit.loc["N2", "reserved_for"], by_unit.loc["S3", "reserved_for"]) == ("Dio", "Cel")
    assert by_unit.loc["N3", "unavailable_reason"] == "works"
    assert by_unit.loc["S3", "bedrooms"] == 0
    assert units_board(board_world.engine, TODAY, []).empty


def test_the_long_vacant_threshold_is_the_policy(board_world, monkeypatch):
    monkeypatch.setattr(policy, "VACANT_ALERT_DAYS", 5)  # S1, vacant for 10 days, is now long vacant
    assert counts(board_sites(board_world.engine, TODAY))["South"] == [3, 1, 0, 2, 0, 1]


@pytest.mark.parametrize(("partners", "operators", "states", "expected_sites", "expected_units"), [
    (["samu"], [], [], ["North", "South"], ["N1", "S2"]),  # their households
    (["dio"], [], [], ["North"], ["N2"]),  # the unit reserved for Dio
    (["cel"], [], [], ["South"], ["S3"]),  # h7 left S1: S3's reservation only
    ([], ["cit"], [], ["South"], ["S1", "S2", "S3"]),
    ([], [], ["long_vacant"], ["North", "South"], ["N2", "S3"]),
    ([], [], ["vacant"], ["South"], ["S1"]),
    ([], [], ["reserved"], ["North", "South"], ["N2", "S3"]),
    ([], [], ["occupied", "unavailable"], ["North", "South"], ["N1", "N3", "S2"]),
    (["samu"], [], ["vacant"], [], []),
    (["samu", "dio"], ["hou"], ["occupied", "reserved"], ["North"], ["N1", "N2"]),
])
def test_the_filters_narrow_sites_and_units(board_world, partners, operators, states, expected_sites, expected_units):
    ids = {"samu": board_world.samu, "dio": board_world.dio, "cel": board_world.cel, "hou": board_world.hou,
           "cit": board_world.cit}
    board = BoardFilter(partner_ids=[ids[name] for name in partners], operator_ids=[ids[name] for name in operators],
                        states=states)
    frame = board_sites(board_world.engine, TODAY, board=board)
    assert frame["site"].tolist() == expected_sites
    assert int(frame["units"].sum()) == len(expected_units)
    assert list(units_of(board_world, board)) == expected_units


def test_the_sidebar_filters_narrow_the_sites(board_world):
    north_only = board_sites(board_world.engine, TODAY, Filters(site_ids=(board_world.north,)))
    assert counts(north_only) == {"North": [3, 1, 0, 1, 1, 1]}
    assert board_sites(board_world.engine, TODAY, Filters(housing_operator_ids=(board_world.cit,)))["site"].tolist() == [
        "South"]


def test_a_site_without_units_shows_unless_units_are_filtered(board_world):
    east = sites.create_site(board_world.engine, SYSTEM, name="East", commune="Bruxelles", latitude=50.85,
                             longitude=4.35, housing_operator_id=board_world.hou)
    sites.create_convention(board_world.engine, SYSTEM, site_id=east, start_date=date(2026, 1, 1),
                            planned_end_date=date(2027, 12, 31), units_planned=1)
    assert counts(board_sites(board_world.engine, TODAY))["East"] == [0, 0, 0, 0, 0, 0]
    assert "East" not in board_sites(board_world.engine, TODAY, board=BoardFilter(states=("vacant",)))["site"].tolist()
    assert "East" in board_sites(board_world.engine, TODAY, board=BoardFilter(operator_ids=(board_world.hou,)))[
        "site"].tolist()


def test_references_are_blanked_for_another_organisation(board_world):
    h2, h5 = reference(board_world, 2), reference(board_world, 5)

    def shown(scope) -> dict[str, object]:
        frame = units_board(board_world.engine, TODAY, [board_world.north, board_world.south], scope=scope)
        occupied = frame[frame["state"] == "occupied"]
        return dict(zip(occupied["unit"], occupied["reference"], strict=True))

    assert shown(EVERY_HOUSEHOLD) == {"N1": h2, "S2": h5}
    assert shown(board_world.samu) == {"N1": h2, "S2": h5}  # both Samu's
    assert shown(board_world.cel) == {"N1": None, "S2": None}  # the rows stay, the references go
    assert shown(NOBODY) == {"N1": None, "S2": None}


def test_an_unknown_state_is_refused():
    with pytest.raises(ValueError, match="unknown board states"):
        BoardFilter(states=("empty",))
    assert BoardFilter(partner_ids=[3, 1, 3], states=("reserved", "occupied")) == BoardFilter(
        partner_ids=(1, 3), states=("occupied", "reserved"))  # normalised: a cache key


# --- paging, the size label, the tiles' colours ---------------------------------------------------------


@pytest.mark.parametrize(("language", "bedrooms", "capacity", "label"), [
    ("fr", 0, 1, "studio · 1 pers."), ("nl", 0, 1, "studio · 1 pers."), ("en", 0, 1, "studio · 1 pers."),
    ("fr", 2, 4, "2 ch. · 4 pers."), ("nl", 2, 4, "2 slpk. · 4 pers."), ("en", 2, 4, "2 bedr. · 4 pers."),
    ("fr", 0, None, "studio"), ("fr", 3, None, "3 ch."),
])
def test_the_size_label(language, bedrooms, capacity, label):
    assert size_label(Translator(language), bedrooms, capacity) == label


def test_the_text_reads_on_its_colour():
    assert text_colour("#ff7f0e") == "#111418"  # axis 2's orange: dark text
    assert text_colour("#7b4fa0") == "#ffffff"  # axis 3's violet: white text


# --- the page -------------------------------------------------------------------------------------------


def url_of(small) -> str:
    return small.engine.url.render_as_string(hide_password=False)


def board_html(app) -> str:
    return "".join(element.proto.body for element in app.get("html") if "ub-tile" in element.proto.body)


def every_text(app) -> str:
    return "\n".join(str(node.proto) for node in app._tree if getattr(node, "proto", None) is not None)


ALL_PAGES = {"pages/site.py", "pages/placements.py", "pages/waiting_list.py"}


@pytest.mark.parametrize(("who", "sees"), [("admin", {2, 5}), ("coord.samu", {2, 5}), ("dir.samu", {2, 5}),
                                           ("coord.cel", set()), ("dir.dio", set())])
def test_the_page_shows_every_site_and_no_foreign_reference(board_world, open_page, who, sees):
    small = board_world
    actor = {"admin": Actor("admin", Role.ADMIN), "coord.samu": Actor("coord.samu", Role.COORDINATOR, small.samu),
             "dir.samu": Actor("dir.samu", Role.DIRECTOR, small.samu),
             "coord.cel": Actor("coord.cel", Role.COORDINATOR, small.cel),
             "dir.dio": Actor("dir.dio", Role.DIRECTOR, small.dio)}[who]
    pages = ALL_PAGES - ({"pages/placements.py"} if actor.role == Role.DIRECTOR else set())
    app = open_page(PAGE, actor, url=url_of(small), language="en", pages=pages)
    shown = board_html(app)
    assert TILE.findall(shown) == ["N1", "N2", "N3", "S1", "S2", "S3"]
    assert set(REFERENCE.findall(every_text(app))) == {reference(small, number) for number in sees}
    assert '<a href="site?name=North" target="_self">North</a>' in shown
    assert "studio · 1 pers." in shown and "0 bedr." not in shown
    metrics = {metric.label: metric.value for metric in app.metric}
    assert (metrics["Units"], metrics["Occupied"], metrics["Vacant"], metrics["Vacant > 30 d"], metrics["Unavailable"],
            metrics["Reserved"]) == ("6", "2", "3", "2", "1", "2")
    candidates = f'href="waiting-list?unit={small.units["S1"]}"'
    place = f'href="placements?unit={small.units["S1"]}"'
    assert candidates in shown
    assert (place in shown) is (actor.role != Role.DIRECTOR)  # a director reads, does not place
    assert "Sites 1 to 2 of 2" in [caption.value for caption in app.caption]


def test_no_link_where_the_user_may_not_go(board_world, open_page):
    app = open_page(PAGE, Actor("admin", Role.ADMIN), url=url_of(board_world), language="en", pages=set())
    shown = board_html(app)
    assert "<a " not in shown and ">North<" in shown


def test_a_filter_narrows_the_page_and_one_site_shows_its_detail(board_world, open_page):
    small = board_world
    app = open_page(PAGE, Actor("admin", Role.ADMIN), url=url_of(small), language="en", pages=ALL_PAGES)
    app.multiselect(key="occ_states").set_value(["reserved"]).run()
    assert TILE.findall(board_html(app)) == ["N2", "S3"]
    app.multiselect(key="occ_partners").set_value([small.dio]).run()
    assert TILE.findall(board_html(app)) == ["N2"]
    assert app.selectbox(key="occ_site").options == ["North"]
    app.multiselect(key="occ_partners").set_value([small.samu]).run()
    assert not board_html(app) and app.info[0].value == "No unit matches these filters."
    app.multiselect(key="occ_partners").set_value([])
    app.multiselect(key="occ_states").set_value([]).run()
    app.selectbox(key="occ_site").set_value(small.south).run()  # one site: today's detailed tiles
    assert not app.exception and not board_html(app)
    assert {metric.label: metric.value for metric in app.metric}["Units"] == "3"
    markdown = [element.value for element in app.markdown]
    assert {"**S1**", "**S2**", "**S3**"} <= set(markdown)
    assert "studio · 1 pers." in [caption.value for caption in app.caption]


def test_the_board_pages_by_sites(board_world, open_page, monkeypatch):
    monkeypatch.setattr(policy, "BOARD_SITES_PER_PAGE", 1)
    app = open_page(PAGE, Actor("admin", Role.ADMIN), url=url_of(board_world), language="en", pages=ALL_PAGES)
    assert TILE.findall(board_html(app)) == ["N1", "N2", "N3"]
    assert "Sites 1 to 1 of 2" in [caption.value for caption in app.caption]
    app.number_input[0].set_value(2).run()
    assert TILE.findall(board_html(app)) == ["S1", "S2", "S3"]
    assert "Sites 2 to 2 of 2" in [caption.value for caption in app.caption]
    assert {metric.label: metric.value for metric in app.metric}["Units"] == "6"  # the counts: every page


def test_hostile_names_are_escaped_in_the_board(board_world, open_page):
    with board_world.engine.begin() as connection:
        connection.execute(text("UPDATE site SET name = :name WHERE id = :id"),
                           {"name": "South <img src=x onerror=alert(1)>", "id": board_world.south})
        connection.execute(text("UPDATE organisation SET short_name = :name WHERE id = :id"),
                           {"name": "Cel <script>alert(1)</script>", "id": board_world.cel})
        connection.execute(text("UPDATE unit SET label = :name WHERE id = :id"),
                           {"name": "S3 \"'><b>", "id": board_world.units["S3"]})
    app = open_page(PAGE, Actor("admin", Role.ADMIN), url=url_of(board_world), language="en", pages=ALL_PAGES)
    shown = board_html(app)
    assert "<img" not in shown and "<script" not in shown and "S3 \"'><b>" not in shown
    assert "South &lt;img src=x onerror=alert(1)&gt;" in shown
    assert "Reserved: Cel &lt;script&gt;" in shown
    assert 'href="site?name=South%20%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E"' in shown


def test_the_meeting_decisions_read_studio(board_world, monkeypatch):
    from tests.test_meeting import indicator, next_slide, open_meeting

    app = open_meeting(url_of(board_world), Actor("screen", Role.SCREEN), monkeypatch)
    slides = int(indicator(app).split("/")[1])
    sizes = {}
    for _ in range(slides):
        for table in app.table:
            frame = table.value
            if "Taille" in frame.columns:
                sizes.update(zip(frame["Logement"], frame["Taille"], strict=True))
        next_slide(app)
    assert sizes["S3"] == "studio" and sizes["S1"] == "1 ch."
