"""The sites map (pydeck) and its status legend (altair). DataFrame in, deck/chart out.

No basemap: `map_provider=None` (pydeck 0.9) writes the "__MAP_STYLE__" sentinel, which Streamlit's
frontend reads as "no base map". `map_style=None` would NOT do: Streamlit then picks a Carto style
and the browser fetches tiles from the internet. The points and the site names (TextLayer, its font
atlas drawn locally) show on the page's plain background, online or not.
"""

from __future__ import annotations

import math
import string

import altair as alt
import pandas as pd
import pydeck as pdk

from issue_core.charts import FONT_SIZE
from issue_core.palette import STATUS_COLOURS

# Brussels-Capital Region, when there is nothing to centre on.
DEFAULT_CENTRE = (50.846, 4.352)
DEFAULT_ZOOM = 11.0
MAP_HEIGHT = 520
LABEL_COLOUR = [33, 37, 41, 255]
OUTLINE_COLOUR = [255, 255, 255, 255]


def rgba(hex_colour: str, alpha: int = 230) -> list[int]:
    hex_colour = hex_colour.lstrip("#")
    return [int(hex_colour[i : i + 2], 16) for i in (0, 2, 4)] + [alpha]


def radius_metres(units: int) -> float:
    """Area grows with the number of units: 1 unit ≈ 230 m, 14 units ≈ 570 m (clamped in pixels)."""
    return 140 + 115 * math.sqrt(max(int(units), 0))


def view_for(
    latitudes: pd.Series, longitudes: pd.Series, width_px: int = 700, height_px: int = MAP_HEIGHT
) -> pdk.ViewState:
    """Centre on the points, zoomed so they all fit with a margin."""
    if latitudes.empty:
        return pdk.ViewState(latitude=DEFAULT_CENTRE[0], longitude=DEFAULT_CENTRE[1], zoom=DEFAULT_ZOOM)
    lat_min, lat_max = float(latitudes.min()), float(latitudes.max())
    lon_min, lon_max = float(longitudes.min()), float(longitudes.max())
    centre_lat = (lat_min + lat_max) / 2
    lon_span = max(lon_max - lon_min, 0.01)
    lat_span = max((lat_max - lat_min) / math.cos(math.radians(centre_lat)), 0.01)
    # deck.gl's Web Mercator: 512 × 2^zoom pixels per 360°; keep the points within 60 % of the view.
    zoom = min(
        math.log2(0.6 * width_px * 360 / (512 * lon_span)),
        math.log2(0.6 * height_px * 360 / (512 * lat_span)),
    )
    return pdk.ViewState(latitude=centre_lat, longitude=(lon_min + lon_max) / 2, zoom=max(3.0, min(zoom, 15.0)))


def metres_per_pixel(latitude: float, zoom: float) -> float:
    """deck.gl's Web Mercator (512-pixel world at zoom 0)."""
    return 2 * math.pi * 6378137 * math.cos(math.radians(latitude)) / (512 * 2**zoom)


def backdrop(points: pd.DataFrame) -> list[dict]:
    """A light rectangle well beyond the points: the plain background the map is drawn on."""
    if points.empty:
        return []
    lat_min, lat_max = points["lat"].min(), points["lat"].max()
    lon_min, lon_max = points["lon"].min(), points["lon"].max()
    lat_pad, lon_pad = 1.0, 2.0
    corners = [[lon_min - lon_pad, lat_min - lat_pad], [lon_max + lon_pad, lat_min - lat_pad],
               [lon_max + lon_pad, lat_max + lat_pad], [lon_min - lon_pad, lat_max + lat_pad]]
    return [{"polygon": [[float(x), float(y)] for x, y in corners]}]


def label_offsets(points: pd.DataFrame, zoom: float) -> list[list[int]]:
    """Each label just below its dot, whatever the dot's size on screen — or just above it when the
    label of a nearby dot is already below (two sites a few hundred metres apart)."""
    offsets: list[list[int]] = []
    placed: list[tuple[float, float]] = []  # screen positions (px) of the labels put below
    for row in points.itertuples():
        mpp = metres_per_pixel(row.lat, zoom)
        radius_px = int(min(max(row.radius / mpp, 7), 40))
        x = row.lon * math.pi / 180 * 6378137 / mpp
        y = -math.log(math.tan(math.pi / 4 + math.radians(row.lat) / 2)) * 6378137 / mpp
        crowded = any(abs(x - px) < 110 and abs(y - py) < 40 for px, py in placed)
        if crowded:
            offsets.append([0, -(radius_px + 22)])
        else:
            offsets.append([0, radius_px + 4])
            placed.append((x, y))
    return offsets


