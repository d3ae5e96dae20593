"""Dispute and court figures (issue 4 item 8), declared on the domains' records.

Counting rules (one per figure; documented here because a figure is only as good as its rule):
- received: disputes whose 受理时间 falls in the period (Asia/Shanghai days);
- graded: those disputes by their current colour;
- routed: hand-overs to a tier made in the period (an escalated dispute counts at each tier);
- mediated / succeeded / failed: mediation outcomes dated in the period; success is any ending
  but failure (written or oral agreement, performed on the spot, reconciled, withdrawn);
- follow-ups: follow-up visits done in the period, by satisfaction;
- court: delegated by 委派时间; outcomes by 结案时间; success rate = succeeded / delegated;
- new first-instance civil filings: court cases returned for filing (转立案) in the period —
  the filings the system records; earlier years' court-wide totals are imported as
  HistoricalFigure rows with their source.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from pingan.orgs.permissions import restrict, scope_q

from .registry import Context, Metric, Split, register

PIECES = _("件")
TIMES = _("次")
PERCENT = "%"


def _disputes(ctx: Context) -> QuerySet:
    from pingan.disputes.models import Dispute

    return restrict(Dispute.objects.all(), ctx.user, "view")


def _received(ctx: Context) -> QuerySet:
    return _disputes(ctx).filter(**ctx.period.q("received_at"))


def _disputes_url(ctx: Context) -> str | None:
    try:
        base = reverse("disputes:list")
    except NoReverseMatch:
        return None
    return base + "?" + urlencode({
        "jurisdiction": ctx.jurisdiction.code,
        "received_from": ctx.period.date_from.isoformat(),
        "received_to": ctx.period.date_to.isoformat(),
    })


def _of_visible_disputes(model, ctx: Context) -> QuerySet:
    """Child records are visible exactly when their dispute is (disputes' permission rows) —
    restrict()'s rule, applied through the dispute: no grant → nothing; an unconstrained grant
    (district leader) → no filter, so the planner does not join every dispute for nothing."""
    from pingan.disputes.models import Dispute

    q = scope_q(ctx.user, Dispute, "view")
    if q is None:
        return model.objects.none()
    if not q:
        return model.objects.all()
    return model.objects.filter(dispute__in=Dispute.objects.filter(q).values("pk"))


def _routings(ctx: Context) -> QuerySet:
    from pingan.disputes.models import Routing

    return _of_visible_disputes(Routing, ctx).filter(**ctx.period.q("routed_at"))


def _outcomes(ctx: Context) -> QuerySet:
    from pingan.disputes.models import Outcome

    return _of_visible_disputes(Outcome, ctx).filter(**ctx.period.q("decided_on", is_date=True))


def _succeeded(ctx: Context) -> QuerySet:
    return _outcomes(ctx).exclude(kind="failed")


def _failed(ctx: Context) -> QuerySet:
    return _outcomes(ctx).filter(kind="failed")


def _follow_ups(ctx: Context) -> QuerySet:
    from pingan.disputes.models import FollowUp

    return _of_visible_disputes(FollowUp, ctx).filter(**ctx.period.q("done_at"))


def _satisfied(ctx: Context) -> QuerySet:
    return _follow_ups(ctx).filter(satisfaction__in=("satisfied", "basically"))


def _referrals(ctx: Context) -> QuerySet:
    from pingan.disputes.models import Referral

    return _of_visible_disputes(Referral, ctx).filter(**ctx.period.q("sent_at"))


GRADES = {"blue": _("蓝色（一类）"), "yellow": _("黄色（二类）"), "red": _("红色（三类）")}
OUTCOME_KINDS = {
    "agreement": _("书面调解协议"), "oral_agreement": _("口头协议"), "performed": _("现场兑现"),
    "reconciled": _("当事人和好"), "withdrawn": _("撤回申请"), "failed": _("调解不成"),
}
SATISFACTION = {"satisfied": _("满意"), "basically": _("基本满意"), "dissatisfied": _("不满意")}

D = "disputes"
DISPUTE = "disputes.dispute"
J = "dispute__jurisdiction"

register(Metric("disputes.received", _("受理矛盾纠纷"), "Disputes received", PIECES, D, DISPUTE,
                records=_received, cases_url=_disputes_url, order=10,
                split=Split("source", {"web": _("窗口登记"), "api": _("系统接口"), "excel": _("台账导入"),
                                       "court": _("法院立案"), "police": _("公安移送"), "other": _("其他渠道")},
                            groups={"hotline": "other", "visit": "other", "petition": "other"})))
register(Metric("disputes.graded", _("已定级纠纷（按风险等级）"), "Disputes graded, by colour", PIECES, D, DISPUTE,
                records=lambda ctx: _received(ctx).filter(grade__isnull=False), cases_url=_disputes_url,
                split=Split("grade", GRADES), order=20))
register(Metric("disputes.routed", _("分流（按层级）"), "Hand-overs to tiers", TIMES, D, DISPUTE,
                records=_routings, jurisdiction_field=J, split=Split("tier", GRADES), order=30))
register(Metric("disputes.mediated", _("调解结案"), "Mediations concluded", PIECES, D, DISPUTE,
                records=_outcomes, jurisdiction_field=J, split=Split("kind", OUTCOME_KINDS), order=40))
register(Metric("disputes.succeeded", _("调解成功"), "Mediations succeeded", PIECES, D, DISPUTE,
                records=_succeeded, jurisdiction_field=J, order=50,
                within=("disputes.mediated", lambda kind: kind != "failed")))
register(Metric("disputes.failed", _("调解不成"), "Mediations failed", PIECES, D, DISPUTE,
                records=_failed, jurisdiction_field=J, order=60,
                within=("disputes.mediated", lambda kind: kind == "failed")))
register(Metric("disputes.success_rate", _("调解成功率"), "Mediation success rate", PERCENT, D, DISPUTE,
                ratio=("disputes.succeeded", "disputes.mediated"), order=70))
register(Metric("disputes.referred", _("函件推送"), "Referral letters sent", PIECES, D, DISPUTE,
                records=_referrals, jurisdiction_field=J, order=80))
register(Metric("disputes.referral_replied", _("函件已回复"), "Referral letters replied", PIECES, D, DISPUTE,
                records=lambda ctx: _referrals(ctx).filter(replied_at__isnull=False), jurisdiction_field=J,
                order=85))
register(Metric("disputes.followed_up", _("回访"), "Follow-up visits", TIMES, D, DISPUTE,
                records=_follow_ups, jurisdiction_field=J, split=Split("satisfaction", SATISFACTION), order=90))
register(Metric("disputes.satisfied", _("回访满意（含基本满意）"), "Follow-ups satisfied", TIMES, D, DISPUTE,
                records=_satisfied, jurisdiction_field=J, order=95,
                within=("disputes.followed_up", lambda s: s in ("satisfied", "basically"))))
register(Metric("disputes.satisfaction_rate", _("回访满意率"), "Follow-up satisfaction rate", PERCENT, D, DISPUTE,
                ratio=("disputes.satisfied", "disputes.followed_up"), order=97))


# --- court pre-litigation delegation ------------------------------------------------------------


def _court_cases(ctx: Context) -> QuerySet:
    from pingan.court.models import CourtCase

    return restrict(CourtCase.objects.all(), ctx.user, "view")


def _court_outcomes(ctx: Context, *values: str, delegated: bool = True) -> QuerySet:
    """Cases that reached one of these outcomes in the period. The delegation figures count only
    cases the court delegated: a people's mediation agreement brought for confirmation (a case
    with no delegation) would otherwise raise the success rate above what delegation achieved."""
    return _court_cases(ctx).filter(outcome__in=values, delegated_at__isnull=not delegated,
                                    **ctx.period.q("outcome_at"))


SUCCESS = ("mediation_document", "judicial_confirmation", "performed", "reconciled", "withdrawn")
ON_THE_SPOT = ("performed", "reconciled", "withdrawn")
C = "court"
CASE = "court.courtcase"

register(Metric("court.received", _("法院收案（诉前）"), "Civil cases received", PIECES, C, CASE,
                records=lambda ctx: _court_cases(ctx).filter(**ctx.period.q("received_on", is_date=True)),
                jurisdiction_field=J, order=10))
register(Metric("court.delegated", _("诉前委派调解"), "Cases delegated by the court", PIECES, C, CASE,
                records=lambda ctx: _court_cases(ctx).filter(**ctx.period.q("delegated_at")),
                jurisdiction_field=J, order=20))
register(Metric("court.succeeded", _("委派调解成功"), "Delegated cases succeeded", PIECES, C, CASE,
                records=lambda ctx: _court_outcomes(ctx, *SUCCESS), jurisdiction_field=J, order=30,
                split=Split("outcome", {"mediation_document": _("出具调解书"), "judicial_confirmation": _("司法确认"),
                                        "on_the_spot": _("现场兑现、和好、撤诉")},
                            groups=dict.fromkeys(ON_THE_SPOT, "on_the_spot"))))
register(Metric("court.mediation_document", _("出具调解书"), "Court mediation documents", PIECES, C, CASE,
                records=lambda ctx: _court_outcomes(ctx, "mediation_document"), jurisdiction_field=J, order=31,
                within=("court.succeeded", lambda outcome: outcome == "mediation_document")))
register(Metric("court.judicial_confirmation", _("司法确认"), "Judicial confirmations", PIECES, C, CASE,
                records=lambda ctx: _court_outcomes(ctx, "judicial_confirmation"), jurisdiction_field=J, order=32,
                within=("court.succeeded", lambda outcome: outcome == "judicial_confirmation")))
register(Metric("court.on_the_spot", _("现场兑现、和好、撤诉"), "Performed on the spot, reconciled or withdrawn",
                PIECES, C, CASE, records=lambda ctx: _court_outcomes(ctx, *ON_THE_SPOT), jurisdiction_field=J,
                order=33, within=("court.succeeded", lambda outcome: outcome in ON_THE_SPOT)))
register(Metric("court.returned", _("转立案"), "Returned for filing", PIECES, C, CASE,
                records=lambda ctx: _court_outcomes(ctx, "returned"), jurisdiction_field=J, order=40,
                split=Split("return_reason", {"refused": _("当事人不同意调解"), "failed": _("调解不成"),
                                              "timed_out": _("调解期限届满"), "rejected": _("司法确认申请被驳回"),
                                              "other": _("其他")})))
register(Metric("court.agreement_confirmation", _("人民调解协议司法确认"),
                "Judicial confirmations of people's mediation agreements", PIECES, C, CASE,
                records=lambda ctx: _court_outcomes(ctx, "judicial_confirmation", delegated=False),
                jurisdiction_field=J, order=34))
register(Metric("court.success_rate", _("委派调解成功率"), "Delegation success rate", PERCENT, C, CASE,
                ratio=("court.succeeded", "court.delegated"), order=50))
register(Metric("court.first_instance_filings", _("民商事一审新收案件"), "New first-instance civil filings",
                PIECES, C, CASE, records=lambda ctx: _court_outcomes(ctx, "returned"), jurisdiction_field=J,
                order=60, description=_("本系统记录的转立案案件；往年全院总数可导入（注明来源）用于同比。")))
