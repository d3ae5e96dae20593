"""The procuratorate's workflows, declared once (core/workflow.py performs the transitions).

Suspect: a police request starts the 7-day arrest review, or a transfer starts the review for
prosecution; each decision is a transition whose `updates` store the decision fields. Guards:
- relative non-prosecution after volunteer service needs a passed evaluation (a plan still
  running or failed blocks it);
- a decision that requires a hearing needs the hearing's opinion recorded first;
- a refusal of arrest and a non-prosecution need grounds.
Volunteer plan: active → passed / failed (the prosecutor's evaluation).
Recommendation: issued → replied → implemented; escalated while not implemented.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from pingan.core.workflow import T, Workflow, register

from .models import Recommendation, Suspect, VolunteerPlan


def needs_grounds(obj: Any, by: Any, data: dict) -> str | None:
    if not str(data.get("grounds", "")).strip():
        return _g("请填写决定理由。")
    return None


def volunteer_service_passed(suspect: Suspect, by: Any, data: dict) -> str | None:
    plan = VolunteerPlan.objects.filter(suspect=suspect).first()
    if plan is None:
        return None
    if plan.state == "active":
        return _g("该犯罪嫌疑人的社会志愿服务尚未评估，评估合格后才能作出相对不起诉决定。")
    if plan.state == "failed":
        return _g("该犯罪嫌疑人的社会志愿服务评估不合格，不能以志愿服务为依据作出相对不起诉决定。")
    return None


def hearing_opinion_recorded(suspect: Suspect, by: Any, data: dict) -> str | None:
    hearings = list(suspect.hearings.filter(decision="non_prosecution"))
    if not suspect.hearing_required and not hearings:
        return None
    if not hearings:
        return _g("该决定须先召开听证会。")
    if any(h.opinion_recorded_at is None for h in hearings):
        return _g("听证会意见尚未记录，不能作出决定。")
    return None


SUSPECT = register(
    Workflow(
        name="procuratorate.suspect",
        model="procuratorate.suspect",
        field="state",
        initial=Suspect.INITIAL_STATE,
        states={
            "received": _("已受理"),
            "arrest_review": _("审查逮捕中"),
            "arrest_approved": _("已批准逮捕"),
            "arrest_not_approved": _("不批准逮捕"),
            "prosecution_review": _("审查起诉中"),
            "prosecuted": _("已提起公诉"),
            "non_prosecuted": _("相对不起诉"),
            "non_prosecuted_other": _("其他不起诉"),
        },
        transitions=[
            T("request_arrest", ["received"], "arrest_review", permission="decide", label=_("受理提请批准逮捕")),
            T("approve_arrest", ["arrest_review"], "arrest_approved", permission="decide", label=_("批准逮捕")),
            T("refuse_arrest", ["arrest_review"], "arrest_not_approved", permission="decide",
              guards=[needs_grounds], label=_("不批准逮捕")),
            T("transfer_for_prosecution", ["received", "arrest_approved", "arrest_not_approved"], "prosecution_review",
              permission="decide", label=_("受理移送审查起诉")),
            T("prosecute", ["prosecution_review"], "prosecuted", permission="decide", label=_("提起公诉")),
            T("relative_non_prosecution", ["prosecution_review"], "non_prosecuted", permission="decide",
              guards=[needs_grounds, volunteer_service_passed, hearing_opinion_recorded],
              label=_("相对不起诉")),
            T("other_non_prosecution", ["prosecution_review"], "non_prosecuted_other", permission="decide",
              guards=[needs_grounds, hearing_opinion_recorded], label=_("其他不起诉")),
        ],
    )
)

# Decision transitions and the decision field values they write.
ARREST_TRANSITIONS = {"approve_arrest": "approved", "refuse_arrest": "not_approved"}
PROSECUTION_TRANSITIONS = {"prosecute": "prosecute", "relative_non_prosecution": "relative",
                           "other_non_prosecution": "other"}


def has_hours(plan: VolunteerPlan, by: Any, data: dict) -> str | None:
    from .selectors import confirmed_hours

    if confirmed_hours(plan) < plan.planned_hours:
        return _g("已确认的服务时长（%(done)s 小时）未达到计划时长（%(planned)s 小时），不能评为合格。") % {
            "done": confirmed_hours(plan), "planned": plan.planned_hours}
    return None


PLAN = register(
    Workflow(
        name="procuratorate.volunteerplan",
        model="procuratorate.volunteerplan",
        field="state",
        initial=VolunteerPlan.INITIAL_STATE,
        states={"active": _("服务中"), "passed": _("评估合格"), "failed": _("评估不合格")},
        transitions=[
            T("pass", ["active"], "passed", permission="evaluate", guards=[has_hours], label=_("评估合格")),
            T("fail", ["active"], "failed", permission="evaluate", guards=[needs_grounds], label=_("评估不合格")),
        ],
    )
)


RECOMMENDATION = register(
    Workflow(
        name="procuratorate.recommendation",
        model="procuratorate.recommendation",
        field="state",
        initial=Recommendation.INITIAL_STATE,
        states={"issued": _("已制发，待回复"), "replied": _("已回复，待落实"), "escalated": _("已升级督促"),
                "implemented": _("已整改落实")},
        transitions=[
            T("reply", ["issued", "escalated"], "replied", permission="change", label=_("登记回复")),
            # No permission: the follow-up job escalates as the system; services check manual calls.
            T("escalate", ["issued", "replied"], "escalated", label=_("升级督促")),
            T("implement", ["replied", "escalated"], "implemented", permission="change", label=_("确认整改落实")),
        ],
    )
)
