"""Every write to the procuratorate app: keyword-only, validated (full_clean and date checks),
one transaction, audited (AuditEvent.PROCURATORATE_CHANGED; transitions are audited by the
workflow engine). A refusal — bad date, decision out of order, missing permission — raises
before anything is committed, so nothing is half-written.

Statutory periods come from core.Setting (`procuratorate.*`, see
pingan/core/data/statutory_settings.json); the deadlines are core.Deadline rows on the suspect
or the recommendation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.core import deadlines as dl
from pingan.core.audit import AuditEvent, record
from pingan.core.case_numbers import issue_case_number
from pingan.core.crypto import blind_index
from pingan.core.idnumber import mask_id_number, normalize_id_number, validate_id_number
from pingan.core.models import Deadline
from pingan.core.outbox import publish
from pingan.core.settings_store import get_period, get_setting
from pingan.core.workflow import transition
from pingan.orgs.models import Agency
from pingan.orgs.permissions import has_object_permission

from .models import (
    NON_PROSECUTION,
    EarlyInvolvement,
    FollowUp,
    Hearing,
    HearingParticipant,
    MinorCase,
    Recommendation,
    Source,
    Suspect,
    VolunteerHours,
    VolunteerPlan,
)
from .seed import RECOMMENDATION_CASE_TYPE, RECOMMENDATION_COURT_CODE
from .workflow import ARREST_TRANSITIONS, PROSECUTION_TRANSITIONS

CASE_FIELDS = ("number", "offence", "procuratorate", "police_agency", "jurisdiction", "prosecutor", "received_on",
               "fast_track", "summary")
SUSPECT_FIELDS = ("name", "id_number", "guilty_plea", "guilty_plea_on", "first_offender", "occasional", "negligent",
                  "relation")
REQUESTS = ("arrest", "prosecution")
# Deadline kinds on a suspect.
ARREST_REVIEW = "procuratorate.arrest_review"
PROSECUTION_REVIEW = "procuratorate.prosecution_review"
APPEAL = "procuratorate.non_prosecution_appeal"
REPLY = "procuratorate.recommendation_reply"


# --- helpers ----------------------------------------------------------------------------------


def today() -> dt.date:
    return timezone.localdate()


def _audit(*, by, action: str, obj, after: dict | None = None, before: dict | None = None, reason: str = "") -> None:
    record(actor=by, event_type=AuditEvent.PROCURATORATE_CHANGED, action=f"procuratorate.{action}", obj=obj,
           before=before, after=after, reason=reason)


def _check(by, obj, action: str) -> None:
    # `by=None` is the system (demo loader, ledger import already checked, follow-up job).
    if by is not None and not has_object_permission(by, obj, action):
        raise PermissionDenied(_("无权执行此操作。"))


def _date_not_future(value: dt.date | None, field: str) -> None:
    if value is not None and value > today():
        raise ValidationError({field: _("日期不能晚于今天。")})


def _date_not_before(value: dt.date, earlier: dt.date | None, field: str, what: str) -> None:
    if earlier is not None and value < earlier:
        raise ValidationError({field: _("日期不能早于%(what)s（%(d)s）。") % {"what": what, "d": earlier.isoformat()}})


def _start_of(day: dt.date) -> dt.datetime:
    # The day of the event is not counted (刑事诉讼法 Art. 105), so any hour of it will do.
    return dt.datetime.combine(day, dt.time(12, 0), tzinfo=dl.CHINA)


def _setting_source(key: str) -> str:
    from pingan.core.models import Setting

    return (Setting.objects.filter(key=key).values_list("source", flat=True).first() or "")[:300]


def _start(*, target, kind: str, key: str, on: dt.date, by) -> Deadline:
    amount, unit = get_period(key)
    return dl.start_deadline(target=target, kind=kind, start=_start_of(on), amount=amount, unit=unit,
                             source=_setting_source(key), by=by)


def _open_deadline(target, kind: str) -> Deadline | None:
    return dl.deadlines_for(target).filter(kind=kind, status__in=dl.OPEN_STATUSES).first()


def _close_deadline(target, kind: str, by) -> None:
    deadline = _open_deadline(target, kind)
    if deadline is not None:
        dl.complete_deadline(deadline=deadline, by=by)


def _prefixed(exc: ValidationError, prefix: str) -> dict[str, list]:
    if hasattr(exc, "error_dict"):
        return {f"{prefix}{field}": errs for field, errs in exc.error_dict.items()}
    return {prefix.rstrip(".") or "__all__": exc.error_list}


def suspect_snapshot(s: Suspect) -> dict[str, Any]:
    # Never the ID number in clear.
    return {"name": s.name, "id_number": s.id_number_masked, "guilty_plea": s.guilty_plea,
            "guilty_plea_on": s.guilty_plea_on, "first_offender": s.first_offender, "occasional": s.occasional,
            "negligent": s.negligent, "relation": s.relation, "state": s.state,
            "arrest_decision": s.arrest_decision, "prosecution_decision": s.prosecution_decision}


def case_snapshot(c: MinorCase) -> dict[str, Any]:
    return {"number": c.number, "offence": c.offence.code, "procuratorate": c.procuratorate_id,
            "police_agency": c.police_agency_id, "jurisdiction": c.jurisdiction_id, "prosecutor": c.prosecutor_id,
            "received_on": c.received_on, "fast_track": c.fast_track, "source": c.source}


# --- minor cases and suspects -------------------------------------------------------------------


def build_suspect(data: Mapping[str, Any], order: int) -> Suspect:
    unknown = set(data) - set(SUSPECT_FIELDS)
    if unknown:
        raise ValidationError({f: _("不允许的字段。") for f in sorted(unknown)})
    values = {k: data[k] for k in SUSPECT_FIELDS if data.get(k) is not None}
    values["name"] = str(values.get("name", "")).strip()
    number = normalize_id_number(str(values.pop("id_number", "") or ""))
    suspect = Suspect(order=order, **values)
    if number:
        suspect.id_number = number
    return suspect


def validate_suspect(suspect: Suspect) -> None:
    errors: dict[str, list] = {}
    try:
        suspect.full_clean(exclude=["case"], validate_constraints=False)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if suspect.id_number:
        try:
            validate_id_number(suspect.id_number)
        except ValidationError as exc:
            errors.setdefault("id_number", []).extend(exc.messages)
        else:
            suspect.id_number_index = blind_index(suspect.id_number)
            suspect.id_number_masked = mask_id_number(suspect.id_number)
    if suspect.guilty_plea and suspect.guilty_plea_on is None:
        errors.setdefault("guilty_plea_on", []).append(_("认罪认罚须填写签署具结书的日期。"))
    if suspect.guilty_plea_on and suspect.guilty_plea_on > today():
        errors.setdefault("guilty_plea_on", []).append(_("日期不能晚于今天。"))
    if not suspect.guilty_plea:
        suspect.guilty_plea_on = None
    if errors:
        raise ValidationError(errors)


def validate_case(case: MinorCase, suspects: Sequence[Suspect]) -> None:
    errors: dict[str, list] = {}
    if case.jurisdiction_id is None and case.police_agency_id is not None:
        case.jurisdiction = case.police_agency.jurisdiction
    try:
        case.full_clean(exclude=["created_by"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if case.received_on and case.received_on > today():
        errors.setdefault("received_on", []).append(_("日期不能晚于今天。"))
    if case.procuratorate_id and case.procuratorate.kind != Agency.Kind.PROCURATORATE:
        errors.setdefault("procuratorate", []).append(_("承办单位须为人民检察院。"))
    if case.police_agency_id and case.police_agency.kind not in (Agency.Kind.POLICE_BUREAU, Agency.Kind.POLICE_STATION):
        errors.setdefault("police_agency", []).append(_("移送机关须为公安机关。"))
    if not suspects:
        errors["suspects"] = [_("至少登记一名犯罪嫌疑人。")]
    for i, s in enumerate(suspects):
        try:
            validate_suspect(s)
        except ValidationError as exc:
            errors.update(_prefixed(exc, f"suspects.{i}."))
        if s.guilty_plea_on and case.received_on and s.guilty_plea_on < case.received_on - dt.timedelta(days=365):
            errors.setdefault(f"suspects.{i}.guilty_plea_on", []).append(_("认罪认罚日期与受理日期相差过远，请核对。"))
    if errors:
        raise ValidationError(errors)


def create_case(
    *, data: Mapping[str, Any], suspects: Sequence[Mapping[str, Any]], request: str, by, source: str = Source.WEB
) -> MinorCase:
    """Register a case received from the police: `request` "arrest" (提请批准逮捕: the 7-day
    review starts) or "prosecution" (移送审查起诉: the review for prosecution starts)."""
    if request not in REQUESTS:
        raise ValidationError({"request": _("须为 arrest（提请批准逮捕）或 prosecution（移送审查起诉）。")})
    unknown = set(data) - set(CASE_FIELDS)
    if unknown:
        raise ValidationError({f: _("不允许的字段。") for f in sorted(unknown)})
    case = MinorCase(source=source, created_by=by if getattr(by, "pk", None) else None,
                     **{k: v for k, v in data.items() if v is not None})
    objs = [build_suspect(s, i) for i, s in enumerate(suspects)]
    validate_case(case, objs)
    with transaction.atomic():
        case.save()
        _check(by, case, "add")
        for s in objs:
            s.case, s.procuratorate, s.received_on = case, case.procuratorate, case.received_on
            s.jurisdiction_id = case.jurisdiction_id
            s.save()
        _audit(by=by, action="case_created", obj=case,
               after={**case_snapshot(case), "request": request, "suspects": [suspect_snapshot(s) for s in objs]})
        for s in objs:
            if request == "arrest":
                request_arrest(suspect=s, requested_on=case.received_on, by=by)
            else:
                transfer_for_prosecution(suspect=s, received_on=case.received_on, by=by)
    return case


def request_arrest(*, suspect: Suspect, requested_on: dt.date, by) -> Suspect:
    _date_not_future(requested_on, "requested_on")
    with transaction.atomic():
        transition(obj=suspect, name="request_arrest", by=by, data={"requested_on": requested_on.isoformat()},
                   updates={"arrest_requested_on": requested_on})
        _start(target=suspect, kind=ARREST_REVIEW, key="procuratorate.arrest_review_days", on=requested_on, by=by)
    return suspect


def decide_arrest(*, suspect: Suspect, decision: str, decided_on: dt.date, grounds: str = "", by) -> Suspect:
    """批准逮捕 / 不批准逮捕 (with grounds), within the review that the police request started."""
    names = {v: k for k, v in ARREST_TRANSITIONS.items()}
    if decision not in names:
        raise ValidationError({"decision": _("须为 approved（批准逮捕）或 not_approved（不批准逮捕）。")})
    _date_not_future(decided_on, "decided_on")
    if suspect.arrest_requested_on:
        _date_not_before(decided_on, suspect.arrest_requested_on, "decided_on", _("提请批准逮捕日期"))
    grounds = grounds.strip()
    with transaction.atomic():
        transition(obj=suspect, name=names[decision], by=by, reason=grounds,
                   data={"grounds": grounds, "decided_on": decided_on.isoformat()},
                   updates={"arrest_decision": decision, "arrest_decided_on": decided_on, "arrest_grounds": grounds})
        _close_deadline(suspect, ARREST_REVIEW, by)
    return suspect


def transfer_for_prosecution(*, suspect: Suspect, received_on: dt.date, by) -> Suspect:
    _date_not_future(received_on, "received_on")
    earlier = suspect.arrest_decided_on or suspect.arrest_requested_on
    if earlier:
        _date_not_before(received_on, earlier, "received_on", _("审查逮捕的日期"))
    key = "procuratorate.fast_track_days" if suspect.case.fast_track else "procuratorate.prosecution_review_months"
    with transaction.atomic():
        transition(obj=suspect, name="transfer_for_prosecution", by=by, data={"received_on": received_on.isoformat()},
                   updates={"prosecution_received_on": received_on})
        _start(target=suspect, kind=PROSECUTION_REVIEW, key=key, on=received_on, by=by)
    return suspect


def extend_prosecution_review(*, suspect: Suspect, reason: str, by) -> Deadline:
    """重大、复杂案件 +15 days; a fast-track case from 10 to 15 days (刑事诉讼法 Art. 172)."""
    _check(by, suspect, "decide")
    deadline = _open_deadline(suspect, PROSECUTION_REVIEW)
    if deadline is None:
        raise ValidationError({"__all__": _("该犯罪嫌疑人没有进行中的审查起诉期限。")})
    if deadline.extensions:
        raise ValidationError({"__all__": _("审查起诉期限已经延长过一次。")})
    unit: str
    if suspect.case.fast_track:
        amount = get_setting("procuratorate.fast_track_extended_days", int) - get_setting(
            "procuratorate.fast_track_days", int)
        unit = Deadline.Unit.NATURAL_DAYS
    else:
        amount, unit = get_period("procuratorate.prosecution_review_extension_days")
    return dl.extend_deadline(deadline=deadline, amount=amount, unit=unit, reason=reason, by=by)


def decide_prosecution(*, suspect: Suspect, decision: str, decided_on: dt.date, grounds: str = "", by) -> Suspect:
    """起诉 / 相对不起诉 (Art. 177(2)) / 其他不起诉. A non-prosecution opens the 7-day appeal
    window of the victim and (Art. 177(2)) the person not prosecuted (Art. 180, 181)."""
    names = {v: k for k, v in PROSECUTION_TRANSITIONS.items()}
    if decision not in names:
        raise ValidationError({"decision": _("须为 prosecute、relative 或 other。")})
    _date_not_future(decided_on, "decided_on")
    if suspect.prosecution_received_on:
        _date_not_before(decided_on, suspect.prosecution_received_on, "decided_on", _("移送审查起诉日期"))
    grounds = grounds.strip()
    with transaction.atomic():
        transition(obj=suspect, name=names[decision], by=by, reason=grounds,
                   data={"grounds": grounds, "decided_on": decided_on.isoformat()},
                   updates={"prosecution_decision": decision, "prosecution_decided_on": decided_on,
                            "prosecution_grounds": grounds})
        _close_deadline(suspect, PROSECUTION_REVIEW, by)
        if decision in NON_PROSECUTION:
            VolunteerPlan.objects.filter(suspect=suspect).update(not_prosecuted=True)
            _start(target=suspect, kind=APPEAL, key="procuratorate.non_prosecution_appeal_days", on=decided_on, by=by)
    return suspect


def record_guilty_plea(*, suspect: Suspect, signed_on: dt.date, by) -> Suspect:
    _check(by, suspect, "change")
    _date_not_future(signed_on, "signed_on")
    _date_not_before(signed_on, suspect.case.received_on - dt.timedelta(days=365), "signed_on", _("受理日期前一年"))
    if suspect.prosecution_decision:
        raise ValidationError({"__all__": _("已作出起诉决定，不能再登记认罪认罚。")})
    with transaction.atomic():
        before = suspect_snapshot(suspect)
        Suspect.objects.filter(pk=suspect.pk).update(guilty_plea=True, guilty_plea_on=signed_on)
        suspect.guilty_plea, suspect.guilty_plea_on = True, signed_on
        _audit(by=by, action="guilty_plea_recorded", obj=suspect, before=before, after=suspect_snapshot(suspect))
    return suspect


# --- volunteer service --------------------------------------------------------------------------

OPEN_FOR_VOLUNTEERING = ("received", "arrest_not_approved", "prosecution_review")


def create_volunteer_plan(
    *, suspect: Suspect, partner: Agency, service_type: str, consent_on: dt.date, start_on: dt.date,
    end_on: dt.date, planned_hours: Decimal | int | str, by,
) -> VolunteerPlan:
    """A service plan for a suspect who pleads guilty (认罪认罚) and agrees to volunteer."""
    errors: dict[str, list] = {}
    if not suspect.guilty_plea:
        errors.setdefault("suspect", []).append(_("犯罪嫌疑人须认罪认罚后才能参加拟不起诉社会志愿服务。"))
    if suspect.state not in OPEN_FOR_VOLUNTEERING:
        errors.setdefault("suspect", []).append(_("已作出起诉决定或已批准逮捕，不能安排志愿服务。"))
    if VolunteerPlan.objects.filter(suspect=suspect).exists():
        errors.setdefault("suspect", []).append(_("该犯罪嫌疑人已有志愿服务计划。"))
    if partner.kind != Agency.Kind.PARTNER:
        errors.setdefault("partner", []).append(_("须选择志愿服务协作单位。"))
    try:
        hours = Decimal(str(planned_hours))
    except InvalidOperation:
        errors.setdefault("planned_hours", []).append(_("须为数字。"))
        hours = Decimal(0)
    if consent_on > today():
        errors.setdefault("consent_on", []).append(_("日期不能晚于今天。"))
    if suspect.guilty_plea_on and consent_on < suspect.guilty_plea_on:
        errors.setdefault("consent_on", []).append(_("自愿申请日期不能早于认罪认罚日期。"))
    if start_on < consent_on:
        errors.setdefault("start_on", []).append(_("开始日期不能早于自愿申请日期。"))
    if end_on < start_on:
        errors.setdefault("end_on", []).append(_("结束日期不能早于开始日期。"))
    plan = VolunteerPlan(suspect=suspect, partner=partner, service_type=service_type, consent_on=consent_on,
                         procuratorate=suspect.case.procuratorate, jurisdiction_id=suspect.case.jurisdiction_id,
                         start_on=start_on, end_on=end_on, planned_hours=hours,
                         created_by=by if getattr(by, "pk", None) else None)
    try:
        plan.full_clean(exclude=["created_by", "suspect"], validate_constraints=False)
    except ValidationError as exc:
        for k, v in exc.message_dict.items():
            errors.setdefault(k, []).extend(v)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        plan.save()
        _check(by, plan, "add")
        _audit(by=by, action="volunteer_plan_created", obj=plan,
               after={"suspect": suspect.pk, "partner": partner.pk, "service_type": service_type,
                      "consent_on": consent_on, "start_on": start_on, "end_on": end_on, "planned_hours": str(hours)})
    return plan


def log_hours(*, plan: VolunteerPlan, served_on: dt.date, hours: Decimal | str | int, activity: str,
              by) -> VolunteerHours:
    _check(by, plan, "log_hours")
    if plan.state != "active":
        raise ValidationError({"__all__": _("该志愿服务计划已评估，不能再登记时长。")})
    _date_not_future(served_on, "served_on")
    if not plan.start_on <= served_on <= plan.end_on:
        raise ValidationError({"served_on": _("服务日期须在计划期间（%(a)s 至 %(b)s）内。") % {
            "a": plan.start_on.isoformat(), "b": plan.end_on.isoformat()}})
    try:
        amount = Decimal(str(hours))
    except InvalidOperation:
        raise ValidationError({"hours": _("须为数字。")}) from None
    entry = VolunteerHours(plan=plan, served_on=served_on, hours=amount, activity=activity.strip(),
                           logged_by=by if getattr(by, "pk", None) else None)
    entry.full_clean(exclude=["logged_by", "confirmed_by"], validate_constraints=False)
    with transaction.atomic():
        entry.save()
        _audit(by=by, action="volunteer_hours_logged", obj=plan,
               after={"entry": entry.pk, "served_on": served_on, "hours": str(amount), "activity": entry.activity})
    return entry


def confirm_hours(*, entry: VolunteerHours, by) -> VolunteerHours:
    """A second person confirms logged hours (four eyes): the partner's supervisor or the prosecutor."""
    plan = entry.plan
    _check(by, plan, "confirm_hours")
    if entry.confirmed_at is not None:
        raise ValidationError({"__all__": _("该记录已确认。")})
    if by is not None and entry.logged_by_id == getattr(by, "pk", None):
        raise ValidationError({"__all__": _("登记人不能确认自己登记的时长，请由另一名工作人员确认。")})
    if plan.state != "active":
        raise ValidationError({"__all__": _("该志愿服务计划已评估。")})
    with transaction.atomic():
        now = timezone.now()
        done = VolunteerHours.objects.filter(pk=entry.pk, confirmed_at__isnull=True).update(
            confirmed_by=by if getattr(by, "pk", None) else None, confirmed_at=now)
        if done != 1:
            raise ValidationError({"__all__": _("该记录已确认。")})
        entry.confirmed_at, entry.confirmed_by = now, by
        _audit(by=by, action="volunteer_hours_confirmed", obj=plan, after={"entry": entry.pk, "hours": str(entry.hours)})
    return entry


