"""Travel-record cross-checks: police query results (tickets, crossings, hotel stays, internet
cafés) imported from Excel/CSV or the API, matched to supervisees by ID number (blind index),
checked against the permitted areas and approved leave; an unexplained record raises an alert
with the record as evidence. Idempotent by record id."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
from django.db import transaction
from django.utils.translation import gettext as _

from pingan.core.audit import AuditEvent, record
from pingan.core.crypto import blind_index
from pingan.core.deadlines import CHINA
from pingan.core.idnumber import mask_id_number, normalize_id_number, validate_id_number

from . import alerts, config
from .leave import covering_leave
from .models import Alert, Supervisee, TravelRecord
from .store import FixBatch, classify, dt_to_us
from .tables import as_datetime

KIND_BY_LABEL = {str(label): value for value, label in TravelRecord.Kind.choices} | {
    "汽车票": "coach", "客运": "coach", "火车": "train", "铁路": "train", "民航": "flight", "航班": "flight",
    "出境": "exit_entry", "入境": "exit_entry", "旅馆": "hotel", "宾馆": "hotel", "网吧": "internet_cafe",
}
COLUMNS = {"record_id": "记录编号", "kind": "类别", "id_number": "身份证号", "occurred_at": "时间", "place": "地点",
           "region_code": "行政区划代码", "lat": "纬度", "lon": "经度"}


def outside_area(supervisee_id: int, at: datetime, lat: float, lon: float) -> bool:
    """The geofence verdict for one point, through the same classifier as the fixes."""
    one = lambda v, dt="float64": np.array([v], dtype=dt)  # noqa: E731
    batch = FixBatch(
        device_id=one(0, "int64"), supervisee_id=one(supervisee_id, "int64"), t_us=one(dt_to_us(at), "int64"),
        lat=one(lat), lon=one(lon), crs=np.array(["wgs84"], dtype=object), accuracy=one(np.nan), speed=one(np.nan),
        heading=one(np.nan), altitude=one(np.nan), battery=one(np.nan), charging=one(-1, "int8"),
        mock=one(False, "bool"), valid=one(True, "bool"), source="import",
    )
    return bool(classify(batch, max_credit_m=0.0)[0] > 0)


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    """One row (keys: the Chinese headers or the English field names) → values, or ValueError
    with a Chinese message naming the field."""
    get = lambda f: row.get(f, row.get(COLUMNS[f]))  # noqa: E731
    rid = str(get("record_id") or "").strip()
    if not rid:
        raise ValueError(_("缺少记录编号"))
    kind_raw = str(get("kind") or "").strip()
    kind = kind_raw if kind_raw in TravelRecord.Kind.values else KIND_BY_LABEL.get(kind_raw)
    if kind is None:
        raise ValueError(_("类别无效：%(v)s") % {"v": kind_raw})
    number = str(get("id_number") or "").strip()
    try:
        validate_id_number(number)
    except Exception as exc:
        raise ValueError(_("身份证号无效")) from exc
    try:
        at = as_datetime(get("occurred_at"), CHINA)
    except ValueError as exc:
        raise ValueError(_("时间格式无效")) from exc
    lat, lon = get("lat"), get("lon")
    try:
        lat = float(lat) if lat not in (None, "") else None
        lon = float(lon) if lon not in (None, "") else None
    except (TypeError, ValueError) as exc:
        raise ValueError(_("经纬度无效")) from exc
    if (lat is None) != (lon is None) or (lat is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180)):  # type: ignore[operator]
        raise ValueError(_("经纬度无效"))
    return {"record_id": rid, "kind": kind, "number": normalize_id_number(number), "occurred_at": at,
            "place": str(get("place") or "").strip()[:200], "region_code": str(get("region_code") or "").strip()[:12],
            "lat": lat, "lon": lon}


def _verdict(v: dict, supervisee: Supervisee | None) -> bool | None:
    if v["kind"] == TravelRecord.Kind.EXIT_ENTRY:
        return True
    if supervisee is not None and v["lat"] is not None:
        return outside_area(supervisee.pk, v["occurred_at"], v["lat"], v["lon"])
    if v["region_code"]:
        return not v["region_code"].startswith(str(config.get("corrections.travel.home_region_prefix")))
    return None


def import_travel_records(*, rows: list[dict[str, Any]], by) -> dict[str, Any]:
    """Valid rows are stored (a record id already stored is skipped), invalid ones reported by
    row number (2 = the first data row of a sheet)."""
    errors: dict[str, list[dict[str, str]]] = {}
    created = duplicates = unmatched = 0
    alert_ids: list[int] = []
    for i, row in enumerate(rows, start=2):
        try:
            v = _clean(row)
        except ValueError as exc:
            errors[str(i)] = [{"code": "invalid", "message": str(exc)}]
            continue
        if TravelRecord.objects.filter(record_id=v["record_id"]).exists():
            duplicates += 1
            continue
        digest = blind_index(v["number"])
        supervisee = (Supervisee.objects.filter(id_number_hash=digest).exclude(status=Supervisee.Status.ENDED)
                      .first())
        outside = _verdict(v, supervisee)
        with transaction.atomic():
            rec = TravelRecord.objects.create(
                record_id=v["record_id"], kind=v["kind"], id_number_hash=digest,
                masked_id_number=mask_id_number(v["number"]), supervisee=supervisee, occurred_at=v["occurred_at"],
                place=v["place"], region_code=v["region_code"], lat=v["lat"], lon=v["lon"], outside=outside,
            )
            created += 1
            if supervisee is None:
                unmatched += 1
                continue
            leave = covering_leave(supervisee_id=supervisee.pk, at=v["occurred_at"]) if outside else None
            if outside and leave is None:
                alert = alerts.raise_alert(
                    supervisee=supervisee, kind=Alert.Kind.TRAVEL_RECORD, occurred_at=v["occurred_at"],
                    evidence={"travel_record_id": rec.pk, "record_id": rec.record_id, "kind": rec.kind,
                              "place": rec.place, "region_code": rec.region_code, "lat": rec.lat, "lon": rec.lon},
                    source=Alert.Source.TRAVEL_RECORD, by=by,
                )
                rec.alert = alert
                alert_ids.append(alert.pk)
            rec.covered_by_leave = leave
            rec.save(update_fields=["alert", "covered_by_leave"])
    if created:
        record(actor=by, event_type=AuditEvent.CORRECTIONS_CHANGED, action="travel_records_imported",
               after={"created": created, "duplicates": duplicates, "alerts": len(alert_ids)})
    return {"received": len(rows), "created": created, "duplicates": duplicates, "unmatched": unmatched,
            "alerts": alert_ids, "errors": errors}
