"""/api/v1/corrections/ check-in and roll-call endpoints: the device's (bearer device token, as
for location batches) and staff's (session or staff token, scoped by restrict). Mounted by one
line in corrections/api.py. No schema here carries a face encoding or a photo."""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate

from pingan.core.errors import ApplicationError
from pingan.core.schemas import StrictSchema
from pingan.core.settings_store import get_setting

from . import checkins, checkins_selectors
from .api import DeviceBearer, _throttle
from .models import Device

checkins_router = Router(tags=["corrections-checkins"])


class CheckInOut(Schema):
    id: int
    submitted_at: datetime
    result: str
    distance: float | None
    threshold: float
    window_date: date | None
    window_index: int | None
    phone_distance_m: float | None


class WindowOut(Schema):
    index: int
    label: str
    start: datetime
    end: datetime
    state: str


class OpenRollCallOut(Schema):
    target_id: int
    roll_call_id: int
    deadline: datetime
    answered: bool


class TodayOut(Schema):
    date: date
    enrolled: bool
    windows: list[WindowOut]
    roll_calls: list[OpenRollCallOut]


def _read(upload: UploadedFile) -> bytes:
    # Never read more than the limit (+1 so load_photo can tell "too large").
    return upload.read(get_setting("corrections.checkin.max_photo_bytes", int) + 1)


@checkins_router.post("/checkins", auth=DeviceBearer(), response=CheckInOut, summary="人脸签到（App 上传照片）")
def submit_checkin(request: HttpRequest, photo: UploadedFile = File(...),  # noqa: B008
                   lat: float | None = Form(None), lon: float | None = Form(None),  # noqa: B008
                   accuracy: float | None = Form(None), crs: str = Form("wgs84")):  # noqa: B008
    device: Device = request.device  # type: ignore[attr-defined]
    _throttle(device)
    return checkins.submit_checkin(device=device, photo=_read(photo), lat=lat, lon=lon, accuracy=accuracy, crs=crs)


@checkins_router.get("/checkins/today", auth=DeviceBearer(), response=TodayOut, summary="今日签到时段与待应答点名（App）")
def device_today(request: HttpRequest):
    device: Device = request.device  # type: ignore[attr-defined]
    _throttle(device)
    return checkins_selectors.device_today(device=device)


# --- staff -------------------------------------------------------------------------------------

class EnrolmentOut(Schema):
    id: int
    supervisee: int
    consent_by: str
    consent_at: datetime
    consent_version: str
    enrolled_at: datetime
    active: bool

    @staticmethod
    def resolve_supervisee(obj) -> int:
        return obj.supervisee_id


@checkins_router.post("/supervisees/{pk}/face-enrolments", response={201: EnrolmentOut}, summary="人脸采集（须本人同意）")
def enrol_face(request: HttpRequest, pk: int, photo: UploadedFile = File(...),  # noqa: B008
               consent_given: bool = Form(False), consent_by: str = Form(""),  # noqa: B008
               consent_version: str = Form("")):  # noqa: B008
    enrolment = checkins.enrol_face(by=request.user, supervisee_id=pk, photo=_read(photo),
                                    consent_given=consent_given, consent_by=consent_by,
                                    consent_version=consent_version)
    return Status(201, enrolment)


@checkins_router.get("/supervisees/{pk}/face-enrolments", response=list[EnrolmentOut], summary="人脸采集记录")
def list_enrolments(request: HttpRequest, pk: int):
    return list(checkins_selectors.enrolment_list(user=request.user, supervisee_id=pk))


class StaffCheckInOut(CheckInOut):
    supervisee: int

    @staticmethod
    def resolve_supervisee(obj) -> int:
        return obj.supervisee_id


@checkins_router.get("/checkins", response=list[StaffCheckInOut], summary="签到记录")
@paginate(LimitOffsetPagination)
def list_checkins(request: HttpRequest, supervisee: int | None = None):
    return checkins_selectors.checkin_list(user=request.user, supervisee_id=supervisee)


class BoardRowOut(Schema):
    id: int
    name: str
    office: str
    enrolled: bool
    windows: list[str]


