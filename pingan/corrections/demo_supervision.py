"""Demo data for check-ins, search tasks, electronic monitoring and the office evaluation, on top
of corrections.demo's people (called at its end). Everything goes through the services: faces are
enrolled from the demo photos in data/demo_faces with consent, yesterday's check-ins are submitted
as photos (one person misses two windows, and the missed-window scan raises its alerts), the
county bureau's officer verifies alerts (a false alarm, a violation that fits a monitoring device,
a silence out of contact that opens a search with one search recorded). Idempotent: each step
checks what is already there."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from django.utils import timezone

from pingan.orgs.models import User

from . import alerts, checkins, monitoring, search, services
from .checkins_seed import load_checkin_data
from .checkins_windows import local_zone, windows_on
from .models import (
    Alert,
    CheckIn,
    Device,
    FaceEnrolment,
    MonitoringDecision,
    SearchAttempt,
    SearchTask,
    Supervisee,
)
from .supervision_seed import load_supervision_data

FACES = Path(__file__).parent / "data" / "demo_faces"


def _officer() -> User | None:
    """The county bureau's corrections officer (demo user `corrections_officer`, or the first such)."""
    return (User.objects.filter(roles__code="corrections_officer", agency__kind="justice_bureau", is_active=True)
            .order_by("pk").first())


def _checkins(people: list[Supervisee], officer: User) -> int:
    """Enrol (backdated three days, so yesterday's windows are owed) and check in yesterday."""
    enrol_photo, checkin_photo = (FACES / "obama.jpg").read_bytes(), (FACES / "obama2.jpg").read_bytes()
    version = max(checkins.consent_versions())
    yesterday = timezone.localtime(timezone.now(), local_zone()).date() - timedelta(days=1)
    done = 0
    for i, person in enumerate(people):
        if not FaceEnrolment.objects.filter(supervisee=person).exists():
            enrolment = checkins.enrol_face(by=officer, supervisee_id=person.pk, photo=enrol_photo, consent_given=True,
                                            consent_by=person.name, consent_version=version)
            back = timezone.now() - timedelta(days=3)
            FaceEnrolment.objects.filter(pk=enrolment.pk).update(enrolled_at=back, consent_at=back)
        device = Device.objects.filter(supervisee=person, active=True).first()
        if device is None or CheckIn.objects.filter(supervisee=person, window_date=yesterday).exists():
            continue
        windows = windows_on(yesterday)
        for w in windows[:1] if i == len(people) - 1 else windows:  # the last one misses two windows
            checkins.submit_checkin(device=device, photo=checkin_photo, now=w.start + timedelta(minutes=7 + i))
            done += 1
    checkins.scan_missed_checkins()
    return done


def _verify(officer: User, kind: str, outcome: str, reason: str, facts: dict | None = None) -> Alert | None:
    alert = Alert.objects.filter(kind=kind, state=Alert.State.OPEN).order_by("pk").first()
    if alert is not None:
        alerts.verify_alert(alert=alert, outcome=outcome, by=officer, reason=reason, facts=facts or {})
    return alert


STAYS = ("陈某军", "刘某芳", "张某伟", "赵某平")  # corrections.demo people who stay in the district


def load_supervision_demo(*, stdout=None) -> None:
    load_checkin_data()
    load_supervision_data()
    officer = _officer()
    if officer is None:
        return
    by_name = {p.name: p for p in Supervisee.objects.filter(name__in=STAYS, judgment_number__startswith="（2024）黔0204刑初")
               .exclude(status=Supervisee.Status.ENDED)}
    stays = [by_name[n] for n in STAYS if n in by_name]
    submitted = _checkins(stays, officer)

    if not MonitoringDecision.objects.exists():
        left = _verify(officer, "left_area", "violation", "未经批准离开水城区前往盘州市", {"serious": True})
        if left is not None:
            person = left.supervisee
            bracelet, _token = services.add_device(supervisee=person, by=officer, kind=Device.Kind.BRACELET,
                                                   identifier=f"demo-bracelet-{person.pk:04d}")
            today = timezone.localdate()
            monitoring.fit_device(supervisee=person, by=officer, device=bracelet, ground="unapproved_leave",
                                  ground_facts="未经批准离开水城区前往盘州市，经评估决定使用电子定位装置",
                                  decided_on=today, start_date=today, end_date=monitoring.max_end(today),
                                  approved_by_name="水城区司法局负责人", decision_number=f"水司矫定〔{today.year}〕1号")
    if not SearchTask.objects.exists():
        silent = (_verify(officer, "silence", "violation", "电话关机，住所无人，失去联系", {"out_of_contact": True})
                  or _verify(officer, "battery_dead", "violation", "手机关机，住所无人，失去联系",
                             {"out_of_contact": True}))
        task = SearchTask.objects.filter(alert=silent).first() if silent else None
        if task is not None:
            search.record_attempt(task=task, by=officer, searched_at=timezone.now() - timedelta(minutes=30),
                                  searchers="司法所工作人员、村（居）委会干部", method=SearchAttempt.Method.HOME_VISIT,
                                  note="上门查找，家中无人；邻居称两天未见本人")
    if not Alert.objects.filter(state=Alert.State.FALSE_ALARM).exists():
        for kind in ("checkin_missed", "impossible_speed", "mock_location", "left_area"):
            if _verify(officer, kind, "false_alarm", "经核实为定位或手机故障，本人当日已到司法所当面报到"):
                break
    if stdout is not None:
        stdout.write(f"corrections: 人脸签到 {submitted} 次、失联查找、电子定位装置与司法所考核示例已生成\n")