def evaluate_plan(*, plan: VolunteerPlan, passed: bool, evaluated_on: dt.date, notes: str, by) -> VolunteerPlan:
    _date_not_future(evaluated_on, "evaluated_on")
    _date_not_before(evaluated_on, plan.start_on, "evaluated_on", _("服务开始日期"))
    notes = notes.strip()
    transition(obj=plan, name="pass" if passed else "fail", by=by, reason=notes,
               data={"grounds": notes, "evaluated_on": evaluated_on.isoformat()},
               updates={"evaluated_on": evaluated_on, "evaluation_notes": notes})
    return plan


# --- hearings -----------------------------------------------------------------------------------


def schedule_hearing(
    *, suspect: Suspect, decision: str, scheduled_at: dt.datetime, place: str,
    participants: Sequence[Mapping[str, str]], by,
) -> Hearing:
    _check(by, suspect, "decide")
    if suspect.prosecution_decision:
        raise ValidationError({"__all__": _("已作出起诉决定，不能再安排听证。")})
    hearing = Hearing(suspect=suspect, decision=decision, scheduled_at=scheduled_at, place=place.strip(),
                      created_by=by if getattr(by, "pk", None) else None)
    errors: dict[str, list] = {}
    try:
        hearing.full_clean(exclude=["created_by"], validate_constraints=False)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    people: list[HearingParticipant] = []
    for i, item in enumerate(participants):
        person = HearingParticipant(name=str(item.get("name", "")).strip(), role=item.get("role", ""))
        try:
            person.full_clean(exclude=["hearing"])
        except ValidationError as exc:
            errors.update(_prefixed(exc, f"participants.{i}."))
        people.append(person)
    if not any(p.role in ("citizen", "supervisor", "deputy") for p in people):
        errors.setdefault("participants", []).append(_("至少邀请一名群众听证员、人民监督员或人大代表。"))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        hearing.save()
        for person in people:
            person.hearing = hearing
        HearingParticipant.objects.bulk_create(people)
        if decision == Hearing.Decision.NON_PROSECUTION and not suspect.hearing_required:
            Suspect.objects.filter(pk=suspect.pk).update(hearing_required=True)
            suspect.hearing_required = True
        _audit(by=by, action="hearing_scheduled", obj=suspect,
               after={"hearing": hearing.pk, "decision": decision, "scheduled_at": scheduled_at, "place": hearing.place,
                      "participants": [{"name": p.name, "role": p.role} for p in people]})
    return hearing


