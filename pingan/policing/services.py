"""Every write to policing: keyword-only, validated with full_clean, one transaction, one audit
entry. Permission is checked on the row as it will be stored (an officer may only record in their
unit's and patch's subtree), inside the transaction, so a refusal writes nothing.

Hazards move through the seven-step workflow (workflow.py) via core.workflow.transition, which
writes the transition log, the outbox event and its own audit entry. Turning a hazard into a
dispute goes through the disputes app's public intake service (create_dispute, source "police");
the disputes app grades and routes it from there."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.core.audit import AuditEvent, record
from pingan.core.crypto import blind_index
from pingan.core.errors import ApplicationError
from pingan.core.idnumber import normalize_id_number, validate_id_number
from pingan.core.rules import RuleSetNotFound, evaluate
from pingan.core.settings_store import get_setting
from pingan.core.workflow import transition
from pingan.orgs.models import Agency, Jurisdiction
from pingan.orgs.permissions import has_object_permission

from .models import (
    Assignment,
    CommitteeRole,
    Hazard,
    Household,
    OverdueFlag,
    Push,
    RiskPerson,
    RiskReview,
    Visit,
)
from .workflow import HAZARD, OPEN_STATES

OFFICER_ROLES = ("police_officer", "auxiliary_officer")
POLICE_AGENCY_KINDS = ("police_bureau", "police_station", "village_police_office")


# --- helpers ----------------------------------------------------------------------------------


def _check(by, obj, action: str) -> None:
    if not has_object_permission(by, obj, action):
        raise PermissionDenied(_("无权执行此操作。"))


def _unit(user) -> Agency:
    agency = getattr(user, "agency", None)
    if agency is None:
        raise ApplicationError(_("当前账号未归属任何单位，不能登记。"), code="no_agency")
    return agency


def _clean(obj, *, exclude: Sequence[str] = ()) -> None:
    obj.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)


def _unique_ref(model, ref: str, *, exclude_pk=None) -> None:
    if ref and model.objects.filter(external_ref=ref).exclude(pk=exclude_pk).exists():
        raise ValidationError({"external_ref": _("外部编号已存在：%(ref)s") % {"ref": ref}}, code="unique")


def _strip(values: dict[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    for key in keys:
        if isinstance(values.get(key), str):
            values[key] = values[key].strip()
    return values


def _snapshot(obj, fields: Sequence[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields:
        field = obj._meta.get_field(f)
        value = getattr(obj, field.attname)
        out[f] = str(value) if isinstance(value, Decimal | dt.date | dt.datetime) else value
    return out


def _require_officer(officer) -> None:
    codes = set(officer.roles.values_list("code", flat=True))
    if not codes.intersection(OFFICER_ROLES):
        raise ValidationError({"officer": _("包保人须为民警或辅警。")}, code="not_officer")
    if officer.agency is None or officer.agency.kind not in POLICE_AGENCY_KINDS:
        raise ValidationError({"officer": _("包保人须属于公安局、派出所或警务室。")}, code="not_police_unit")


# --- households and assignments ----------------------------------------------------------------

HOUSEHOLD_FIELDS = ("jurisdiction", "address", "head_name", "phone", "external_ref", "is_demo")


@transaction.atomic
def create_household(*, data: Mapping[str, Any], by) -> Household:
    unknown = set(data) - set(HOUSEHOLD_FIELDS)
    if unknown:
        raise ValidationError({f: _("不允许的字段。") for f in sorted(unknown)})
    values = _strip(dict(data), ("address", "head_name", "phone", "external_ref"))
    household = Household(**values)
    _clean(household)
    if household.jurisdiction.level < Jurisdiction.Level.VILLAGE:
        raise ValidationError({"jurisdiction": _("户须登记到村（社区）或村民小组。")}, code="level")
    _unique_ref(Household, household.external_ref)
    household.save()
    _check(by, household, "add")
    record(actor=by, event_type=AuditEvent.POLICING_CHANGED, action="policing.household.create", obj=household,
           after={"jurisdiction": household.jurisdiction.code, "external_ref": household.external_ref})
    return household


@transaction.atomic
def assign(
    *,
    officer,
    by,
    jurisdiction: Jurisdiction | None = None,
    household: Household | None = None,
    interval_days: int | None = None,
    starts_on: dt.date | None = None,
    note: str = "",
) -> Assignment:
    """Make `officer` responsible for a village / village group or a single household."""
    if (jurisdiction is None) == (household is None):
        raise ValidationError({"jurisdiction": _("包保对象须为一个村（组）或一户，二者选一。")}, code="one_target")
    _require_officer(officer)
    if jurisdiction is not None and jurisdiction.level < Jurisdiction.Level.VILLAGE:
        raise ValidationError({"jurisdiction": _("包保对象须为村（社区）或村民小组。")}, code="level")
    assignment = Assignment(
        officer=officer, agency=officer.agency, jurisdiction=jurisdiction, household=household,
        interval_days=interval_days, starts_on=starts_on or timezone.localdate(), note=note.strip(),
    )
    _clean(assignment)
    clash = Assignment.objects.filter(officer=officer, ends_on__isnull=True)
    clash = clash.filter(jurisdiction=jurisdiction) if jurisdiction else clash.filter(household=household)
    if clash.exists():
        raise ValidationError({"jurisdiction": _("该民（辅）警已包保此对象。")}, code="unique")
    assignment.save()
    _check(by, assignment, "add")
    record(actor=by, event_type=AuditEvent.POLICING_CHANGED, action="policing.assignment.create", obj=assignment,
           after={"officer": officer.pk, "jurisdiction": jurisdiction.code if jurisdiction else None,
                  "household": household.pk if household else None, "interval_days": interval_days})
    return assignment


@transaction.atomic
def end_assignment(*, assignment: Assignment, by, ends_on: dt.date | None = None, reason: str = "") -> Assignment:
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    _check(by, assignment, "change")
    if assignment.ends_on is not None:
        raise ApplicationError(_("该包保责任已结束。"), code="already_ended")
    assignment.ends_on = ends_on or timezone.localdate()
    _clean(assignment)
    if assignment.ends_on < assignment.starts_on:
        raise ValidationError({"ends_on": _("结束日期不能早于开始日期。")})
    assignment.save(update_fields=["ends_on"])
    record(actor=by, event_type=AuditEvent.POLICING_CHANGED, action="policing.assignment.end", obj=assignment,
           after={"ends_on": assignment.ends_on.isoformat()}, reason=reason)
    return assignment


@transaction.atomic
def appoint_to_committee(*, user, committee: Agency, by, title: str = CommitteeRole.Title.VICE_DIRECTOR) -> CommitteeRole:
    """一村一警: the village auxiliary officer becomes vice-director of the village committee."""
    if committee.kind != Agency.Kind.MEDIATION_COMMITTEE or committee.tier != Agency.Tier.VILLAGE:
        raise ValidationError({"committee": _("须为村（居）人民调解委员会。")}, code="not_village_committee")
    _require_officer(user)
    if CommitteeRole.objects.filter(user=user, committee=committee, title=title, ends_on__isnull=True).exists():
        raise ValidationError({"committee": _("已在该调解委员会任此职务。")}, code="unique")
    role = CommitteeRole(user=user, committee=committee, title=title)
    _clean(role)
    role.save()
    _check(by, role, "add")
    record(actor=by, event_type=AuditEvent.POLICING_CHANGED, action="policing.committee_role.create", obj=role,
           after={"user": user.pk, "committee": committee.code, "title": title})
    return role


# --- visits -----------------------------------------------------------------------------------

VISIT_FIELDS = ("household", "jurisdiction", "visited_at", "latitude", "longitude", "people_met", "notes",
                "external_ref")


def _build_visit(*, data: Mapping[str, Any], officer, resolved: bool = False) -> Visit:
    """An unsaved, validated visit. `resolved`: the related rows were just read from the database
    (a ledger import), so full_clean need not query each foreign key again."""
    unknown = set(data) - set(VISIT_FIELDS)
    if unknown:
        raise ValidationError({f: _("不允许的字段。") for f in sorted(unknown)})
    values = _strip({k: v for k, v in data.items() if v is not None}, ("people_met", "notes", "external_ref"))
    household = values.get("household")
    if household is not None and "jurisdiction" not in values:
        values["jurisdiction"] = household.jurisdiction
    if household is not None and not household.jurisdiction.is_within(values["jurisdiction"]):
        raise ValidationError({"household": _("走访户不在所填走访地点内。")}, code="place")
    for key in ("latitude", "longitude"):
        if key in values and not isinstance(values[key], Decimal):
            values[key] = Decimal(str(values[key]))
    visit = Visit(officer=officer, agency=_unit(officer), **values)
    _clean(visit, exclude=["officer", "agency", "household", "jurisdiction"] if resolved else ())
    return visit


@transaction.atomic
def record_visit(*, data: Mapping[str, Any], by, officer=None, hazards: Sequence[Mapping[str, Any]] = ()) -> Visit:
    """Record a visit (and the hazards found on it) for `officer` (default: the user)."""
    officer = officer or by
    visit = _build_visit(data=data, officer=officer)
    _unique_ref(Visit, visit.external_ref)
    visit.save()
    _check(by, visit, "add")
    if visit.household_id:
        OverdueFlag.objects.filter(kind=OverdueFlag.Kind.VISIT, household_id=visit.household_id,
                                   cleared_at__isnull=True).update(cleared_at=timezone.now())
    record(actor=by, event_type=AuditEvent.POLICING_CHANGED, action="policing.visit.create", obj=visit,
           after={**_snapshot(visit, ("officer", "household", "jurisdiction", "visited_at", "latitude", "longitude")),
                  "hazards": len(hazards)})
    for i, h in enumerate(hazards):
        try:
            report_hazard(data={**h, "jurisdiction": h.get("jurisdiction") or visit.jurisdiction,
                                "household": h.get("household", visit.household)}, by=by, visit=visit)
        except ValidationError as exc:
            raise ValidationError({f"hazards.{i}.{k}": v for k, v in exc.message_dict.items()}) from None
    return visit


# --- hazards ----------------------------------------------------------------------------------

HAZARD_FIELDS = ("household", "jurisdiction", "found_at", "title", "description", "category", "people_involved",
                 "amount", "contact_name", "contact_phone", "external_ref")


def grading_record(hazard: Hazard) -> dict[str, Any]:
    """The plain dict the grading rules read. Hazards are graded by the disputes grading rule set
    (setting policing.hazard_grading_ruleset, default "disputes.grading"), so the record carries
    the attributes that rule set reads (see pingan/disputes/data/grading_rules.json "record"),
    plus the hazard's own category and head count."""
    from pingan.disputes.grading import people_mentioned

    text = f"{hazard.title}\n{hazard.description}"
    parties = 1 if hazard.contact_name or hazard.household_id else 0
    return {
        "text": text,
        "amount": float(hazard.amount or 0),
        "category": hazard.category,
        "party_count": parties,
        "participants": max(parties, hazard.people_involved or 0, people_mentioned(text)),
        "people_involved": hazard.people_involved,
        "repeat_count": 0,
        "ages": [],
        "source": "police",
    }


