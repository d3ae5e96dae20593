"""Face check-in and roll calls through the services, with real photos and the real library
(face_recognition + dlib): enrolment consent, matching, thresholds, missed windows, the
far-from-phone alert, seeded random roll calls and their misses, completion statistics."""

from __future__ import annotations

import datetime as dt
import io
import json
import random
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.utils import timezone
from PIL import Image

from pingan.core.errors import ApplicationError, ConflictError
from pingan.core.settings_store import set_setting
from pingan.corrections import checkins, checkins_faces, checkins_selectors, services
from pingan.corrections.checkins_seed import load_checkin_data
from pingan.corrections.checkins_windows import windows_ending_between, windows_on
from pingan.corrections.models import Alert
from pingan.corrections.models_checkins import (
    CheckIn,
    CheckInMiss,
    FaceEnrolment,
    RollCall,
    RollCallTarget,
)
from pingan.corrections.parsing import RawFix

from .conftest import INSIDE, PANZHOU

FACES = Path(__file__).parent / "data" / "faces"
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@cache
def photo(name: str) -> bytes:
    if name == "group":  # two people side by side: obama2 and biden
        left, right = Image.open(FACES / "obama2.jpg"), Image.open(FACES / "biden.jpg")
        canvas = Image.new("RGB", (left.width + right.width + 40, max(left.height, right.height)), "white")
        canvas.paste(left, (0, 0))
        canvas.paste(right, (left.width + 40, 0))
        buf = io.BytesIO()
        canvas.save(buf, "JPEG", quality=90)
        return buf.getvalue()
    return (FACES / f"{name}.jpg").read_bytes()


@pytest.fixture(scope="session")
def encodings() -> dict[str, np.ndarray]:
    """Each reference image encoded once per session (dlib takes ~0.2 s a photo)."""
    out = {}
    for name in ("obama", "biden"):
        result = checkins_faces.analyse(checkins_faces.load_photo(photo(name), max_bytes=10**7, max_pixels=10**8,
                                                                  max_side=1024))
        assert result.count == 1 and result.encoding is not None
        out[name] = result.encoding
    return out


@pytest.fixture
def seeded(org):
    load_checkin_data()
    return org


@pytest.fixture
def enrolled(seeded, make_supervisee, encodings):
    """A supervising person (reported and enrolled three days ago) enrolled with obama.jpg's
    encoding, as enrol_face stores it."""

    def make(*, office: str = "office_a", face: str = "obama", name: str = "张三", ago: dt.timedelta = dt.timedelta(days=3)):
        s, device, token = make_supervisee(office=office, name=name, reported_at=timezone.now() - ago)
        FaceEnrolment.objects.create(
            supervisee=s, encoding=checkins_faces.dump_encoding(encodings[face]), photo_sha256="0" * 64,
            consent_by=name, consent_at=timezone.now() - ago, consent_version="2026-01",
            enrolled_by=seeded["staff_a"], enrolled_at=timezone.now() - ago,
        )
        return s, device, token

    return make


def in_window(index: int = 0, day: dt.date | None = None) -> dt.datetime:
    day = day or timezone.localtime(timezone.now(), SHANGHAI).date()
    return windows_on(day)[index].start + dt.timedelta(minutes=5)


# --- enrolment ---------------------------------------------------------------------------------

