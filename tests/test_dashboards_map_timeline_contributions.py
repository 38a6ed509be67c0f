"""AppTest of the map, timeline and contributions pages (each page file run directly, as a given
actor), on the demo data; and their builders on the query output."""

from __future__ import annotations

import re
from datetime import timedelta

import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from issue_core import policy
from issue_core.db import PROJECT_ROOT
from issue_core.i18n import Translator
from issue_core.policy import ARREARS_THRESHOLD
from issue_core.queries.metrics import arrears, arrears_by_partner, contributions_monthly, occupancy_on
from issue_core.queries.screens.contributions import collection, split_households_in_arrears
from issue_core.queries.screens.map import sites_on_map
from issue_core.queries.screens.timeline import conventions_timeline, unit_periods
from issue_core.visibility import EVERY_HOUSEHOLD, scope_of
from tests.conftest import TODAY, open_numbers

PAGES = {name: str(PROJECT_ROOT / f"pages/{name}.py") for name in ("map", "timeline", "contributions")}
REFERENCE = re.compile(r"ISS-\d{4}-\d+")
# The latest convention of each site on TODAY: the closed ones as in the source table, the "ongoing" ones as
# extended since (demo.EXTENSIONS: to 31/12/2027, 31/10/2026, 31/12/2026 and 31/07/2027).
DURATIONS = {
    "Peterbos": 7.0, "Grande Haie": 17.0, "3 pommiers": 84.0, "Ganshoren": 81.0, "Trèfles": 57.0, "Dubrucq": 52.5,
}
fr = Translator("fr")


@pytest.fixture
def run_page(open_page):
    """This file's pages by name, as `actor`."""
    return lambda page, actor: open_page(PAGES[page], actor)


# --- reading what a page rendered ------------------------------------------------------------------


def frames(app: AppTest) -> list[pd.DataFrame]:
    return [d.value.data if hasattr(d.value, "data") else d.value for d in app.dataframe]


def chart_datasets(app: AppTest) -> list[pd.DataFrame]:
    """The data of every altair chart, as sent to the browser (Arrow IPC)."""
    data = []
    for chart in app.get("vega_lite_chart"):
        for dataset in chart.proto.datasets:
            data.append(pa.ipc.open_stream(dataset.data.data).read_all().to_pandas())
    return data


def rendered_references(app: AppTest) -> set[str]:
    """Every household reference anywhere on the page: texts, tables, chart data, map data."""
    kinds = ("markdown", "caption", "metric", "info", "success", "warning")
    texts = [e.value for kind in kinds for e in getattr(app, kind)]
    texts += [e.proto.spec for e in app.get("vega_lite_chart")]
    texts += [frame.to_csv() for frame in frames(app) + chart_datasets(app)]
    return set(REFERENCE.findall("\n".join(map(str, texts))))


# --- every page × role -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "coord.samusocial", "dir.diogenes", "ecran"])
@pytest.mark.parametrize("page", PAGES)
def test_page_renders_for_every_role(run_page, actors, page, role):
    app = run_page(page, actors[role])
    assert app.title and not app.error


@pytest.mark.parametrize("page", PAGES)
def test_page_refuses_without_a_signed_in_actor(demo_url, monkeypatch, page):
    monkeypatch.setenv("ISSUE_DATABASE_URL", demo_url)
    app = AppTest.from_file(PAGES[page], default_timeout=60).run()
    assert not app.exception
    assert [e.value for e in app.error] == [fr("error.page_not_allowed")] and not app.title


# --- map -------------------------------------------------------------------------------------------


# How the map draws its sites: tests/test_map.py.


def test_map_occupied_today_adds_up_to_the_occupancy_metric(demo_engine):
    sites = sites_on_map(demo_engine, TODAY)
    assert sites["occupied_today"].sum() == occupancy_on(demo_engine, TODAY).occupied
    assert (sites["occupied_today"] <= sites["units"]).all()
    assert sites.set_index("site").loc[["Peterbos", "Grande Haie"], "occupied_today"].tolist() == [0, 0]


# --- timeline --------------------------------------------------------------------------------------