GRADE_ORDER = {"blue": 1, "yellow": 2, "red": 3}


def grade_of(hazard: Hazard) -> tuple[str, dict[str, Any]]:
    """(grade, explanation): the highest grade among the results of the rules that fired."""
    key = get_setting("policing.hazard_grading_ruleset", str)
    try:
        result = evaluate(key, grading_record(hazard))
    except RuleSetNotFound:
        raise ApplicationError(_("隐患定级规则集 %(key)s 没有生效的版本。") % {"key": key},
                               code="ruleset_not_found") from None
    values = result.result if isinstance(result.result, list) else [result.result]
    raw = [v.get("grade") if isinstance(v, dict) else v for v in values]
    grades: list[str] = [g for g in raw if isinstance(g, str) and g in GRADE_ORDER]
    if not grades:
        raise ApplicationError(_("定级规则没有给出有效等级（蓝、黄、红）。"), code="bad_grade")
    return max(grades, key=GRADE_ORDER.__getitem__), {"ruleset": key, **result.as_dict()}


@transaction.atomic
def report_hazard(*, data: Mapping[str, Any], by, visit: Visit | None = None) -> Hazard:
    unknown = set(data) - set(HAZARD_FIELDS)
    if unknown:
        raise ValidationError({f: _("不允许的字段。") for f in sorted(unknown)})
    values = _strip({k: v for k, v in data.items() if v is not None},
                    ("title", "description", "contact_name", "contact_phone", "external_ref"))
    if "amount" in values and not isinstance(values["amount"], Decimal):
        values["amount"] = Decimal(str(values["amount"]))
    household = values.get("household")
    if household is not None and "jurisdiction" not in values:
        values["jurisdiction"] = household.jurisdiction
    hazard = Hazard(visit=visit, agency=_unit(by), found_by=by if getattr(by, "pk", None) else None, **values)
    if visit is not None and "found_at" not in values:
        hazard.found_at = visit.visited_at
    _clean(hazard, exclude=["grading"])
    if hazard.found_at > timezone.now() + dt.timedelta(minutes=10):
        raise ValidationError({"found_at": _("发现时间不能晚于现在。")})
    _unique_ref(Hazard, hazard.external_ref)
    hazard.grade, hazard.grading = grade_of(hazard)
    hazard.save()
    _check(by, hazard, "add")
    record(actor=by, event_type=AuditEvent.POLICING_CHANGED, action="policing.hazard.create", obj=hazard,
           after={**_snapshot(hazard, ("jurisdiction", "category", "people_involved", "amount", "grade", "found_at")),
                  "visit": visit.pk if visit else None})
    return hazard


