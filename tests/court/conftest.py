"""Court tests run on the shared demo org chart: the district court (with the 董地 tribunal),
the district mediation centre, a clerk, a supervising judge and two roster mediators."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from pingan.court import services
from pingan.court.models import CourtCase, MediatorProfile
from pingan.disputes.models import Category
from pingan.orgs.demo import ensure_agency, ensure_jurisdiction
from pingan.orgs.models import Agency, Jurisdiction, User

CHINA = ZoneInfo("Asia/Shanghai")


def at(d: date, hour: int = 10) -> datetime:
    """A fixed clock: `hour` o'clock Beijing time on day `d`."""
    return datetime.combine(d, time(hour), tzinfo=CHINA)


@dataclass
class Court:
    court: Agency
    tribunal: Agency
    centre: Agency
    village: Jurisdiction
    clerk: User
    judge: User
    mediator: User
    other_mediator: User
    categories: dict[str, Category]


@pytest.fixture
def court(district, make_user) -> Court:
    from pingan.court.seed import seed as court_seed
    from pingan.disputes.seed import seed as disputes_seed

    disputes_seed()
    court_seed()
    clerk = make_user("court_clerk", "court", username="clerk", full_name="李娜")
    judge = make_user("judge", "court", username="judge_civil", full_name="陈立")
    mediator = make_user("mediator", "mediation-centre", username="med_a", full_name="刘芳")
    other = make_user("mediator", "mediation-centre", username="med_b", full_name="蒋文")
    cats = {c.code: c for c in Category.objects.all()}
    village = ensure_jurisdiction("520204104001")
    centre = mediator.agency
    for user in (mediator, other):
        MediatorProfile.objects.create(user=user, organisation=centre, place=village.parent)
    return Court(
        court=clerk.agency, tribunal=ensure_agency("tribunal-dongdi"), centre=centre, village=village, clerk=clerk,
        judge=judge, mediator=mediator, other_mediator=other, categories=cats,
    )


def new_case(c: Court, *, received_on: date = date(2024, 1, 10), names=("张三", "某物流公司"),
             category: str = "contract", title: str = "买卖合同纠纷", court_agency: Agency | None = None) -> CourtCase:
    parties = [{"role": "applicant", "name": names[0]}]
    parties += [{"role": "respondent", "name": n} for n in names[1:]]
    return services.receive_case(
        court=court_agency or c.court, claim="判令被告支付货款 12000 元。", received_on=received_on,
        amount=12000, filing_division="立案庭",
        dispute_data={"title": title, "facts": f"{names[0]}诉称被告拖欠货款。", "category": c.categories[category],
                      "jurisdiction": c.village},
        parties=parties, by=c.clerk,
    )


def consent_all(c: Court, case: CourtCase) -> CourtCase:
    services.screen_case(case=case, by=c.clerk)
    for party in case.dispute.parties.all():
        services.record_consent(case=case, party=party, consents=True, by=c.clerk)
    return case


def in_mediation(c: Court, *, accepted: datetime, **kw) -> CourtCase:
    """A case consented, delegated, assigned and accepted by `c.mediator` at `accepted`."""
    case = consent_all(c, new_case(c, **kw))
    services.delegate_case(case=case, organisation=c.centre, by=c.clerk, now=accepted)
    services.assign_mediator(case=case, mediator=c.mediator, by=c.clerk, now=accepted)
    services.accept_delegation(case=case, by=c.mediator, now=accepted)
    case.refresh_from_db()
    return case