def record_hearing_opinion(*, hearing: Hearing, minutes: str, opinion: str, by) -> Hearing:
    _check(by, hearing, "change")
    if hearing.opinion_recorded_at is not None:
        raise ValidationError({"__all__": _("听证意见已记录。")})
    if timezone.now() < hearing.scheduled_at:
        raise ValidationError({"__all__": _("听证会尚未召开（%(at)s），不能记录意见。") % {
            "at": timezone.localtime(hearing.scheduled_at).strftime("%Y-%m-%d %H:%M")}})
    if not opinion.strip():
        raise ValidationError({"opinion": _("请填写听证员意见。")})
    with transaction.atomic():
        hearing.minutes, hearing.opinion, hearing.opinion_recorded_at = minutes.strip(), opinion.strip(), timezone.now()
        hearing.save(update_fields=["minutes", "opinion", "opinion_recorded_at"])
        _audit(by=by, action="hearing_opinion_recorded", obj=hearing.suspect,
               after={"hearing": hearing.pk, "opinion": hearing.opinion})
    return hearing


# --- early involvement ----------------------------------------------------------------------------

EARLY_FIELDS = ("number", "offence", "procuratorate", "police_agency", "jurisdiction", "prosecutor", "started_on",
                "guidance", "outcome", "outcome_note")