@transaction.atomic
def grade_hazard(*, hazard: Hazard, by, grade: str, reason: str) -> Hazard:
    """The officer's grading (定级) after seeing the place: sets the risk colour, which decides
    the tier that mediates once the hazard is pushed into a dispute. The rule set's proposal stays
    in `grading` beside the officer's decision and reason, so the audit shows both."""
    hazard = Hazard.objects.select_for_update().get(pk=hazard.pk)
    _check(by, hazard, "change")
    if grade not in GRADE_ORDER:
        raise ValidationError({"grade": _("请选择风险等级（蓝、黄、红）。")}, code="invalid")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写定级理由。")}, code="required")
    if hazard.state not in OPEN_STATES:
        raise ApplicationError(_("隐患已化解，不能再定级。"), code="closed")
    before = {"grade": hazard.grade}
    proposed = hazard.grading.get("proposed", hazard.grade) if isinstance(hazard.grading, dict) else hazard.grade
    hazard.grading = {**(hazard.grading or {}), "proposed": proposed,
                      "officer": {"grade": grade, "reason": reason, "by": getattr(by, "pk", None),
                                  "at": timezone.now().isoformat()}}
    hazard.grade, hazard.updated_at = grade, timezone.now()
    hazard.save(update_fields=["grade", "grading", "updated_at"])
    record(actor=by, event_type=AuditEvent.POLICING_CHANGED, action="policing.hazard.grade", obj=hazard,
           before=before, after={"grade": grade, "proposed": proposed}, reason=reason)
    return hazard


