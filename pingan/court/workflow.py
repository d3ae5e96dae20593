"""The court pre-litigation workflow, declared once (core/workflow.py performs the transitions).

    received → consent_pending → delegated → mediator_assigned → in_mediation
      → succeeded → document_applied → document_issued
                  → confirmation_applied → confirmed | rejected
                  → resolved (现场兑现 / 和好 / 撤诉)
      → failed → returned_for_filing
    a refusal, a timed-out period or a rejected confirmation → returned_for_filing
    received → succeeded: a people's mediation agreement brought for judicial confirmation

Transitions the worker performs on its own (the mediator did not answer, the period ran out)
carry no permission; the services that call them for a user check the user's action first."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from pingan.core.workflow import T, Workflow, register

from .models import CourtCase

S = CourtCase.State


def all_parties_consented(case, by, data) -> str | None:
    """Guard of "delegate": every party has agreed to pre-litigation mediation (Art. 11)."""
    from django.utils.translation import gettext

    agreed = set(case.consents.filter(consents=True).values_list("party_id", flat=True))
    missing = [p.name for p in case.dispute.parties.all() if p.pk not in agreed]
    if missing:
        return gettext("以下当事人尚未同意诉前调解：%(names)s") % {"names": "、".join(missing)}
    return None


def from_an_agreement(case, by, data) -> str | None:
    """Guard of "submit_agreement": only confirmation.py makes it, naming the agreement (so pages
    and the API never offer it as a step of an ordinary case)."""
    from django.utils.translation import gettext

    return None if data.get("agreement") else gettext("须由人民调解协议司法确认申请受理。")


COURT_CASE = register(
    Workflow(
        name="court.courtcase",
        model="court.courtcase",
        field="state",
        initial=S.RECEIVED.value,
        states={s.value: s.label for s in S},
        transitions=[
            T("screen", [S.RECEIVED], S.CONSENT_PENDING, permission="change", label=_("审查并征询调解意愿")),
            T("delegate", [S.CONSENT_PENDING], S.DELEGATED, permission="delegate", guards=[all_parties_consented],
              label=_("委派调解")),
            T("assign_mediator", [S.DELEGATED], S.MEDIATOR_ASSIGNED, permission="assign", label=_("确定调解员")),
            T("mediator_accept", [S.MEDIATOR_ASSIGNED], S.IN_MEDIATION, permission="mediate", label=_("接受委派")),
            T("mediator_decline", [S.MEDIATOR_ASSIGNED], S.DELEGATED, permission="mediate", label=_("拒绝委派")),
            T("accept_timeout", [S.MEDIATOR_ASSIGNED], S.DELEGATED, label=_("调解员逾期未接受")),
            T("succeed", [S.IN_MEDIATION], S.SUCCEEDED, permission="mediate", label=_("调解成功")),
            T("fail", [S.IN_MEDIATION], S.FAILED, permission="mediate", label=_("调解不成")),
            T("apply_document", [S.SUCCEEDED], S.DOCUMENT_APPLIED, permission="change", label=_("申请出具调解书")),
            T("issue_document", [S.DOCUMENT_APPLIED], S.DOCUMENT_ISSUED, permission="rule", label=_("出具调解书")),
            T("apply_confirmation", [S.SUCCEEDED], S.CONFIRMATION_APPLIED, permission="change", label=_("申请司法确认")),
            T("confirm", [S.CONFIRMATION_APPLIED], S.CONFIRMED, permission="rule", label=_("裁定确认有效")),
            T("reject", [S.CONFIRMATION_APPLIED], S.REJECTED, permission="rule", label=_("裁定驳回申请")),
            T("resolve", [S.SUCCEEDED], S.RESOLVED, permission="mediate", label=_("现场兑现、和好或撤诉")),
            # A people's mediation agreement reached outside the court, brought for judicial
            # confirmation (人民调解法 Art. 33): the case starts from the agreement (confirmation.py).
            T("submit_agreement", [S.RECEIVED], S.SUCCEEDED, permission="change", guards=[from_an_agreement],
              label=_("受理人民调解协议司法确认申请")),
            T(
                "return_for_filing",
                [S.CONSENT_PENDING, S.IN_MEDIATION, S.FAILED, S.REJECTED],
                S.RETURNED_FOR_FILING,
                label=_("转立案"),
            ),
        ],
    )
)


def state_label(state: str) -> str:
    return COURT_CASE.label(state)
