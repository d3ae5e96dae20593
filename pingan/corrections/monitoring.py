"""Electronic monitoring devices (电子定位装置, 社区矫正法 Art. 29).

Used only on one of the statutory grounds (the setting `corrections.monitoring.grounds`, as data),
approved by the head of the county bureau, for at most `corrections.electronic_monitoring_months`
(3) from its start; a renewal is a new decision with its own ground and ≤ 3 months; the device is
removed when no longer needed or at the end (the worker's `expire_monitoring`), and the worker
reminds `corrections.monitoring.remind_days` before the end."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.core.audit import AuditEvent, record
from pingan.core.calendar import MAX_YEAR
from pingan.core.deadlines import add_months
from pingan.core.errors import ApplicationError
from pingan.core.outbox import publish
from pingan.core.settings_store import get_setting
from pingan.core.workflow import transition
from pingan.orgs.permissions import has_object_permission

from .models import Device, MonitoringDecision, Supervisee

EXPIRING = "corrections.monitoring_expiring"
ENDED = "corrections.monitoring_ended"


class DecisionRefused(ApplicationError):
    """A decision the law does not allow (no statutory ground, longer than the statutory months):
    answered 422 with the field, like any invalid input."""

    status = 422


def grounds() -> dict[str, str]:
    """code → label of the statutory grounds (Art. 29), from settings."""
    return {g["code"]: g["label"] for g in get_setting("corrections.monitoring.grounds", list)}


def max_end(start: date) -> date:
    """The last day a decision starting on `start` may run: the corresponding day
    `corrections.electronic_monitoring_months` later (a period counted in months ends on the
    corresponding day, as 刑法/刑诉法 count months)."""
    return add_months(start, get_setting("corrections.electronic_monitoring_months", int))


def check_decision(*, ground: str, ground_facts: str, decided_on: date, start_date: date, end_date: date,
           approved_by_name: str, decision_number: str) -> None:
    if any(d.year < 1970 or d.year > MAX_YEAR for d in (decided_on, start_date, end_date)):
        raise DecisionRefused(_("日期超出范围。"), code="out_of_range", field="start_date")
    errors: list[tuple[str, str, str]] = []
    if ground not in grounds():
        errors.append(("ground", "invalid_ground", _("须选择社区矫正法第二十九条规定的情形之一。")))
    if not ground_facts.strip():
        errors.append(("ground_facts", "required", _("请写明适用该情形的事实。")))
    if not approved_by_name.strip():
        errors.append(("approved_by_name", "required", _("须经区县司法局负责人批准，请填写批准人。")))
    if not decision_number.strip():
        errors.append(("decision_number", "required", _("请填写决定书编号。")))
    if end_date < start_date:
        errors.append(("end_date", "before_start", _("届满日期不能早于起始日期。")))
    elif end_date > max_end(start_date):
        errors.append(("end_date", "too_long", _("每次使用电子定位装置的期限不得超过%(n)s个月（最迟至%(d)s）；"
                                                  "需要继续使用的，期满前重新评估并作出续用决定。")
                       % {"n": get_setting("corrections.electronic_monitoring_months", int),
                          "d": max_end(start_date).isoformat()}))
    if decided_on > start_date:
        errors.append(("decided_on", "after_start", _("须先作出决定再使用：决定日期不能晚于起始日期。")))
    if errors:
        field, code, message = errors[0]
        raise DecisionRefused(message, code=code, field=field,
                              extra={"errors": {f: [{"code": c, "message": m}] for f, c, m in errors}})


def _create(*, supervisee: Supervisee, by, device: Device | None, renewal_of: MonitoringDecision | None,
            **fields: Any) -> MonitoringDecision:
    check_decision(**fields)
    if device is not None and device.supervisee_id != supervisee.pk:
        raise ApplicationError(_("该设备不属于此对象。"), code="invalid", field="device")
    decision = MonitoringDecision(supervisee=supervisee, justice_office_id=supervisee.justice_office_id,
                                  device=device, renewal_of=renewal_of,
                                  recorded_by=by if getattr(by, "pk", None) else None, **fields)
    decision.full_clean(exclude=["supervisee", "justice_office", "device", "renewal_of", "recorded_by"])
    try:
        with transaction.atomic():
            decision.save(force_insert=True)
    except IntegrityError as exc:
        raise ApplicationError(_("该对象已有使用中的电子定位装置决定；需要继续使用的请办理续用。"),
                               code="already_active", field="supervisee") from exc
    return decision


def fit_device(*, supervisee: Supervisee, by, ground: str, ground_facts: str, decided_on: date,
               start_date: date, end_date: date, approved_by_name: str, decision_number: str,
               device: Device | None = None) -> MonitoringDecision:
    """A decision to use a device (决定使用电子定位装置). Refused without a statutory ground or
    for more than the statutory months (ApplicationError → 422 with the field)."""
    if by is not None and not has_object_permission(by, supervisee, "fit_monitoring"):
        raise PermissionDenied(_("使用电子定位装置须经区县司法局负责人批准。"))
    if supervisee.status == Supervisee.Status.ENDED:
        raise ApplicationError(_("该对象已解矫。"), code="invalid_state", field="supervisee")
    with transaction.atomic():
        decision = _create(supervisee=supervisee, by=by, device=device, renewal_of=None, ground=ground,
                           ground_facts=ground_facts, decided_on=decided_on, start_date=start_date,
                           end_date=end_date, approved_by_name=approved_by_name, decision_number=decision_number)
        if device is not None and not device.active:
            Device.objects.filter(pk=device.pk).update(active=True)
        record(actor=by, event_type=AuditEvent.CORRECTIONS_CHANGED, action="monitoring_fitted", obj=decision,
               after={"supervisee": supervisee.pk, "ground": ground, "start": start_date.isoformat(),
                      "end": end_date.isoformat(), "decision_number": decision_number})
    return decision


def renew_device(*, decision: MonitoringDecision, by, ground: str, ground_facts: str, decided_on: date,
                 end_date: date, approved_by_name: str, decision_number: str,
                 start_date: date | None = None) -> MonitoringDecision:
    """A renewal after a new assessment: a new decision (ground re-recorded, ≤ 3 months from the
    day after the previous end); the previous one becomes `renewed`."""
    start = start_date or decision.end_date + timedelta(days=1)
    check_decision(ground=ground, ground_facts=ground_facts, decided_on=decided_on, start_date=start, end_date=end_date,
           approved_by_name=approved_by_name, decision_number=decision_number)
    with transaction.atomic():
        transition(obj=decision, name="renew", by=by, data={"decision_number": decision_number})
        renewal = _create(supervisee=decision.supervisee, by=by, device=decision.device, renewal_of=decision,
                          ground=ground, ground_facts=ground_facts, decided_on=decided_on, start_date=start,
                          end_date=end_date, approved_by_name=approved_by_name, decision_number=decision_number)
        record(actor=by, event_type=AuditEvent.CORRECTIONS_CHANGED, action="monitoring_renewed", obj=renewal,
               after={"previous": decision.pk, "ground": ground, "start": start.isoformat(),
                      "end": end_date.isoformat(), "decision_number": decision_number})
    return renewal


def _take_off(decision: MonitoringDecision) -> None:
    if decision.device_id:
        Device.objects.filter(pk=decision.device_id).update(active=False)


def remove_device(*, decision: MonitoringDecision, by, reason: str) -> MonitoringDecision:
    """解除: no longer needed (社区矫正法 Art. 29: 不需要继续使用的，应当及时解除)."""
    now = timezone.now()
    with transaction.atomic():
        transition(obj=decision, name="remove", by=by, reason=reason, data={"reason": reason},
                   updates={"removed_at": now, "removal_reason": reason})
        _take_off(decision)
        publish(ENDED, {"decision_id": decision.pk, "supervisee_id": decision.supervisee_id, "why": "removed"})
        record(actor=by, event_type=AuditEvent.CORRECTIONS_CHANGED, action="monitoring_removed", obj=decision,
               after={"reason": reason})
    return decision


def expire_monitoring(*, today: date | None = None, now: datetime | None = None) -> list[int]:
    """Worker scan: decisions past their end without a renewal come off (state `expired`, the
    device deactivated). The workflow's compare-and-set makes a repeated run a no-op."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    done = []
    for decision in MonitoringDecision.objects.filter(state=MonitoringDecision.State.ACTIVE, end_date__lt=today):
        with transaction.atomic():
            transition(obj=decision, name="expire", by=None, reason=_("期满未续用"),
                       updates={"removed_at": now, "removal_reason": str(_("期满未续用，解除使用"))})
            _take_off(decision)
            publish(ENDED, {"decision_id": decision.pk, "supervisee_id": decision.supervisee_id, "why": "expired"})
        done.append(decision.pk)
    return done


def remind_expiring(*, today: date | None = None, now: datetime | None = None) -> list[int]:
    """Worker scan: one reminder per active decision ending within the reminder days (outbox
    `corrections.monitoring_expiring` for the office and the county bureau)."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    horizon = today + timedelta(days=get_setting("corrections.monitoring.remind_days", int))
    sent = []
    due = MonitoringDecision.objects.filter(state=MonitoringDecision.State.ACTIVE, reminded_at__isnull=True,
                                            end_date__lte=horizon)
    for pk, sid, office, end in due.values_list("pk", "supervisee_id", "justice_office_id", "end_date"):
        with transaction.atomic():
            if MonitoringDecision.objects.filter(pk=pk, reminded_at__isnull=True).update(reminded_at=now) != 1:
                continue
            publish(EXPIRING, {"decision_id": pk, "supervisee_id": sid, "office_id": office,
                               "end_date": end.isoformat()})
        sent.append(pk)
    return sent