def advance_hazard(*, hazard: Hazard, name: str, by, reason: str = "", data: dict | None = None,
                   updates: dict[str, Any] | None = None):
    """One step of the seven-step method (link, push, resolve, control, revisit, publicise)."""
    return transition(obj=hazard, name=name, by=by, reason=reason, data=data, workflow=HAZARD,
                      updates={"updated_at": timezone.now(), **(updates or {})})


@transaction.atomic
def resolve_hazard(*, hazard: Hazard, by, resolution: str, resolved_at: dt.datetime | None = None) -> Hazard:
    """化: resolved locally (or after linking/pushing). The resolution text is required."""
    resolution = (resolution or "").strip()
    if not resolution:
        raise ValidationError({"resolution": _("请填写化解情况。")}, code="required")
    resolved_at = resolved_at or timezone.now()
    if resolved_at < hazard.found_at:
        raise ValidationError({"resolved_at": _("化解时间不能早于发现时间。")})
    if resolved_at > timezone.now() + dt.timedelta(minutes=10):
        raise ValidationError({"resolved_at": _("化解时间不能晚于现在。")})
    updates = {"resolution": resolution, "resolved_at": resolved_at,
               "outcome": hazard.outcome or Hazard.Outcome.LOCAL}
    advance_hazard(hazard=hazard, name="resolve", by=by, reason=resolution[:200], updates=updates)
    return hazard