@pytest.mark.django_db
def test_enrolment_requires_consent_and_keeps_only_the_encrypted_encoding(seeded, make_supervisee):
    s, _device, _token = make_supervisee()
    staff = seeded["staff_a"]
    with pytest.raises(ApplicationError) as refused:
        checkins.enrol_face(by=staff, supervisee_id=s.pk, photo=photo("obama"), consent_given=False,
                            consent_by="张三", consent_version="2026-01")
    assert refused.value.code == "consent_required"
    with pytest.raises(ApplicationError) as bad_version:
        checkins.enrol_face(by=staff, supervisee_id=s.pk, photo=photo("obama"), consent_given=True,
                            consent_by="张三", consent_version="1999-01")
    assert bad_version.value.field == "consent_version"
    assert not FaceEnrolment.objects.exists()

    enrolment = checkins.enrol_face(by=staff, supervisee_id=s.pk, photo=photo("obama"), consent_given=True,
                                    consent_by="张三", consent_version="2026-01")
    enrolment.refresh_from_db()
    assert (enrolment.consent_by, enrolment.consent_version, enrolment.enrolled_by) == ("张三", "2026-01", staff)
    assert len(checkins_faces.load_encoding(enrolment.encoding)) == 128
    with connection.cursor() as cur:
        cur.execute("SELECT encoding FROM corrections_faceenrolment WHERE id = %s", [enrolment.pk])
        raw = cur.fetchone()[0]
    assert raw != enrolment.encoding and "[" not in raw  # ciphertext at rest
    assert not any(f.get_internal_type() in ("BinaryField", "FileField", "ImageField")
                   for f in FaceEnrolment._meta.get_fields() if hasattr(f, "get_internal_type"))


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "code"), [("chelsea", "no_face"), ("group", "multiple_faces")])
def test_enrolment_needs_exactly_one_face(seeded, make_supervisee, name, code):
    s, _device, _token = make_supervisee()
    with pytest.raises(ApplicationError) as refused:
        checkins.enrol_face(by=seeded["staff_a"], supervisee_id=s.pk, photo=photo(name), consent_given=True,
                            consent_by="张三", consent_version="2026-01")
    assert refused.value.code == code


@pytest.mark.django_db
def test_enrolment_of_another_office_is_404(seeded, make_supervisee):
    s, _device, _token = make_supervisee(office="office_a")
    with pytest.raises(Http404):
        checkins.enrol_face(by=seeded["staff_b"], supervisee_id=s.pk, photo=photo("obama"), consent_given=True,
                            consent_by="张三", consent_version="2026-01")


# --- matching ----------------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "result"),
    [("obama2", "matched"), ("biden", "not_matched"), ("astronaut", "not_matched"), ("chelsea", "no_face"),
     ("group", "multiple_faces")],
)
def test_checkin_matches_only_the_enrolled_face(enrolled, name, result):
    s, device, _token = enrolled()
    checkin = checkins.submit_checkin(device=device, photo=photo(name), now=in_window(0))
    assert checkin.result == result
    assert checkin.window_index == 0 and checkin.supervisee == s
    if result == "matched":
        assert 0.2 < checkin.distance < 0.5
    elif result == "not_matched":
        assert checkin.distance > 0.6
    else:
        assert checkin.distance is None


@pytest.mark.django_db
def test_threshold_is_a_setting(enrolled, seeded):
    _s, device, _token = enrolled()
    assert checkins.submit_checkin(device=device, photo=photo("obama2"), now=in_window(1)).result == "matched"
    set_setting(key="corrections.checkin.match_threshold", value=0.3, by=seeded["officer"], reason="test")
    strict = checkins.submit_checkin(device=device, photo=photo("obama2"), now=in_window(1))
    assert (strict.result, strict.threshold) == ("not_matched", 0.3)


@pytest.mark.django_db
def test_checkin_outside_windows_without_roll_call_is_refused(enrolled, seeded):
    _s, device, _token = enrolled()
    set_setting(key="corrections.checkin.windows", value=[{"start": "08:00", "end": "10:00"}],
                by=seeded["officer"], reason="test")
    day = timezone.localtime(timezone.now(), SHANGHAI).date()
    at_noon = dt.datetime.combine(day, dt.time(12, 0), tzinfo=SHANGHAI)
    with pytest.raises(ApplicationError) as refused:
        checkins.submit_checkin(device=device, photo=photo("obama2"), now=at_noon)
    assert refused.value.code == "outside_window"
    assert not CheckIn.objects.exists()


@pytest.mark.django_db
def test_not_enrolled_person_cannot_check_in(seeded, make_supervisee):
    _s, device, _token = make_supervisee()
    with pytest.raises(ApplicationError) as refused:
        checkins.submit_checkin(device=device, photo=photo("obama2"), now=in_window(0))
    assert refused.value.code == "not_enrolled"


# --- far from the phone ------------------------------------------------------------------------