def build_early_involvement(data: Mapping[str, Any], *, source: str) -> EarlyInvolvement:
    unknown = set(data) - set(EARLY_FIELDS)
    if unknown:
        raise ValidationError({f: _("不允许的字段。") for f in sorted(unknown)})
    ei = EarlyInvolvement(source=source, **{k: v for k, v in data.items() if v is not None})
    if ei.jurisdiction_id is None and ei.police_agency_id is not None:
        ei.jurisdiction = ei.police_agency.jurisdiction
    errors: dict[str, list] = {}
    try:
        ei.full_clean(validate_unique=False)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if ei.started_on and ei.started_on > today():
        errors.setdefault("started_on", []).append(_("日期不能晚于今天。"))
    if ei.procuratorate_id and ei.procuratorate.kind != Agency.Kind.PROCURATORATE:
        errors.setdefault("procuratorate", []).append(_("须为人民检察院。"))
    if errors:
        raise ValidationError(errors)
    return ei


def record_early_involvement(*, data: Mapping[str, Any], by, source: str = Source.WEB) -> EarlyInvolvement:
    ei = build_early_involvement(data, source=source)
    if EarlyInvolvement.objects.filter(number=ei.number).exists():
        raise ValidationError({"number": _("案件编号已存在：%(n)s") % {"n": ei.number}})
    with transaction.atomic():
        ei.save()
        _check(by, ei, "add")
        _audit(by=by, action="early_involvement_recorded", obj=ei,
               after={"number": ei.number, "offence": ei.offence.code, "started_on": ei.started_on,
                      "outcome": ei.outcome})
    return ei


