"""Writes of face check-in (人脸签到) and video roll calls (视频点名).

Photos are not kept: once a photo is encoded it is dropped and only its SHA-256 stays (to show
which file was used). The encoding is all matching needs; keeping faces would widen what a breach
could leak (sensitive personal information, PIPL Art. 28) and add nothing — a new enrolment takes
a new photo and new consent anyway. The encoding is stored encrypted and never leaves the server.
"""

from __future__ import annotations

import json
import math
import random
import secrets
from datetime import datetime, timedelta

import numpy as np
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.core.audit import AuditEvent, record
from pingan.core.errors import ApplicationError, ConflictError
from pingan.core.settings_store import get_setting
from pingan.orgs.permissions import can, get_for, restrict

from . import checkins_faces as faces
from .checkins_seed import CONSENT_FILE
from .checkins_windows import Window, owes, window_at, windows_ending_between
from .geo import gcj02_to_wgs84
from .models import Device, Supervisee, SuperviseeLastSeen
from .models_checkins import CheckIn, CheckInMiss, FaceEnrolment, RollCall, RollCallTarget

EARTH_RADIUS_M = 6_371_008.8


def consent_versions() -> dict[str, str]:
    data = json.loads(CONSENT_FILE.read_text(encoding="utf-8"))
    return {v["version"]: v["text"] for v in data["versions"]}


def _photo(data: bytes) -> faces.Photo:
    return faces.load_photo(
        data,
        max_bytes=get_setting("corrections.checkin.max_photo_bytes", int),
        max_pixels=get_setting("corrections.checkin.max_photo_pixels", int),
        max_side=get_setting("corrections.checkin.analysis_max_side", int),
    )


def _alert(*, supervisee: Supervisee, kind: str, occurred_at: datetime, evidence: dict, source: str) -> int:
    from .alerts import raise_alert

    return raise_alert(supervisee=supervisee, kind=kind, occurred_at=occurred_at, evidence=evidence,
                       source=source).pk


# --- enrolment ---------------------------------------------------------------------------------

def enrol_face(*, by, supervisee_id: int, photo: bytes, consent_given: bool, consent_by: str,
               consent_version: str, consent_at: datetime | None = None) -> FaceEnrolment:
    """人脸采集. Refused without the person's recorded consent (who, when, which text)."""
    supervisee = get_for(Supervisee.objects.all(), user=by, pk=supervisee_id)
    if not can(by, "add", FaceEnrolment):
        raise PermissionDenied(_("无权采集人脸。"))
    if consent_given is not True:
        raise ApplicationError(_("采集人脸须取得本人同意。"), code="consent_required", field="consent_given")
    if not consent_by.strip():
        raise ApplicationError(_("请填写同意人。"), code="required", field="consent_by")
    if consent_version not in consent_versions():
        raise ApplicationError(_("告知同意书版本无效。"), code="invalid", field="consent_version")
    if supervisee.status == Supervisee.Status.ENDED:
        raise ApplicationError(_("该对象已解矫。"), code="invalid_state", field="supervisee")
    loaded = _photo(photo)
    result = faces.analyse(loaded)
    if result.count != 1 or result.encoding is None:
        message = _("照片中未检测到人脸。") if result.count == 0 else _("照片中有多张人脸，请只拍本人。")
        raise ApplicationError(message, code="no_face" if result.count == 0 else "multiple_faces", field="photo")
    now = timezone.now()
    enrolment = FaceEnrolment(
        supervisee=supervisee, encoding=faces.dump_encoding(result.encoding),
        photo_sha256=loaded.sha256, consent_by=consent_by.strip(), consent_at=consent_at or now,
        consent_version=consent_version, enrolled_by=by, enrolled_at=now,
    )
    enrolment.full_clean(exclude=["supervisee", "enrolled_by"])
    with transaction.atomic():
        enrolment.save(force_insert=True)
        record(actor=by, event_type=AuditEvent.CORRECTIONS_CHANGED, action="face_enrolled", obj=enrolment,
               after={"supervisee": supervisee.pk, "consent_by": enrolment.consent_by,
                      "consent_at": enrolment.consent_at.isoformat(), "consent_version": consent_version})
    return enrolment