@pytest.mark.django_db
def test_checkin_far_from_the_phone_raises_one_alert(enrolled):
    s, device, _token = enrolled()
    at = in_window(2)
    fix = RawFix(recorded_at=at - dt.timedelta(minutes=10), lat=INSIDE[0], lon=INSIDE[1])
    assert services.ingest_fixes(device=device, fixes=[fix], source="app", now=at).stored == 1

    near = checkins.submit_checkin(device=device, photo=photo("obama2"), lat=INSIDE[0] + 0.001, lon=INSIDE[1], now=at)
    assert near.phone_distance_m is not None and near.phone_distance_m < 200
    assert not Alert.objects.filter(kind="checkin_far_from_phone").exists()

    far = checkins.submit_checkin(device=device, photo=photo("obama2"), lat=PANZHOU[0], lon=PANZHOU[1],
                                  now=at + dt.timedelta(minutes=1))
    assert far.phone_distance_m > 50_000
    alert = Alert.objects.get(kind="checkin_far_from_phone")
    assert (alert.supervisee, alert.source, alert.evidence["checkin_id"]) == (s, "checkin", far.pk)


# --- missed windows ----------------------------------------------------------------------------

@pytest.mark.django_db
def test_missed_window_raises_one_alert_per_person_per_window(enrolled, seeded):
    absent, _d1, _t1 = enrolled(name="缺签")
    present, device, _t2 = enrolled(name="按时")
    late_enrolled, _d3, _t3 = enrolled(name="新采集", ago=dt.timedelta(minutes=1))
    now = timezone.now()
    closed = windows_ending_between(now - dt.timedelta(hours=48), now)
    assert len(closed) >= 4
    for w in closed:  # the present person passed every window
        CheckIn.objects.create(supervisee=present, device=device, submitted_at=w.start, window_date=w.date,
                               window_index=w.index, result="matched", distance=0.3, threshold=0.5,
                               photo_sha256="0" * 64)
    # a failed attempt does not pass a window
    w0 = closed[0]
    CheckIn.objects.create(supervisee=absent, device=_d1, submitted_at=w0.start, window_date=w0.date,
                           window_index=w0.index, result="not_matched", distance=0.8, threshold=0.5,
                           photo_sha256="0" * 64)

    first = checkins.scan_missed_checkins(now=now)
    assert len(first) == len(closed)
    assert set(CheckInMiss.objects.values_list("supervisee", flat=True)) == {absent.pk}
    alerts = Alert.objects.filter(kind="checkin_missed")
    assert alerts.count() == len(closed) and {a.supervisee_id for a in alerts} == {absent.pk}
    assert {a.occurred_at for a in alerts} == {w.end for w in closed}
    assert any(a.evidence["failed_attempts"] for a in alerts)

    assert checkins.scan_missed_checkins(now=now) == []
    assert Alert.objects.filter(kind="checkin_missed").count() == len(closed)
    assert not CheckInMiss.objects.filter(supervisee=late_enrolled).exists()


@pytest.mark.django_db
def test_completion_counts_due_and_passed_windows(enrolled, seeded):
    a, device_a, _t = enrolled(name="甲", ago=dt.timedelta(days=5))
    enrolled(name="乙", office="office_b", ago=dt.timedelta(days=5))
    day = timezone.localtime(timezone.now(), SHANGHAI).date() - dt.timedelta(days=2)
    for w in windows_on(day)[:2]:
        CheckIn.objects.create(supervisee=a, device=device_a, submitted_at=w.start, window_date=w.date,
                               window_index=w.index, result="matched", distance=0.3, threshold=0.5,
                               photo_sha256="0" * 64)
    bureau = checkins_selectors.checkin_completion(user=seeded["officer"], since=day, until=day)
    assert (bureau.due, bureau.passed, bureau.missed) == (6, 2, 4)
    assert bureau.by_office[seeded["office_a"].pk][1:] == [3, 2]
    office_a = checkins_selectors.checkin_completion(user=seeded["staff_a"], since=day, until=day)
    assert (office_a.due, office_a.passed) == (3, 2) and office_a.rate == pytest.approx(2 / 3)
    town_b = checkins_selectors.checkin_completion(user=seeded["officer"], since=day, until=day,
                                                   jurisdiction=seeded["town_b"])
    assert (town_b.due, town_b.passed) == (3, 0)


