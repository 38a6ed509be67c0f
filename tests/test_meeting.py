"""The meeting screen: the changes-since counts against hand counts (both engines), every slide for
every role without exception and without any household reference, the rotation, pause, and a soak run
whose session state does not grow.

Run `python -m tests.test_meeting 300` for the memory figures of 300 runs (tracemalloc).
"""

from __future__ import annotations

import re
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import streamlit as st
from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

from issue_core.auth import SYSTEM, Actor
from issue_core.db import PROJECT_ROOT, create_issue_engine
from issue_core.models import Convention, Placement, Role
from issue_core.queries.metrics import caseload_on, kpis
from issue_core.queries.screens.meeting import caseload_by_axis, changes_since, occupancy_tiles
from issue_core.services import common, contributions, households, placements, sites
from tests.conftest import TODAY, run_page, use_database
from tests.world import build_world

PAGE = str(PROJECT_ROOT / "pages/meeting.py")
REFERENCE = re.compile(r"ISS-\d{4}-\d+")
SINCE = TODAY - timedelta(days=7)  # 16/11/2026, the page's default
TITLES = ["Chiffres clés", "Conventions qui se terminent", "Occupation des logements (1/2)",
          "Occupation des logements (2/2)", f"Depuis le {SINCE:%d/%m/%Y}", "Suivis par axe (1/2)", "Suivis par axe (2/2)",
          "Décisions de la semaine (1/3)", "Décisions de la semaine (2/3)", "Décisions de la semaine (3/3)"]
SLIDES = len(TITLES)  # the demo's board takes two slides (pages/meeting.BOARD_LINES), the caseloads per partner one
USERNAMES = ["admin", "coord.samusocial", "dir.diogenes", "ecran"]
SLIDE_KEYS = {"meeting_slide", "meeting_shown_at", "meeting_full_run_at", "meeting_day"}


# --- a small world of changes, counted by hand --------------------------------------------------------


def version(engine: Engine, model, row_id: int) -> int:  # noqa: ANN001
    with engine.connect() as connection:
        return connection.execute(select(model.version).where(model.id == row_id)).scalar_one()


def placement_of(engine: Engine, household_id: int) -> int:
    """The household's latest placement."""
    with engine.connect() as connection:
        return connection.execute(
            select(Placement.id).where(Placement.household_id == household_id).order_by(Placement.start_date.desc())
        ).first()[0]


class WrittenOnTenthOfNovember(datetime):
    @classmethod
    def now(cls, tz=None):  # noqa: ANN001, ANN206
        return datetime(2026, 11, 10, 9, 0, tzinfo=UTC)


def build_changes(engine: Engine, monkeypatch):  # noqa: ANN001, ANN201
    """tests.world, then around SINCE (16/11) to TODAY (23/11):

    A1: h_cel 01/06 → transferred to A3 on 18/11 (a transfer, neither entry nor exit); h_dio from 20/11 (entry).
    A3: h_four 01/01 → 15/11, prison (the day before SINCE: not counted); then h_cel from 18/11.
    A2: h_samu 01/10 → 16/11, street (exit on SINCE: counted); h_five 16/11 (entry) → 23/11, Housing First (exit).
    Conventions: Delta opens 20/11 (opened); Alpha extended twice now (one convention extended);
    Epsilon extended, its audit row dated 10/11 (not counted), then closed on 19/11 (closed); Beta
    closed in 2023 (not counted).
    Contribution statuses from 16/11 (h_samu) and 20/11 (h_dio) count; from 01/11 (h_cel) and 24/11
    (h_five, after today) do not.
    """
    world = build_world(engine)

    def household(axis: int, partner: int) -> int:
        household_id, _ = households.register_household(
            engine, SYSTEM, axis_id=axis, referent_organisation_id=partner, adults=1, children=0,
            administrative_status="regular", referred_on=date(2025, 12, 1))
        return household_id

    h_four, h_five = household(2, world.dio), household(2, world.samu)

    def place(household_id: int, unit_id: int, start: date) -> None:
        placements.place_household(engine, SYSTEM, household_id=household_id, unit_id=unit_id, start_date=start)

    def end(household_id: int, day: date, destination: str) -> None:
        placement = placement_of(engine, household_id)
        placements.end_placement(engine, SYSTEM, placement, version=version(engine, Placement, placement),
                                 end_date=day, exit_destination=destination)

    place(world.h_cel, world.a1, date(2026, 6, 1))
    place(h_four, world.a3, date(2026, 1, 1))
    end(h_four, date(2026, 11, 15), "prison")
    moving = placement_of(engine, world.h_cel)
    placements.transfer_household(engine, SYSTEM, moving, version=version(engine, Placement, moving),
                                  transfer_date=date(2026, 11, 18), unit_id=world.a3)
    place(world.h_dio, world.a1, date(2026, 11, 20))
    place(world.h_samu, world.a2, date(2026, 10, 1))
    end(world.h_samu, date(2026, 11, 16), "street")
    place(h_five, world.a2, date(2026, 11, 16))
    end(h_five, date(2026, 11, 23), "housing_first")

    def site(name: str) -> int:
        return sites.create_site(engine, SYSTEM, name=name, commune="Bruxelles", latitude=50.85, longitude=4.35,
                                 housing_operator_id=world.hou)

    sites.create_convention(engine, SYSTEM, site_id=site("Delta"), start_date=date(2026, 11, 20),
                            planned_end_date=date(2027, 11, 19), units_planned=0)
    for planned_end in (date(2026, 12, 31), date(2027, 6, 30)):
        sites.extend_convention(engine, SYSTEM, world.alpha_convention,
                                version=version(engine, Convention, world.alpha_convention),
                                planned_end_date=planned_end)
    epsilon = sites.create_convention(engine, SYSTEM, site_id=site("Epsilon"), start_date=date(2025, 1, 1),
                                      planned_end_date=date(2026, 6, 30), units_planned=0)
    with monkeypatch.context() as patch:  # the audit row is append-only: write it as on 10/11, before SINCE
        patch.setattr(common, "datetime", WrittenOnTenthOfNovember)
        sites.extend_convention(engine, SYSTEM, epsilon, version=1, planned_end_date=date(2026, 12, 31))
    sites.close_convention(engine, SYSTEM, epsilon, version=2, actual_end_date=date(2026, 11, 19), reason="fin")

    for household_id, day in ((world.h_samu, date(2026, 11, 16)), (world.h_dio, date(2026, 11, 20)),
                              (world.h_cel, date(2026, 11, 1)), (h_five, date(2026, 11, 24))):
        contributions.set_income_status(engine, SYSTEM, household_id, effective_from=day, income_status="no_income",
                                        override_amount=Decimal("0"), override_reason="test")
    return world