def revoke_enrolment(*, by, enrolment_id: int) -> FaceEnrolment:
    """Stop using an enrolment. The encoding is erased (the consent record stays): a face that is
    no longer matched against has no reason to be kept."""
    enrolment = get_for(FaceEnrolment.objects.defer("encoding"), user=by, pk=enrolment_id, action="add")
    with transaction.atomic():
        if not FaceEnrolment.objects.filter(pk=enrolment.pk, active=True).update(
            active=False, revoked_at=timezone.now(), encoding=""
        ):
            raise ConflictError(_("该人脸采集已停用。"), code="already_revoked")
        record(actor=by, event_type=AuditEvent.CORRECTIONS_CHANGED, action="face_enrolment_revoked", obj=enrolment)
    enrolment.refresh_from_db()
    return enrolment


def retire_ended_enrolments(*, now: datetime | None = None) -> int:
    """When supervision ends the person's face encodings are erased and the enrolments marked
    inactive (as the consent text promises). Idempotent; run daily."""
    now = now or timezone.now()
    done = 0
    for enrolment in FaceEnrolment.objects.defer("encoding").filter(
        active=True, supervisee__status=Supervisee.Status.ENDED
    ):
        with transaction.atomic():
            if FaceEnrolment.objects.filter(pk=enrolment.pk, active=True).update(
                active=False, revoked_at=now, encoding=""
            ):
                record(actor=None, event_type=AuditEvent.CORRECTIONS_CHANGED, action="face_enrolment_retired",
                       obj=enrolment, reason="supervision ended")
                done += 1
    return done


# --- check-in ----------------------------------------------------------------------------------

def _distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def _position(lat: float | None, lon: float | None, crs: str) -> tuple[float | None, float | None]:
    if lat is None and lon is None:
        return None, None
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ApplicationError(_("坐标无效。"), code="invalid_position", field="lat")
    if crs == "gcj02":
        glat, glon = gcj02_to_wgs84(np.array([lat]), np.array([lon]))
        return float(glat[0]), float(glon[0])
    if crs != "wgs84":
        raise ApplicationError(_("坐标系须为 wgs84 或 gcj02。"), code="invalid", field="crs")
    return lat, lon


def _open_targets(supervisee: Supervisee, now: datetime):
    return RollCallTarget.objects.filter(
        supervisee=supervisee, roll_call__started_at__lte=now, roll_call__deadline__gt=now, missed_at__isnull=True,
    ).filter(Q(check_in__isnull=True) | ~Q(check_in__result=CheckIn.Result.MATCHED))


