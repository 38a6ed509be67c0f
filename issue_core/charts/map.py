"""The sites map (altair): the Brussels-Capital Region's outline (issue_core/geodata, shipped with the app)
under one dot per site, coloured by convention status, sized by units, named by a label; web tiles under
them only when the page passes a tile source. DataFrame in, chart out.

Vega draws it in the page (SVG) with the Vega bundle the other charts load anyway: nothing is fetched
from the internet without tiles. (It was a pydeck map: deck.gl's 3 MB bundle and WebGL made the page
take seconds to draw, and a headless browser without a GPU ten times more.)

One explicit Web Mercator projection for every layer, centred on the region and the sites, its scale
fitting them into the map's height: the label offsets and the tiles are computed with it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import altair as alt
import pandas as pd

from issue_core.charts import FONT_SIZE, status_scale
from issue_core.geodata import Tiles

MAP_HEIGHT = 520
MARGIN = 0.06  # of the height, above and below what the map must show
REGION_FILL = "#eef1f5"
REGION_STROKE = "#7d8797"
LABEL_COLOUR = "#212529"
TILE_PIXELS = 256
TILE_SPAN_PIXELS = 1800  # the widest map the tiles cover (wider screens show the plain background at the sides)


@dataclass(frozen=True)
class View:
    """A Web Mercator projection: centre (degrees) and scale (pixels per radian of longitude)."""

    longitude: float
    latitude: float
    scale: float

    def pixels(self, longitude: float, latitude: float) -> tuple[float, float]:
        """Screen position (px) relative to the centre, y downwards."""
        x = self.scale * math.radians(longitude - self.longitude)
        y = -self.scale * (mercator_y(latitude) - mercator_y(self.latitude))
        return x, y

    @property
    def zoom(self) -> float:
        """The web map zoom level of this scale (256-pixel tiles: 256 × 2^zoom pixels around the world)."""
        return math.log2(self.scale * 2 * math.pi / TILE_PIXELS)

    def latitude_below(self, latitude: float, pixels: float) -> float:
        """The latitude `pixels` below `latitude` on screen (above when negative)."""
        return inverse_mercator_y(mercator_y(latitude) - pixels / self.scale)

    def projection(self) -> alt.Projection:
        return alt.Projection(
            type="mercator", scale=self.scale, center=[self.longitude, self.latitude],
            translate=alt.ExprRef("[width / 2, height / 2]"),
        )


def mercator_y(latitude: float) -> float:
    return math.log(math.tan(math.pi / 4 + math.radians(latitude) / 2))


def inverse_mercator_y(y: float) -> float:
    return math.degrees(2 * math.atan(math.exp(y)) - math.pi / 2)


def outline_points(region: dict) -> list[tuple[float, float]]:
    points = []
    for feature in region["features"]:
        geometry = feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        points += [(x, y) for polygon in polygons for ring in polygon for x, y in ring]
    return points


def view_for(region: dict, points: pd.DataFrame, height: int = MAP_HEIGHT) -> View:
    """Centred on the region and the points together, scaled so that they fill the height (less margins)."""
    places = outline_points(region) + list(zip(points["lon"], points["lat"], strict=True))
    lon_min, lon_max = min(x for x, _ in places), max(x for x, _ in places)
    lat_min, lat_max = min(y for _, y in places), max(y for _, y in places)
    span = max(mercator_y(lat_max) - mercator_y(lat_min), math.radians(lon_max - lon_min) * height / 900, 1e-4)
    centre_y = (mercator_y(lat_min) + mercator_y(lat_max)) / 2
    return View((lon_min + lon_max) / 2, inverse_mercator_y(centre_y), height * (1 - 2 * MARGIN) / span)


def dot_radius(units: int) -> float:
    """Pixels: the area grows with the number of units (1 unit: 9 px, 14 units: 17 px)."""
    return min(6 + 3 * math.sqrt(max(int(units), 0)), 24)


def label_latitudes(points: pd.DataFrame, view: View) -> list[float]:
    """Where each label's top is: just below its dot — or just above it when the label of a nearby dot is
    already below (two sites a few hundred metres apart)."""
    offsets: list[float] = []  # pixels from the dot's centre to its label's top
    placed: list[tuple[float, float]] = []  # screen positions of the dots labelled below
    for row in points.itertuples():
        x, y = view.pixels(row.lon, row.lat)
        radius = dot_radius(row.units)
        if any(abs(x - px) < 110 and abs(y - py) < 40 for px, py in placed):
            offsets.append(-(radius + 4 + FONT_SIZE + 6))
        else:
            offsets.append(radius + 3)
            placed.append((x, y))
    return [view.latitude_below(lat, offset) for lat, offset in zip(points["lat"], offsets, strict=True)]


def map_points(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of `frame` that can be drawn (with coordinates), with lat, lon and size (area, px²) columns.
    frame columns used: site, latitude, longitude, units (the others are kept, for the tooltips)."""
    points = frame.dropna(subset=["latitude", "longitude"]).reset_index(drop=True)
    return points.assign(
        site=points["site"].astype(str),
        lat=points["latitude"].astype(float),
        lon=points["longitude"].astype(float),
        size=[math.pi * dot_radius(u) ** 2 for u in points["units"]],
    ).drop(columns=["latitude", "longitude"])