def _push_step(hazard: Hazard, by, reason: str, data: dict) -> None:
    # A hazard pushed a second time (to another body) stays where it is in the lifecycle.
    if HAZARD.find("push", hazard.state) is not None:
        advance_hazard(hazard=hazard, name="push", by=by, reason=reason, data=data)


def _create_dispute(*, hazard: Hazard, by, category, parties=None, title: str | None = None,
                    facts: str | None = None):
    from pingan.disputes.models import Source
    from pingan.disputes.services import create_dispute

    if not parties:
        name = hazard.contact_name or (hazard.household.head_name if hazard.household else "")
        phone = hazard.contact_phone or (hazard.household.phone if hazard.household else "")
        if not name:
            raise ValidationError({"parties": _("请填写至少一名当事人。")}, code="required")
        parties = [{"role": "applicant", "kind": "person", "name": name, "phone": phone}]
    return create_dispute(
        data={"title": (title or hazard.title)[:200], "facts": facts or hazard.description, "category": category,
              "amount": hazard.amount, "jurisdiction": hazard.jurisdiction,
              "external_ref": f"policing-hazard-{hazard.uuid}"},
        parties=parties, by=by, source=Source.POLICE,
    )


@transaction.atomic
def hazard_to_dispute(
    *,
    hazard: Hazard,
    by,
    category,
    parties: Sequence[Mapping[str, Any]] | None = None,
    title: str | None = None,
    facts: str | None = None,
) -> Push:
    """推 into the disputes system: a dispute with source "police" at the hazard's place; the
    disputes app grades and routes it. Parties default to the hazard's contact person or the
    household head."""
    hazard = Hazard.objects.select_for_update(of=("self",)).select_related("household", "jurisdiction").get(pk=hazard.pk)
    _check(by, hazard, "change")
    if hazard.dispute_id:
        raise ApplicationError(_("该隐患已转为矛盾纠纷。"), code="already_dispute")
    if hazard.state not in OPEN_STATES:
        raise ApplicationError(_("已化解的隐患不能再转为矛盾纠纷。"), code="not_open")
    dispute = _create_dispute(hazard=hazard, by=by, category=category, parties=parties, title=title, facts=facts)
    push = Push(hazard=hazard, agency=_unit(by), jurisdiction=hazard.jurisdiction, channel=Push.Channel.DISPUTE,
                target_name=_("矛盾纠纷多元化解"), dispute=dispute, content=hazard.description, sent_by=by)
    push.save()
    Hazard.objects.filter(pk=hazard.pk).update(dispute=dispute, outcome=Hazard.Outcome.DISPUTE,
                                               updated_at=timezone.now())
    hazard.dispute, hazard.outcome = dispute, Hazard.Outcome.DISPUTE
    _push_step(hazard, by, _("转为矛盾纠纷"), {"channel": "dispute", "dispute": str(dispute.uuid)})
    record(actor=by, event_type=AuditEvent.POLICING_CHANGED, action="policing.hazard.to_dispute", obj=hazard,
           after={"dispute": dispute.pk, "push": push.pk})
    return push


PUSH_FIELDS = ("jurisdiction", "target_name", "target_agency", "letter_number", "content", "sent_at", "external_ref")