def submit_checkin(*, device: Device, photo: bytes, lat: float | None = None, lon: float | None = None,
                   accuracy: float | None = None, crs: str = "wgs84", now: datetime | None = None) -> CheckIn:
    """The app's check-in: allowed inside a configured window or while a roll call is open for
    the person. A non-matching photo is recorded too (the person may retry within the window)."""
    now = now or timezone.now()
    supervisee = device.supervisee
    if supervisee.status == Supervisee.Status.ENDED:
        raise ApplicationError(_("该对象已解矫。"), code="invalid_state", field="device")
    lat, lon = _position(lat, lon, crs)
    if accuracy is not None and not (0 <= accuracy < 1e6):
        raise ApplicationError(_("精度无效。"), code="invalid", field="accuracy")
    window = window_at(now)
    if window is None and not _open_targets(supervisee, now).exists():
        raise ApplicationError(_("当前不在签到时段，也没有待应答的点名。"), code="outside_window", field="__all__")
    enrolled = list(FaceEnrolment.objects.filter(supervisee=supervisee, active=True).values_list("encoding", flat=True))
    if not enrolled:
        raise ApplicationError(_("尚未采集人脸，请联系司法所。"), code="not_enrolled", field="__all__")
    loaded = _photo(photo)
    analysis = faces.analyse(loaded)
    threshold = get_setting("corrections.checkin.match_threshold", float)
    distance = None
    if analysis.encoding is not None:
        distance = faces.best_distance(analysis.encoding, [faces.load_encoding(e) for e in enrolled])
        result = CheckIn.Result.MATCHED if distance <= threshold else CheckIn.Result.NOT_MATCHED
    else:
        result = CheckIn.Result.NO_FACE if analysis.count == 0 else CheckIn.Result.MULTIPLE_FACES
    phone_distance, last_fix_at = _phone_distance(supervisee, lat, lon, now)
    checkin = CheckIn(
        supervisee=supervisee, device=device, submitted_at=now, result=result, distance=distance, threshold=threshold,
        window_date=window.date if window else None, window_index=window.index if window else None,
        lat=lat, lon=lon, accuracy=accuracy, phone_distance_m=phone_distance, photo_sha256=loaded.sha256,
    )
    checkin.full_clean(exclude=["supervisee", "device"])
    far = phone_distance is not None and phone_distance > get_setting("corrections.checkin.far_from_phone_m", float)
    with transaction.atomic():
        checkin.save(force_insert=True)
        # One UPDATE (Django turns the join into `id IN (subquery)`): the condition is checked
        # in the same statement, so a matching answer is never replaced by a later failed one.
        _open_targets(supervisee, now).update(check_in=checkin, answered_at=now)
        record(actor=None, event_type=AuditEvent.CORRECTIONS_CHANGED, action="checkin_submitted", obj=checkin,
               after={"supervisee": supervisee.pk, "device": device.pk, "result": result, "distance": distance,
                      "window": [str(checkin.window_date), checkin.window_index] if window else None})
        if far:
            _alert(supervisee=supervisee, kind="checkin_far_from_phone", occurred_at=now, source="checkin",
                   evidence={"checkin_id": checkin.pk, "distance_m": round(phone_distance or 0.0),
                             "threshold_m": get_setting("corrections.checkin.far_from_phone_m", float),
                             "checkin_position": [lat, lon],
                             "last_fix_at": last_fix_at.isoformat() if last_fix_at else None})
    return checkin


def _phone_distance(supervisee: Supervisee, lat: float | None, lon: float | None,
                    now: datetime) -> tuple[float | None, datetime | None]:
    """Metres between the check-in position and the phone's newest fix, if that fix is recent."""
    if lat is None or lon is None:
        return None, None
    seen = SuperviseeLastSeen.objects.filter(supervisee=supervisee).first()
    max_age = timedelta(minutes=get_setting("corrections.checkin.phone_fix_max_age_minutes", int))
    if seen is None or seen.last_fix_at is None or seen.lat is None or seen.lon is None \
            or abs(now - seen.last_fix_at) > max_age:  # no fix yet (the registration row), or an old one
        return None, None
    return _distance_m(lat, lon, seen.lat, seen.lon), seen.last_fix_at


# --- missed windows ----------------------------------------------------------------------------

def _enrolment_spans(ids: list[int]) -> dict[int, list[tuple[datetime, datetime | None]]]:
    spans: dict[int, list[tuple[datetime, datetime | None]]] = {}
    for sid, enrolled, revoked in FaceEnrolment.objects.filter(supervisee_id__in=ids).values_list(
        "supervisee_id", "enrolled_at", "revoked_at"
    ):
        spans.setdefault(sid, []).append((enrolled, revoked))
    return spans


def scan_missed_checkins(*, now: datetime | None = None) -> list[int]:
    """One CheckInMiss row and one `checkin_missed` alert per person per closed window without a
    matching check-in. Safe to run repeatedly and concurrently (unique row per window; the alert
    is deduplicated by raise_alert on the window's end)."""
    now = now or timezone.now()
    lookback = timedelta(hours=get_setting("corrections.checkin.scan_lookback_hours", int))
    created: list[int] = []
    for window in windows_ending_between(now - lookback, now):
        created.extend(_scan_window(window))
    return created


