"""Outbox handlers: every raised breach becomes an alert for the person's 司法所; search tasks and
electronic-monitoring decisions become notices (orgs/notices.py) for the staff who must act — the
office that searches or supervises, the county bureau that approves, and on an unsuccessful
search the police station of the office's township (社区矫正法 Art. 30)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pingan.core.outbox import handles
from pingan.orgs.models import Agency
from pingan.orgs.notices import notify, register_text

from . import alerts, events, monitoring, search
from .models import MonitoringDecision, SearchTask

SEARCH_OPENED = search.OPENED
SEARCH_DUE = "corrections.search_due"
SEARCH_OVERDUE = "corrections.search_overdue"
SEARCH_ESCALATED = search.ESCALATED
SEARCH_HELP = "corrections.search_police"
MONITORING_EXPIRING = monitoring.EXPIRING
MONITORING_EXPIRED = "corrections.monitoring_expired"

for _topic, _text in (
    (SEARCH_OPENED, _("新的失联查找任务（第 %(task)s 号），请组织查找，在 %(due)s 前报告查找结果。")),
    (SEARCH_DUE, _("失联查找任务（第 %(task)s 号）须在 %(due)s 前报告查找结果。")),
    (SEARCH_OVERDUE, _("失联查找任务（第 %(task)s 号）已超过报告期限（%(due)s），请尽快报告查找结果。")),
    (SEARCH_ESCALATED, _("%(office)s报告：失联查找任务（第 %(task)s 号）未找到社区矫正对象，请督促处置。")),
    (SEARCH_HELP, _("%(office)s报告：社区矫正对象%(name)s失去联系，经查找未找到，请协助查找。")),
    (MONITORING_EXPIRING, _("电子定位装置使用决定 %(number)s 将于 %(end)s 届满，如需续用请及时作出新的决定。")),
    (MONITORING_EXPIRED, _("电子定位装置使用决定 %(number)s 已于 %(end)s 届满，已解除使用。")),
):
    register_text(_topic, _text)


@handles(events.BREACHES_RAISED)
def on_breaches_raised(event) -> None:
    alerts.alerts_for_breaches([int(i) for i in event.payload.get("breach_ids", [])])


def _local(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M") if dt else ""


def county_bureau(office: Agency) -> Agency | None:
    """The justice bureau above the office (its path names its ancestors' codes)."""
    codes = [c for c in office.path.split("/") if c]
    return (Agency.objects.filter(kind=Agency.Kind.JUSTICE_BUREAU, code__in=codes, is_active=True)
            .order_by("-path").first())


def police_station(office: Agency) -> Agency | None:
    """The police station of the office's township."""
    return (Agency.objects.filter(kind=Agency.Kind.POLICE_STATION, jurisdiction_id=office.jurisdiction_id,
                                  is_active=True).order_by("pk").first())


def _task(event) -> SearchTask | None:
    return SearchTask.objects.select_related("justice_office", "supervisee").filter(
        pk=event.payload.get("task_id")).first()


@handles(search.OPENED)
def on_search_opened(event) -> None:
    task = _task(event)
    if task is not None:
        notify(agency=task.justice_office, topic=SEARCH_OPENED, key=f"event:{event.pk}",
               params={"task": task.pk, "due": _local(task.result_due)}, url=reverse("corrections:search", args=[task.pk]))


@handles(search.REMINDER)
def on_search_reminder(event) -> None:
    task = _task(event)
    if task is not None and task.state == SearchTask.State.OPEN:
        topic = SEARCH_OVERDUE if event.payload.get("overdue") else SEARCH_DUE
        notify(agency=task.justice_office, topic=topic, key=f"event:{event.pk}",
               params={"task": task.pk, "due": _local(task.result_due)}, url=reverse("corrections:search", args=[task.pk]))


@handles(search.ESCALATED)
def on_search_escalated(event) -> None:
    task = _task(event)
    if task is None:
        return
    office = task.justice_office
    url = reverse("corrections:search", args=[task.pk])
    notify(agency=county_bureau(office), topic=SEARCH_ESCALATED, key=f"event:{event.pk}",
           params={"task": task.pk, "office": office.name}, url=url)
    # The police are told who to look for; their staff cannot open the office's pages.
    notify(agency=police_station(office), topic=SEARCH_HELP, key=f"event:{event.pk}",
           params={"office": office.name, "name": task.supervisee.name})


def _decision(event) -> MonitoringDecision | None:
    return MonitoringDecision.objects.select_related("justice_office").filter(
        pk=event.payload.get("decision_id")).first()


@handles(monitoring.EXPIRING)
def on_monitoring_expiring(event) -> None:
    decision = _decision(event)
    if decision is None or decision.state != MonitoringDecision.State.ACTIVE:
        return
    params = {"number": decision.decision_number, "end": decision.end_date.isoformat()}
    url = reverse("corrections:monitoring", args=[decision.supervisee_id])
    for agency in (decision.justice_office, county_bureau(decision.justice_office)):
        notify(agency=agency, topic=MONITORING_EXPIRING, key=f"event:{event.pk}", params=params, url=url)


@handles(monitoring.ENDED)
def on_monitoring_ended(event) -> None:
    decision = _decision(event)
    if decision is None or event.payload.get("why") != "expired":
        return  # a removal is the office's own act
    notify(agency=decision.justice_office, topic=MONITORING_EXPIRED, key=f"event:{event.pk}",
           params={"number": decision.decision_number, "end": decision.end_date.isoformat()},
           url=reverse("corrections:monitoring", args=[decision.supervisee_id]))