def test_changes_since_are_the_hand_counts(engine, monkeypatch):
    build_changes(engine, monkeypatch)
    changes = changes_since(engine, SINCE, TODAY)
    assert (changes.entries, changes.exits, changes.transfers) == (2, 2, 1)
    assert changes.exits_by_destination == {"housing_first": 1, "street": 1}
    assert (changes.conventions_opened, changes.conventions_extended, changes.conventions_closed) == (1, 1, 1)
    assert changes.contribution_statuses_set == 2


def test_changes_since_a_later_day_count_less(engine, monkeypatch):
    build_changes(engine, monkeypatch)
    changes = changes_since(engine, date(2026, 11, 19), TODAY)
    assert (changes.entries, changes.exits, changes.transfers) == (1, 1, 0)  # h_dio in; h_five out
    assert changes.exits_by_destination == {"housing_first": 1}
    assert (changes.conventions_opened, changes.conventions_closed, changes.contribution_statuses_set) == (1, 1, 1)
    nothing = changes_since(engine, TODAY + timedelta(days=1), TODAY)  # a day after today: an empty period
    counts = (nothing.entries, nothing.exits, nothing.conventions_opened, nothing.contribution_statuses_set)
    assert counts == (0, 0, 0, 0)


def test_the_board_and_caseloads_hold_no_household_column(engine, monkeypatch):
    world = build_changes(engine, monkeypatch)
    tiles = occupancy_tiles(engine, TODAY)
    assert not {"reference", "household_id", "placement_id", "partner_id"} & set(tiles.columns)
    # Alpha (overdue, still running) and Delta (no unit); A1 h_dio (axis 3), A2 vacant since 23/11, A3 h_cel (axis 1).
    assert list(zip(tiles["unit"], tiles["state"], tiles["axis_id"], strict=True)) == [
        ("A1", "occupied", 3), ("A2", "vacant", 0), ("A3", "occupied", 1)]
    assert tiles.loc[tiles["unit"] == "A2", "reserved_for"].item() == "Samu"
    per_axis = caseload_by_axis(caseload_on(engine, TODAY))
    # Followed: h_cel (1), h_samu, h_four, h_five (2), h_dio (3); placed on 23/11: h_cel, h_dio (h_five left that day).
    assert per_axis.values.tolist() == [[1, 1, 1, 0], [2, 3, 0, 3], [3, 1, 1, 0]]
    assert world.h_samu


# --- the page ----------------------------------------------------------------------------------------


def every_text(app: AppTest) -> str:
    """Everything the page sent to the browser: every element's protobuf as text (markdown, metric
    labels and values, tables' Arrow bytes, HTML, tooltips, widget labels and options)."""
    return "\n".join(str(node.proto) for node in app._tree if getattr(node, "proto", None) is not None)


def open_meeting(url: str, actor: Actor, monkeypatch) -> AppTest:  # noqa: ANN001
    use_database(monkeypatch, url)
    return run_page(PAGE, actor)


