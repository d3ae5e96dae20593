"""Demo: move the year of demo disputes through the workflow so every state has examples
(graded, routed, accepted, mediating, agreed with a signed agreement, failed, referred, closed,
followed up). Deterministic and idempotent: each demo dispute has a target taken from its
number, and only disputes still "received" with no grading are moved — a rerun moves nothing.
Acts as the demo administrator (a superuser from the orgs demo); every step goes through the
services, so transitions, audit entries and documents are the real ones."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from pingan.core.errors import ApplicationError
from pingan.orgs.models import Agency, User

from . import services
from .models import Dispute, Signature, Source

# Target per demo number modulo 12 (a realistic mix: most disputes end resolved and revisited).
TARGETS = (
    "received", "graded", "routed", "accepted", "mediating", "agreed", "failed", "referred",
    "closed", "followed_up", "followed_up", "followed_up",
)


def _actor() -> User | None:
    return User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()


def _mediate(d: Dispute, by, n: int) -> None:
    services.accept_routing(dispute=d, by=by)
    services.add_session(dispute=d, by=by, data={
        "held_at": timezone.now(), "mode": "in_person", "place": f"{d.jurisdiction.name}调解室",
        "attendees": "、".join(d.parties.values_list("name", flat=True)) + "、调解员",
        "minutes": "调解员释法说理，双方分别陈述诉求。",
    })


def _agree(d: Dispute, by, n: int) -> None:
    today = timezone.localdate()
    names = list(d.parties.values_list("name", flat=True))
    agreement = services.create_agreement(dispute=d, by=by, data={
        "agreed_on": today, "facts": d.facts, "disputed_matters": d.title,
        "responsibility": "双方对纠纷发生均有责任，经调解互谅互让。",
        "terms": f"{names[-1]}于{today + dt.timedelta(days=15):%Y年%m月%d日}前一次性支付{names[0]}人民币{1000 + n * 10}元，双方再无其他争议。",
        "performance_method": "银行转账", "performance_deadline": today + dt.timedelta(days=15), "copies": 3,
    })
    for party in d.parties.all():
        services.sign_agreement(agreement=agreement, role=Signature.Role.PARTY, party=party, by=by)
    services.sign_agreement(agreement=agreement, role=Signature.Role.MEDIATOR, by=by)
    services.sign_agreement(agreement=agreement, role=Signature.Role.SEAL, by=by)


def _advance(d: Dispute, target: str, by, n: int) -> None:
    services.grade_dispute(dispute=d, by=by)
    if target == "graded":
        return
    if target == "referred":
        recipient = Agency.objects.filter(kind=Agency.Kind.PARTY_GOVERNMENT, is_active=True).order_by("code").first()
        if recipient is not None:
            services.refer_dispute(dispute=d, recipient=recipient, by=by, request="请协调处理涉及的政策问题并回复。")
        return
    services.route_dispute(dispute=d, by=by)
    if target == "routed":
        return
    _mediate(d, by, n)
    if target in ("accepted", "mediating"):
        return
    if target == "failed":
        services.fail_mediation(dispute=d, by=by, reason="一方不同意调解方案", undisputed_facts="双方对基本事实无异议")
        return
    if n % 2:
        _agree(d, by, n)
    else:
        services.record_outcome(dispute=d, kind="performed", decided_on=timezone.localdate(), by=by,
                                reason="当场兑现")
    if target == "agreed":
        return
    services.close_dispute(dispute=d, by=by)
    if target == "followed_up":
        satisfaction = ("satisfied", "satisfied", "basically", "dissatisfied")[n % 4]
        services.record_follow_up(dispute=d, by=by, method="phone", satisfaction=satisfaction, notes="协议已履行。")


def advance_demo_disputes(*, stdout=None) -> int:
    by = _actor()
    if by is None:
        return 0
    moved = 0
    demo = Dispute.objects.filter(source=Source.VISIT, external_ref__startswith="DEMO-", state="received",
                                  gradings__isnull=True).select_related("jurisdiction").order_by("external_ref")
    for d in demo:
        n = int(d.external_ref.split("-")[1])
        target = TARGETS[n % len(TARGETS)]
        if target == "received":
            continue
        try:
            with transaction.atomic():
                _advance(d, target, by, n)
            moved += 1
        except ApplicationError:
            continue  # no body to route to in that place (a partial demo org chart): left as received
    if stdout is not None:
        stdout.write(f"disputes: {moved} demo disputes moved through grading, routing and mediation\n")
    return moved