# --- roll calls --------------------------------------------------------------------------------

@pytest.mark.django_db
def test_random_roll_call_is_a_seeded_sample_of_ones_own_office(enrolled, seeded):
    mine = [enrolled(name=f"甲{i}")[0] for i in range(5)]
    enrolled(name="乙", office="office_b")
    call = checkins.start_roll_call(by=seeded["staff_a"], sample_size=3, seed=42)
    picked = sorted(call.targets.values_list("supervisee_id", flat=True))
    assert picked == sorted(random.Random(42).sample(sorted(s.pk for s in mine), 3))
    assert (call.mode, call.sample_seed, call.office) == ("random", 42, seeded["office_a"])
    again = checkins.start_roll_call(by=seeded["staff_a"], sample_percent=60, seed=42)
    assert sorted(again.targets.values_list("supervisee_id", flat=True)) == picked  # 60 % of 5 = 3, same draw
    with pytest.raises(Http404):
        checkins.start_roll_call(by=seeded["staff_b"], supervisee_ids=[mine[0].pk])


@pytest.mark.django_db
def test_roll_call_answer_miss_alert_and_recorded_results(enrolled, seeded):
    (s1, d1, _), (s2, _d2, _), (s3, _d3, _) = (enrolled(name=n) for n in ("一", "二", "三"))
    day = timezone.localtime(timezone.now(), SHANGHAI).date()
    eleven = dt.datetime.combine(day, dt.time(11, 0), tzinfo=SHANGHAI)  # between the default windows
    call = checkins.start_roll_call(by=seeded["staff_a"], supervisee_ids=[s1.pk, s2.pk, s3.pk], deadline_minutes=10,
                                    now=eleven)
    answer = checkins.submit_checkin(device=d1, photo=photo("obama2"), now=call.started_at + dt.timedelta(minutes=2))
    assert answer.result == "matched" and answer.window_index is None
    t1, t2, t3 = (RollCallTarget.objects.get(roll_call=call, supervisee=s) for s in (s1, s2, s3))
    assert t1.check_in == answer

    assert checkins.scan_missed_roll_calls(now=call.deadline - dt.timedelta(seconds=1)) == []
    missed = checkins.scan_missed_roll_calls(now=call.deadline + dt.timedelta(seconds=1))
    assert sorted(missed) == sorted([t2.pk, t3.pk])
    assert checkins.scan_missed_roll_calls(now=call.deadline + dt.timedelta(minutes=5)) == []
    alerts = Alert.objects.filter(kind="rollcall_missed")
    assert sorted(alerts.values_list("supervisee_id", flat=True)) == sorted([s2.pk, s3.pk])
    assert all(a.evidence["roll_call_id"] == call.pk and a.source == "rollcall" for a in alerts)
    with pytest.raises(ApplicationError):  # after the deadline there is nothing to answer
        checkins.submit_checkin(device=_d2, photo=photo("obama2"), now=call.deadline + dt.timedelta(minutes=1))

    staff = seeded["staff_a"]
    assert checkins.record_roll_call_result(by=staff, target_id=t1.pk, result="verified").result == "verified"
    with pytest.raises(ConflictError):
        checkins.record_roll_call_result(by=staff, target_id=t1.pk, result="no_answer")
    with pytest.raises(ApplicationError) as not_answered:
        checkins.record_roll_call_result(by=staff, target_id=t2.pk, result="verified")
    assert not_answered.value.code == "not_answered"
    assert checkins.record_roll_call_result(by=staff, target_id=t2.pk, result="no_answer").recorded_by == staff
    with pytest.raises(Http404):
        checkins.record_roll_call_result(by=seeded["staff_b"], target_id=t3.pk, result="no_answer")