def test_timeline_has_one_row_per_convention_with_its_duration(run_page, actors):
    app = open_numbers(run_page("timeline", actors["dir.diogenes"]))
    conventions = frames(app)[0]
    assert len(conventions) == 6
    shown = {site: f"{months:g}".replace(".", ",") for site, months in DURATIONS.items()}  # 28,5: the French way
    assert dict(zip(conventions["Site"], conventions["Durée (mois)"], strict=True)) == shown
    statuses = dict(zip(conventions["Site"], conventions["Statut"], strict=True))
    assert statuses["Peterbos"] == "Clôturée" and statuses["Ganshoren"] == "Échéance dépassée"
    assert statuses["Dubrucq"] == "En cours" and statuses["Trèfles"] == "Fin proche"
    gantt = chart_datasets(app)
    rows = set().union(*(set(d["row"]) for d in gantt if "row" in d))
    assert rows == set(DURATIONS)
    segments = next(d for d in gantt if "part" in d)
    parts = segments.groupby("site")["part"].apply(set).to_dict()
    assert parts["Peterbos"] == {"within", "unused"}  # closed early: the rest of the plan shows apart
    assert parts["Ganshoren"] == {"within", "beyond"}  # overdue: runs on to today
    assert parts["Dubrucq"] == {"within"}
    assert parts["Grande Haie"] == {"within"}
    assert any("52,5 mois" in set(d.get("duration", [])) for d in gantt)


def test_the_timeline_draws_its_conventions_a_page_at_a_time(run_page, actors, demo_engine, monkeypatch):
    expected = list(conventions_timeline(demo_engine, TODAY)["site"])  # in the page's order
    monkeypatch.setattr(policy, "TIMELINE_CONVENTIONS_PER_PAGE", 4)
    app = open_numbers(run_page("timeline", actors["dir.diogenes"]))
    assert list(frames(app)[0]["Site"]) == expected[:4]
    rows = set().union(*(set(d["row"]) for d in chart_datasets(app) if "row" in d))
    assert rows == set(expected[:4])  # the chart draws the page's conventions only
    assert f"Lignes 1 à 4 sur {len(expected)}." in [caption.value for caption in app.caption]
    next(number for number in app.number_input if number.key.startswith("timeline_page_")).set_value(2).run()
    assert list(frames(app)[0]["Site"]) == expected[4:]


def test_timeline_durations_come_from_the_query(demo_engine):
    frame = conventions_timeline(demo_engine, TODAY)
    assert dict(zip(frame["site"], frame["duration_months"], strict=True)) == DURATIONS


def site_ids(engine) -> dict[str, int]:
    with engine.connect() as connection:
        return dict(connection.exec_driver_sql("SELECT name, id FROM site").all())


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("admin", {"Samusocial", "Smes", "DIOGENES"}),
        ("coord.samusocial", {"Samusocial"}),
        ("dir.diogenes", {"DIOGENES"}),
        ("ecran", set()),
    ],
)
def test_timeline_lanes_show_references_only_to_their_organisation(run_page, actors, demo_engine, role, expected):
    peterbos = site_ids(demo_engine)["Peterbos"]
    periods = unit_periods(demo_engine, peterbos, scope=EVERY_HOUSEHOLD)
    by_partner = periods.groupby("partner")["reference"].apply(set).to_dict()

    app = run_page("timeline", actors[role])
    app.selectbox(key="timeline_site").set_value(peterbos).run()
    assert not app.exception
    open_numbers(app)
    lanes = frames(app)[1]
    assert len(lanes) == 7 and set(lanes["Logement"]) == {f"PET-0{i}" for i in range(1, 8)}
    visible = set().union(*(by_partner[p] for p in expected)) if expected else set()
    assert rendered_references(app) == visible
    hidden = lanes[~lanes["Ménage / motif"].str.match(REFERENCE)]
    assert all(who.startswith("Ménage suivi par ") for who in hidden["Ménage / motif"])


def test_unit_periods_keep_rows_and_hide_other_organisations(demo_engine, actors, organisation_ids):
    peterbos = site_ids(demo_engine)["Peterbos"]
    periods = unit_periods(demo_engine, peterbos, scope=EVERY_HOUSEHOLD)
    shown = unit_periods(demo_engine, peterbos, scope=scope_of(actors["coord.samusocial"]))
    assert len(shown) == len(periods)
    assert set(shown.loc[shown["reference"].notna(), "partner_id"]) == {organisation_ids["Samusocial"]}
    assert shown["reference"].notna().sum() == (periods["partner_id"] == organisation_ids["Samusocial"]).sum()
    assert unit_periods(demo_engine, peterbos, scope=scope_of(actors["ecran"]))["reference"].isna().all()
    assert unit_periods(demo_engine, peterbos)["reference"].isna().all()  # no scope given: no reference


# --- contributions ---------------------------------------------------------------------------------


