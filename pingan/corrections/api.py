"""/api/v1/corrections/: device ingestion (app batch with a device token; OsmAnd/Traccar
protocol by device identifier) and staff reads (session or staff token, scoped by restrict)."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Body, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.security import HttpBearer

from pingan.core.api_errors import error_body
from pingan.core.errors import ApplicationError

from . import osmand_http, ratelimit, selectors, services
from .models import Device
from .parsing import osmand_identifier, parse_osmand_json, parse_osmand_query
from .schemas import BreachOut, ErrorOut, IdNumberOut, IngestOut, OsmandOut, SuperviseeOut, TrackOut

router = Router(tags=["corrections"])


class DeviceBearer(HttpBearer):
    """A device's own token (not a staff token): `Authorization: Bearer dev_…`."""

    def authenticate(self, request, token: str):
        if not token.startswith("dev_") or len(token) > 100:
            return None
        device = services.device_for_token(token)
        if device is None:
            return None
        request.device = device  # type: ignore[attr-defined]
        return device


def _throttle(device: Device) -> None:
    if not ratelimit.allow(device.pk, device.rate_limit_per_minute):
        raise HttpError(429, _("上报过于频繁，请稍后再试。"))


@router.post("/locations", auth=DeviceBearer(), response={200: IngestOut, 400: ErrorOut}, summary="App 批量上报定位")
def post_locations(request: HttpRequest, payload: list[Any] = Body(...)):  # noqa: B008
    device: Device = request.device  # type: ignore[attr-defined]
    _throttle(device)
    try:
        return Status(200, services.ingest_app_batch(device=device, items=payload))
    except ApplicationError as exc:
        if exc.code != "all_rejected":
            raise
        # Nothing stored: answer 400 with every item's errors, in the API's one error shape.
        return Status(400, error_body(exc.message, exc.extra["errors"]))


@router.api_operation(["GET", "POST"], "/osmand", auth=None, response={200: OsmandOut, 413: ErrorOut},
                      summary="OsmAnd/Traccar 协议上报")
def osmand(request: HttpRequest):
    """`pingan serve` answers this path in osmand_http.py before Django (group commit); this route
    documents it in the OpenAPI schema and serves the test client and any server run without the
    wrapper. It reads the request with the fast handler's own reader, so both accept the same
    wire forms with the same errors; the fix is stored at once instead of in a group."""
    now = timezone.now()
    raw = request.body
    try:
        params, body = osmand_http.read_request({**request.META, "wsgi.input": io.BytesIO(raw),
                                          "CONTENT_LENGTH": str(len(raw))})
    except ApplicationError as exc:
        if exc.code != "too_large":
            raise
        return Status(413, error_body(exc.message, {"__all__": [{"code": exc.code, "message": exc.message}]}))
    device = services.device_for_identifier(osmand_identifier(params, body))
    _throttle(device)
    fix = parse_osmand_json(body, now=now) if body is not None else parse_osmand_query(params, now=now)
    result = services.ingest_osmand(device=device, fix=fix, now=now)
    return {"stored": result.stored, "duplicates": result.duplicates}


class SuperviseeFilter(Schema):
    status: str | None = None


def _supervisee_out(s) -> dict:
    last = getattr(s, "last_seen", None)
    if last is not None and last.last_fix_at is None:
        last = None  # registered, no fix yet
    return {
        "id": s.pk, "name": s.name, "masked_id_number": s.masked_id_number, "sentence_type": s.sentence_type,
        "level": s.level, "status": s.status, "justice_office": s.justice_office.name,
        "residence": s.residence.name, "start_date": s.start_date, "end_date": s.end_date,
        "last_fix_at": last.last_fix_at if last else None, "inside": last.inside if last else None,
    }


@router.get("/supervisees", response=list[SuperviseeOut])
@paginate(LimitOffsetPagination)
def list_supervisees(request: HttpRequest, filters: SuperviseeFilter = Query(...)):  # noqa: B008
    return [_supervisee_out(s) for s in selectors.supervisee_list(user=request.user, status=filters.status)]


@router.get("/supervisees/{pk}", response=SuperviseeOut)
def get_supervisee(request: HttpRequest, pk: int):
    s = selectors.supervisee_get(user=request.user, pk=pk)
    return _supervisee_out(s)


@router.get("/supervisees/{pk}/id-number", response=IdNumberOut, summary="查看完整身份证号（留痕）")
def get_id_number(request: HttpRequest, pk: int, reason: str = ""):
    return {"id": pk, "id_number": selectors.supervisee_id_number(user=request.user, pk=pk, reason=reason)}


@router.get("/supervisees/{pk}/track", response=TrackOut, summary="查看轨迹（留痕）")
def get_track(request: HttpRequest, pk: int, since: datetime | None = None, until: datetime | None = None):
    until = until or timezone.now()
    since = since or until - timedelta(days=1)
    if until - since > timedelta(days=31) or until <= since:
        raise ApplicationError(_("查询区间须大于 0 且不超过 31 天。"), code="invalid_range", field="since")
    s, fixes = selectors.supervisee_track(user=request.user, pk=pk, since=since, until=until)
    return {"supervisee": s.pk, "fixes": list(fixes[:20_000])}


@router.get("/breaches", response=list[BreachOut])
@paginate(LimitOffsetPagination)
def list_breaches(request: HttpRequest, kind: str | None = None, open_only: bool = False):
    return selectors.breach_list(user=request.user, kind=kind, open_only=open_only)


router.add_router("/", "pingan.corrections.checkins_api.checkins_router")  # face check-in, roll calls


from .api_alerts import router as _slice2_router  # noqa: E402  (alerts, sanctions, leave, imports, statistics)

router.add_router("", _slice2_router)
from .supervision_api import router as _supervision_router  # noqa: E402  (search tasks, electronic monitoring)

router.add_router("", _supervision_router)
