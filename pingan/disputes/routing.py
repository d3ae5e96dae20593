"""Routing to the three tiers (三级联调) and the receiving body's answer.

The `disputes.routing` rule set (data/routing_rules.json) maps a tier (+ category) to agency
*selectors*: `lead` candidates in order and the agencies taking part (`with`). Each selector
({"kind", "tier", "name_contains"}) is resolved in the dispute's place by walking up the
jurisdiction tree (village → township → district) and taking the nearest active agency. When no
lead exists at a tier in that place (a township-level dispute has no village committee), the
next tier up is tried, and the explanation says so.

Every hand-over is a Routing row; re-routing after a refusal, escalation and de-escalation each
add a row and mark the previous one superseded. The dispute's `handling_agency` follows the
current lead, which is what the permission rows scope on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.core.audit import AuditEvent, record
from pingan.core.deadlines import compute_due
from pingan.core.errors import ApplicationError
from pingan.core.rules import evaluate
from pingan.core.settings_store import get_period
from pingan.core.workflow import transition
from pingan.orgs.models import Agency, Jurisdiction

from .models import GRADE_ORDER, Dispute, Routing
from .workflow import DISPUTE

RULESET_KEY = "disputes.routing"
TIERS = ["blue", "yellow", "red"]
CURRENT = [Routing.Status.PENDING, Routing.Status.ACCEPTED]


@dataclass
class Resolution:
    tier: str
    lead: Agency
    agencies: list[Agency]
    ruleset_version: int
    explanation: list[str] = field(default_factory=list)


def _chain(jurisdiction: Jurisdiction) -> list[Jurisdiction]:
    """The place and its ancestors, nearest first (one query through the materialised path)."""
    codes = [c for c in jurisdiction.path.split("/") if c]
    by_code = {j.code: j for j in Jurisdiction.objects.filter(code__in=codes)}
    return [by_code[c] for c in reversed(codes) if c in by_code]


def resolve_selector(selector: dict[str, Any], chain: list[Jurisdiction], *, exclude: set[int] = frozenset()) -> Agency | None:  # type: ignore[assignment]
    qs = Agency.objects.filter(is_active=True, jurisdiction__in=chain, kind=selector["kind"])
    if selector.get("tier"):
        qs = qs.filter(tier=selector["tier"])
    if selector.get("name_contains"):
        qs = qs.filter(name__contains=selector["name_contains"])
    found = [a for a in qs.order_by("code") if a.pk not in exclude]
    rank = {j.pk: i for i, j in enumerate(chain)}
    found.sort(key=lambda a: rank[a.jurisdiction_id])
    return found[0] if found else None


def resolve_tier(*, dispute: Dispute, tier: str, exclude_leads: set[int] = frozenset()) -> Resolution:  # type: ignore[assignment]
    """Concrete agencies for `tier` in the dispute's place (trying higher tiers when the place
    has no lead body at this one). Raises ApplicationError when even the red tier has none."""
    chain = _chain(dispute.jurisdiction)
    notes: list[str] = []
    for t in TIERS[TIERS.index(tier):]:
        ev = evaluate(RULESET_KEY, {"grade": t, "category": dispute.category.code})
        plan = ev.result or {}
        rule = ev.fired[0].name if ev.fired else _("默认")
        lead = None
        for selector in plan.get("lead", []):
            lead = resolve_selector(selector, chain, exclude=set(exclude_leads))
            if lead is not None:
                break
        if lead is None:
            notes.append(_("%(tier)s层级在%(place)s没有可牵头的单位（规则：%(rule)s），上移一级。")
                         % {"tier": _tier_label(t), "place": dispute.jurisdiction.name, "rule": rule})
            continue
        agencies = [lead]
        for selector in plan.get("with", []):
            a = resolve_selector(selector, chain)
            if a is not None and a not in agencies:
                agencies.append(a)
        notes.append(_("规则集 %(key)s 第 %(v)s 版，命中“%(rule)s”：牵头单位 %(lead)s，参与单位 %(with)s。") % {
            "key": RULESET_KEY, "v": ev.version, "rule": rule, "lead": lead.name,
            "with": "、".join(a.name for a in agencies[1:]) or _("无"),
        })
        return Resolution(t, lead, agencies, ev.version, notes)
    raise ApplicationError(
        _("在%(place)s及其上级区划找不到可承办的单位，请人工指定。") % {"place": dispute.jurisdiction.name},
        code="no_agency", extra={"notes": notes},
    )


def _tier_label(tier: str) -> str:
    from .models import Grade

    return str(Grade(tier).label)


def current_routing(dispute: Dispute) -> Routing | None:
    return dispute.routings.filter(status__in=CURRENT).select_related("lead_agency").first()


def accept_due(start) -> Any:
    amount, unit = get_period("disputes.routing_accept_working_days")
    return compute_due(start=start, amount=amount, unit=unit).due


def _new_routing(*, dispute: Dispute, res: Resolution, kind: str, by, reason: str, lead: Agency | None = None) -> Routing:
    now = timezone.now()
    lead = lead or res.lead
    agencies = [lead] + [a for a in res.agencies if a.pk != lead.pk]
    routing = Routing(
        dispute=dispute, kind=kind, tier=res.tier, lead_agency=lead, ruleset_version=res.ruleset_version,
        explanation=res.explanation, reason=reason, accept_due=accept_due(now),
        routed_by=by if getattr(by, "pk", None) else None, routed_at=now,
    )
    routing.full_clean(exclude=["agencies"])
    routing.save()
    routing.agencies.set(agencies)
    Dispute.objects.filter(pk=dispute.pk).update(handling_agency=lead, updated_at=now)
    dispute.handling_agency = lead
    return routing


def _audit(by, dispute, routing: Routing, action: str, before: dict | None = None, reason: str = "") -> None:
    record(actor=by, event_type=AuditEvent.DISPUTE_ROUTED, action=action, obj=dispute, before=before,
           after={"routing": routing.pk, "kind": routing.kind, "tier": routing.tier, "lead": routing.lead_agency.code,
                  "agencies": sorted(a.code for a in routing.agencies.all()), "status": routing.status},
           reason=reason)


@transaction.atomic
def route_dispute(*, dispute: Dispute, by, tier: str | None = None, lead_agency: Agency | None = None,
                  reason: str = "") -> Routing:
    """Hand a graded (or declined) dispute to its tier. After a refusal the bodies that declined
    are skipped when the lead is chosen by the rules; `lead_agency` lets a person choose."""
    dispute = Dispute.objects.select_related("category", "jurisdiction").get(pk=dispute.pk)
    if DISPUTE.find("route", dispute.state) is None:
        transition(obj=dispute, name="route", by=by)  # raises the engine's "not allowed" message
    tier = tier or dispute.grade
    if tier not in GRADE_ORDER:
        raise ValidationError({"tier": _("请先定级，或指定分流层级。")}, code="required")
    declined = set(dispute.routings.filter(status=Routing.Status.DECLINED).values_list("lead_agency_id", flat=True))
    kind = Routing.Kind.REROUTE if dispute.state == "declined" else Routing.Kind.INITIAL
    if lead_agency is not None and not lead_agency.is_active:
        raise ValidationError({"lead_agency": _("该单位已停用。")}, code="inactive")
    res = resolve_tier(dispute=dispute, tier=tier, exclude_leads=set() if lead_agency else declined)
    transition(obj=dispute, name="route", by=by, reason=reason, data={"tier": res.tier})
    routing = _new_routing(dispute=dispute, res=res, kind=kind, by=by, reason=reason, lead=lead_agency)
    _audit(by, dispute, routing, "dispute.route", reason=reason)
    return routing


def _receiving(by, dispute: Dispute, name: str) -> Routing:
    if DISPUTE.find(name, dispute.state) is None:
        transition(obj=dispute, name=name, by=by)  # raises the engine's "not allowed" message
    routing = current_routing(dispute)
    if routing is None or routing.status != Routing.Status.PENDING:
        raise ApplicationError(_("没有待受理的分流。"), code="transition_not_allowed")
    agency = getattr(by, "agency", None)
    participant_only = (
        agency is not None
        and not routing.lead_agency.path.startswith(agency.path)
        and routing.agencies.filter(pk=agency.pk).exists()
    )
    if participant_only:
        raise PermissionDenied(_("参与单位不能代替牵头单位受理或拒收。"))
    return routing


@transaction.atomic
def accept_routing(*, dispute: Dispute, by) -> Routing:
    dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
    routing = _receiving(by, dispute, "accept")
    transition(obj=dispute, name="accept", by=by, data={"routing": routing.pk})
    Routing.objects.filter(pk=routing.pk).update(status=Routing.Status.ACCEPTED, decided_by=by, decided_at=timezone.now())
    routing.refresh_from_db()
    _audit(by, dispute, routing, "dispute.accept")
    return routing


@transaction.atomic
def decline_routing(*, dispute: Dispute, reason: str, by) -> Routing:
    """The receiving body declines, with its reason; the dispute waits to be routed again."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("拒收须说明理由。")}, code="required")
    dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
    routing = _receiving(by, dispute, "decline")
    transition(obj=dispute, name="decline", by=by, reason=reason, data={"routing": routing.pk},
               updates={"handling_agency": None})
    Routing.objects.filter(pk=routing.pk).update(
        status=Routing.Status.DECLINED, decided_by=by, decided_at=timezone.now(), decision_reason=reason.strip()
    )
    routing.refresh_from_db()
    _audit(by, dispute, routing, "dispute.decline", reason=reason)
    return routing


