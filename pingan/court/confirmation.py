"""Judicial confirmation of a people's mediation agreement (人民调解法 Art. 33; 民事诉讼法
Art. 205): the parties of a dispute mediated by a village, township or professional committee
bring their agreement to the court within 30 days of its taking effect. The court files a case
for the dispute that starts from the agreement (workflow "submit_agreement": received →
succeeded, the 30-day window from the agreement's effective date), and the joint application
follows the same path as for a delegated case (services.apply_for_confirmation → the 民特 number,
the ruling). The dispute closes when the ruling confirms the agreement (link.py)."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pingan.core import deadlines as dl
from pingan.core.errors import ApplicationError
from pingan.core.workflow import transition
from pingan.disputes.models import Agreement
from pingan.orgs.models import Agency

from . import services
from .models import CourtCase, JudicialConfirmation


@transaction.atomic
def apply_to_confirm_agreement(*, agreement_number: str, court: Agency, applied_on: date, by) -> JudicialConfirmation:
    number = (agreement_number or "").strip()
    agreement = Agreement.objects.select_related("dispute").filter(number=number).first() if number else None
    if agreement is None:
        raise ValidationError({"agreement": _("没有编号为“%(n)s”的人民调解协议书。") % {"n": number}})
    if court.kind not in services.COURT_KINDS:
        raise ValidationError({"court": _("受理单位须为人民法院或人民法庭。")})
    if agreement.effective_at is None:
        raise ApplicationError(_("该调解协议尚未生效（当事人签名、调解员签名和调委会印章未齐）。"),
                               code="agreement_not_effective", field="agreement")
    dispute = agreement.dispute
    if CourtCase.objects.filter(dispute=dispute).exists():
        raise ApplicationError(_("该纠纷已有法院案件。"), code="already_filed", field="agreement")
    if dispute.state != "agreed":
        raise ApplicationError(_("只有调解成功、尚未办结的纠纷可以申请司法确认。"), code="transition_not_allowed",
                               field="agreement")
    effective_on = dl.local_date(agreement.effective_at)
    if applied_on < effective_on:
        raise ValidationError({"applied_on": _("申请日期不能早于调解协议生效日期。")})
    case = CourtCase(court=court, dispute=dispute, amount=dispute.amount, received_on=applied_on,
                     claim=_("申请确认人民调解协议（%(n)s）有效。") % {"n": agreement.number},
                     created_by=by if getattr(by, "pk", None) else None)
    case.full_clean(exclude=["dispute"])
    case.save()
    services._require_add(by, case)
    transition(obj=case, name="submit_agreement", by=by, data={"agreement": agreement.pk},
               updates={"agreed_terms": agreement.terms, "agreement_effective_on": effective_on})
    services._start(case, services.KIND_APPLY, services._noon(effective_on), by)
    return services.apply_for_confirmation(case=case, applicants=list(dispute.parties.all()), applied_on=applied_on,
                                           by=by)