def record_early_outcome(*, ei: EarlyInvolvement, outcome: str, note: str, by) -> EarlyInvolvement:
    _check(by, ei, "change")
    if outcome not in EarlyInvolvement.Outcome.values:
        raise ValidationError({"outcome": _("未知的结果。")})
    with transaction.atomic():
        before = {"outcome": ei.outcome, "outcome_note": ei.outcome_note}
        ei.outcome, ei.outcome_note = outcome, note.strip()
        ei.save(update_fields=["outcome", "outcome_note"])
        _audit(by=by, action="early_involvement_outcome", obj=ei, before=before,
               after={"outcome": outcome, "outcome_note": ei.outcome_note})
    return ei


# --- governance recommendations ---------------------------------------------------------------------


def issue_recommendation(
    *, procuratorate: Agency, recipient: Agency, title: str, problems: str, measures: str, issued_on: dt.date,
    case: MinorCase | None = None, number: str = "", by, source: str = Source.WEB,
) -> Recommendation:
    """Issue a recommendation; the written reply is due `procuratorate.recommendation_reply_months`
    after issue (检察建议工作规定 Art. 19)."""
    errors: dict[str, list] = {}
    if procuratorate.kind != Agency.Kind.PROCURATORATE:
        errors.setdefault("procuratorate", []).append(_("须为人民检察院。"))
    if recipient.kind in (Agency.Kind.PROCURATORATE, Agency.Kind.PARTNER):
        errors.setdefault("recipient", []).append(_("被建议单位须为负有监管职责的单位。"))
    if issued_on > today():
        errors.setdefault("issued_on", []).append(_("日期不能晚于今天。"))
    if case is not None and issued_on < case.received_on:
        errors.setdefault("issued_on", []).append(_("制发日期不能早于来源案件的受理日期。"))
    rec = Recommendation(case=case, procuratorate=procuratorate, recipient=recipient, title=title.strip(),
                         problems=problems.strip(), measures=measures.strip(), issued_on=issued_on,
                         reply_due=issued_on, number=number.strip() or "pending", source=source,
                         created_by=by if getattr(by, "pk", None) else None)
    try:
        rec.full_clean(exclude=["created_by", "number"], validate_constraints=False)
    except ValidationError as exc:
        for k, v in exc.message_dict.items():
            errors.setdefault(k, []).extend(v)
    if number.strip() and Recommendation.objects.filter(number=number.strip()).exists():
        errors.setdefault("number", []).append(_("文号已存在：%(n)s") % {"n": number.strip()})
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if not number.strip():
            rec.number = f"pending-{rec.uuid}"
        rec.save()
        _check(by, rec, "add")
        if not number.strip():
            rec.number = issue_case_number(court_code=RECOMMENDATION_COURT_CODE, case_type=RECOMMENDATION_CASE_TYPE,
                                           year=issued_on.year, target=rec, by=by)
        deadline = _start(target=rec, kind=REPLY, key="procuratorate.recommendation_reply_months", on=issued_on, by=by)
        rec.reply_due = dl.local_date(deadline.due)
        rec.save(update_fields=["number", "reply_due"])
        _audit(by=by, action="recommendation_issued", obj=rec,
               after={"number": rec.number, "recipient": recipient.pk, "case": case.pk if case else None,
                      "issued_on": issued_on, "reply_due": rec.reply_due, "title": rec.title})
    return rec


