"""Bulk intake of new disputes (the Excel ledger import): what services.create_dispute does for
one dispute, done for a batch in a handful of queries — validation without a query per row
(bulk.check), rows and parties with bulk_create and the search text built before the insert,
duplicate flags from one query over the batch's identities, the permission check on the stored
rows at once, and one audit entry for the batch listing each dispute's snapshot.

Unlike bulk.import_disputes (historical cases in their final state), these are new disputes: they
start in the initial state and are checked for duplicates. The caller keeps row-level errors:
when a batch is refused it writes that batch again row by row with create_dispute."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from pingan.core.audit import AuditEvent, record

from . import bulk
from .bulk import BulkDispute
from .models import Dispute, DuplicateCandidate, Party
from .services import _party_snapshot, _snapshot, duplicate_window_days


@transaction.atomic
def create_disputes(*, items: Sequence[BulkDispute], by, source: str) -> list[Dispute]:
    """Create the items as new disputes (all or none). ValidationError keyed "<index>.<field>"
    for invalid items or external references already used; PermissionDenied when the user may
    not add one of them."""
    errors: dict[str, list] = {}
    for i, item in enumerate(items):
        if item.built is None:
            errors.update({f"{i}.{k}": v for k, v in bulk.check(item, source=source, by=by).items()})
    if errors:
        raise ValidationError(errors)
    disputes = [item.built for item in items if item.built is not None]
    refs = [d.external_ref for d in disputes if d.external_ref]
    taken = set(Dispute.objects.filter(source=source, external_ref__in=refs).values_list("external_ref", flat=True))
    if len(refs) != len(set(refs)) or taken:
        raise ValidationError({"external_ref": _("同一来源下外部编号已存在或重复：%(refs)s") % {
            "refs": "、".join(sorted(taken or {r for r in refs if refs.count(r) > 1}))}})
    disputes = bulk.store(items, by=by)
    ids = [d.pk for d in disputes]
    flags = _flag_duplicates(items)
    record(actor=by, event_type=AuditEvent.DISPUTE_CHANGED, action="dispute.bulk_create",
           object_type="disputes.dispute", after={"source": source, "count": len(ids), "disputes": [
               {"id": item.built.pk, **_snapshot(item.built), "parties": [_party_snapshot(p) for p in item.party_objs],
                "possible_duplicates": flags.get(item.built.pk, [])}
               for item in items if item.built is not None]})
    return disputes


def _flag_duplicates(items: Sequence[BulkDispute]) -> dict[int, list[int]]:
    """services.find_duplicate_candidates for every item with one query: other disputes of the
    same category within the window sharing a party (ID number by blind index, or name and
    phone). As when rows are created one by one, a row is compared with disputes that existed
    before it, including earlier rows of the batch. Returns {dispute id: [candidate ids]}."""
    parties = [p for item in items for p in item.party_objs]
    indexes = {p.id_number_index for p in parties if p.id_number_index}
    pairs = {(p.name, p.phone) for p in parties if p.name and p.phone}
    if not indexes and not pairs:
        return {}
    q = Q(id_number_index__in=indexes) if indexes else Q()
    if pairs:
        q |= Q(name__in={n for n, _p in pairs}, phone__in={p for _n, p in pairs})
    by_index: dict[str, list[tuple]] = {}
    by_pair: dict[tuple[str, str], list[tuple]] = {}
    for dispute_id, index, name, phone, category_id, received_at in Party.objects.filter(q).values_list(
            "dispute_id", "id_number_index", "name", "phone", "dispute__category_id", "dispute__received_at"):
        other = (dispute_id, category_id, received_at)
        if index:
            by_index.setdefault(index, []).append(other)
        if name and phone:
            by_pair.setdefault((name, phone), []).append(other)
    window = timedelta(days=duplicate_window_days())
    batch = {item.built.pk for item in items if item.built is not None}
    flags: list[DuplicateCandidate] = []
    out: dict[int, list[int]] = {}
    for item in items:
        d = item.built
        assert d is not None
        found: dict[int, list[str]] = {}
        for p in item.party_objs:
            for kind, others in (("id_number", by_index.get(p.id_number_index) if p.id_number_index else None),
                                 ("name_phone", by_pair.get((p.name, p.phone)) if p.name and p.phone else None)):
                for pk, category_id, received_at in others or ():
                    if (pk == d.pk or category_id != d.category_id or abs(received_at - d.received_at) > window
                            or (pk in batch and pk > d.pk)):
                        continue
                    if kind not in found.setdefault(pk, []):
                        found[pk].append(kind)
        for pk, matched in sorted(found.items()):
            matched.sort(key=["id_number", "name_phone"].index)
            flags.append(DuplicateCandidate(dispute=d, candidate_id=pk, matched_on=matched))
            out.setdefault(d.pk, []).append(pk)
    DuplicateCandidate.objects.bulk_create(flags, batch_size=500)
    return out
