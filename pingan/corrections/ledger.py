"""Import of the sanctions ledger (奖惩台账) kept before the platform or by hand: decided
admonitions, warnings and proposals with whether the system found the violation. Idempotent by
ledger number; row-level errors; only people the importer may see."""

from __future__ import annotations

from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext as _

from pingan.core import punctuation
from pingan.core import spreadsheets as ss
from pingan.core.audit import AuditEvent, record
from pingan.core.crypto import blind_index
from pingan.core.idnumber import normalize_id_number, validate_id_number
from pingan.orgs.permissions import restrict

from .models import Sanction, Supervisee

KIND_BY_LABEL = {str(label): value for value, label in Sanction.Kind.choices} | {
    "提请撤销缓刑": "revocation", "提请撤销假释": "revocation", "收监执行": "custody"}
YES = {"是", "y", "yes", "true", "1", "系统发现"}


def _kind(value: Any) -> str:
    raw = ss.text(value)
    kind = raw if raw in Sanction.Kind.values else KIND_BY_LABEL.get(raw)
    if kind is None:
        raise ss.CellError(_("措施无效：%(v)s") % {"v": raw})
    return kind


def _found(value: Any) -> bool:
    return value if isinstance(value, bool) else ss.text(value).lower() in YES


LEDGER = ss.Ledger(title="奖惩台账", formats=("xlsx", "csv"), columns=[
    ss.Column("ledger_number", "台账编号", True, ss.text),
    ss.Column("id_number", "身份证号", True, ss.text),
    ss.Column("kind", "措施", True, _kind, tuple(str(label) for _v, label in Sanction.Kind.choices)),
    ss.Column("decided_on", "决定日期", True, ss.date),
    ss.Column("found_by_system", "系统发现", False, _found, ("是", "否")),
    ss.Column("facts", "事由", False, ss.text),
])


def _person(id_number: str, visible) -> Supervisee:
    try:
        validate_id_number(id_number)
    except Exception as exc:
        raise ValueError(_("身份证号无效")) from exc
    person = visible.filter(id_number_hash=blind_index(normalize_id_number(id_number))).order_by("-reported_at").first()
    if person is None:
        raise ValueError(_("未找到该社区矫正对象（或无权管理）"))
    return person


def import_sanctions_ledger(*, file: bytes | IO[bytes], by) -> dict[str, Any]:
    """Rows with errors are reported by row number and skipped; the others are written (each with
    its audit entry), a ledger number already stored counts as a duplicate."""
    rows = list(ss.read(file, LEDGER))  # FileRejected (422) for a file that cannot be read as a whole
    visible = restrict(Supervisee.objects.all(), by, "change")
    errors: dict[str, list[dict[str, str]]] = {}
    created = duplicates = 0
    for number, v, cell_errors in rows:
        try:
            if cell_errors:
                raise ValueError(punctuation.join(f"{e.column}{punctuation.mark('：')}{e.message}" for e in cell_errors))
            person = _person(v["id_number"], visible)
        except ValueError as exc:
            errors[str(number)] = [{"code": "invalid", "message": str(exc)}]
            continue
        ledger_number = v["ledger_number"][:60]
        if Sanction.objects.filter(ledger_number=ledger_number).exists():
            duplicates += 1
            continue
        state = Sanction.State.NOTIFIED if v["kind"] in ("admonition", "warning") else Sanction.State.SUBMITTED
        with transaction.atomic():
            s = Sanction.objects.create(
                supervisee=person, justice_office_id=person.justice_office_id, state=state, proposed_kind=v["kind"],
                ledger_number=ledger_number, kind=v["kind"], decided_on=v["decided_on"],
                found_by_system=bool(v["found_by_system"]), facts=v["facts"] or _("（台账导入）"))
            record(actor=by, event_type=AuditEvent.CORRECTIONS_CHANGED, action="sanction_imported", obj=s,
                   after={"ledger_number": s.ledger_number, "kind": s.kind, "found_by_system": s.found_by_system})
        created += 1
    return {"received": len(rows), "created": created, "duplicates": duplicates, "errors": errors}
