"""The disputes workflow, declared once (core/workflow.py performs the transitions).

Intake leaves a dispute in "received"; grading (services.grade_dispute), routing to a tier and
acceptance by the receiving body (routing.py), mediation and outcomes (mediation.py), referral
letters and follow-ups (referrals.py, follow_ups.py) move it on. Actions named in `permission`
(grade, route, accept, mediate, refer, close, follow_up) are checked on the dispute through the
permission rows (data/permissions.json). The court app reacts to the outbox events
`disputes.dispute.<transition>` and `disputes.dispute.failed` (mediation.fail_mediation)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from pingan.core.workflow import T, Workflow, register

from .models import Dispute

_BEFORE_ACCEPTED = ["received", "graded", "routed", "declined"]
_COURT_MOVES = ("court_accept", "court_mediate", "court_agree", "court_fail", "court_close", "court_return")


def not_driven_by_court(dispute, by, data) -> str | None:
    """Guard of the mediation steps: once the court has delegated the dispute (a court_* move is
    in its log since it was last reopened), its court case decides them, not the disputes pages
    (no outcome recorded twice)."""
    from django.utils.translation import gettext

    from pingan.core.workflow import history

    cached = getattr(dispute, "_court_driven", None)
    if cached is None:
        last = (history(dispute).filter(name__in=[*_COURT_MOVES, "reopen"]).order_by("-at", "-id")
                .values_list("name", flat=True).first()) if dispute.pk else None
        cached = last is not None and last != "reopen"
        dispute._court_driven = cached
    return gettext("该纠纷由法院委派调解，进度随法院案件变化。") if cached else None


_C = [not_driven_by_court]

DISPUTE = register(
    Workflow(
        name="disputes.dispute",
        model="disputes.dispute",
        field="state",
        initial=Dispute.INITIAL_STATE,
        milestones={"mediating": "first_mediating_at", "closed": "first_closed_at"},
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
            T("grade", ["received"], "graded", permission="grade", label=_("定级")),
            T("route", ["graded", "declined"], "routed", permission="route", label=_("分流")),
            T("accept", ["routed"], "accepted", guards=_C, permission="accept", label=_("受理")),
            T("decline", ["routed"], "declined", guards=_C, permission="accept", label=_("拒收")),
            # Escalation and de-escalation move the dispute to another tier: a new routing row.
            T("escalate", ["routed", "accepted", "mediating", "declined"], "routed", guards=_C, permission="route", label=_("升级")),
            T("deescalate", ["routed", "accepted", "mediating", "declined"], "routed", guards=_C, permission="route", label=_("降级")),
            # The worker's own move (no user, no permission): see tasks.escalate_overdue.
            T("auto_escalate", ["routed", "accepted", "mediating"], "routed", guards=_C, label=_("超时自动升级")),
            T("start_mediation", ["accepted"], "mediating", guards=_C, permission="mediate", label=_("开始调解")),
            T("agree", ["mediating"], "agreed", guards=_C, permission="mediate", label=_("达成协议")),
            T("fail", ["mediating"], "failed", guards=_C, permission="mediate", label=_("调解不成")),
            T("refer", ["received", "graded", "accepted", "failed"], "referred", guards=_C, permission="refer", label=_("函件推送")),
            T("return_for_filing", ["mediating", "failed"], "returned_for_filing", guards=_C, permission="mediate", label=_("转立案")),
            T("withdraw", ["received", "graded", "routed", "accepted", "mediating"], "withdrawn", guards=_C, permission="mediate", label=_("撤回")),
            T("close", ["agreed", "referred", "returned_for_filing", "withdrawn"], "closed", permission="close", label=_("办结")),
            T("follow_up", ["closed"], "followed_up", permission="follow_up", label=_("回访")),
            T("reopen", ["closed", "followed_up"], "received", permission="follow_up", label=_("重新启动")),
            # A dispute the court received follows its court case (pingan/court/link.py): system
            # moves, one per target, each from every state before it on the court's path.
            T("court_accept", _BEFORE_ACCEPTED, "accepted", label=_("法院委派调解")),
            T("court_mediate", [*_BEFORE_ACCEPTED, "accepted"], "mediating", label=_("委派调解开始")),
            T("court_agree", [*_BEFORE_ACCEPTED, "accepted", "mediating"], "agreed", label=_("委派调解成功")),
            T("court_fail", [*_BEFORE_ACCEPTED, "accepted", "mediating"], "failed", label=_("委派调解不成")),
            T("court_close", [*_BEFORE_ACCEPTED, "accepted", "mediating", "agreed"], "closed",
              label=_("法院结案（司法确认、调解书或现场化解）")),
            T("court_return", [*_BEFORE_ACCEPTED, "accepted", "mediating", "failed", "agreed"],
              "returned_for_filing", label=_("法院转立案")),
        ],
    )
)


# Moves only the system makes; pages never offer them as buttons.
COURT_TRANSITIONS = frozenset(_COURT_MOVES)
SYSTEM_TRANSITIONS = frozenset({"auto_escalate"}) | COURT_TRANSITIONS


def state_label(state: str) -> str:
    return DISPUTE.label(state)