def test_contributions_figures_are_the_queries(run_page, actors, demo_engine):
    app = open_numbers(run_page("contributions", actors["dir.diogenes"]))
    start, end = TODAY - timedelta(days=364), TODAY + timedelta(days=1)
    period = collection(demo_engine, start, end)
    monthly = contributions_monthly(demo_engine, start, end)
    by_partner = arrears_by_partner(demo_engine, TODAY, threshold=ARREARS_THRESHOLD)
    assert period.due == pytest.approx(monthly["due"].sum()) and period.paid == pytest.approx(monthly["paid"].sum())
    assert [m.value for m in app.metric] == [
        fr.money(period.due),
        fr.money(period.paid),
        fr.percent(period.paid / period.due),
        fr.money(by_partner["arrears"].sum()),
    ]
    month_table = frames(app)[0]
    assert len(month_table) == len(monthly)
    assert month_table["Dû"].tolist() == [fr.money(v) for v in monthly["due"]]
    assert month_table["Payé"].tolist() == [fr.money(v) for v in monthly["paid"]]
    partners = frames(app)[2].set_index("Partenaire")
    owing = by_partner[by_partner["households_in_arrears"] > 0].set_index("partner")
    assert sorted(partners.index) == sorted(owing.index)
    for partner, row in owing.iterrows():
        assert partners.loc[partner, "Arriérés"] == fr.money(row["arrears"])
        assert partners.loc[partner, "Ménages en arriérés"] == row["households_in_arrears"]


def test_a_filter_changes_the_contribution_figures(run_page, actors, organisation_ids):
    app = open_numbers(run_page("contributions", actors["admin"]))
    before = [m.value for m in app.metric]
    app.multiselect(key="flt_partners").set_value([organisation_ids["Smes"]]).run()
    assert not app.exception
    assert [m.value for m in app.metric] != before
    assert set(frames(app)[2]["Partenaire"]) == {"Smes"}


@pytest.mark.parametrize("role", ["admin", "coord.samusocial", "dir.diogenes", "ecran"])
def test_households_in_arrears_show_references_only_to_their_organisation(run_page, actors, demo_engine, role):
    actor = actors[role]
    balances = arrears(demo_engine, TODAY)
    owing = balances[balances["arrears"] > ARREARS_THRESHOLD]
    if role == "admin":
        expected = set(owing["reference"])
    elif role == "ecran":
        expected = set()
    else:
        expected = set(owing.loc[owing["partner_id"] == actor.organisation_id, "reference"])
    app = run_page("contributions", actor)
    assert rendered_references(app) == expected
    # The others are counted per partner, without reference.
    hidden = owing[~owing["reference"].isin(expected)].groupby("partner").size()
    lines = [m.value for m in app.markdown if "suivi(s) par" in m.value]
    assert len(lines) == len(hidden)
    for partner, count in hidden.items():
        assert any(f"{count} ménage(s) suivi(s) par {partner} :" in line for line in lines)


def test_households_in_arrears_are_listed_a_page_at_a_time(run_page, actors, demo_engine, monkeypatch):
    balances = arrears(demo_engine, TODAY)
    owing = balances[balances["arrears"] > ARREARS_THRESHOLD]  # largest first, as the page lists them
    assert len(owing) >= 3
    monkeypatch.setattr(policy, "HOUSEHOLD_PAGE_SIZE", 2)
    app = run_page("contributions", actors["admin"])
    listed = [frame for frame in frames(app) if "Ménage" in frame.columns]
    assert list(listed[0]["Ménage"]) == list(owing["reference"][:2])
    assert "Lignes 1 à 2 sur " + str(len(owing)) + "." in [caption.value for caption in app.caption]
    app.number_input(key=f"contrib_households_page_{float(ARREARS_THRESHOLD)}").set_value(2).run()
    listed = [frame for frame in frames(app) if "Ménage" in frame.columns]
    assert list(listed[0]["Ménage"]) == list(owing["reference"][2:4])


def test_split_households_in_arrears(demo_engine, actors):
    balances = arrears(demo_engine, TODAY)
    split = split_households_in_arrears(balances, scope_of(actors["coord.samusocial"]), 50)
    owing = balances[balances["arrears"] > 50]
    assert len(split.visible) + split.hidden["households"].sum() == len(owing)
    assert set(split.visible["partner"]) == {"Samusocial"}
    assert "Samusocial" not in set(split.hidden["partner"])
    assert "reference" not in split.hidden.columns
    screen = split_households_in_arrears(balances, scope_of(actors["ecran"]), 50)
    assert screen.visible.empty and screen.hidden["households"].sum() == len(owing)


def test_a_charts_numbers_are_sent_once_opened(run_page, actors):
    """A dashboard's numbers (a table and two CSV buttons per chart) are built when their expander is opened,
    not at every rerun of a page that keeps them closed."""
    app = run_page("contributions", actors["admin"])
    expanders = [expander.key for expander in app.expander if (expander.key or "").startswith("numbers-")]
    assert len(expanders) == 3  # due and paid per month, the collection rate, the arrears per partner

    def csv_buttons() -> list[str]:
        return [button.proto.id for button in app.get("download_button") if "-csv-" in button.proto.id]

    tables = len(app.dataframe)
    assert csv_buttons() == []
    open_numbers(app)
    assert len(app.dataframe) == tables + 3
    assert len(csv_buttons()) == 2 * 3
