"""The waiting list and its matching (issue_core/queries/screens/waiting.py, pages/waiting_list.py), on a
small world built through the services, counted by hand, on both engines.

TODAY is 23/11/2026. Partners Samu (axis 2) and Dio (axes 2, 3). Sites North and South, each under a
convention from 01/01/2025, planned to 31/12/2027, still open.

    unit  site   bedrooms capacity reserved  today
    N1    North  1        2        -         vacant
    N2    North  2        4        Samu      vacant
    N3    North  0        1        -         h_occ (Dio) until 10/12/2026 (free within 30 days)
    S1    South  3        6        -         vacant (hE lived there 01/02 → 01/10/2026)

    household partner adults children bedrooms needed waiting since  days
    hA        Samu    1      0        0                01/01/2026     326
    hB        Dio     1      0        0                01/06/2026     175
    hC        Samu    2      2        2                01/03/2026     267
    hD        Dio     2      0        1                01/09/2026      83
    hE        Samu    1      0        0                01/10/2026      53  (referred 15/01, its stay ended 01/10)
    hF        Dio     1      3        3                01/02/2026     295
    h_occ     Dio     1      0        (placed: not waiting)

Dio follows a household on North today (h_occ in N3): Dio's households rank first there.

    N1: hD, hB, hA, hE  — hD > hB: the fit (no spare bedroom) beats a longer wait;
                          hB > hA: its partner on the site beats a longer wait;
                          hA > hE: the longer wait. hC, hF (4 persons) do not fit.
    N2: hC, hA, hE, hD, hB — reserved for Samu: hE (53 days, 2 spare bedrooms, not on site) > hD (on
                          site, 1 spare bedroom): the reservation first; Dio's households need an override.
    N3: hB, hA, hE      — only single people fit a studio; free from 10/12/2026.
    S1: hF, hC, hD, hA, hB — the fewest spare bedrooms first; hE cut by the limit of 5.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import Engine

from issue_core.auth import SYSTEM, Actor
from issue_core.db import PROJECT_ROOT
from issue_core.i18n import LANGUAGES, catalogue
from issue_core.models import Role
from issue_core.queries.screens.waiting import candidates, units_to_fill, waiting_counts, waiting_households
from issue_core.rules import bedrooms_needed
from issue_core.services import households, placements, sites
from issue_core.visibility import EVERY_HOUSEHOLD, NOBODY
from tests.conftest import TODAY, run_through_navigation, world_from
from tests.world import samu_dio_and_hou

PAGE = "pages/waiting_list.py"


@dataclass
class Matching:
    engine: Engine
    samu: int
    dio: int
    units: dict[str, int]
    homes: dict[str, int]
    references: dict[str, str]


def build_matching(engine: Engine) -> Matching:
    samu, dio, hou = samu_dio_and_hou(engine)

    site_ids = {}
    for name in ("North", "South"):
        site_ids[name] = sites.create_site(engine, SYSTEM, name=name, commune="Bruxelles", latitude=50.85,
                                           longitude=4.35, housing_operator_id=hou)
        sites.create_convention(engine, SYSTEM, site_id=site_ids[name], start_date=date(2025, 1, 1),
                                planned_end_date=date(2027, 12, 31), units_planned=3)
    units = {
        label: sites.create_unit(engine, SYSTEM, site_id=site_ids[site], label=label, bedrooms=bedrooms,
                                 capacity=capacity, reserved_for_organisation_id=reserved)
        for label, site, bedrooms, capacity, reserved in (
            ("N1", "North", 1, 2, None), ("N2", "North", 2, 4, samu), ("N3", "North", 0, 1, None),
            ("S1", "South", 3, 6, None))
    }
    homes, references = {}, {}
    for name, partner, axis, adults, children, referred in (
        ("hA", samu, 2, 1, 0, date(2026, 1, 1)), ("hB", dio, 3, 1, 0, date(2026, 6, 1)),
        ("hC", samu, 2, 2, 2, date(2026, 3, 1)), ("hD", dio, 2, 2, 0, date(2026, 9, 1)),
        ("hE", samu, 2, 1, 0, date(2026, 1, 15)), ("hF", dio, 2, 1, 3, date(2026, 2, 1)),
        ("h_occ", dio, 3, 1, 0, date(2025, 12, 1)),
    ):
        homes[name], references[name] = households.register_household(
            engine, SYSTEM, axis_id=axis, referent_organisation_id=partner, adults=adults, children=children,
            administrative_status="regular", referred_on=referred)
    placements.place_household(engine, SYSTEM, household_id=homes["hE"], unit_id=units["S1"],
                               start_date=date(2026, 2, 1), end_date=date(2026, 10, 1))
    placements.place_household(engine, SYSTEM, household_id=homes["h_occ"], unit_id=units["N3"],
                               start_date=date(2026, 1, 1), end_date=date(2026, 12, 10))
    return Matching(engine, samu, dio, units, homes, references)


@pytest.fixture
def matching(engine: Engine, built_worlds: dict) -> Matching:
    return world_from(build_matching, engine, built_worlds)


def names(world: Matching, household_ids) -> list[str]:
    by_id = {household_id: name for name, household_id in world.homes.items()}
    return [by_id[household_id] for household_id in household_ids]


# --- the rules -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("adults", "children", "bedrooms"), [
    (1, 0, 0), (2, 0, 1), (1, 1, 2), (2, 1, 2), (2, 2, 2), (2, 3, 3), (1, 3, 3), (3, 0, 2), (4, 4, 4),
])
def test_bedrooms_needed(adults, children, bedrooms):
    """A person alone: a studio; a couple shares a bedroom; a bedroom per two children."""
    assert bedrooms_needed(adults, children) == bedrooms


def test_the_waiting_households_their_days_and_bedrooms(matching):
    waiting = waiting_households(matching.engine, TODAY, EVERY_HOUSEHOLD)
    rows = {name: row for name, row in zip(names(matching, waiting["household_id"]), waiting.itertuples(),
                                            strict=True)}
    assert list(rows) == ["hA", "hF", "hC", "hB", "hD", "hE"]  # longest wait first; h_occ is housed
    assert {name: row.days_waiting for name, row in rows.items()} == {
        "hA": 326, "hF": 295, "hC": 267, "hB": 175, "hD": 83, "hE": 53}
    assert rows["hE"].waiting_since == date(2026, 10, 1)  # since its stay ended, not since its referral
    assert {name: row.bedrooms_needed for name, row in rows.items()} == {
        "hA": 0, "hF": 3, "hC": 2, "hB": 0, "hD": 1, "hE": 0}  # the SQL rule is the Python one


def test_a_household_with_a_stay_ahead_or_an_ended_follow_up_is_not_waiting(matching):
    placements.place_household(matching.engine, SYSTEM, household_id=matching.homes["hA"],
                               unit_id=matching.units["N1"], start_date=date(2026, 12, 1))
    households.end_follow_up(matching.engine, SYSTEM, matching.homes["hB"], version=1, ended_on=TODAY)
    waiting = waiting_households(matching.engine, TODAY, EVERY_HOUSEHOLD)
    assert sorted(names(matching, waiting["household_id"])) == ["hC", "hD", "hE", "hF"]


def test_the_units_to_fill(matching):
    units = units_to_fill(matching.engine, TODAY)
    assert list(units["unit"]) == ["N1", "N2", "S1", "N3"]  # vacant first, then by the day they are free
    assert list(units["state"]) == ["vacant", "vacant", "vacant", "ending"]
    assert units.set_index("unit").loc["N3", "free_from"] == date(2026, 12, 10)


def test_a_stay_ending_beyond_the_horizon_or_a_planned_stay_takes_the_unit_off(matching):
    placements.place_household(matching.engine, SYSTEM, household_id=matching.homes["hF"],
                               unit_id=matching.units["S1"], start_date=date(2026, 12, 20))
    sites.add_unavailability(matching.engine, SYSTEM, unit_id=matching.units["N1"], start_date=date(2026, 11, 1),
                             reason="works")
    assert list(units_to_fill(matching.engine, TODAY)["unit"]) == ["N2", "N3"]
    assert list(units_to_fill(matching.engine, date(2026, 11, 9))["unit"]) == ["N2"]  # N3 free after 30 days


def test_the_ranking_counted_by_hand(matching):
    ranked = candidates(matching.engine, TODAY, EVERY_HOUSEHOLD)
    unit_names = {unit_id: label for label, unit_id in matching.units.items()}
    per_unit = {unit_names[unit_id]: names(matching, rows.sort_values("rank")["household_id"])
                for unit_id, rows in ranked.groupby("unit_id")}
    assert per_unit == {
        "N1": ["hD", "hB", "hA", "hE"],
        "N2": ["hC", "hA", "hE", "hD", "hB"],
        "N3": ["hB", "hA", "hE"],
        "S1": ["hF", "hC", "hD", "hA", "hB"],
    }
    n2 = ranked[ranked["unit_id"] == matching.units["N2"]].set_index("rank")
    assert list(n2["needs_override"]) == [False, False, False, True, True]
    assert list(n2["partner_on_site"]) == [False, False, False, True, True]
    n1 = ranked[ranked["unit_id"] == matching.units["N1"]].set_index("rank")
    assert list(n1["spare_bedrooms"]) == [0, 1, 1, 1]
    assert list(n1["days_waiting"]) == [83, 175, 326, 53]


def test_a_coordinator_sees_only_its_own_references(matching):
    ranked = candidates(matching.engine, TODAY, matching.samu)
    assert len(ranked) == 17  # every row stays: the others are counted
    mine = ranked[ranked["partner_id"] == matching.samu]
    others = ranked[ranked["partner_id"] == matching.dio]
    assert mine["reference"].notna().all() and (mine["household_id"] > 0).all()
    assert others["reference"].isna().all() and (others["household_id"] == 0).all()
    assert candidates(matching.engine, TODAY, NOBODY)["reference"].isna().all()
    waiting = waiting_households(matching.engine, TODAY, matching.samu)
    assert sorted(names(matching, waiting["household_id"])) == ["hA", "hC", "hE"]
    counts = waiting_counts(matching.engine, TODAY)
    assert dict(zip(zip(counts["partner"], counts["axis_id"]), counts["households"])) == {
        ("Dio", 2): 2, ("Dio", 3): 1, ("Samu", 2): 3}


# --- the page ------------------------------------------------------------------------------------------


def page_text(app) -> str:
    return "\n".join(str(element.value) for element in app.markdown) + "\n".join(
        frame.value.to_string() for frame in app.dataframe)


def place_links(app) -> list[str]:
    """The query strings of the "Place" links (st.page_link)."""
    return [link.proto.query_string for link in app.get("page_link") if link.proto.label == "Place"]


def run_in_navigation(world: Matching, actor: Actor, monkeypatch, first: str = PAGE, query: dict | None = None):
    """`first` run through st.navigation, as app.py does, with the pages the actor may reach (the placement
    form for an editor, so that "Place" links resolve); on the world's database, in English."""
    pages = [first, *[page for page in (PAGE, "pages/occupancy.py", "pages/overview.py") if page != first]]
    if actor.role in (Role.ADMIN, Role.COORDINATOR):
        pages.append("pages/placements.py")
    return run_through_navigation(monkeypatch, world.engine, actor, pages, query=query)