def record_reply(*, rec: Recommendation, replied_on: dt.date, reply: str, by) -> Recommendation:
    _date_not_future(replied_on, "replied_on")
    _date_not_before(replied_on, rec.issued_on, "replied_on", _("制发日期"))
    if not reply.strip():
        raise ValidationError({"reply": _("请填写回复内容。")})
    with transaction.atomic():
        transition(obj=rec, name="reply", by=by, data={"replied_on": replied_on.isoformat()},
                   updates={"reply": reply.strip(), "replied_on": replied_on})
        _close_deadline(rec, REPLY, by)
    return rec


def record_implementation(*, rec: Recommendation, implemented_on: dt.date, evidence: str, by) -> Recommendation:
    _date_not_future(implemented_on, "implemented_on")
    _date_not_before(implemented_on, rec.replied_on or rec.issued_on, "implemented_on", _("回复日期"))
    if not evidence.strip():
        raise ValidationError({"rectification_evidence": _("请填写整改落实情况及证明材料。")})
    transition(obj=rec, name="implement", by=by, data={"implemented_on": implemented_on.isoformat()},
               updates={"rectification_evidence": evidence.strip(), "implemented_on": implemented_on})
    return rec


def add_followup(*, rec: Recommendation, kind: str, on: dt.date, note: str, by) -> FollowUp:
    """A manual follow-up (enquiry, visit, meeting: Art. 24) outside the automatic ladder."""
    _check(by, rec, "change")
    if rec.state == "implemented":
        raise ValidationError({"__all__": _("该检察建议已整改落实。")})
    _date_not_future(on, "on")
    _date_not_before(on, rec.issued_on, "on", _("制发日期"))
    if kind not in FollowUp.Kind.values:
        raise ValidationError({"kind": _("未知的跟进方式。")})
    with transaction.atomic():
        f = FollowUp.objects.create(recommendation=rec, step=0, kind=kind, on=on, note=note.strip(),
                                    by=by if getattr(by, "pk", None) else None)
        _audit(by=by, action="recommendation_followup", obj=rec, after={"kind": kind, "on": on, "note": f.note})
    return f