def next_slide(app: AppTest) -> AppTest:
    """A fragment run once the interval is over (AppTest runs the whole page, the fragment inline):
    the time the slide was shown is moved back instead of waiting."""
    app.session_state["meeting_shown_at"] = time.monotonic() - 3600
    app.run()
    assert not app.exception, app.exception
    return app


def indicator(app: AppTest) -> str:
    return re.search(r"(\d+) / (\d+)", every_text(app)).group(0)


@pytest.mark.parametrize("username", USERNAMES)
def test_every_slide_renders_for_every_role_without_a_reference(demo_url, monkeypatch, actors, username):
    app = open_meeting(demo_url, actors[username], monkeypatch)
    for number, title in enumerate(TITLES, start=1):
        assert [element.value for element in app.title] == [title]
        assert indicator(app) == f"{number} / {SLIDES}"
        assert not app.error
        assert not REFERENCE.search(every_text(app)), f"a household reference on slide {number}"
        next_slide(app)
    assert indicator(app) == f"1 / {SLIDES}"  # round again


def test_the_reference_scan_would_see_a_reference(demo_url, monkeypatch, actors):
    """every_text is not blind: the occupancy page shows an admin the references on its board."""
    monkeypatch.setenv("ISSUE_DATABASE_URL", demo_url)
    st.cache_resource.clear()
    st.cache_data.clear()
    app = AppTest.from_file(str(PROJECT_ROOT / "pages/occupancy.py"), default_timeout=60)
    app.session_state["issue_actor"] = actors["admin"]
    app.session_state["issue_pages"] = set()
    app.run()
    assert REFERENCE.search(every_text(app))


def test_a_slide_reads_what_it_shows_and_what_counts_the_slides(demo_url, monkeypatch, actors):
    """The wall's first run does not wait for the candidates (0.5 s cold at sector scale) nor the changes:
    the slide that shows them reads them."""
    from issue_core.ui import data

    data._recent_reads.clear()

    def read_so_far() -> set[str]:
        return {query.__name__ for query, _args, _kwargs in data._recent_reads.to_warm()}

    app = open_meeting(demo_url, actors["ecran"], monkeypatch)
    assert {"site_figures", "balances_compared", "units_to_fill"} <= read_so_far()
    assert not {"candidates", "changes_since"} & read_so_far()
    changes, decisions = TITLES.index(f"Depuis le {SINCE:%d/%m/%Y}"), TITLES.index("Décisions de la semaine (1/3)")
    for number in range(1, decisions + 1):
        next_slide(app)
        assert [element.value for element in app.title] == [TITLES[number]]
        assert ("changes_since" in read_so_far()) == (number >= changes)
    assert "candidates" in read_so_far()


def test_the_slides_show_the_metrics(demo_url, demo_engine, monkeypatch, actors):
    app = open_meeting(demo_url, actors["ecran"], monkeypatch)
    figures = kpis(demo_engine, TODAY)
    shown = {metric.label: metric.value for metric in app.metric}
    assert (shown["Logements disponibles"], shown["Logements occupés"], shown["Sites sous convention"]) == (
        str(figures.available_units.value), str(figures.occupied_units.value), str(figures.active_sites.value))
    assert shown["Ménages suivis"] == str(figures.households_followed.value)
    # Conventions: of the four "ongoing" demo sites, as extended since (demo.EXTENSIONS), Ganshoren is overdue
    # (31/10/2026) and Trèfles ends within six months (31/12/2026); 3 pommiers and Dubrucq run to 2027.
    next_slide(app)
    shown = {metric.label: metric.value for metric in app.metric}
    assert (shown["Échéance dépassée"], shown["Fin dans les 6 mois"]) == ("1", "1")
    sites_shown = app.table[0].value["Site"].tolist()
    assert sorted(sites_shown) == ["Ganshoren", "Trèfles"]
    board = ""
    for _ in range(2):  # the board, over two slides: one tile per unit under convention
        next_slide(app)
        board += "".join(element.proto.body for element in app.get("html") if "meeting-tiles" in element.proto.body)
    assert board.count('class="meeting-tile"') == len(occupancy_tiles(demo_engine, TODAY)) == figures.available_units.value
    next_slide(app)
    changes = changes_since(demo_engine, SINCE, TODAY)
    shown = {metric.label: metric.value for metric in app.metric}
    assert (shown["Entrées"], shown["Sorties"], shown["Transferts"], shown["Statuts de contribution fixés"]) == (
        str(changes.entries), str(changes.exits), str(changes.transfers), str(changes.contribution_statuses_set))
    next_slide(app)
    per_axis = caseload_on(demo_engine, TODAY).groupby("axis_id")["waiting"].sum()
    waiting = [metric.value for metric in app.metric if metric.label == "En attente"]
    assert waiting == [str(per_axis[axis]) for axis in (1, 2, 3)]


