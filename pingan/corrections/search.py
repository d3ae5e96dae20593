"""Out of contact → search (社区矫正法 Art. 30: 发现失去联系的，应当立即组织查找).

A search task opens when an alert is verified as a violation with the fact `out_of_contact`
(失去联系) or when staff mark the person out of contact. The 司法所 records each search (who,
when, how, what came of it); a search that finds the person closes the task; when the searches
find nothing the office reports it (escalate): the county bureau and the police are notified
through the outbox. The result is due `corrections.search.result_hours` after opening; the worker
reminds once before that (`remind_search_tasks`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.core import deadlines
from pingan.core.audit import AuditEvent, record
from pingan.core.errors import ApplicationError
from pingan.core.models import Deadline
from pingan.core.outbox import publish
from pingan.core.settings_store import get_period, get_setting
from pingan.core.workflow import transition
from pingan.orgs.permissions import has_object_permission

from .models import Alert, SearchAttempt, SearchTask, Supervisee

RESULT_DEADLINE = "corrections.search_result"
OPENED = "corrections.search_opened"
ESCALATED = "corrections.search_escalated"
REMINDER = "corrections.search_reminder"
RUNNING = (SearchTask.State.OPEN, SearchTask.State.ESCALATED)


def running_task(supervisee: Supervisee) -> SearchTask | None:
    return SearchTask.objects.filter(supervisee=supervisee, state__in=RUNNING).first()


def open_search(*, supervisee: Supervisee, by, reason: str, alert: Alert | None = None,
                now: datetime | None = None) -> SearchTask:
    """Open the search for a person out of contact, or return the one already running (a person
    is searched for once at a time, however many alerts or clicks say so)."""
    if by is not None and alert is None and not has_object_permission(by, supervisee, "open_search"):
        raise PermissionDenied(_("无权执行此操作。"))
    if not reason.strip():
        raise ApplicationError(_("请说明失去联系的情况。"), code="required", field="reason")
    if supervisee.status == Supervisee.Status.ENDED:
        raise ApplicationError(_("该对象已解矫。"), code="invalid_state", field="supervisee")
    existing = running_task(supervisee)
    if existing is not None:
        return existing
    now = now or timezone.now()
    task = SearchTask(supervisee=supervisee, justice_office_id=supervisee.justice_office_id, alert=alert,
                      trigger=SearchTask.Trigger.ALERT if alert else SearchTask.Trigger.MANUAL, reason=reason,
                      opened_at=now, opened_by=by if getattr(by, "pk", None) else None)
    try:
        with transaction.atomic():
            task.save(force_insert=True)
            amount, unit = get_period("corrections.search.result_hours")
            dl = deadlines.start_deadline(target=task, kind=RESULT_DEADLINE, start=now, amount=amount, unit=unit,
                                          source="corrections.search.result_hours", by=by)
            task.result_due = dl.due
            SearchTask.objects.filter(pk=task.pk).update(result_due=dl.due)
            record(actor=by, event_type=AuditEvent.CORRECTIONS_CHANGED, action="search_opened", obj=task,
                   after={"supervisee": supervisee.pk, "alert": alert.pk if alert else None, "reason": reason})
            publish(OPENED, {"task_id": task.pk, "supervisee_id": supervisee.pk,
                             "office_id": supervisee.justice_office_id})
    except IntegrityError:
        found = running_task(supervisee)  # a concurrent opener won; theirs stands
        if found is None:
            raise
        return found
    return task


def _complete_deadline(task: SearchTask, by) -> None:
    for dl in deadlines.deadlines_for(task).filter(kind=RESULT_DEADLINE, status__in=["running", "paused"]):
        deadlines.complete_deadline(deadline=dl, by=by)


def record_attempt(*, task: SearchTask, by, searched_at: datetime, searchers: str, method: str, note: str,
                   found: bool = False, place: str = "") -> SearchAttempt:
    """One search. `found=True` closes the task (workflow `found`); the person's next fixes and
    check-ins take it from there."""
    if task.state not in RUNNING:
        raise ApplicationError(_("查找任务已结束。"), code="invalid_state", field="task")
    if by is not None and not has_object_permission(by, task, "change"):
        raise PermissionDenied(_("无权执行此操作。"))
    if timezone.is_naive(searched_at):
        raise ApplicationError(_("查找时间须带时区。"), code="naive_datetime", field="searched_at")
    if searched_at > timezone.now() + timedelta(minutes=5):
        raise ApplicationError(_("查找时间不能晚于现在。"), code="future", field="searched_at")
    if searched_at < task.opened_at - timedelta(days=1):
        raise ApplicationError(_("查找时间早于失联登记时间。"), code="before_open", field="searched_at")
    if found and not place.strip():
        raise ApplicationError(_("找到的，请填写找到地点。"), code="required", field="place")
    attempt = SearchAttempt(task=task, searched_at=searched_at, searchers=searchers.strip(), method=method,
                            found=found, place=place.strip(), note=note.strip(),
                            recorded_by=by if getattr(by, "pk", None) else None)
    attempt.full_clean(exclude=["task", "recorded_by"])
    with transaction.atomic():
        attempt.save(force_insert=True)
        record(actor=by, event_type=AuditEvent.CORRECTIONS_CHANGED, action="search_attempt", obj=task,
               after={"attempt": attempt.pk, "method": method, "found": found, "searchers": attempt.searchers})
        if found:
            transition(obj=task, name="found", by=by, data={"attempt": attempt.pk, "place": attempt.place},
                       updates={"found_at": searched_at, "found_place": attempt.place})
            _complete_deadline(task, by)
    return attempt


def escalate(*, task: SearchTask, by, note: str) -> SearchTask:
    """Not found: report to the county bureau and the police (outbox `corrections.search_escalated`,
    which the notifier and the police side consume). Needs at least one recorded search."""
    now = timezone.now()
    with transaction.atomic():
        transition(obj=task, name="escalate", by=by, reason=note, data={"reason": note},
                   updates={"escalated_at": now, "escalation_note": note})
        _complete_deadline(task, by)
        publish(ESCALATED, {"task_id": task.pk, "supervisee_id": task.supervisee_id,
                            "office_id": task.justice_office_id, "to": ["county_bureau", "police"]})
        record(actor=by, event_type=AuditEvent.CORRECTIONS_CHANGED, action="search_escalated", obj=task,
               after={"note": note})
    return task


def remind_search_tasks(*, now: datetime | None = None) -> list[int]:
    """Worker scan: one reminder per running search whose result is due within
    `corrections.search.remind_before_hours` (or overdue). Idempotent through Deadline.reminded_at."""
    from django.contrib.contenttypes.models import ContentType

    now = now or timezone.now()
    window = timedelta(hours=get_setting("corrections.search.remind_before_hours", int))
    rows = Deadline.objects.filter(
        content_type=ContentType.objects.get_for_model(SearchTask), kind=RESULT_DEADLINE,
        status=Deadline.Status.RUNNING, reminded_at__isnull=True, due__lte=now + window,
    ).order_by("due", "pk").values_list("pk", "object_id", "due")
    sent = []
    for pk, object_id, due in rows:
        with transaction.atomic():
            if Deadline.objects.filter(pk=pk, reminded_at__isnull=True).update(reminded_at=now) != 1:
                continue
            task = SearchTask.objects.filter(pk=int(object_id)).values("pk", "supervisee_id", "justice_office_id").first()
            if task is None:
                continue
            publish(REMINDER, {"task_id": task["pk"], "supervisee_id": task["supervisee_id"],
                               "office_id": task["justice_office_id"], "due": due.isoformat(),
                               "overdue": due < now})
            sent.append(task["pk"])
    return sent