def tile_corner(x: int, y: int, zoom: int) -> tuple[float, float]:
    """Longitude and latitude of a tile's north-west corner."""
    n = 2**zoom
    return x / n * 360 - 180, math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))


def tile_grid(view: View, tiles: Tiles, height: int = MAP_HEIGHT) -> tuple[pd.DataFrame, float]:
    """The tiles covering the map (TILE_SPAN_PIXELS × height around the centre), at the zoom level just
    above the view's, each drawn at the view's scale; and their size on screen (px)."""
    zoom = max(0, math.ceil(view.zoom - 1e-9))
    shown = TILE_PIXELS * 2 ** (view.zoom - zoom)
    world = TILE_PIXELS * 2**zoom  # pixels around the world at that zoom
    centre_x = (view.longitude + 180) / 360 * world
    centre_y = (1 - mercator_y(view.latitude) / math.pi) / 2 * world
    half_width = TILE_SPAN_PIXELS / 2 * TILE_PIXELS / shown
    half_height = height / 2 * TILE_PIXELS / shown
    columns = range(int((centre_x - half_width) // TILE_PIXELS), int((centre_x + half_width) // TILE_PIXELS) + 1)
    rows = range(int((centre_y - half_height) // TILE_PIXELS), int((centre_y + half_height) // TILE_PIXELS) + 1)
    records = []
    for x in columns:
        for y in rows:
            lon, lat = tile_corner(x, y, zoom)
            url = tiles.url.replace("{z}", str(zoom)).replace("{x}", str(x % 2**zoom)).replace("{y}", str(y))
            records.append({"url": url, "lon": lon, "lat": lat})
    return pd.DataFrame(records, columns=["url", "lon", "lat"]), shown


def region_layer(region: dict, on_tiles: bool) -> alt.Chart:
    return alt.Chart(alt.Data(values=region["features"])).mark_geoshape(
        fill=REGION_FILL, fillOpacity=0.25 if on_tiles else 1, stroke=REGION_STROKE, strokeWidth=1.5,
        strokeDash=[6, 3] if on_tiles else [], clip=True,
    )


def tile_layer(view: View, tiles: Tiles) -> alt.Chart:
    grid, shown = tile_grid(view, tiles)
    return alt.Chart(grid).mark_image(width=shown, height=shown, align="left", baseline="top", clip=True).encode(
        longitude="lon:Q", latitude="lat:Q", url="url:N"
    )


def site_map(
    frame: pd.DataFrame, region: dict, status_labels: dict[str, str], tooltips: dict[str, str],
    tiles: Tiles | None = None, description: str = "",
) -> alt.LayerChart:
    """The region, then the sites of `frame` with coordinates (columns: site, latitude, longitude, units,
    status_label — a label of status_labels — and those of `tooltips`, column → translated title; an
    optional href: the address a click on the dot opens).
    status_labels: status → label, every status the legend lists, in its order."""
    points = map_points(frame)
    view = view_for(region, points)
    points["label_lat"] = label_latitudes(points, view)
    links = ["href"] if "href" in points.columns else []  # a click on a dot opens the site's page
    points = points[list(dict.fromkeys(["site", "lon", "lat", "label_lat", "size", "status_label", *links,
                                        *tooltips]))]
    dots = alt.Chart(points).mark_circle(opacity=1, stroke="white", strokeWidth=2, clip=True).encode(
        longitude="lon:Q",
        latitude="lat:Q",
        size=alt.Size("size:Q", scale=None),
        color=alt.Color(
            "status_label:N", scale=status_scale(status_labels),
            legend=alt.Legend(  # inside the map: outside, it would take room from the map's fixed height
                title=None, orient="top-left", direction="horizontal", symbolSize=220,
                fillColor="rgba(255, 255, 255, 0.85)", padding=6, cornerRadius=4,
            ),
        ),
        tooltip=[alt.Tooltip(f"{column}:N", title=title) for column, title in tooltips.items()],
    )
    if links:
        dots = dots.encode(href="href:N")
    # the name twice: a white halo (text stroke) under the plain text, readable on tiles too
    text = {"baseline": "top", "fontSize": FONT_SIZE + 1, "fontWeight": 600, "color": LABEL_COLOUR, "clip": True}
    halos = alt.Chart(points).mark_text(**text, stroke="white", strokeWidth=3, strokeOpacity=0.85).encode(
        longitude="lon:Q", latitude="label_lat:Q", text="site:N"
    )
    names = halos.mark_text(**text)
    layers = [region_layer(region, tiles is not None), dots, halos, names]
    if tiles is not None:
        layers.insert(0, tile_layer(view, tiles))
    return (
        alt.layer(*layers)
        .properties(height=MAP_HEIGHT, projection=view.projection(), description=description)
        .configure_view(strokeWidth=0)
        .configure_legend(labelFontSize=FONT_SIZE, labelLimit=0)
    )