def test_the_changes_slide_counts_on_the_small_world(engine, monkeypatch):
    build_changes(engine, monkeypatch)
    app = open_meeting(engine.url.render_as_string(hide_password=False), Actor("ecran", Role.SCREEN), monkeypatch)
    while not app.title[0].value.startswith("Depuis le"):
        next_slide(app)
    assert app.title[0].value == f"Depuis le {SINCE:%d/%m/%Y}"
    shown = {metric.label: metric.value for metric in app.metric}
    assert shown == {"Entrées": "2", "Sorties": "2", "Transferts": "1", "Statuts de contribution fixés": "2",
                     "Conventions ouvertes": "1", "Conventions prolongées": "1", "Conventions clôturées": "1"}
    destinations = app.table[0].value
    assert sorted(zip(destinations["Destination"], destinations["Sorties"], strict=True)) == [
        ("Housing First", "1"), ("Rue", "1")]
    app.date_input(key="meeting_since").set_value(date(2026, 11, 19)).run()
    assert app.title[0].value == "Depuis le 19/11/2026"  # a control's full run keeps the slide
    assert {metric.label: metric.value for metric in app.metric}["Entrées"] == "1"


def test_pause_stops_the_rotation_and_play_resumes_it(demo_url, monkeypatch, actors):
    app = open_meeting(demo_url, actors["ecran"], monkeypatch)
    next_slide(app)
    assert indicator(app) == f"2 / {SLIDES}"
    app.toggle(key="meeting_paused").set_value(True).run()
    for _ in range(3):
        next_slide(app)
        assert indicator(app) == f"2 / {SLIDES}"
    assert "En pause" in every_text(app)
    app.toggle(key="meeting_paused").set_value(False).run()
    assert indicator(app) == f"2 / {SLIDES}"  # play: the slide shown stays its full interval first
    next_slide(app)
    assert indicator(app) == f"3 / {SLIDES}"


def test_a_run_before_the_interval_is_over_keeps_the_slide(demo_url, monkeypatch, actors):
    app = open_meeting(demo_url, actors["ecran"], monkeypatch)
    app.run()  # a rerun right away (a control touched): no skipping ahead
    assert indicator(app) == f"1 / {SLIDES}"
    app.button(key="meeting_next").click().run()
    assert indicator(app) == f"2 / {SLIDES}"
    app.button(key="meeting_previous").click().run()
    app.button(key="meeting_previous").click().run()
    assert indicator(app) == f"{SLIDES} / {SLIDES}"


def test_the_interval_is_bounded(demo_url, monkeypatch, actors):
    app = open_meeting(demo_url, actors["ecran"], monkeypatch)
    app.number_input(key="meeting_seconds").set_value(2).run()
    assert not app.exception
    assert app.number_input(key="meeting_seconds").value >= 5


def soak(app: AppTest, runs: int) -> tuple[set[str], int]:
    """`runs` fragment-like runs; returns the session's keys and their number (widget ids included)."""
    for _ in range(runs):
        next_slide(app)
    state = app.session_state._state  # the whole session state, internal widget ids included
    return set(app.session_state.keys()), len(state._state)


def test_a_long_run_keeps_the_session_state_the_same_size(demo_url, monkeypatch, actors):
    app = open_meeting(demo_url, actors["ecran"], monkeypatch)
    keys, size = soak(app, 10)
    assert SLIDE_KEYS <= keys
    assert soak(app, 40) == (keys, size)


if __name__ == "__main__":  # memory over many runs: python -m tests.test_meeting 300
    import gc
    import tempfile
    import tracemalloc
    from pathlib import Path

    from issue_core import clock
    from issue_core.db import migrate
    from issue_core.demo import seed_demo

    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    clock.pin(TODAY)
    path = Path(tempfile.mkdtemp()) / "demo.sqlite"
    database = create_issue_engine(f"sqlite:///{path}")
    migrate(database)
    seed_demo(database, TODAY)

    class Env:  # monkeypatch.setenv, outside pytest
        @staticmethod
        def setenv(name: str, value: str) -> None:
            import os

            os.environ[name] = value

    wall = open_meeting(f"sqlite:///{path}", Actor("ecran", Role.SCREEN), Env)
    soak(wall, 2 * len(TITLES))  # caches warm
    tracemalloc.start()
    sizes = []
    for block in range(5):
        keys, size = soak(wall, runs // 5)
        gc.collect()
        current, _ = tracemalloc.get_traced_memory()
        sizes.append(current)
        print(f"after {(block + 1) * (runs // 5)} runs: traced {current / 1024:.0f} KiB, session keys {size}")
    print(f"growth over the last {runs - runs // 5} runs: {(sizes[-1] - sizes[0]) / 1024:.0f} KiB")
