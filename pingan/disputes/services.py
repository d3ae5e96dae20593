"""Every write to disputes: keyword-only, validated with full_clean, one transaction, one audit
entry. Permission is checked on the row as it will be stored (a village mediator may only add a
dispute whose place lies in their village), inside the transaction, so a refusal writes nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from pingan.core.audit import AuditEvent, record
from pingan.core.crypto import blind_index
from pingan.core.idnumber import birth_date as id_birth_date
from pingan.core.idnumber import normalize_id_number
from pingan.orgs.permissions import has_object_permission

from . import search
from .models import Attachment, Dispute, DuplicateCandidate, Party

DISPUTE_FIELDS = (
    "title", "facts", "category", "amount", "jurisdiction", "latitude", "longitude", "number",
    "handling_agency", "received_at", "external_ref",
)
PARTY_FIELDS = ("role", "kind", "name", "id_number", "credit_code", "phone", "address", "birth_date", "age")


# --- helpers ----------------------------------------------------------------------------------


def duplicate_window_days() -> int:
    """The configured period for duplicate flags (core.Setting, seeded from data/settings.json)."""
    from pingan.core.settings_store import get_setting

    return get_setting("disputes.duplicate_window_days", int)


def _check(by, obj, action: str) -> None:
    # `by=None` is the system itself (demo loader, migrations of old ledgers): no user scope.
    if by is not None and not has_object_permission(by, obj, action):
        raise PermissionDenied(_("无权在该区划或单位范围内执行此操作。"))


def _prefixed(exc: ValidationError, prefix: str) -> dict[str, list]:
    if hasattr(exc, "error_dict"):
        return {f"{prefix}{field}": errs for field, errs in exc.error_dict.items()}
    return {prefix.rstrip(".") or "__all__": exc.error_list}


def _snapshot(dispute: Dispute) -> dict[str, Any]:
    return {
        "title": dispute.title,
        "category": dispute.category.code if dispute.category_id else None,
        "amount": str(dispute.amount),
        "jurisdiction": dispute.jurisdiction.code if dispute.jurisdiction_id else None,
        "latitude": str(dispute.latitude) if dispute.latitude is not None else None,
        "longitude": str(dispute.longitude) if dispute.longitude is not None else None,
        "number": dispute.number,
        "source": dispute.source,
        "external_ref": dispute.external_ref,
        "state": dispute.state,
        "grade": dispute.grade,
        "handling_agency": dispute.handling_agency_id,
        "received_at": dispute.received_at.astimezone(dt.UTC).isoformat() if dispute.received_at else None,
        "facts_sha256": hashlib.sha256(dispute.facts.encode()).hexdigest(),
    }


def _party_snapshot(party: Party) -> dict[str, Any]:
    # Never put the ID number or phone into the audit log in clear.
    return {"role": party.role, "kind": party.kind, "name": party.name, "has_id_number": bool(party.id_number)}


def build_search_text(dispute: Dispute, party_names: Iterable[str]) -> str:
    """Title, facts, party names and numbers, case-folded. Chinese has no word boundaries, so
    search is a substring match on this one column, read through its tokens (search.py): write
    them with search.index() wherever this is set. ID numbers and phones are never in here (the
    token table is plain); an ID number is matched exactly through the blind index instead
    (selectors.search_q)."""
    parts = [dispute.number, dispute.external_ref, dispute.title, " ".join(party_names), dispute.facts]
    return "\n".join(p for p in parts if p).casefold()


def _refresh_search_text(dispute: Dispute) -> None:
    names = list(dispute.parties.values_list("name", flat=True))
    dispute.search_text = build_search_text(dispute, names)
    Dispute.objects.filter(pk=dispute.pk).update(search_text=dispute.search_text)
    search.index([dispute])


def _make_party(dispute: Dispute | None, data: Mapping[str, Any], order: int) -> Party:
    unknown = set(data) - set(PARTY_FIELDS)
    if unknown:
        raise ValidationError({f: _("不允许的字段。") for f in sorted(unknown)})
    values = {k: data[k] for k in PARTY_FIELDS if k in data and data[k] is not None}
    for key in ("name", "id_number", "credit_code", "phone", "address"):
        if key in values:
            values[key] = str(values[key]).strip()
    if values.get("id_number"):
        values["id_number"] = normalize_id_number(values["id_number"])
    if values.get("credit_code"):
        values["credit_code"] = values["credit_code"].upper()
    party = Party(order=order, **values)
    if dispute is not None:
        party.dispute = dispute
    return party


def _validate_party(party: Party) -> None:
    party.full_clean(exclude=["dispute"])
    if party.id_number:
        party.id_number_index = blind_index(party.id_number)
        if party.birth_date is None:
            party.birth_date = id_birth_date(party.id_number)


def _validate_all(
    dispute: Dispute, parties: Sequence[Party], *, require_party: bool, check_external_ref: bool = True
) -> None:
    errors: dict[str, list] = {}
    try:
        dispute.full_clean(exclude=["search_text", "created_by"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        errors.update(_prefixed(exc, ""))
    if require_party and not parties:
        errors["parties"] = [ValidationError(_("至少登记一名当事人。"), code="required")]
    for i, party in enumerate(parties):
        try:
            _validate_party(party)
        except ValidationError as exc:
            errors.update(_prefixed(exc, f"parties.{i}."))
    if check_external_ref and dispute.external_ref:
        clash = Dispute.objects.filter(source=dispute.source, external_ref=dispute.external_ref).exclude(pk=dispute.pk)
        if clash.exists():
            errors.setdefault("external_ref", []).append(
                ValidationError(_("同一来源下外部编号已存在：%(ref)s") % {"ref": dispute.external_ref}, code="unique")
            )
    if errors:
        raise ValidationError(errors)


def validate_dispute_input(*, data: Mapping[str, Any], parties: Sequence[Mapping[str, Any]], source: str) -> None:
    """Validate without writing (Excel dry run): the same checks create_dispute makes, except
    the external-reference clash, which an import turns into an update."""
    values = {k: v for k, v in data.items() if v is not None}
    dispute = Dispute(source=source, **values)
    party_objs = [_make_party(None, p, i) for i, p in enumerate(parties)]
    _validate_all(dispute, party_objs, require_party=True, check_external_ref=False)


def would_change(*, dispute: Dispute, data: Mapping[str, Any], parties: Sequence[Mapping[str, Any]]) -> bool:
    """Would update_dispute(data, parties) change anything? (Excel re-import: update or skip.)
    No query of its own: for thousands of rows pass the dispute fetched with its category and
    place (select_related) and parties (prefetched)."""
    before = _snapshot(dispute)
    old_keys = [_party_key(p) for p in dispute.parties.all()]
    after = Dispute(**{f.attname: getattr(dispute, f.attname) for f in Dispute._meta.concrete_fields})
    for f in ("category", "jurisdiction"):
        if f not in data:
            setattr(after, f, getattr(dispute, f))
    for key, value in data.items():
        if key == "amount" and value is not None and not isinstance(value, Decimal):
            value = Decimal(str(value))
        setattr(after, key, value)
    new = [_make_party(None, p, i) for i, p in enumerate(parties)]
    for p in new:
        if p.id_number and p.birth_date is None:
            try:
                p.birth_date = id_birth_date(p.id_number)
            except ValueError:
                return True
    return _snapshot(after) != before or [_party_key(p) for p in new] != old_keys


def can_add_in(*, user, jurisdiction, category) -> bool:
    """May `user` add a dispute at this place? Answered by the permission rows on a probe row
    that is rolled back, so every constraint shape works (not only jurisdiction paths)."""
    with transaction.atomic():
        probe = Dispute.objects.create(
            title="probe", facts="probe", category=category, jurisdiction=jurisdiction, source="other"
        )
        allowed = has_object_permission(user, probe, "add")
        transaction.set_rollback(True)
    return allowed


# --- duplicates -------------------------------------------------------------------------------


def find_duplicate_candidates(dispute: Dispute) -> dict[int, list[str]]:
    """Other disputes of the same category within the window sharing a party (same ID number by
    blind index, or same name and phone). Returns {dispute_id: [what matched]}."""
    parties = list(dispute.parties.all())
    window = timedelta(days=duplicate_window_days())
    base = Dispute.objects.filter(
        category_id=dispute.category_id,
        received_at__gte=dispute.received_at - window,
        received_at__lte=dispute.received_at + window,
    ).exclude(pk=dispute.pk)
    found: dict[int, list[str]] = {}
    id_indexes = [p.id_number_index for p in parties if p.id_number_index]
    if id_indexes:
        for pk in base.filter(parties__id_number_index__in=id_indexes).values_list("pk", flat=True).distinct():
            found.setdefault(pk, []).append("id_number")
    name_phone = Q()
    for p in parties:
        if p.name and p.phone:
            name_phone |= Q(parties__name=p.name, parties__phone=p.phone)
    if name_phone:
        for pk in base.filter(name_phone).values_list("pk", flat=True).distinct():
            if "name_phone" not in found.setdefault(pk, []):
                found[pk].append("name_phone")
    return found


def _flag_duplicates(dispute: Dispute) -> list[DuplicateCandidate]:
    flags = []
    for pk, matched in sorted(find_duplicate_candidates(dispute).items()):
        flag, created = DuplicateCandidate.objects.get_or_create(
            dispute=dispute, candidate_id=pk, defaults={"matched_on": matched}
        )
        if created:
            flags.append(flag)
    return flags


# --- services ---------------------------------------------------------------------------------


@transaction.atomic
def create_dispute(
    *,
    data: Mapping[str, Any],
    parties: Sequence[Mapping[str, Any]],
    by,
    source: str,
    attachments: Sequence[Any] = (),
    check_duplicates: bool = True,
) -> Dispute:
    unknown = set(data) - set(DISPUTE_FIELDS)
    if unknown:
        raise ValidationError({f: _("不允许的字段。") for f in sorted(unknown)})
    values = {k: v for k, v in data.items() if v is not None}
    for key in ("title", "facts", "number", "external_ref"):
        if key in values:
            values[key] = str(values[key]).strip()
    if "amount" in values and not isinstance(values["amount"], Decimal):
        values["amount"] = Decimal(str(values["amount"]))
    dispute = Dispute(source=source, created_by=by if getattr(by, "pk", None) else None, **values)
    party_objs = [_make_party(None, p, i) for i, p in enumerate(parties)]
    _validate_all(dispute, party_objs, require_party=True)
    dispute.save()
    for party in party_objs:
        party.dispute = dispute
    Party.objects.bulk_create(party_objs)
    _check(by, dispute, "add")
    _refresh_search_text(dispute)
    flags = _flag_duplicates(dispute) if check_duplicates else []
    record(
        actor=by,
        event_type=AuditEvent.DISPUTE_CHANGED,
        action="dispute.create",
        obj=dispute,
        after={
            **_snapshot(dispute),
            "parties": [_party_snapshot(p) for p in party_objs],
            "possible_duplicates": [f.candidate_id for f in flags],
        },
    )
    for upload in attachments:
        add_attachment(dispute=dispute, file=upload, by=by)
    return dispute


@transaction.atomic
def update_dispute(
    *,
    dispute: Dispute,
    data: Mapping[str, Any],
    by,
    parties: Sequence[Mapping[str, Any]] | None = None,
    reason: str = "",
) -> tuple[Dispute, bool]:
    """Change the listed fields (and, when `parties` is given, replace the parties). Returns
    (dispute, changed); nothing is written or audited when nothing changed."""
    allowed = set(DISPUTE_FIELDS) - {"external_ref"}
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError({f: _("不允许修改的字段。") for f in sorted(unknown)})
    dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
    _check(by, dispute, "change")
    before = _snapshot(dispute)
    old_parties = list(dispute.parties.all())
    before_parties = [_party_snapshot(p) | {"key": _party_key(p)} for p in old_parties]
    for key, value in data.items():
        if key in ("title", "facts", "number") and value is not None:
            value = str(value).strip()
        if key == "amount" and value is not None and not isinstance(value, Decimal):
            value = Decimal(str(value))
        setattr(dispute, key, value)
    new_parties = [_make_party(dispute, p, i) for i, p in enumerate(parties)] if parties is not None else []
    _validate_all(dispute, new_parties, require_party=parties is not None)
    after = _snapshot(dispute)
    after_parties = [_party_snapshot(p) | {"key": _party_key(p)} for p in new_parties]
    parties_changed = parties is not None and after_parties != before_parties
    if after == before and not parties_changed:
        return dispute, False
    dispute.updated_at = timezone.now()
    dispute.save()
    if parties_changed:
        dispute.parties.all().delete()
        Party.objects.bulk_create(new_parties)
    _refresh_search_text(dispute)
    if before["category"] != after["category"] or parties_changed:
        _flag_duplicates(dispute)
    record(
        actor=by,
        event_type=AuditEvent.DISPUTE_CHANGED,
        action="dispute.update",
        obj=dispute,
        before=before | ({"parties": [_party_snapshot(p) for p in old_parties]} if parties_changed else {}),
        after=after | ({"parties": [_party_snapshot(p) for p in new_parties]} if parties_changed else {}),
        reason=reason,
    )
    grading_inputs = ("title", "facts_sha256", "amount", "category")
    if parties_changed or any(before[k] != after[k] for k in grading_inputs):
        # Inline, not through the outbox: see grading.py for why.
        from .grading import regrade_dispute

        regrade_dispute(dispute=dispute, by=by, reason=_("纠纷事实变更后重新定级"))
        dispute.refresh_from_db(fields=["grade"])
    return dispute, True


def _party_key(party: Party) -> tuple:
    """What makes two party records the same for a re-import (clear values compared in memory)."""
    return (
        party.role, party.kind, party.name, party.id_number or "", party.credit_code, party.phone,
        party.address, party.birth_date.isoformat() if party.birth_date else None, party.age,
    )


@transaction.atomic
def add_party(*, dispute: Dispute, data: Mapping[str, Any], by) -> Party:
    dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
    _check(by, dispute, "change")
    order = dispute.parties.count()
    party = _make_party(dispute, data, order)
    try:
        _validate_party(party)
    except ValidationError as exc:
        raise ValidationError(_prefixed(exc, "")) from None
    party.save()
    _refresh_search_text(dispute)
    _flag_duplicates(dispute)
    record(
        actor=by, event_type=AuditEvent.DISPUTE_CHANGED, action="dispute.add_party", obj=dispute,
        after={"party": _party_snapshot(party)},
    )
    return party


def _sniff_ok(ext: str, head: bytes) -> bool:
    """The content must match the extension: a renamed executable is not a PDF."""
    if ext == "pdf":
        return head.startswith(b"%PDF-")
    if ext in ("jpg", "jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if ext == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if ext in ("docx", "xlsx"):
        return head.startswith(b"PK\x03\x04")
    return False


def validate_upload(file) -> str:
    """Return the lower-case extension, or raise a field error on `file`."""
    name = getattr(file, "name", "") or ""
    ext = os.path.splitext(name)[1].lower().lstrip(".")
    allowed = [t.lower() for t in settings.PINGAN_DISPUTE_ATTACHMENT_TYPES]
    if ext not in allowed:
        raise ValidationError(
            {"file": _("不支持的文件类型“%(ext)s”，可上传：%(allowed)s。") % {"ext": ext or "?", "allowed": "、".join(allowed)}},
            code="file_type",
        )
    size = getattr(file, "size", None)
    limit = settings.PINGAN_DISPUTE_ATTACHMENT_MAX_BYTES
    if size is None or size > limit:
        raise ValidationError(
            {"file": _("文件过大：最大 %(mb)s MB。") % {"mb": round(limit / 1024 / 1024, 1)}}, code="file_size"
        )
    if size == 0:
        raise ValidationError({"file": _("文件为空。")}, code="file_empty")
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    if not _sniff_ok(ext, head):
        raise ValidationError({"file": _("文件内容与扩展名“%(ext)s”不符。") % {"ext": ext}}, code="file_content")
    return ext


@transaction.atomic
def add_attachment(*, dispute: Dispute, file, by) -> Attachment:
    _check(by, dispute, "change")
    ext = validate_upload(file)
    digest = hashlib.sha256()
    for chunk in file.chunks() if hasattr(file, "chunks") else [file.read()]:
        digest.update(chunk)
    file.seek(0)
    original = os.path.basename(file.name)[:200]
    att = Attachment(
        dispute=dispute, original_name=original, extension=ext, size=file.size, sha256=digest.hexdigest(),
        uploaded_by=by if getattr(by, "pk", None) else None,
    )
    # The file is written before the row commits; if the transaction rolls back, the orphan file
    # is removed here (an unreferenced file is harmless, a row without its file is not).
    att.file.save(original, file, save=False)
    try:
        att.save()
        record(
            actor=by, event_type=AuditEvent.DISPUTE_CHANGED, action="dispute.add_attachment", obj=dispute,
            after={"attachment": att.pk, "name": original, "size": att.size, "sha256": att.sha256},
        )
    except Exception:
        att.file.delete(save=False)
        raise
    return att


@transaction.atomic
def link_duplicate(*, dispute: Dispute, original: Dispute, by, reason: str = "") -> Dispute:
    """Confirm that `dispute` repeats `original` (it stays on record, pointing at the original)."""
    if dispute.pk == original.pk:
        raise ValidationError({"original": _("不能把纠纷标记为与自身重复。")})
    dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
    _check(by, dispute, "change")
    if original.duplicate_of_id == dispute.pk:
        raise ValidationError({"original": _("对方已被标记为本纠纷的重复件，不能互相标记。")})
    before = {"duplicate_of": dispute.duplicate_of_id}
    dispute.duplicate_of = original
    dispute.updated_at = timezone.now()
    dispute.save(update_fields=["duplicate_of", "updated_at"])
    dispute.related.add(original)
    now = timezone.now()
    DuplicateCandidate.objects.update_or_create(
        dispute=dispute, candidate=original,
        defaults={"status": DuplicateCandidate.Status.LINKED, "decided_by": by, "decided_at": now},
    )
    record(
        actor=by, event_type=AuditEvent.DISPUTE_CHANGED, action="dispute.link_duplicate", obj=dispute,
        before=before, after={"duplicate_of": original.pk}, reason=reason,
    )
    return dispute


@transaction.atomic
def dismiss_duplicate(*, flag: DuplicateCandidate, by, reason: str = "") -> DuplicateCandidate:
    _check(by, flag.dispute, "change")
    flag.status = DuplicateCandidate.Status.DISMISSED
    flag.decided_by = by
    flag.decided_at = timezone.now()
    flag.save(update_fields=["status", "decided_by", "decided_at"])
    record(
        actor=by, event_type=AuditEvent.DISPUTE_CHANGED, action="dispute.dismiss_duplicate", obj=flag.dispute,
        after={"candidate": flag.candidate_id}, reason=reason,
    )
    return flag


# Slice 2 services live in their own modules (grading, routing, mediation, referrals, follow-ups);
# re-exported here so callers (pages, API, the court app) find every write in one place.
from .followups import close_dispute, record_follow_up, reopen_dispute  # noqa: E402
from .grading import grade_dispute, override_grade, regrade_dispute  # noqa: E402
from .mediation import (  # noqa: E402
    add_note,
    add_session,
    create_agreement,
    fail_mediation,
    record_outcome,
    sign_agreement,
    start_mediation,
)
from .referrals import record_reply, refer_dispute  # noqa: E402
from .routing import accept_routing, change_tier, decline_routing, route_dispute  # noqa: E402

__all__ = [
    "accept_routing", "add_attachment", "add_note", "add_party", "add_session", "change_tier", "close_dispute",
    "create_agreement", "create_dispute", "decline_routing", "dismiss_duplicate", "fail_mediation", "grade_dispute",
    "link_duplicate", "override_grade", "record_follow_up", "record_outcome", "record_reply", "refer_dispute",
    "regrade_dispute", "reopen_dispute", "route_dispute", "sign_agreement", "start_mediation", "update_dispute",
]