def _scan_window(window: Window) -> list[int]:
    passed = CheckIn.objects.filter(supervisee=OuterRef("pk"), window_date=window.date, window_index=window.index,
                                    result=CheckIn.Result.MATCHED)
    recorded = CheckInMiss.objects.filter(supervisee=OuterRef("pk"), window_date=window.date,
                                          window_index=window.index)
    enrolled = FaceEnrolment.objects.filter(supervisee=OuterRef("pk"), enrolled_at__lte=window.start)
    people = list(
        Supervisee.objects.filter(status=Supervisee.Status.SUPERVISING, reported_at__lte=window.start)
        .filter(Exists(enrolled), ~Exists(passed), ~Exists(recorded))
    )
    spans = _enrolment_spans([p.pk for p in people])
    created = []
    for person in people:
        if not owes(reported_at=person.reported_at, ended_at=person.ended_at, enrolments=spans.get(person.pk, []),
                    window=window):
            continue
        try:
            with transaction.atomic():
                miss = CheckInMiss.objects.create(
                    supervisee=person, window_date=window.date, window_index=window.index,
                    window_start=window.start, window_end=window.end,
                )
                miss.alert_id = _alert(
                    supervisee=person, kind="checkin_missed", occurred_at=window.end, source="checkin",
                    evidence={"window_date": window.date.isoformat(), "window_index": window.index,
                              "window_start": window.start.isoformat(), "window_end": window.end.isoformat(),
                              "failed_attempts": list(CheckIn.objects.filter(
                                  supervisee=person, window_date=window.date, window_index=window.index
                              ).values_list("pk", flat=True))},
                )
                CheckInMiss.objects.filter(pk=miss.pk).update(alert_id=miss.alert_id)
        except IntegrityError:
            continue  # another worker recorded this window first
        created.append(miss.pk)
    return created


# --- roll calls --------------------------------------------------------------------------------

def start_roll_call(*, by, supervisee_ids: list[int] | None = None, sample_size: int | None = None,
                    sample_percent: float | None = None, seed: int | None = None,
                    deadline_minutes: int | None = None, note: str = "", now: datetime | None = None) -> RollCall:
    """视频点名 for chosen people, or a random sample (a count or a percentage) of the supervising
    people the user may see. The seed is stored so the draw can be reproduced."""
    if not can(by, "add", RollCall) or not getattr(by, "agency_id", None):
        raise PermissionDenied(_("无权发起点名。"))
    now = now or timezone.now()
    pool = restrict(Supervisee.objects.filter(status=Supervisee.Status.SUPERVISING), by, "view")
    chosen = supervisee_ids is not None
    if chosen == (sample_size is not None or sample_percent is not None):
        raise ApplicationError(_("请指定点名对象或抽样人数（二选一）。"), code="invalid", field="supervisee_ids")
    if chosen:
        ids = sorted(set(supervisee_ids or []))
        if not ids:
            raise ApplicationError(_("请选择点名对象。"), code="required", field="supervisee_ids")
        if pool.filter(pk__in=ids).count() != len(ids):
            raise Http404(_("记录不存在或无权查看。"))
    else:
        available = sorted(pool.values_list("pk", flat=True))
        if sample_size is None:
            if sample_percent is None or not (0 < sample_percent <= 100):
                raise ApplicationError(_("抽样比例须在 0 到 100 之间。"), code="invalid", field="sample_percent")
            sample_size = math.ceil(len(available) * sample_percent / 100)
        if sample_size < 1:
            raise ApplicationError(_("抽样人数须为正数。"), code="invalid", field="sample_size")
        if sample_size > get_setting("corrections.rollcall.max_sample", int):
            raise ApplicationError(_("抽样人数超过上限。"), code="too_many", field="sample_size")
        seed = seed if seed is not None else secrets.randbits(31)
        ids = sorted(random.Random(seed).sample(available, min(sample_size, len(available))))
        if not ids:
            raise ApplicationError(_("没有可点名的在矫对象。"), code="empty", field="sample_size")
    minutes = deadline_minutes or get_setting("corrections.rollcall.deadline_minutes", int)
    if not (0 < minutes <= 24 * 60):
        raise ApplicationError(_("应答时限须在 1 到 1440 分钟之间。"), code="invalid", field="deadline_minutes")
    roll_call = RollCall(office_id=by.agency_id, started_by=by, started_at=now, deadline=now + timedelta(minutes=minutes),
                         mode=RollCall.Mode.CHOSEN if chosen else RollCall.Mode.RANDOM,
                         sample_seed=None if chosen else seed, note=note)
    roll_call.full_clean(exclude=["office", "started_by"])
    with transaction.atomic():
        roll_call.save(force_insert=True)
        RollCallTarget.objects.bulk_create([RollCallTarget(roll_call=roll_call, supervisee_id=i) for i in ids])
        record(actor=by, event_type=AuditEvent.CORRECTIONS_CHANGED, action="roll_call_started", obj=roll_call,
               after={"mode": roll_call.mode, "seed": roll_call.sample_seed, "supervisees": ids,
                      "deadline": roll_call.deadline.isoformat()})
    return roll_call