@checkins_router.get("/checkins/board", response=list[BoardRowOut], summary="本所今日签到完成情况")
def board(request: HttpRequest):
    return checkins_selectors.office_today(user=request.user)


class CompletionOfficeOut(Schema):
    office: int
    name: str
    due: int
    passed: int


class CompletionOut(Schema):
    since: date
    until: date
    due: int
    passed: int
    missed: int
    rate: float | None
    offices: list[CompletionOfficeOut]


@checkins_router.get("/checkins/completion", response=CompletionOut, summary="签到完成率")
def completion(request: HttpRequest, since: date, until: date):
    # One request covers at most about a year, so a client cannot make the server walk centuries.
    if until < since:
        raise ApplicationError(_("结束日期不能早于开始日期。"), code="invalid_range", field="until")
    if (until - since).days > 366:
        raise ApplicationError(_("统计区间不能超过 366 天。"), code="range_too_long", field="until")
    stats = checkins_selectors.checkin_completion(user=request.user, since=since, until=until)
    return {"since": since, "until": until, "due": stats.due, "passed": stats.passed, "missed": stats.missed,
            "rate": stats.rate, "offices": [{"office": k, "name": v[0], "due": v[1], "passed": v[2]}
                                            for k, v in sorted(stats.by_office.items())]}


class RollCallIn(StrictSchema):
    supervisee_ids: list[int] | None = None
    sample_size: int | None = None
    sample_percent: float | None = None
    seed: int | None = None
    deadline_minutes: int | None = None
    note: str = ""


class TargetOut(Schema):
    id: int
    supervisee: int
    supervisee_name: str
    answered_at: datetime | None
    check_in_result: str | None
    missed_at: datetime | None
    result: str
    result_note: str


class RollCallOut(Schema):
    id: int
    office: str
    started_at: datetime
    deadline: datetime
    mode: str
    sample_seed: int | None
    note: str
    targets: list[TargetOut] = []


def _roll_call_out(roll_call, targets) -> dict:
    return {
        "id": roll_call.pk, "office": roll_call.office.name, "started_at": roll_call.started_at,
        "deadline": roll_call.deadline, "mode": roll_call.mode, "sample_seed": roll_call.sample_seed,
        "note": roll_call.note,
        "targets": [{"id": t.pk, "supervisee": t.supervisee_id, "supervisee_name": t.supervisee.name,
                     "answered_at": t.answered_at, "check_in_result": t.check_in.result if t.check_in else None,
                     "missed_at": t.missed_at, "result": t.result, "result_note": t.result_note} for t in targets],
    }


@checkins_router.post("/roll-calls", response={201: RollCallOut}, summary="发起视频点名")
def start_roll_call(request: HttpRequest, payload: RollCallIn):
    roll_call = checkins.start_roll_call(by=request.user, **payload.dict())
    return Status(201, _roll_call_out(*checkins_selectors.roll_call_get(user=request.user, pk=roll_call.pk)))


@checkins_router.get("/roll-calls", response=list[RollCallOut], summary="视频点名列表")
@paginate(LimitOffsetPagination)
def list_roll_calls(request: HttpRequest):
    return [_roll_call_out(rc, []) for rc in checkins_selectors.roll_call_list(user=request.user)]


@checkins_router.get("/roll-calls/{pk}", response=RollCallOut, summary="视频点名详情")
def get_roll_call(request: HttpRequest, pk: int):
    return _roll_call_out(*checkins_selectors.roll_call_get(user=request.user, pk=pk))


class ResultIn(StrictSchema):
    result: str
    note: str = ""


@checkins_router.post("/roll-call-targets/{pk}/result", response=TargetOut, summary="登记点名结果")
def record_result(request: HttpRequest, pk: int, payload: ResultIn):
    t = checkins.record_roll_call_result(by=request.user, target_id=pk, result=payload.result, note=payload.note)
    return {"id": t.pk, "supervisee": t.supervisee_id, "supervisee_name": t.supervisee.name,
            "answered_at": t.answered_at, "check_in_result": t.check_in.result if t.check_in else None,
            "missed_at": t.missed_at, "result": t.result, "result_note": t.result_note}

