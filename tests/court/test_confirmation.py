"""Judicial confirmation of a people's mediation agreement reached by a village committee
(人民调解法 Art. 33): filed by the court's clerk from the agreement's number, ruled by the judge,
the dispute closed by the court link; refused when the agreement is not in force, out of time,
unknown or already filed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from pingan.core.errors import ApplicationError
from pingan.core.outbox import drain
from pingan.court import services
from pingan.court.confirmation import apply_to_confirm_agreement
from pingan.court.models import CourtCase
from pingan.disputes import services as dispute_services
from pingan.disputes.models import Agreement, Dispute, FollowUp
from tests.disputes.conftest import categories, mediating_dispute, org, person  # noqa: F401  (fixtures)
from tests.disputes.test_mediation import agreement_data

pytestmark = pytest.mark.django_db
_n = iter(range(1, 1000))


@pytest.fixture
def setting(org, make_user):  # noqa: F811
    from pingan.court.seed import seed as court_seed

    court_seed()
    return {"court": org.court_clerk.agency, "judge": make_user("judge", "court", username="judge_jc")}


def agreement(org, categories, *, effective: bool = True, agreed_on: dt.date | None = None) -> Agreement:  # noqa: F811
    # other parties each time: the same two again would grade red (repeated disputes)
    n = next(_n)
    dispute = mediating_dispute(org, categories, parties=[person(f"赵{n}"), person(f"钱{n}", role="respondent")])
    data = agreement_data(**({"agreed_on": agreed_on} if agreed_on else {}))
    a = dispute_services.create_agreement(dispute=dispute, data=data, by=org.village_mediator_a)
    if effective:
        for party in dispute.parties.all():
            dispute_services.sign_agreement(agreement=a, role="party", party=party, by=org.village_mediator_a)
        dispute_services.sign_agreement(agreement=a, role="mediator", by=org.village_mediator_a)
        dispute_services.sign_agreement(agreement=a, role="seal", by=org.village_mediator_a)
        a.refresh_from_db()
    return a


def test_confirmation_of_a_village_agreement_closes_the_dispute(org, categories, setting):  # noqa: F811
    a = agreement(org, categories)
    today = timezone.localdate()
    jc = apply_to_confirm_agreement(agreement_number=a.number, court=setting["court"], applied_on=today,
                                    by=org.court_clerk)
    case = jc.court_case
    assert "民特" in jc.number and case.state == "confirmation_applied" and case.dispute_id == a.dispute_id
    assert case.agreed_terms == a.terms and case.delegated_at is None
    drain(batch=1000)
    assert Dispute.objects.get(pk=a.dispute_id).state == "agreed"
    services.rule_on_confirmation(case=case, confirmed=True, ruled_on=today, by=setting["judge"])
    drain(batch=1000)
    assert Dispute.objects.get(pk=a.dispute_id).state == "closed"
    assert FollowUp.objects.filter(dispute=a.dispute_id, done_at__isnull=True).count() == 1
    assert CourtCase.objects.get(pk=case.pk).outcome == "judicial_confirmation"


def test_refusals_write_nothing(org, categories, setting):  # noqa: F811
    today = timezone.localdate()

    def apply(number: str, on: dt.date = today):
        return apply_to_confirm_agreement(agreement_number=number, court=setting["court"], applied_on=on,
                                          by=org.court_clerk)

    with pytest.raises(ValidationError):
        apply("不存在的编号")
    unsigned = agreement(org, categories, effective=False)
    with pytest.raises(ApplicationError) as exc:
        apply(unsigned.number)
    assert exc.value.code == "agreement_not_effective"
    # in force for 40 days: the 30 days of Art. 33 are over
    late = agreement(org, categories)
    Agreement.objects.filter(pk=late.pk).update(effective_at=timezone.now() - dt.timedelta(days=40))
    with pytest.raises(ApplicationError) as exc:
        apply(late.number)
    assert exc.value.code == "confirmation_out_of_time"
    assert not CourtCase.objects.exists()
    # a second application for the same dispute
    ok = agreement(org, categories)
    apply(ok.number)
    with pytest.raises(ApplicationError) as exc:
        apply(ok.number)
    assert exc.value.code == "already_filed"
    # only the court's clerks file it
    with pytest.raises(Exception):  # noqa: B017 - PermissionDenied from the permission rows
        apply_to_confirm_agreement(agreement_number=late.number, court=setting["court"], applied_on=today,
                                   by=org.village_mediator_a)
    assert CourtCase.objects.count() == 1