def map_points(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of `frame` that can be drawn (with coordinates), with colour and radius columns.
    frame columns used: site, latitude, longitude, status, units, tooltip."""
    points = frame.dropna(subset=["latitude", "longitude"])
    return pd.DataFrame(
        {
            "site": points["site"].astype(str),
            "lat": points["latitude"].astype(float),
            "lon": points["longitude"].astype(float),
            "colour": [rgba(STATUS_COLOURS.get(s, STATUS_COLOURS["none"])) for s in points["status"]],
            "radius": [radius_metres(u) for u in points["units"]],
            "tooltip": points["tooltip"].astype(str),
        }
    ).reset_index(drop=True)


def label_characters(names: pd.Series) -> str:
    """The glyphs the labels need: printable ASCII plus every character of the names (Trèfles),
    as a pydeck literal string (back-quoted: pydeck drops the quotes, deck.gl reads a string as its
    characters). Explicit, because character_set="auto" reaches deck.gl as a function and breaks it."""
    characters = set(string.printable.strip()) | {" "} | set("".join(names.astype(str)))
    return "`" + "".join(sorted(characters - {"`"})) + "`"


def site_deck(frame: pd.DataFrame) -> pdk.Deck:
    """One point per site with coordinates, coloured by status, sized by units, named by a label;
    the tooltip is each row's `tooltip` text (plain text: names cannot inject markup)."""
    points = map_points(frame)
    view = view_for(points["lat"], points["lon"])
    points["label_offset"] = label_offsets(points, view.zoom)
    records = points.to_dict(orient="records")
    ground = pdk.Layer(
        "PolygonLayer",
        id="background",
        data=backdrop(points),
        get_polygon="polygon",
        get_fill_color=[241, 243, 246, 255],
        get_line_color=[214, 218, 224, 255],
        line_width_min_pixels=1,
        stroked=True,
        pickable=False,
    )
    dots = pdk.Layer(
        "ScatterplotLayer",
        id="sites",
        data=records,
        get_position="[lon, lat]",
        get_fill_color="colour",
        get_radius="radius",
        radius_units="'meters'",
        radius_min_pixels=7,
        radius_max_pixels=40,
        stroked=True,
        get_line_color=OUTLINE_COLOUR,
        line_width_min_pixels=2,
        pickable=True,
    )
    names = pdk.Layer(
        "TextLayer",
        id="site-names",
        data=records,
        get_position="[lon, lat]",
        get_text="site",
        get_size=FONT_SIZE + 2,
        size_units="'pixels'",
        get_color=LABEL_COLOUR,
        get_text_anchor="'middle'",
        get_alignment_baseline="'top'",
        get_pixel_offset="label_offset",
        font_family="'Source Sans Pro, Helvetica Neue, Arial, sans-serif'",
        font_weight=600,
        character_set=label_characters(points["site"]),
        background=True,
        get_background_color=[255, 255, 255, 200],
        background_padding=[3, 1],
        pickable=False,
    )
    return pdk.Deck(
        layers=[ground, dots, names],
        initial_view_state=view,
        map_provider=None,  # no basemap: nothing fetched from the internet
        tooltip={"text": "{tooltip}"},
    )


def status_legend(labels: dict[str, str]) -> alt.Chart:
    """A one-line legend: a dot in each status colour and its (translated) label.
    labels: status → label, in the order to show."""
    legend = pd.DataFrame(
        {"status": list(labels.values()), "colour": [STATUS_COLOURS[s] for s in labels], "order": range(len(labels))}
    )
    base = alt.Chart(legend).encode(
        x=alt.X("order:O", axis=None),
        color=alt.Color("colour:N", scale=None, legend=None),
    )
    dots = base.mark_circle(size=260, opacity=1, xOffset=-52)
    texts = base.mark_text(align="left", dx=-40, fontSize=FONT_SIZE, color="#333").encode(
        text="status:N", color=alt.value("#333")
    )
    return (dots + texts).properties(height=36).configure_view(strokeWidth=0)