@pytest.mark.parametrize("role", ["admin", "coordinator", "director"])
def test_the_page_shows_references_only_where_allowed(matching, role, monkeypatch):
    actor = {"admin": Actor("admin", Role.ADMIN), "coordinator": Actor("coord.samu", Role.COORDINATOR, matching.samu),
             "director": Actor("dir.samu", Role.DIRECTOR, matching.samu)}[role]
    app = run_in_navigation(matching, actor, monkeypatch)
    text = page_text(app)
    samu = {matching.references[name] for name in ("hA", "hC", "hE")}
    dio = {matching.references[name] for name in ("hB", "hD", "hF", "h_occ")}
    assert all(reference in text for reference in samu)
    if role == "admin":
        assert all(reference in text for reference in dio - {matching.references["h_occ"]})
    else:
        assert not any(reference in text for reference in dio)
        assert "a household followed by Dio" in text
    links = place_links(app)
    if role == "director":
        assert links == []  # a director reads, does not place
        return
    hc, hd, n2 = matching.homes["hC"], matching.homes["hD"], matching.units["N2"]
    assert f"household={hc}&unit={n2}" in links
    # hD (Dio) in N2, reserved for Samu: only an admin may place it there (with a reason); a Samu
    # coordinator may not place it anywhere.
    assert (f"household={hd}&unit={n2}" in links) == (role == "admin")
    assert any(link.startswith(f"household={hd}&") for link in links) == (role == "admin")
    # an admin: every candidate of every unit; Samu's coordinator: Samu's (N1 hA hE, N2 hC hA hE, N3 hA hE, S1 hC hA)
    assert len(links) == (17 if role == "admin" else 9)