def record_roll_call_result(*, by, target_id: int, result: str, note: str = "") -> RollCallTarget:
    """The staff member's verdict after the video call. Recorded once."""
    target = get_for(RollCallTarget.objects.select_related("check_in"), user=by, pk=target_id, action="change")
    if result not in (RollCallTarget.Result.VERIFIED, RollCallTarget.Result.NO_ANSWER,
                      RollCallTarget.Result.FACE_MISMATCH):
        raise ApplicationError(_("点名结果无效。"), code="invalid", field="result")
    if result == RollCallTarget.Result.VERIFIED and (
        target.check_in is None or target.check_in.result != CheckIn.Result.MATCHED
    ):
        raise ApplicationError(_("没有比对通过的应答签到，不能登记为核验通过。"), code="not_answered", field="result")
    now = timezone.now()
    with transaction.atomic():
        if not RollCallTarget.objects.filter(pk=target.pk, result=RollCallTarget.Result.PENDING).update(
            result=result, result_note=note[:200], recorded_by=by, recorded_at=now
        ):
            raise ConflictError(_("该点名结果已登记。"), code="already_recorded")
        record(actor=by, event_type=AuditEvent.CORRECTIONS_CHANGED, action="roll_call_result", obj=target,
               before={"result": "pending"}, after={"result": result, "note": note[:200]})
    target.refresh_from_db()
    return target


def scan_missed_roll_calls(*, now: datetime | None = None) -> list[int]:
    """A `rollcall_missed` alert, once, for each target whose deadline passed unanswered."""
    now = now or timezone.now()
    alerted = []
    overdue = RollCallTarget.objects.filter(
        check_in__isnull=True, missed_at__isnull=True, roll_call__deadline__lte=now
    ).select_related("roll_call", "supervisee")
    for target in overdue:
        with transaction.atomic():
            if not RollCallTarget.objects.filter(pk=target.pk, missed_at__isnull=True, check_in__isnull=True).update(
                missed_at=now
            ):
                continue  # answered or alerted meanwhile
            alert_id = _alert(
                supervisee=target.supervisee, kind="rollcall_missed", occurred_at=target.roll_call.deadline,
                source="rollcall",
                evidence={"roll_call_id": target.roll_call_id, "target_id": target.pk,
                          "started_at": target.roll_call.started_at.isoformat(),
                          "deadline": target.roll_call.deadline.isoformat()},
            )
            RollCallTarget.objects.filter(pk=target.pk).update(alert_id=alert_id)
        alerted.append(target.pk)
    return alerted