@pytest.mark.django_db
def test_roll_call_needs_permission_and_a_choice(enrolled, seeded, make_user):
    s, _d, _t = enrolled()
    with pytest.raises(PermissionDenied):
        checkins.start_roll_call(by=make_user("village_mediator"), supervisee_ids=[s.pk])
    with pytest.raises(ApplicationError):
        checkins.start_roll_call(by=seeded["staff_a"], supervisee_ids=[s.pk], sample_size=1, seed=1)
    with pytest.raises(ApplicationError):
        checkins.start_roll_call(by=seeded["staff_a"], sample_percent=0, seed=1)
    assert not RollCall.objects.exists()


def test_consent_text_versions_are_data():
    data = json.loads((Path(checkins.__file__).parent / "data" / "face_consent.json").read_text("utf-8"))
    assert "2026-01" in checkins.consent_versions() and data["source"]


def test_scans_permissions_and_navigation_are_registered():
    from pingan.core.tasks import periodic_jobs
    from pingan.corrections.checkins_seed import PERMISSIONS_FILE
    from pingan.orgs.navigation import REGISTRY
    from pingan.orgs.seed import permission_files

    names = {job.name for job in periodic_jobs()}
    assert {"corrections.scan_missed_checkins", "corrections.scan_missed_roll_calls"} <= names
    assert PERMISSIONS_FILE.resolve() in permission_files()
    assert any(item.url_name == "corrections_checkins:board" for item in REGISTRY)


@pytest.mark.django_db
def test_revoked_and_ended_enrolments_lose_their_encoding(enrolled, seeded):
    s, device, _token = enrolled(name="期满")
    other, other_device, _t = enrolled(name="换照片")
    revoked = checkins.revoke_enrolment(by=seeded["staff_a"], enrolment_id=other.face_enrolments.get().pk)
    assert (revoked.active, revoked.encoding) == (False, "")
    with pytest.raises(ConflictError):
        checkins.revoke_enrolment(by=seeded["staff_a"], enrolment_id=revoked.pk)
    with pytest.raises(ApplicationError) as not_enrolled:
        checkins.submit_checkin(device=other_device, photo=photo("obama2"), now=in_window(0))
    assert not_enrolled.value.code == "not_enrolled"

    assert checkins.retire_ended_enrolments() == 0
    services.end_supervision(supervisee=s, by=seeded["officer"], reason="completed")
    assert checkins.retire_ended_enrolments() == 1
    assert checkins.retire_ended_enrolments() == 0
    retired = FaceEnrolment.objects.get(supervisee=s)
    assert (retired.active, retired.encoding, retired.consent_by) == (False, "", "期满")
    with connection.cursor() as cur:
        cur.execute("SELECT encoding FROM corrections_faceenrolment WHERE supervisee_id = %s", [s.pk])
        assert cur.fetchone()[0] == ""


@pytest.mark.django_db
def test_photo_limits_are_settings_and_checked_before_decoding(enrolled, seeded):
    _s, device, _token = enrolled()
    with pytest.raises(ApplicationError) as truncated:
        checkins.submit_checkin(device=device, photo=photo("obama2")[:2000], now=in_window(0))
    assert truncated.value.code == "invalid_image"
    set_setting(key="corrections.checkin.max_photo_pixels", value=100_000, by=seeded["officer"], reason="test")
    with pytest.raises(ApplicationError) as too_many:
        checkins.submit_checkin(device=device, photo=photo("obama2"), now=in_window(0))  # 250×480 = 120,000 px
    assert (too_many.value.code, too_many.value.field) == ("too_large", "photo")
    assert not CheckIn.objects.exists()


@pytest.mark.django_db
def test_default_windows_match_the_daily_checkin_count(seeded):
    from pingan.core.settings_store import get_setting

    windows = get_setting("corrections.checkin.windows", list)
    assert len(windows) == get_setting("corrections.daily_checkins", int) == 3
    spans = windows_on(dt.date(2026, 3, 2))
    assert all(w.start < w.end for w in spans) and all(a.end <= b.start for a, b in zip(spans, spans[1:], strict=False))
    assert spans[0].start == dt.datetime(2026, 3, 2, 8, 0, tzinfo=SHANGHAI)