def test_a_vacant_tile_opens_the_candidates_of_its_unit(matching, monkeypatch):
    admin = Actor("admin", Role.ADMIN)
    n1, n3 = matching.units["N1"], matching.units["N3"]
    board = run_in_navigation(matching, admin, monkeypatch, first="pages/occupancy.py")
    tiles = "".join(element.proto.body for element in board.get("html"))  # every site's tiles (issue 14): <a> links
    assert f'<a href="waiting-list?unit={n1}" target="_self">Candidates</a>' in tiles  # N1 and N2 are vacant
    focused = run_in_navigation(matching, admin, monkeypatch, query={"unit": str(n3)})
    cards = [text for text in (element.value for element in focused.markdown) if text.startswith("**North")]
    assert cards == ["**North · N3** · studio · 1 pers."]
    assert [link.proto.query_string for link in focused.get("page_link") if link.proto.label == "Place"] == [
        f"household={matching.homes[name]}&unit={n3}" for name in ("hB", "hA", "hE")]


def test_the_vacant_unit_alert_links_to_the_waiting_list(matching, monkeypatch):
    overview = run_in_navigation(matching, Actor("admin", Role.ADMIN), monkeypatch, first="pages/overview.py")
    assert "Waiting list" in [link.proto.label for link in overview.get("page_link")]


def test_the_screen_may_not_open_the_page(open_page, matching):
    app = open_page(PAGE, Actor("screen", Role.SCREEN), url=matching.engine.url.render_as_string(hide_password=False))
    assert not any(reference in page_text(app) for reference in matching.references.values())
    assert app.error


def test_every_key_of_the_page_is_translated():
    used = {key for key in catalogue("en") if key.startswith("waiting.")}
    assert used and all(used <= set(catalogue(language)) for language in LANGUAGES)
    source = (PROJECT_ROOT / PAGE).read_text(encoding="utf-8")
    for key in re.findall(r"[\"'](waiting\.[a-z_.]+)[\"']", source):
        assert key in used, key
