"""The ledger import writes new disputes in batches (disputes.intake): the same rows, parties,
duplicate flags and refusals as creating them one by one, row-level errors kept, and no
duplicate disputes for a ledger number."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pingan.core.models import AuditEntry
from pingan.disputes import bulk, intake, ledger, services
from pingan.disputes.models import Dispute, DuplicateCandidate, Party

from .conftest import dispute_data, person, valid_id
from .test_ledger import row, xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_batch_import_flags_duplicates_like_one_by_one(org, categories):
    # An earlier dispute with 王五 (name and phone) in the same category, a month before.
    old = services.create_dispute(
        data=dispute_data(org, categories, category=categories["labour_wages"], title="旧欠薪纠纷",
                          received_at=dt.datetime(2023, 2, 1, 10, tzinfo=dt.UTC)),
        parties=[person("王五", phone="13800000001")], by=None, source="web")
    rows = [
        row("G1", p1="王五", **{"当事人1电话": "13800000001"}),  # same person as `old`
        row("G2", p1="李雷", p1_id=valid_id(7)),
        row("G3", p1="李雷", p1_id=valid_id(7)),  # same ID number as the row before
        row("G4", p1="韩梅梅", category="邻里"),  # nothing shared
    ]
    job = ledger.start(job=ledger.preview(upload=xlsx(rows), by=org.village_mediator_a), mode="valid")
    assert job.status == "done" and job.rows_created == 4, job.errors
    d = {x.external_ref: x for x in Dispute.objects.filter(source="excel")}
    flags = {(f.dispute.external_ref, f.candidate_id): f.matched_on for f in DuplicateCandidate.objects.all()}
    assert flags == {("G1", old.pk): ["name_phone"], ("G3", d["G2"].pk): ["id_number"]}
    # The parties and the search text are what create_dispute would have stored.
    assert [p.name for p in d["G1"].parties.all()] == ["王五"]
    assert "王五" in d["G1"].search_text and "欠薪纠纷" in d["G1"].search_text
    assert Party.objects.get(dispute=d["G2"]).id_number == valid_id(7)
    assert d["G1"].state == Dispute.INITIAL_STATE and d["G1"].created_by == org.village_mediator_a
    # One audit entry for the batch, listing every dispute with its snapshot.
    entry = AuditEntry.objects.filter(action="dispute.bulk_create").get()
    assert sorted(x["id"] for x in entry.after["disputes"]) == sorted(x.pk for x in d.values())
    assert next(x for x in entry.after["disputes"] if x["id"] == d["G1"].pk)["possible_duplicates"] == [old.pk]


def test_rows_errors_stay_row_level_and_a_ledger_number_is_never_duplicated(org, categories):
    rows = [row(f"H{i}") for i in range(1, 6)] + [row("H6", category="算命"), row("H2")]
    job = ledger.start(job=ledger.preview(upload=xlsx(rows), by=org.village_mediator_a), mode="valid")
    assert job.status == "done" and job.rows_created == 5 and job.rows_error == 2
    found = {(e["row"], e["column"]) for e in job.errors}
    assert (7, "纠纷类别") in found and (8, "台账编号") in found
    # Someone registers H7 by hand after the preview of a file that has it: the import updates it.
    job = ledger.preview(upload=xlsx([row("H1"), row("H7")]), by=org.village_mediator_a)
    services.create_dispute(data=dispute_data(org, categories, external_ref="H7"), parties=[person("张三")],
                            by=org.village_mediator_a, source="excel")
    job = ledger.start(job=job, mode="valid")
    assert job.status == "done" and (job.rows_created, job.rows_updated, job.rows_skipped) == (0, 1, 1)
    refs = list(Dispute.objects.filter(source="excel").values_list("external_ref", flat=True))
    assert sorted(refs) == ["H1", "H2", "H3", "H4", "H5", "H7"]


def items(org, categories, *refs):
    return [bulk.BulkDispute(data=dispute_data(org, categories, external_ref=ref), parties=[person("张三")])
            for ref in refs]


def test_intake_writes_all_or_nothing(org, categories):
    services.create_dispute(data=dispute_data(org, categories, external_ref="K2"), parties=[person("张三")],
                            by=None, source="excel")
    with pytest.raises(ValidationError) as exc:
        intake.create_disputes(items=items(org, categories, "K1", "K2"), by=None, source="excel")
    assert "K2" in str(exc.value)
    # Outside the user's village: refused, nothing of the batch kept.
    outside = items(org, categories, "K3") + [bulk.BulkDispute(
        data=dispute_data(org, categories, external_ref="K4", jurisdiction=org.village_c), parties=[person("李四")])]
    with pytest.raises(PermissionDenied):
        intake.create_disputes(items=outside, by=org.village_mediator_a, source="excel")
    assert sorted(Dispute.objects.values_list("external_ref", flat=True)) == ["K2"]


def test_intake_queries_do_not_grow_with_rows(org, categories):
    def count(refs) -> int:
        with CaptureQueriesContext(connection) as ctx:
            intake.create_disputes(items=items(org, categories, *refs), by=org.village_mediator_a, source="excel")
        return len(ctx.captured_queries)

    count(["W0"])  # warm the per-user permission cache and the settings
    assert count([f"M{i}" for i in range(3)]) == count([f"N{i}" for i in range(40)])
