"""The map's base data shipped with the app (source and licence: README.md here), and the optional web
tiles, configured by the environment only (nothing is fetched from the internet otherwise)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

REGION_FILE = Path(__file__).with_name("brussels_region.geojson")
TILES_VARIABLE = "ISSUE_MAP_TILES"
ATTRIBUTION_VARIABLE = "ISSUE_MAP_TILES_ATTRIBUTION"


@dataclass(frozen=True)
class Tiles:
    """A web map's raster tiles: url with {z}, {x} and {y}, e.g. https://tile.example.org/{z}/{x}/{y}.png."""

    url: str
    attribution: str = ""


@cache
def brussels_region() -> dict:
    """The Brussels-Capital Region's outline (a GeoJSON FeatureCollection of one polygon)."""
    return json.loads(REGION_FILE.read_text(encoding="utf-8"))


def configured_tiles() -> Tiles | None:
    """The tiles of ISSUE_MAP_TILES when it is set to a URL with {z}, {x} and {y}; else None (no tiles)."""
    url = os.environ.get(TILES_VARIABLE, "").strip()
    if not url.startswith(("https://", "http://")) or not all(part in url for part in ("{z}", "{x}", "{y}")):
        return None
    return Tiles(url, os.environ.get(ATTRIBUTION_VARIABLE, "").strip())
