"""The disputes workflow, declared once (core/workflow.py performs the transitions).

Intake leaves a dispute in "received"; grading, routing to a tier, acceptance by the receiving
body, mediation, outcome, closure and follow-up come in later slices of issue 4 and use these
transitions. Actions named in `permission` are checked on the dispute through the permission
rows (data/permissions.json)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from pingan.core.workflow import T, Workflow, register

from .models import Dispute


def _l(text: str) -> str:
    # A lazy translation where core's T.label expects str: rendered in the reader's language.
    return _(text)  # type: ignore[return-value]


DISPUTE = register(
    Workflow(
        name="disputes.dispute",
        model="disputes.dispute",
        field="state",
        initial=Dispute.INITIAL_STATE,
        states={
            "received": _("已登记"),
            "graded": _("已定级"),
            "routed": _("已分流"),
            "accepted": _("已受理"),
            "declined": _("已拒收"),
            "mediating": _("调解中"),
            "agreed": _("调解成功"),
            "failed": _("调解不成"),
            "referred": _("已函件推送"),
            "returned_for_filing": _("转立案"),
            "withdrawn": _("已撤回"),
            "closed": _("已办结"),
            "followed_up": _("已回访"),
        },
        transitions=[
            T("grade", ["received"], "graded", permission="change", label=_l("定级")),
            T("route", ["graded", "declined"], "routed", permission="change", label=_l("分流")),
            T("accept", ["routed"], "accepted", permission="change", label=_l("受理")),
            T("decline", ["routed"], "declined", permission="change", label=_l("拒收")),
            T("start_mediation", ["accepted"], "mediating", permission="change", label=_l("开始调解")),
            T("agree", ["mediating"], "agreed", permission="change", label=_l("达成协议")),
            T("fail", ["mediating"], "failed", permission="change", label=_l("调解不成")),
            T("refer", ["received", "graded", "accepted", "failed"], "referred", permission="change", label=_l("函件推送")),
            T("return_for_filing", ["mediating", "failed"], "returned_for_filing", permission="change", label=_l("转立案")),
            T("withdraw", ["received", "graded", "routed", "accepted", "mediating"], "withdrawn", permission="change", label=_l("撤回")),
            T("close", ["agreed", "referred", "returned_for_filing", "withdrawn"], "closed", permission="change", label=_l("办结")),
            T("follow_up", ["closed"], "followed_up", permission="change", label=_l("回访")),
            T("reopen", ["closed", "followed_up"], "received", permission="change", label=_l("重新启动")),
        ],
    )
)


def state_label(state: str) -> str:
    return DISPUTE.label(state)