@transaction.atomic
def push_by_letter(*, by, data: Mapping[str, Any], hazard: Hazard | None = None, category=None,
                   parties: Sequence[Mapping[str, Any]] | None = None) -> Push:
    """推 by referral letter (函件推送) to the body responsible; the reply is recorded later.

    A body on the platform (`target_agency`) gets the letter through the disputes referral service
    (numbered letter, reply deadline, reminders): the hazard is first turned into a dispute with
    source "police" if it is not one yet (`category` and optionally `parties` are then needed).
    A body outside the platform (`target_name` only, e.g. a 国土所 in an imported ledger) gets a
    letter recorded here."""
    unknown = set(data) - set(PUSH_FIELDS)
    if unknown:
        raise ValidationError({f: _("不允许的字段。") for f in sorted(unknown)})
    values = _strip({k: v for k, v in data.items() if v is not None},
                    ("target_name", "letter_number", "content", "external_ref"))
    if hazard is not None:
        hazard = Hazard.objects.select_for_update(of=("self",)).select_related("household", "jurisdiction").get(pk=hazard.pk)
        _check(by, hazard, "change")
        values.setdefault("jurisdiction", hazard.jurisdiction)
    target = values.get("target_agency")
    if target is not None:
        values["target_name"] = target.name
    push = Push(hazard=hazard, agency=_unit(by), channel=Push.Channel.LETTER,
                sent_by=by if getattr(by, "pk", None) else None, **values)
    _clean(push, exclude=["hazard", "dispute", "referral", "sent_by"])
    if push.sent_at > timezone.now() + dt.timedelta(minutes=10):
        raise ValidationError({"sent_at": _("推送时间不能晚于现在。")})
    _unique_ref(Push, push.external_ref)
    if target is not None:
        push.dispute, push.referral = _refer(hazard=hazard, by=by, target=target, category=category, parties=parties,
                                             request=push.content)
        push.letter_number, push.sent_at = push.referral.letter_number, push.referral.sent_at
    push.save()
    _check(by, push, "add")
    if hazard is not None:
        changes: dict[str, Any] = {}
        if not hazard.outcome:
            changes["outcome"] = Hazard.Outcome.LETTER
        if push.dispute_id and not hazard.dispute_id:
            changes["dispute"] = push.dispute
        if changes:
            Hazard.objects.filter(pk=hazard.pk).update(**changes)
            for key, value in changes.items():
                setattr(hazard, key, value)
        _push_step(hazard, by, _("函件推送至%(body)s") % {"body": push.target_name},
                   {"channel": "letter", "push": str(push.uuid)})
    record(actor=by, event_type=AuditEvent.POLICING_CHANGED, action="policing.push.letter", obj=push,
           after=_snapshot(push, ("hazard", "jurisdiction", "target_name", "letter_number", "sent_at", "referral")))
    return push


def _refer(*, hazard: Hazard | None, by, target: Agency, category, parties, request: str):
    from pingan.disputes.referrals import refer_dispute

    if hazard is None:
        raise ValidationError({"hazard": _("向平台内单位发函须针对一项隐患。")}, code="required")
    dispute = hazard.dispute
    if dispute is None:
        if category is None:
            raise ValidationError({"category": _("隐患尚未转为矛盾纠纷，请选择纠纷类别。")}, code="required")
        dispute = _create_dispute(hazard=hazard, by=by, category=category, parties=parties)
    referral = refer_dispute(dispute=dispute, recipient=target, request=request or hazard.title, by=by)
    return dispute, referral


@transaction.atomic
def record_reply(*, push: Push, by, reply: str, replied_at: dt.datetime | None = None, close: bool = True) -> Push:
    """The responsible body's reply to a letter; `close` marks the matter closed (办结)."""
    push = Push.objects.select_for_update(of=("self",)).select_related("referral").get(pk=push.pk)
    _check(by, push, "change")
    if push.channel != Push.Channel.LETTER:
        raise ApplicationError(_("只有函件推送需要登记回复。"), code="not_letter")
    if push.replied_at is not None:
        raise ApplicationError(_("已登记过回复。"), code="already_replied")
    reply = (reply or "").strip()
    if not reply:
        raise ValidationError({"reply": _("请填写回复内容。")}, code="required")
    replied_at = replied_at or timezone.now()
    if replied_at < push.sent_at:
        raise ValidationError({"replied_at": _("回复时间不能早于推送时间。")})
    if push.referral is not None:
        from pingan.disputes.referrals import record_reply as record_referral_reply

        record_referral_reply(referral=push.referral, reply=reply, by=by, replied_at=replied_at)
    push.replied_at, push.reply = replied_at, reply
    if close:
        push.closed_at = replied_at
    push.save(update_fields=["replied_at", "reply", "closed_at"])
    record(actor=by, event_type=AuditEvent.POLICING_CHANGED, action="policing.push.reply", obj=push,
           after={"replied_at": replied_at.isoformat(), "closed": close})
    return push


