"""Demo court cases for `pingan demo`: the roster, one case in every state, and the seed's series
of 8 cases between a private firm and a platform company mediated in one week and judicially
confirmed. Idempotent: each demo case's dispute has a fixed external reference (source "court")."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from pingan.core.demo import DemoLogin
from pingan.disputes.models import Category, Dispute, Source
from pingan.orgs.demo import demo_password, ensure_agency, ensure_jurisdiction
from pingan.orgs.models import User

from . import services
from .models import CourtCase, MediatorProfile
from .seed import seed

JUDGE = {"username": "judge_civil", "full_name": "张敏", "agency": "court"}
# (reference, title, category, names, the state to leave it in)
CASES = [
    ("C01", "周某诉吴某民间借贷纠纷", "contract", ("周明", "吴刚"), "received"),
    ("C02", "罗某诉某物业公司物业服务合同纠纷", "property_management", ("罗兰", "某物业公司"), "consent_pending"),
    ("C03", "田某诉杨某买卖合同纠纷", "contract", ("田勇", "杨平"), "delegated"),
    ("C04", "何某诉某劳务公司劳务合同纠纷", "labour_wages", ("何杰", "某劳务公司"), "mediator_assigned"),
    ("C05", "龙某诉陈某机动车交通事故责任纠纷", "traffic_accident", ("龙芳", "陈伟"), "in_mediation"),
    ("C06", "赵某诉钱某相邻关系纠纷", "neighbours", ("赵兰", "钱强"), "succeeded"),
    ("C07", "孙某诉李某租赁合同纠纷", "contract", ("孙华", "李军"), "document_issued"),
    ("C08", "郑某诉王某买卖合同纠纷", "contract", ("郑涛", "王斌"), "confirmation_applied"),
    ("C09", "冯某诉某商贸公司买卖合同纠纷", "contract", ("冯霞", "某商贸公司"), "confirmed"),
    ("C10", "韩某诉唐某民间借贷纠纷", "contract", ("韩梅", "唐超"), "rejected"),
    ("C11", "许某诉邓某婚约财产纠纷", "marriage_family", ("许静", "邓辉"), "resolved"),
    ("C12", "曹某诉某建筑公司追索劳动报酬纠纷", "labour_wages", ("曹波", "某建筑公司"), "refused"),
    ("C13", "彭某诉蒋某财产损害赔偿纠纷", "damages", ("彭飞", "蒋云"), "failed"),
    ("C14", "潘某诉某装饰公司装饰装修合同纠纷", "contract", ("潘红", "某装饰公司"), "timed_out"),
    ("C15", "胡某诉林某合伙协议纠纷", "contract", ("胡军", "林波"), "document_applied"),
]
SERIES = 8


def _users() -> tuple[User, User, User, User, list[DemoLogin]]:
    from pingan.orgs import services as org_services

    clerk = User.objects.get(username="court_clerk")
    mediator = User.objects.get(username="mediator")
    logins = []
    judge = User.objects.filter(username=JUDGE["username"]).first()
    if judge is None:
        judge = org_services.create_user(
            by=None, username=JUDGE["username"], password=demo_password(JUDGE["username"]), roles=["judge"],
            agency=ensure_agency(JUDGE["agency"]), full_name=JUDGE["full_name"], is_demo=True, check_password=False,
        )
    logins.append(DemoLogin(judge.username, "法官（业务庭，指导调解）", ensure_agency(JUDGE["agency"]).name,
                            demo_password(judge.username)))
    centre = ensure_agency("mediation-centre")
    second = User.objects.filter(username="mediator_centre_2").first()
    if second is None:
        second = org_services.create_user(
            by=None, username="mediator_centre_2", password=demo_password("mediator_centre_2"), roles=["mediator"],
            agency=centre, full_name="苏雪", is_demo=True, check_password=False,
        )
    logins.append(DemoLogin(second.username, "调解员", centre.name, demo_password(second.username)))
    cats = {c.code: c for c in Category.objects.all()}
    places = [ensure_jurisdiction("520204104001"), ensure_jurisdiction("520204002001")]
    for user, place, specialities in (
        (mediator, places[0].parent, ["contract", "labour_wages", "neighbours"]),
        (second, places[1].parent, ["traffic_accident", "marriage_family", "property_management"]),
    ):
        if not MediatorProfile.objects.filter(user=user).exists():
            services.save_mediator_profile(user=user, organisation=centre, place=place, by=None,
                                           specialities=[cats[c] for c in specialities if c in cats])
    return clerk, judge, mediator, second, logins


def _new(ref: str, title: str, category: str, names, *, clerk, received, series=None) -> CourtCase:
    court = clerk.agency
    return services.receive_case(
        court=court, claim=f"判令{names[1]}承担相应责任。", received_on=received.date(), amount=20000,
        filing_division="立案庭", series=series,
        dispute_data={"title": title, "facts": f"{names[0]}与{names[1]}发生纠纷，向法院起诉。",
                      "category": Category.objects.get(code=category), "jurisdiction": ensure_jurisdiction("520204104001"),
                      "external_ref": f"COURT-DEMO-{ref}"},
        parties=[{"role": "applicant", "name": names[0]}, {"role": "respondent", "name": names[1]}], by=clerk,
    )


def _advance(case: CourtCase, goal: str, *, clerk, judge, mediator, start) -> None:
    """Walk one case through the services to `goal`, on a clock starting at `start`."""
    day = timedelta(days=1)
    if goal == "received":
        return
    services.screen_case(case=case, by=clerk)
    parties = list(case.dispute.parties.all())
    if goal == "refused":
        services.record_consent(case=case, party=parties[0], consents=True, by=clerk, now=start)
        services.record_consent(case=case, party=parties[1], consents=False, note="要求直接立案", by=clerk, now=start)
        return
    for p in parties:
        services.record_consent(case=case, party=p, consents=True, by=clerk, now=start)
    if goal == "consent_pending":
        return
    centre = ensure_agency("mediation-centre")
    services.delegate_case(case=case, organisation=centre, by=clerk, now=start)
    if goal == "delegated":
        return
    services.assign_mediator(case=case, mediator=mediator, by=clerk, now=start + day)
    if goal == "mediator_assigned":
        return
    services.accept_delegation(case=case, by=mediator, now=start + day)
    if goal == "in_mediation":
        return
    if goal == "timed_out":
        services.return_expired_mediations(now=timezone.now())
        return
    if goal == "failed":
        services.fail_mediation(case=case, reason="双方对赔偿数额分歧过大", undisputed_facts="损害事实双方无异议",
                                disputed_matters="赔偿数额", by=mediator, now=start + 10 * day)
        return
    effective = (start + 8 * day).date()
    services.succeed_mediation(case=case, agreed_terms="被告于协议生效后三十日内一次性支付 15000 元。",
                               agreement_effective_on=effective, by=mediator, now=start + 8 * day)
    if goal == "succeeded":
        return
    if goal == "resolved":
        services.record_resolution(case=case, outcome="reconciled", by=mediator, now=start + 8 * day)
        return
    if goal in ("document_applied", "document_issued"):
        services.apply_mediation_document(case=case, applied_on=effective + 2 * day, by=clerk)
        if goal == "document_applied":
            return
        services.issue_mediation_document(case=case, issued_on=effective + 5 * day, by=judge, now=start + 14 * day)
        return
    services.apply_for_confirmation(case=case, applicants=parties, applied_on=effective + day, by=clerk)
    if goal == "confirmation_applied":
        return
    confirmed = goal == "confirmed"
    services.rule_on_confirmation(case=case, confirmed=confirmed, ruled_on=effective + 6 * day, by=judge,
                                  reason="" if confirmed else "协议约定的利息超过法定上限", now=start + 15 * day)


def load_demo_court(*, stdout=None) -> list[DemoLogin]:
    seed()
    clerk, judge, mediator, _second, logins = _users()
    existing = set(
        Dispute.objects.filter(source=Source.COURT, external_ref__startswith="COURT-DEMO-").values_list("external_ref", flat=True)
    )
    now = timezone.now()
    created = 0
    for i, (ref, title, category, names, goal) in enumerate(CASES):
        if f"COURT-DEMO-{ref}" in existing:
            continue
        # Cases that must have run out start long enough ago; the others recently.
        start = now - timedelta(days=45 if goal == "timed_out" else 25 - i)
        case = _new(ref, title, category, names, clerk=clerk, received=start)
        _advance(case, goal, clerk=clerk, judge=judge, mediator=mediator, start=start)
        created += 1
    if "COURT-DEMO-S1" not in existing:
        created += _series(clerk=clerk, judge=judge, mediator=mediator, now=now)
    if stdout is not None:
        stdout.write(f"court: {created} demo court cases added\n")
    return logins


def _series(*, clerk, judge, mediator, now) -> int:
    """The seed's 8 series cases: mediated within one week, then judicially confirmed together."""
    start = now - timedelta(days=20)
    cases = [
        _new(f"S{i}", f"某民营企业诉某平台公司服务合同纠纷（{i}）", "contract", ("某民营企业", "某平台公司"),
             clerk=clerk, received=start)
        for i in range(1, SERIES + 1)
    ]
    for case in cases:
        services.screen_case(case=case, by=clerk)
        for p in case.dispute.parties.all():
            services.record_consent(case=case, party=p, consents=True, by=clerk, now=start)
    series = services.create_series(name="某民营企业与某平台公司系列案", court=clerk.agency, cases=cases, by=clerk,
                                    facts="同一合作协议项下的八笔服务费争议")
    services.delegate_series(series=series, organisation=ensure_agency("mediation-centre"), by=clerk, now=start)
    services.assign_series_mediator(series=series, mediator=mediator, by=clerk, now=start)
    services.accept_series(series=series, by=mediator, now=start)
    cases = list(series.cases.all())
    services.record_session(cases=cases, held_at=start + timedelta(days=2), place="诉调对接中心", attendees="双方代理人",
                            minutes="八案合并调解，双方就付款方式达成一致", by=mediator)
    effective = (start + timedelta(days=6)).date()
    for case in cases:
        services.succeed_mediation(case=case, agreed_terms="平台公司分三期支付服务费。", agreement_effective_on=effective,
                                   by=mediator, now=start + timedelta(days=6))
    services.apply_series_confirmation(series=series, applied_on=effective + timedelta(days=1), by=clerk)
    services.confirm_series(series=series, ruled_on=effective + timedelta(days=4), by=judge,
                            now=start + timedelta(days=11))
    return len(cases)