@transaction.atomic
def change_tier(*, dispute: Dispute, by, reason: str, to_tier: str | None = None, auto: bool = False) -> Routing:
    """Escalate (default: one tier up) or de-escalate to `to_tier`; a new routing row."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("升级或降级须说明理由。")}, code="required")
    dispute = Dispute.objects.select_related("category", "jurisdiction").get(pk=dispute.pk)
    old = current_routing(dispute)
    declined = dispute.routings.filter(status=Routing.Status.DECLINED).order_by("-decided_at").first()
    from_tier = old.tier if old else (declined.tier if declined else dispute.grade or "blue")
    if to_tier is None:
        idx = TIERS.index(from_tier)
        if idx == len(TIERS) - 1:
            raise ApplicationError(_("已是最高层级（红色），不能再升级。"), code="already_highest")
        to_tier = TIERS[idx + 1]
    if to_tier not in GRADE_ORDER:
        raise ValidationError({"to_tier": _("层级须为蓝色、黄色或红色。")}, code="invalid_choice")
    if to_tier == from_tier:
        raise ValidationError({"to_tier": _("目标层级与当前层级相同。")}, code="same_tier")
    up = GRADE_ORDER[to_tier] > GRADE_ORDER[from_tier]
    res = resolve_tier(dispute=dispute, tier=to_tier)
    name = "auto_escalate" if auto else ("escalate" if up else "deescalate")
    transition(obj=dispute, name=name, by=by, reason=reason,
               data={"from_tier": from_tier, "to_tier": res.tier, "auto": auto})
    if old is not None:
        Routing.objects.filter(pk=old.pk).update(status=Routing.Status.SUPERSEDED)
    kind = Routing.Kind.AUTO_ESCALATE if auto else (Routing.Kind.ESCALATE if up else Routing.Kind.DEESCALATE)
    routing = _new_routing(dispute=dispute, res=res, kind=kind, by=by, reason=reason)
    _audit(by, dispute, routing, "dispute.escalate" if up else "dispute.deescalate",
           before={"routing": old.pk if old else None, "tier": from_tier}, reason=reason)
    return routing
