"""Import of the sanctions ledger (奖惩台账) kept before the platform or by hand: decided
admonitions, warnings and proposals with whether the system found the violation. Idempotent by
ledger number; row-level errors; only people the importer may see."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from pingan.core.audit import AuditEvent, record
from pingan.core.crypto import blind_index
from pingan.core.deadlines import CHINA
from pingan.core.idnumber import normalize_id_number, validate_id_number
from pingan.orgs.permissions import restrict

from .models import Sanction, Supervisee
from .tables import as_datetime

KIND_BY_LABEL = {str(label): value for value, label in Sanction.Kind.choices} | {
    "提请撤销缓刑": "revocation", "提请撤销假释": "revocation", "收监执行": "custody"}
YES = {"是", "y", "yes", "true", "1", "系统发现"}
COLUMNS = {"ledger_number": "台账编号", "id_number": "身份证号", "kind": "措施", "decided_on": "决定日期",
           "found_by_system": "系统发现", "facts": "事由"}


def _clean(row: dict[str, Any], visible) -> dict[str, Any]:
    get = lambda f: row.get(f, row.get(COLUMNS[f]))  # noqa: E731
    number = str(get("ledger_number") or "").strip()
    if not number:
        raise ValueError(_("缺少台账编号"))
    kind_raw = str(get("kind") or "").strip()
    kind = kind_raw if kind_raw in Sanction.Kind.values else KIND_BY_LABEL.get(kind_raw)
    if kind is None:
        raise ValueError(_("措施无效：%(v)s") % {"v": kind_raw})
    idn = str(get("id_number") or "").strip()
    try:
        validate_id_number(idn)
    except Exception as exc:
        raise ValueError(_("身份证号无效")) from exc
    person = visible.filter(id_number_hash=blind_index(normalize_id_number(idn))).order_by("-reported_at").first()
    if person is None:
        raise ValueError(_("未找到该社区矫正对象（或无权管理）"))
    try:
        decided = as_datetime(get("decided_on"), CHINA).date()
    except ValueError as exc:
        raise ValueError(_("决定日期格式无效")) from exc
    found = get("found_by_system")
    found_bool = found if isinstance(found, bool) else str(found or "").strip().lower() in YES
    return {"ledger_number": number[:60], "kind": kind, "supervisee": person, "decided_on": decided,
            "found_by_system": found_bool, "facts": str(get("facts") or "").strip() or _("（台账导入）")}


def import_sanctions_ledger(*, rows: list[dict[str, Any]], by) -> dict[str, Any]:
    visible = restrict(Supervisee.objects.all(), by, "change")
    errors: dict[str, list[dict[str, str]]] = {}
    created = duplicates = 0
    for i, row in enumerate(rows, start=2):
        try:
            v = _clean(row, visible)
        except ValueError as exc:
            errors[str(i)] = [{"code": "invalid", "message": str(exc)}]
            continue
        if Sanction.objects.filter(ledger_number=v["ledger_number"]).exists():
            duplicates += 1
            continue
        person = v.pop("supervisee")
        state = Sanction.State.NOTIFIED if v["kind"] in ("admonition", "warning") else Sanction.State.SUBMITTED
        with transaction.atomic():
            s = Sanction.objects.create(supervisee=person, justice_office_id=person.justice_office_id, state=state,
                                        proposed_kind=v["kind"], **v)
            record(actor=by, event_type=AuditEvent.CORRECTIONS_CHANGED, action="sanction_imported", obj=s,
                   after={"ledger_number": s.ledger_number, "kind": s.kind, "found_by_system": s.found_by_system})
        created += 1
    return {"received": len(rows), "created": created, "duplicates": duplicates, "errors": errors}