def followup_ladder() -> list[dict[str, Any]]:
    ladder = get_setting("procuratorate.recommendation_followup_ladder", list)
    return sorted(ladder, key=lambda s: int(s["step"]))


FOLLOWED_STATES = ("issued", "replied", "escalated")


def _notify_targets(rec: Recommendation, notify: Sequence[str]) -> list[Agency]:
    targets = []
    if "higher_procuratorate" in notify and rec.procuratorate.parent_id:
        targets.append(rec.procuratorate.parent)
    if "recipient_superior" in notify and rec.recipient.parent_id:
        targets.append(rec.recipient.parent)
    return [t for t in targets if t is not None]


def apply_next_followup(*, rec: Recommendation, on: dt.date, by=None) -> FollowUp | None:
    """The next ladder step if it is due on `on` (one step per call, so reminders stay spaced);
    idempotent: the step number is claimed with a compare-and-set and is unique per recommendation."""
    if rec.state not in FOLLOWED_STATES or on <= rec.reply_due:
        return None
    ladder = followup_ladder()
    step = next((s for s in ladder if int(s["step"]) > rec.followup_step), None)
    if step is None or on < rec.reply_due + dt.timedelta(days=1 + int(step.get("days_after_due", 0))):
        return None
    # Keep the ladder's spacing even when the scan first runs long after the deadline: the next step
    # waits as long after the previous follow-up as the ladder puts between the two steps.
    previous = next((s for s in reversed(ladder) if int(s["step"]) == rec.followup_step), None)
    last_on = rec.followups.order_by("-on").values_list("on", flat=True).first() if previous else None
    if previous is not None and last_on is not None:
        gap = max(1, int(step.get("days_after_due", 0)) - int(previous.get("days_after_due", 0)))
        if on < last_on + dt.timedelta(days=gap):
            return None
    with transaction.atomic():
        claimed = Recommendation.objects.filter(pk=rec.pk, followup_step=rec.followup_step).update(
            followup_step=int(step["step"]))
        if claimed != 1:
            return None
        rec.followup_step = int(step["step"])
        kind = FollowUp.Kind.ESCALATION if step["kind"] == "escalation" else FollowUp.Kind.REMINDER
        targets = _notify_targets(rec, step.get("notify", [])) if kind == FollowUp.Kind.ESCALATION else []
        names = "、".join(t.name for t in targets)
        note = str(step.get("label", ""))
        if kind == FollowUp.Kind.ESCALATION:
            note += _("（通报：%(names)s）") % {"names": names} if names else _("（未设上级单位，请线下报送）")
        f = FollowUp.objects.create(recommendation=rec, step=rec.followup_step, kind=kind, on=on, note=note, by=by)
        if targets:
            f.notified.set(targets)
        if kind == FollowUp.Kind.ESCALATION and rec.state in ("issued", "replied"):
            transition(obj=rec, name="escalate", by=by, reason=note, data={"step": rec.followup_step})
        _audit(by=by, action="recommendation_followup", obj=rec,
               after={"step": rec.followup_step, "kind": kind, "on": on, "notified": [t.pk for t in targets]})
        publish("procuratorate.recommendation.followup",
                {"recommendation": rec.pk, "step": rec.followup_step, "kind": str(kind),
                 "notified": [t.pk for t in targets]})
    return f


def run_followups(*, on: dt.date | None = None) -> int:
    """Scan open recommendations past their reply deadline; returns how many steps were taken."""
    on = on or today()
    done = 0
    qs = Recommendation.objects.filter(state__in=FOLLOWED_STATES, reply_due__lt=on).select_related(
        "procuratorate__parent", "recipient__parent")
    for rec in qs.iterator(chunk_size=500):
        if apply_next_followup(rec=rec, on=on) is not None:
            done += 1
    return done

