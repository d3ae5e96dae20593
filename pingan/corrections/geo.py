"""Coordinates and permitted areas, on arrays.

* GCJ-02 ↔ WGS-84: the published "eviltransform" formulas. WGS→GCJ is the exact forward
  formula; GCJ→WGS has no closed form, so it is solved by fixed-point iteration until the
  round trip is within `tolerance` degrees (1e-7 by default, about 1 cm). Points outside
  China's rough bounding box are left unchanged, as GCJ-02 leaves them.
* Point-in-area: `shapely.contains_xy` on arrays of coordinates (no Point objects).
* Accuracy-aware test: a fix is outside only if its accuracy circle does not touch the area.
  Distances are measured in a local equirectangular projection centred on the area (metres
  per degree of latitude/longitude at the centre latitude). Across 水城区 (≈0.65° of latitude)
  the scale error is under 0.3 %, i.e. < 3 m on a 1 km distance — far below GPS accuracy;
  far away from the area the error grows, but such points are outside by kilometres anyway.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import shapely
from shapely.geometry import shape

_A = 6378245.0  # Krasovsky 1940 semi-major axis used by GCJ-02
_EE = 0.00669342162296594323


def in_china(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    return (lon >= 72.004) & (lon <= 137.8347) & (lat >= 0.8293) & (lat <= 55.8271)


def _delta(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = lon - 105.0
    y = lat - 35.0
    pi = math.pi
    common = (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    dlat += common
    dlat += (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    dlon += common
    dlon += (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0
    rad = lat / 180.0 * pi
    magic = 1.0 - _EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(rad) * pi)
    return dlat, dlon


def wgs84_to_gcj02(lat, lon) -> tuple[np.ndarray, np.ndarray]:
    lat = np.asarray(lat, dtype=np.float64)
    lon = np.asarray(lon, dtype=np.float64)
    dlat, dlon = _delta(lat, lon)
    inside = in_china(lat, lon)
    return np.where(inside, lat + dlat, lat), np.where(inside, lon + dlon, lon)


def gcj02_to_wgs84(lat, lon, *, tolerance: float = 1e-7, max_iter: int = 30) -> tuple[np.ndarray, np.ndarray]:
    glat = np.asarray(lat, dtype=np.float64)
    glon = np.asarray(lon, dtype=np.float64)
    wlat, wlon = glat.copy(), glon.copy()
    for _i in range(max_iter):
        flat, flon = wgs84_to_gcj02(wlat, wlon)
        elat, elon = flat - glat, flon - glon
        wlat = wlat - elat
        wlon = wlon - elon
        if elat.size == 0 or max(np.abs(elat).max(), np.abs(elon).max()) < tolerance:
            break
    # in_china is judged on the GCJ input, like the forward transform judges its WGS input.
    keep = ~in_china(glat, glon)
    return np.where(keep, glat, wlat), np.where(keep, glon, wlon)


def _metres_per_degree(lat0: float) -> tuple[float, float]:
    phi = math.radians(lat0)
    m_lat = 111132.954 - 559.822 * math.cos(2 * phi) + 1.175 * math.cos(4 * phi)
    m_lon = 111412.84 * math.cos(phi) - 93.5 * math.cos(3 * phi)
    return m_lat, m_lon


@dataclass(frozen=True)
class Area:
    """A polygon in WGS-84 degrees (lon, lat order, as GeoJSON) with a metric twin."""

    geometry: shapely.Geometry

    @classmethod
    def from_geojson(cls, geojson: dict) -> Area:
        geom = shape(geojson.get("geometry", geojson) if geojson.get("type") == "Feature" else geojson)
        if geom.is_empty or geom.geom_type not in {"Polygon", "MultiPolygon"}:
            raise ValueError("area must be a Polygon or MultiPolygon")
        shapely.prepare(geom)
        return cls(geometry=geom)

    @cached_property
    def _frame(self) -> tuple[float, float, float, float]:
        c = self.geometry.centroid
        m_lat, m_lon = _metres_per_degree(c.y)
        return c.x, c.y, m_lon, m_lat

    def to_metres(self, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        lon0, lat0, m_lon, m_lat = self._frame
        return (np.asarray(lon) - lon0) * m_lon, (np.asarray(lat) - lat0) * m_lat

    @cached_property
    def metric(self) -> shapely.Geometry:
        lon0, lat0, m_lon, m_lat = self._frame
        geom = shapely.transform(self.geometry, lambda xy: (xy - [lon0, lat0]) * [m_lon, m_lat])
        shapely.prepare(geom)
        return geom

    @cached_property
    def metric_boundary(self) -> shapely.Geometry:
        b = self.metric.boundary
        shapely.prepare(b)
        return b

    def contains(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        return shapely.contains_xy(self.geometry, np.asarray(lon), np.asarray(lat))

    def touches_circle(self, lat: np.ndarray, lon: np.ndarray, radius_m: np.ndarray) -> np.ndarray:
        """True where the point is inside, or its circle of `radius_m` metres reaches the area."""
        lat = np.asarray(lat, dtype=np.float64)
        lon = np.asarray(lon, dtype=np.float64)
        inside = self.contains(lat, lon)
        out = inside.copy()
        todo = ~inside & (np.asarray(radius_m) > 0)
        if todo.any():
            x, y = self.to_metres(lat[todo], lon[todo])
            pts = shapely.points(x, y)
            out[todo] = shapely.dwithin(self.metric, pts, np.asarray(radius_m)[todo])
        return out

    def covers_circle(self, lat: np.ndarray, lon: np.ndarray, radius_m: np.ndarray) -> np.ndarray:
        """True where the point is inside and its accuracy circle lies wholly inside (used for
        exclusion zones: only a fix surely inside one counts)."""
        lat = np.asarray(lat, dtype=np.float64)
        lon = np.asarray(lon, dtype=np.float64)
        inside = self.contains(lat, lon)
        out = inside.copy()
        check = inside & (np.asarray(radius_m) > 0)
        if check.any():
            x, y = self.to_metres(lat[check], lon[check])
            pts = shapely.points(x, y)
            out[check] = ~shapely.dwithin(self.metric_boundary, pts, np.asarray(radius_m)[check])
        return out
