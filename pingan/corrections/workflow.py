"""Workflows of the corrections app, declared once (core/workflow.py performs transitions).

Alerts: the person's 司法所 verifies (permission `verify`): a true violation, a false alarm (with
a reason) or justified (approved leave, hospital …). Sanctions: the county bureau approves
(`approve_sanction`); admonitions and warnings are then notified to the person, proposals to
the court or police are submitted and their decision recorded. Leave: the approver chosen by
length (rules as data) approves; the person's return is reported."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from pingan.core.workflow import T, Workflow, register


def _reason_required(obj, by, data: dict) -> str | None:
    return None if str(data.get("reason", "")).strip() else str(_("请说明理由。"))


def _office_may_approve(obj, by, data: dict) -> str | None:
    return None if obj.approver == "office" else str(_("该外出超过司法所审批权限，须报区县司法局审批。"))


def _court_bound(obj, by, data: dict) -> str | None:
    if obj.kind in ("admonition", "warning"):
        return str(_("训诫、警告由社区矫正机构直接送达，无须提请。"))
    return None


def _notifiable(obj, by, data: dict) -> str | None:
    if obj.kind not in ("admonition", "warning"):
        return str(_("提请类措施须提交人民法院或公安机关决定。"))
    return None


ALERT = register(Workflow(
    name="corrections.alert",
    model="corrections.alert",
    field="state",
    initial="open",
    states={"open": _("待核查"), "violation": _("确认违规"), "false_alarm": _("误报"), "justified": _("有正当理由")},
    transitions=[
        T("confirm", ["open"], "violation", permission="verify", label=_("确认违规")),
        T("dismiss", ["open"], "false_alarm", permission="verify", guards=[_reason_required], label=_("误报")),
        T("justify", ["open"], "justified", permission="verify", guards=[_reason_required], label=_("有正当理由")),
    ],
))

SANCTION = register(Workflow(
    name="corrections.sanction",
    model="corrections.sanction",
    field="state",
    initial="proposed",
    states={"proposed": _("待审批"), "approved": _("已批准"), "rejected": _("不予批准"), "notified": _("已送达"),
            "submitted": _("已提请"), "decided": _("已决定")},
    transitions=[
        T("approve", ["proposed"], "approved", permission="approve_sanction", label=_("批准")),
        T("reject", ["proposed"], "rejected", permission="approve_sanction", guards=[_reason_required],
          label=_("不予批准")),
        T("notify", ["approved"], "notified", permission="propose_sanction", guards=[_notifiable],
          label=_("送达本人")),
        T("submit", ["approved"], "submitted", permission="approve_sanction", guards=[_court_bound],
          label=_("提请法院/公安机关")),
        T("record_decision", ["submitted"], "decided", permission="approve_sanction", label=_("登记决定")),
    ],
))

LEAVE = register(Workflow(
    name="corrections.leave",
    model="corrections.leave",
    field="state",
    initial="applied",
    states={"applied": _("待审批"), "approved": _("已批准"), "rejected": _("不予批准"), "returned": _("已销假")},
    transitions=[
        T("approve_office", ["applied"], "approved", permission="approve_leave_office",
          guards=[_office_may_approve], label=_("司法所批准")),
        T("approve_county", ["applied"], "approved", permission="approve_leave_county", label=_("区县司法局批准")),
        T("reject", ["applied"], "rejected", permission="approve_leave_office", guards=[_reason_required],
          label=_("不予批准")),
        T("report_return", ["approved"], "returned", permission="change", label=_("销假")),
    ],
))
