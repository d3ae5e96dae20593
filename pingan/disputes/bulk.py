"""Bulk intake of historical disputes for another app's ledger import (the court's ledger of
delegated cases): thousands of rows in one transaction, with the checks create_dispute makes but
without a query per row.

The caller resolves codes to objects first (category, place, handling agency), so validation
here needs no database; the external-reference clash is one query for the batch; the rows and
their parties are written with bulk_create, each dispute logged as imported in its state
(core.workflow.record_imported) and the batch audited once. No grading and no duplicate flags:
these are records of cases already handled, not new intake."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pingan.core.audit import AuditEvent, record
from pingan.core.crypto import blind_index
from pingan.core.idnumber import birth_date as id_birth_date
from pingan.core.workflow import record_imported
from pingan.orgs.permissions import restrict

from . import search
from .models import Dispute, Party
from .services import DISPUTE_FIELDS, _make_party, _prefixed, build_search_text
from .workflow import DISPUTE

FK_FIELDS = ("category", "jurisdiction", "handling_agency")


@dataclass
class BulkDispute:
    """One dispute to import: `data` holds DISPUTE_FIELDS with objects for the foreign keys."""

    data: Mapping[str, Any]
    parties: Sequence[Mapping[str, Any]]
    state: str = Dispute.INITIAL_STATE
    built: Dispute | None = field(default=None, repr=False)
    party_objs: list[Party] = field(default_factory=list, repr=False)


def _build(item: BulkDispute, source: str, by) -> Dispute:
    unknown = set(item.data) - set(DISPUTE_FIELDS)
    if unknown:
        raise ValidationError({f: _("不允许的字段。") for f in sorted(unknown)})
    values = {k: v for k, v in item.data.items() if v is not None}
    for key in ("title", "facts", "number", "external_ref"):
        if key in values:
            values[key] = str(values[key]).strip()
    if "amount" in values and not isinstance(values["amount"], Decimal):
        values["amount"] = Decimal(str(values["amount"]))
    if item.state not in DISPUTE.states:
        raise ValidationError({"state": _("未知的状态：%(s)s") % {"s": item.state}})
    return Dispute(source=source, state=item.state, created_by=by if getattr(by, "pk", None) else None, **values)


def _validate_party_fast(party: Party) -> None:
    """services._validate_party without the query per database constraint (Django validates a
    CheckConstraint with a SELECT): the two party constraints are checked here in Python, and
    the database still enforces them when the batch is written."""
    party.full_clean(exclude=["dispute"], validate_constraints=False)
    if party.kind == Party.Kind.PERSON and party.credit_code:
        raise ValidationError({"credit_code": _("自然人不填写统一社会信用代码。")})
    if party.kind == Party.Kind.ORGANISATION and party.id_number:
        raise ValidationError({"id_number": _("单位不填写身份证号。")})
    if party.age is not None and party.age > 150:
        raise ValidationError({"age": _("年龄不能大于 150。")})
    if party.id_number:
        party.id_number_index = blind_index(party.id_number)
        if party.birth_date is None:
            party.birth_date = id_birth_date(party.id_number)


def check(item: BulkDispute, *, source: str, by=None) -> dict[str, list]:
    """The row's errors ({field: [ValidationError]}, parties as "parties.<i>.<field>"), empty when
    it may be imported; keeps the built objects on the item for import_disputes."""
    errors: dict[str, list] = {}
    try:
        dispute = _build(item, source, by)
    except ValidationError as exc:
        return _prefixed(exc, "")
    missing = [f for f in ("category", "jurisdiction") if getattr(dispute, f"{f}_id", None) is None]
    for f in missing:
        errors[f] = [ValidationError(_("必填项。"), code="required")]
    try:
        dispute.full_clean(exclude=["search_text", "created_by", *FK_FIELDS], validate_unique=False,
                           validate_constraints=False)
    except ValidationError as exc:
        errors.update(_prefixed(exc, ""))
    if not item.parties:
        errors["parties"] = [ValidationError(_("至少登记一名当事人。"), code="required")]
    parties = []
    for i, data in enumerate(item.parties):
        try:
            party = _make_party(None, data, i)
            _validate_party_fast(party)
            parties.append(party)
        except ValidationError as exc:
            errors.update(_prefixed(exc, f"parties.{i}."))
    item.built, item.party_objs = dispute, parties
    return errors


def store(items: Sequence[BulkDispute], *, by) -> list[Dispute]:
    """Insert checked items (each `built`) with their parties and search tokens, in a few
    statements; PermissionDenied when `by` may not add one of the stored rows (the caller's
    transaction then writes nothing). Shared by import_disputes and intake.create_disputes."""
    disputes = []
    for item in items:
        assert item.built is not None
        item.built.search_text = build_search_text(item.built, [p.name for p in item.party_objs])
        disputes.append(item.built)
    Dispute.objects.bulk_create(disputes, batch_size=500)
    search.index(disputes, new=True)
    parties = []
    for item in items:
        for p in item.party_objs:
            p.dispute = item.built  # type: ignore[assignment]
            parties.append(p)
    Party.objects.bulk_create(parties, batch_size=500)
    ids = [d.pk for d in disputes]
    if by is not None and restrict(Dispute.objects.filter(pk__in=ids), by, "add").count() != len(ids):
        raise PermissionDenied(_("无权在该区划或单位范围内登记其中部分纠纷。"))
    return disputes


@transaction.atomic
def import_disputes(*, items: Sequence[BulkDispute], by, source: str, reason: str) -> list[Dispute]:
    """Write the checked items (check() first: any error raises ValidationError here, keyed by
    "<index>.<field>"). Refuses external references already used for this source, and rows the
    user may not add (PermissionDenied: nothing written)."""
    errors: dict[str, list] = {}
    for i, item in enumerate(items):
        if item.built is None:
            errors.update({f"{i}.{k}": v for k, v in check(item, source=source, by=by).items()})
    refs = [it.built.external_ref for it in items if it.built is not None and it.built.external_ref]
    if len(refs) != len(set(refs)):
        errors["external_ref"] = [ValidationError(_("批次内外部编号重复。"), code="unique")]
    taken = set(Dispute.objects.filter(source=source, external_ref__in=refs).values_list("external_ref", flat=True))
    for i, item in enumerate(items):
        if item.built is not None and item.built.external_ref in taken:
            errors[f"{i}.external_ref"] = [ValidationError(
                _("同一来源下外部编号已存在：%(ref)s") % {"ref": item.built.external_ref}, code="unique")]
    if errors:
        raise ValidationError(errors)
    disputes = store(items, by=by)
    ids = [d.pk for d in disputes]
    record_imported(objs=disputes, by=by, reason=reason, workflow=DISPUTE)
    record(actor=by, event_type=AuditEvent.DISPUTE_CHANGED, action="dispute.bulk_import", reason=reason,
           object_type="disputes.dispute", after={"source": source, "count": len(ids), "ids": ids})
    return disputes


@transaction.atomic
def restate_imported(*, dispute: Dispute, state: str, by, reason: str) -> bool:
    """Correct the state of a dispute that came in by import (a re-imported ledger row whose
    outcome changed). Only imported disputes: the state of one handled in the product moves by
    its workflow alone."""
    from pingan.core.workflow import history

    first = history(dispute).values_list("name", flat=True).first()
    if first != "import":
        raise ValidationError({"state": _("该纠纷在系统中办理，不能通过导入修改状态。")})
    if dispute.state == state:
        return False
    updated = Dispute.objects.filter(pk=dispute.pk, state=dispute.state).update(state=state)
    if updated != 1:
        raise ValidationError({"state": _("记录状态已被他人改变，请刷新后重试。")})
    dispute.state = state
    record_imported(objs=[dispute], by=by, reason=reason, workflow=DISPUTE)
    return True
