"""Turning what devices send into validated fixes.

Two wire formats: the app's JSON batch items, and the OsmAnd/Traccar protocol (query/form
parameters, or the JSON body of the Traccar/transistorsoft clients). Parsing follows Traccar's
OsmAndProtocolDecoder: `timestamp` is Unix seconds (or milliseconds when it does not fit in a
32-bit int), ISO 8601, or `yyyy-MM-dd HH:mm:ss` (taken as UTC); `speed` in the query form is in
knots, in the JSON form in m/s; `batt` is a percentage, `battery.level` a fraction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils.translation import gettext as _

from pingan.core.errors import ApplicationError

KNOT_MPS = 0.514444
INT32_MAX = 2_147_483_647


class FixError(ApplicationError):
    """A malformed fix: 400 with the offending field."""


@dataclass
class RawFix:
    recorded_at: datetime
    lat: float
    lon: float
    crs: str = "wgs84"
    accuracy: float | None = None
    speed: float | None = None  # m/s
    heading: float | None = None
    altitude: float | None = None
    battery: float | None = None  # percent
    charging: bool | None = None
    mock: bool = False
    valid: bool = True
    extra: dict[str, Any] | None = field(default=None)


def parse_timestamp(value: Any, *, field_name: str = "timestamp") -> datetime:
    if isinstance(value, bool):
        raise FixError(_("时间格式无效。"), code="invalid_timestamp", field=field_name)
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip()
        try:
            number = float(text)
        except ValueError:
            number = math.nan
        if math.isnan(number):
            try:
                parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                raise FixError(
                    _("时间格式无效：应为 Unix 秒/毫秒、ISO 8601 或 yyyy-MM-dd HH:mm:ss。"),
                    code="invalid_timestamp", field=field_name,
                ) from None
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if not math.isfinite(number) or number < 0:
        raise FixError(_("时间格式无效。"), code="invalid_timestamp", field=field_name)
    seconds = number if number <= INT32_MAX else number / 1000.0
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise FixError(_("时间超出范围。"), code="invalid_timestamp", field=field_name) from None


def _number(value: Any, name: str, *, lo: float | None = None, hi: float | None = None) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise FixError(_("须为数字。"), code="invalid_number", field=name)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise FixError(_("须为数字。"), code="invalid_number", field=name) from None
    if not math.isfinite(number):
        raise FixError(_("须为有限的数字。"), code="invalid_number", field=name)
    if (lo is not None and number < lo) or (hi is not None and number > hi):
        raise FixError(
            _("须在 %(lo)s 到 %(hi)s 之间。") % {"lo": lo, "hi": hi}, code="out_of_range", field=name
        )
    return number


def _bool(value: Any, name: str) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off"}:
        return False
    raise FixError(_("须为布尔值。"), code="invalid_bool", field=name)


def _crs(value: Any) -> str:
    text = str(value or "wgs84").strip().lower().replace("-", "")
    if text not in {"wgs84", "gcj02"}:
        raise FixError(_("坐标系须为 wgs84 或 gcj02。"), code="invalid_crs", field="crs")
    return text


def check_position(fix: RawFix, *, now: datetime, max_future: timedelta, max_age: timedelta) -> RawFix:
    """Impossible coordinates and clocks far off are refused."""
    if not (-90 <= fix.lat <= 90):
        raise FixError(_("纬度须在 -90 到 90 之间。"), code="out_of_range", field="lat")
    if not (-180 <= fix.lon <= 180):
        raise FixError(_("经度须在 -180 到 180 之间。"), code="out_of_range", field="lon")
    if fix.lat == 0 and fix.lon == 0:
        raise FixError(_("坐标 (0, 0) 不是有效定位。"), code="null_island", field="lat")
    if fix.recorded_at > now + max_future:
        raise FixError(_("定位时间晚于服务器时间过多，请校准设备时钟。"), code="future_time", field="timestamp")
    if fix.recorded_at < now - max_age:
        raise FixError(_("定位时间过早。"), code="too_old", field="timestamp")
    return fix


def _required(value: Any, name: str, **kw) -> float:
    number = _number(value, name, **kw)
    if number is None:
        raise FixError(_("必填项。"), code="missing", field=name)
    return number


def parse_app_item(item: Any) -> RawFix:
    """One element of the app batch: {time, lat, lon, accuracy, speed, heading, altitude, battery,
    mock, source, crs}. `speed` in m/s, `battery` in percent."""
    if not isinstance(item, dict):
        raise FixError(_("须为对象。"), code="dict_type", field="__all__")
    unknown = set(item) - {"time", "lat", "lon", "accuracy", "speed", "heading", "altitude", "battery",
                           "charging", "mock", "source", "crs"}
    if unknown:
        raise FixError(_("不允许的字段：%(f)s") % {"f": ", ".join(sorted(unknown))}, code="extra_forbidden",
                       field=sorted(unknown)[0])
    if item.get("time") in (None, ""):
        raise FixError(_("必填项。"), code="missing", field="time")
    source = item.get("source")
    if source is not None and not isinstance(source, str):
        raise FixError(_("须为字符串。"), code="string_type", field="source")
    mock = _bool(item.get("mock"), "mock")
    return RawFix(
        recorded_at=parse_timestamp(item["time"], field_name="time"),
        lat=_required(item.get("lat"), "lat"),
        lon=_required(item.get("lon"), "lon"),
        crs=_crs(item.get("crs")),
        accuracy=_number(item.get("accuracy"), "accuracy", lo=0, hi=100_000),
        speed=_number(item.get("speed"), "speed", lo=0, hi=1_000),
        heading=_number(item.get("heading"), "heading", lo=0, hi=360),
        altitude=_number(item.get("altitude"), "altitude", lo=-1_000, hi=20_000),
        battery=_number(item.get("battery"), "battery", lo=0, hi=100),
        charging=_bool(item.get("charging"), "charging"),
        mock=bool(mock),
        extra={"source": source[:40]} if source else None,
    )


def osmand_identifier(params: dict[str, Any], body: dict[str, Any] | None) -> str:
    ident = params.get("id") or params.get("deviceid") or (body or {}).get("device_id")
    if ident is None or str(ident).strip() == "":
        raise FixError(_("缺少设备标识（id 或 deviceid）。"), code="missing", field="id")
    return str(ident).strip()[:64]


def parse_osmand_query(params: dict[str, Any], *, now: datetime) -> RawFix:
    lat_v, lon_v = params.get("lat"), params.get("lon")
    if (lat_v in (None, "") or lon_v in (None, "")) and params.get("location"):
        parts = str(params["location"]).split(",")
        if len(parts) != 2:
            raise FixError(_("location 须为“纬度,经度”。"), code="invalid_location", field="location")
        lat_v, lon_v = parts
    lat = _required(lat_v, "lat")
    lon = _required(lon_v, "lon")
    ts = params.get("timestamp")
    recorded = parse_timestamp(ts) if ts not in (None, "") else now
    knots = _number(params.get("speed"), "speed", lo=0, hi=2_000)
    heading = params.get("bearing", params.get("heading"))
    valid = _bool(params.get("valid"), "valid")
    extra = {k: params[k] for k in ("hdop",) if params.get(k) not in (None, "")}
    if extra.get("hdop") is not None:
        extra["hdop"] = _number(extra["hdop"], "hdop", lo=0, hi=1_000)
    return RawFix(
        recorded_at=recorded, lat=lat, lon=lon, crs=_crs(params.get("crs")),
        accuracy=_number(params.get("accuracy"), "accuracy", lo=0, hi=100_000),
        speed=None if knots is None else knots * KNOT_MPS,
        heading=_number(heading, "bearing", lo=0, hi=360),
        altitude=_number(params.get("altitude"), "altitude", lo=-1_000, hi=20_000),
        battery=_number(params.get("batt"), "batt", lo=0, hi=100),
        charging=_bool(params.get("charge"), "charge"),
        mock=bool(_bool(params.get("mock"), "mock")),
        valid=True if valid is None else valid,
        extra=extra or None,
    )


def parse_osmand_json(body: dict[str, Any], *, now: datetime) -> RawFix:
    loc = body.get("location")
    if not isinstance(loc, dict):
        raise FixError(_("缺少 location 对象。"), code="missing", field="location")
    coords = loc.get("coords")
    if not isinstance(coords, dict):
        raise FixError(_("缺少 location.coords 对象。"), code="missing", field="location.coords")
    ts = loc.get("timestamp")
    battery: dict[str, Any] = loc["battery"] if isinstance(loc.get("battery"), dict) else {}
    level = _number(battery.get("level"), "location.battery.level", lo=-1, hi=1)
    activity: dict[str, Any] = loc["activity"] if isinstance(loc.get("activity"), dict) else {}
    extra = {
        "is_moving": _bool(loc.get("is_moving"), "location.is_moving"),
        "odometer": _number(loc.get("odometer"), "location.odometer", lo=0),
        "event": str(loc["event"])[:40] if loc.get("event") is not None else None,
        "activity": str(activity["type"])[:40] if activity.get("type") is not None else None,
    }
    speed = _number(coords.get("speed"), "location.coords.speed", lo=-1, hi=1_000)
    heading = _number(coords.get("heading"), "location.coords.heading", lo=-1, hi=360)
    return RawFix(
        recorded_at=parse_timestamp(ts, field_name="location.timestamp") if ts not in (None, "") else now,
        lat=_required(coords.get("latitude"), "location.coords.latitude"),
        lon=_required(coords.get("longitude"), "location.coords.longitude"),
        accuracy=_number(coords.get("accuracy"), "location.coords.accuracy", lo=0, hi=100_000),
        # The plugin reports -1 for "unknown" speed, heading and battery level.
        speed=None if speed is None or speed < 0 else speed,
        heading=None if heading is None or heading < 0 else heading,
        altitude=_number(coords.get("altitude"), "location.coords.altitude", lo=-1_000, hi=20_000),
        battery=None if level is None or level < 0 else level * 100,
        charging=_bool(battery.get("is_charging"), "location.battery.is_charging"),
        mock=bool(_bool(loc.get("mock"), "location.mock")),
        extra={k: v for k, v in extra.items() if v is not None} or None,
    )