@transaction.atomic
def revisit_push(*, push: Push, by, satisfied: bool, revisited_at: dt.datetime | None = None) -> Push:
    """回访 after closure: resolved matters are always revisited; satisfaction is recorded."""
    push = Push.objects.select_for_update().get(pk=push.pk)
    _check(by, push, "change")
    if push.closed_at is None:
        raise ApplicationError(_("尚未办结，不能回访。"), code="not_closed")
    revisited_at = revisited_at or timezone.now()
    if revisited_at < push.closed_at:
        raise ValidationError({"revisited_at": _("回访时间不能早于办结时间。")})
    push.revisited_at, push.satisfied = revisited_at, bool(satisfied)
    push.save(update_fields=["revisited_at", "satisfied"])
    record(actor=by, event_type=AuditEvent.POLICING_CHANGED, action="policing.push.revisit", obj=push,
           after={"revisited_at": revisited_at.isoformat(), "satisfied": push.satisfied})
    return push


# --- risk persons -----------------------------------------------------------------------------

RISK_FIELDS = ("name", "id_number", "phone", "address", "jurisdiction", "household", "hazard", "officer",
               "risk_level", "reason")


def review_interval_days(level: str) -> int:
    return get_setting(f"policing.risk_review_{level}_days", int)


@transaction.atomic
def add_risk_person(*, data: Mapping[str, Any], by, today: dt.date | None = None) -> RiskPerson:
    unknown = set(data) - set(RISK_FIELDS)
    if unknown:
        raise ValidationError({f: _("不允许的字段。") for f in sorted(unknown)})
    values = _strip({k: v for k, v in data.items() if v is not None}, ("name", "id_number", "phone", "address", "reason"))
    if values.get("id_number"):
        values["id_number"] = normalize_id_number(values["id_number"])
        try:
            validate_id_number(values["id_number"])
        except ValidationError as exc:
            raise ValidationError({"id_number": exc.messages}) from None
    level = values.get("risk_level")
    if level not in ("blue", "yellow", "red"):
        raise ValidationError({"risk_level": _("请选择风险等级（蓝、黄、红）。")}, code="required")
    today = today or timezone.localdate()
    person = RiskPerson(agency=_unit(by), next_review_on=today + dt.timedelta(days=review_interval_days(level)),
                        **values)
    _clean(person)
    if person.id_number:
        person.id_number_hash = blind_index(person.id_number)
    person.save()
    _check(by, person, "add")
    record(actor=by, event_type=AuditEvent.POLICING_CHANGED, action="policing.risk_person.create", obj=person,
           after={"jurisdiction": person.jurisdiction.code, "risk_level": level,
                  "next_review_on": person.next_review_on.isoformat(), "id_number": person.masked_id_number})
    return person


@transaction.atomic
def review_risk_person(*, person: RiskPerson, by, risk_level: str, notes: str = "",
                       reviewed_at: dt.datetime | None = None) -> RiskReview:
    """A scheduled review: the next review date follows from the (possibly new) risk level."""
    person = RiskPerson.objects.select_for_update().get(pk=person.pk)
    _check(by, person, "change")
    if not person.is_active:
        raise ApplicationError(_("该人员已解除列管。"), code="inactive")
    if risk_level not in ("blue", "yellow", "red"):
        raise ValidationError({"risk_level": _("请选择风险等级（蓝、黄、红）。")}, code="invalid")
    reviewed_at = reviewed_at or timezone.now()
    next_on = timezone.localtime(reviewed_at).date() + dt.timedelta(days=review_interval_days(risk_level))
    review = RiskReview(risk_person=person, reviewed_at=reviewed_at, by=by if getattr(by, "pk", None) else None,
                        risk_level=risk_level, notes=(notes or "").strip(), next_review_on=next_on)
    _clean(review, exclude=["risk_person", "by"])
    review.save()
    before = {"risk_level": person.risk_level, "next_review_on": person.next_review_on.isoformat()}
    person.risk_level, person.next_review_on, person.last_reviewed_at = risk_level, next_on, reviewed_at
    person.save(update_fields=["risk_level", "next_review_on", "last_reviewed_at"])
    OverdueFlag.objects.filter(kind=OverdueFlag.Kind.REVIEW, risk_person=person,
                               cleared_at__isnull=True).update(cleared_at=timezone.now())
    record(actor=by, event_type=AuditEvent.POLICING_CHANGED, action="policing.risk_person.review", obj=person,
           before=before, after={"risk_level": risk_level, "next_review_on": next_on.isoformat()})
    return review
