"""Risk grading (风险定级 蓝/黄/红) by the `disputes.grading` rule set (data/grading_rules.json).

`grading_record(dispute)` builds the plain dict the rules see; `grade_dispute` evaluates the rule
set in force, stores a GradingResult (append-only: which rules fired, the rule-set version, the
explanation) and moves the workflow received → graded; `override_grade` lets a person decide
otherwise, with a required reason; `regrade_dispute` runs after facts change.

Re-grading is called directly by services.update_dispute, inside the same transaction, rather
than through the outbox: the grade decides the tier, and the page that just saved the facts must
show the new grade (an outbox handler would leave a window with a stale grade, and a worker that
is down would leave it stale for longer). Grading is a few queries, cheap enough to run inline.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.core.audit import AuditEvent, record
from pingan.core.rules import evaluate
from pingan.core.workflow import transition

from .models import GRADE_ORDER, Dispute, GradingResult, Party

RULESET_KEY = "disputes.grading"
_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_PEOPLE = re.compile(r"([0-9]+|[零一二两三四五六七八九十百]+)\s*(?:余|多)?\s*(?:名|人|户|位)")


def _cn_number(text: str) -> int:
    """Arabic or simple Chinese numerals up to 999 (八, 十二, 三十, 一百二十)."""
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
    return total + current


def people_mentioned(text: str) -> int:
    """The largest head count the facts mention ("八名村民", "30余人", "十二户")."""
    return max((_cn_number(m.group(1)) for m in _PEOPLE.finditer(text)), default=0)


def _age(party: Party, today: date) -> int | None:
    if party.birth_date:
        b = party.birth_date
        return today.year - b.year - ((today.month, today.day) < (b.month, b.day))
    return party.age


def _identity(party: Party) -> str:
    if party.id_number_index:
        return f"id:{party.id_number_index}"
    if party.credit_code:
        return f"org:{party.credit_code}"
    return f"name:{party.name}"


def repeat_count(dispute: Dispute, parties: list[Party]) -> int:
    """Earlier disputes between the same parties: sharing at least two of this dispute's party
    identities (ID number by blind index, credit code, else name), or the one identity when the
    dispute has a single party."""
    identities = {_identity(p) for p in parties}
    if not identities:
        return 0
    needed = min(2, len(identities))
    ids = [i[3:] for i in identities if i.startswith("id:")]
    names = [p.name for p in parties]
    earlier = Party.objects.filter(dispute__received_at__lt=dispute.received_at).exclude(dispute=dispute)

    candidates = earlier.filter(Q(id_number_index__in=ids) | Q(name__in=names)).only(
        "dispute_id", "id_number_index", "credit_code", "name"
    )
    matches: dict[int, set[str]] = {}
    for p in candidates:
        ident = _identity(p)
        if ident in identities:
            matches.setdefault(p.dispute_id, set()).add(ident)
    return sum(1 for found in matches.values() if len(found) >= needed)


def grading_record(dispute: Dispute) -> dict[str, Any]:
    """What the grading rules see (stored with each result, so an explanation can be replayed)."""
    parties = list(dispute.parties.all())
    today = timezone.localdate()
    ages = [a for a in (_age(p, today) for p in parties if p.kind == Party.Kind.PERSON) if a is not None]
    text = f"{dispute.title}\n{dispute.facts}"
    return {
        "text": text,
        "amount": float(Decimal(dispute.amount)),
        "category": dispute.category.code,
        "party_count": len(parties),
        "participants": max(len(parties), people_mentioned(text)),
        "repeat_count": repeat_count(dispute, parties),
        "ages": ages,
        "source": dispute.source,
    }


def _highest(grades: list[str]) -> str:
    return max(grades, key=lambda g: GRADE_ORDER.get(g, 0))


def _evaluate(dispute: Dispute) -> tuple[str, dict[str, Any], Any]:
    data = grading_record(dispute)
    ev = evaluate(RULESET_KEY, data)
    grades = ev.result if isinstance(ev.result, list) else [ev.result]
    grades = [g for g in grades if g in GRADE_ORDER] or ["blue"]
    return _highest(grades), data, ev


def _result_row(dispute: Dispute, *, kind: str, grade: str, rules_grade: str, data, ev, by, reason="") -> GradingResult:
    row = GradingResult(
        dispute=dispute, kind=kind, grade=grade, rules_grade=rules_grade, ruleset_key=ev.key,
        ruleset_version=ev.version,
        fired=[{"id": f.id, "name": f.name, "grade": f.then} for f in ev.fired],
        explanation=ev.explanation, record=data, reason=reason, by=by if getattr(by, "pk", None) else None,
    )
    row.full_clean()
    row.save()
    return row


def latest_grading(dispute: Dispute) -> GradingResult | None:
    return dispute.gradings.order_by("-created_at", "-pk").first()


@transaction.atomic
def grade_dispute(*, dispute: Dispute, by) -> GradingResult:
    """Grade a received dispute by the rules in force and move it to "graded"."""
    dispute = Dispute.objects.select_related("category").get(pk=dispute.pk)
    grade, data, ev = _evaluate(dispute)
    # The transition checks the state, the "grade" permission and concurrent moves first.
    transition(obj=dispute, name="grade", by=by, data={"grade": grade, "ruleset_version": ev.version},
               updates={"grade": grade, "updated_at": timezone.now()})
    return _result_row(dispute, kind=GradingResult.Kind.RULES, grade=grade, rules_grade=grade, data=data, ev=ev, by=by)


@transaction.atomic
def override_grade(*, dispute: Dispute, grade: str, reason: str, by) -> GradingResult:
    """A person's grade instead of the rules' (the rules' result is kept beside it)."""
    from .services import _check

    if grade not in GRADE_ORDER:
        raise ValidationError({"grade": _("风险等级须为蓝色、黄色或红色。")}, code="invalid_choice")
    if not (reason or "").strip():
        raise ValidationError({"reason": _("人工调整风险等级须说明理由。")}, code="required")
    dispute = Dispute.objects.select_for_update(of=("self",)).select_related("category").get(pk=dispute.pk)
    _check(by, dispute, "grade")
    if dispute.state == "received":
        raise ValidationError({"grade": _("请先按规则定级，再人工调整。")}, code="not_graded")
    rules_grade, data, ev = _evaluate(dispute)
    before = dispute.grade
    Dispute.objects.filter(pk=dispute.pk).update(grade=grade, updated_at=timezone.now())
    dispute.grade = grade
    row = _result_row(dispute, kind=GradingResult.Kind.OVERRIDE, grade=grade, rules_grade=rules_grade, data=data,
                      ev=ev, by=by, reason=reason.strip())
    record(actor=by, event_type=AuditEvent.DISPUTE_GRADED, action="dispute.override_grade", obj=dispute,
           before={"grade": before}, after={"grade": grade, "rules_grade": rules_grade}, reason=reason.strip())
    return row


def regrade_dispute(*, dispute: Dispute, by, reason: str = "") -> GradingResult | None:
    """After the facts changed: grade again by the rules (graded disputes only). A standing
    manual override is only ever raised, never lowered, by the rules: lowering a risk a person
    judged higher needs a person."""
    if dispute.state == "received" or dispute.grade is None:
        return None
    dispute = Dispute.objects.select_related("category").get(pk=dispute.pk)
    rules_grade, data, ev = _evaluate(dispute)
    last = latest_grading(dispute)
    grade = rules_grade
    if last is not None and last.kind == GradingResult.Kind.OVERRIDE and GRADE_ORDER[last.grade] > GRADE_ORDER[grade]:
        grade = last.grade
    before = dispute.grade
    Dispute.objects.filter(pk=dispute.pk).update(grade=grade)
    dispute.grade = grade
    row = _result_row(dispute, kind=GradingResult.Kind.REGRADE, grade=grade, rules_grade=rules_grade, data=data,
                      ev=ev, by=by, reason=reason)
    record(actor=by, event_type=AuditEvent.DISPUTE_GRADED, action="dispute.regrade", obj=dispute,
           before={"grade": before}, after={"grade": grade, "rules_grade": rules_grade}, reason=reason)
    return row
