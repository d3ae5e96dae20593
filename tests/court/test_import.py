"""The court's ledger import (historical cases): JSON batch API, dry run, row-level errors,
re-import without duplicates, permissions, what the import records."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from pingan.core.models import AuditEntry, OutboxEvent, Transition
from pingan.court.models import CourtCase
from pingan.disputes.models import Dispute

from .conftest import new_case

pytestmark = pytest.mark.django_db
URL = "/api/v1/court/import/cases"


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def row(i: int, **kw) -> dict[str, Any]:
    base = {
        "ref": f"TZ-2022-{i:04d}", "title": f"买卖合同纠纷{i}", "facts": "拖欠货款", "claim": "支付货款",
        "category": "contract", "jurisdiction": "520204104001", "amount": "12000.50", "received_on": "2022-03-01",
        "parties": [{"role": "applicant", "name": f"张{i}"}, {"role": "respondent", "name": f"某公司{i}"}],
        "delegated_to": "mediation-centre", "delegated_on": "2022-03-02",
        "outcome": "judicial_confirmation", "outcome_on": "2022-03-20",
    }
    base.update(kw)
    return base


def post(client: Client, cases: list[dict], *, court: str = "court", dry_run: bool = False):
    return client.post(URL, {"court": court, "dry_run": dry_run, "cases": cases}, content_type="application/json")


def test_import_creates_cases_in_their_final_state_with_their_dates(court):
    c = client_for(court.clerk)
    events_before = OutboxEvent.objects.count()
    audit_before = AuditEntry.objects.count()
    cases = [
        row(1, number="（2022）黔0204民诉前调1号"),
        row(2, outcome="mediation_document"),
        row(3, outcome="reconciled"),
        row(4, outcome="returned", return_reason="failed"),
        row(5, outcome="returned", return_reason="refused", delegated_to="", delegated_on=None),
        row(6, outcome="", outcome_on=None),
        row(7, outcome="", outcome_on=None, delegated_to="", delegated_on=None),
    ]
    r = post(c, cases)
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["created"], body["updated"], body["skipped"], body["errors"]) == (7, 0, 0, [])
    assert body["actions"] == ["create"] * 7
    by_ref = {cc.dispute.external_ref: cc for cc in CourtCase.objects.select_related("dispute", "delegated_to")}
    states = {ref: (cc.state, cc.dispute.state) for ref, cc in by_ref.items()}
    assert states == {
        "TZ-2022-0001": ("confirmed", "closed"), "TZ-2022-0002": ("document_issued", "closed"),
        "TZ-2022-0003": ("resolved", "closed"), "TZ-2022-0004": ("returned_for_filing", "returned_for_filing"),
        "TZ-2022-0005": ("returned_for_filing", "returned_for_filing"), "TZ-2022-0006": ("delegated", "accepted"),
        "TZ-2022-0007": ("received", "received"),
    }
    one = by_ref["TZ-2022-0001"]
    assert one.number == "（2022）黔0204民诉前调1号" and str(one.amount) == "12000.50"
    assert one.delegated_to == court.centre and one.dispute.handling_agency == court.centre
    assert one.delegated_at.date().isoformat() == "2022-03-02" and one.outcome_at.date().isoformat() == "2022-03-20"
    assert by_ref["TZ-2022-0007"].dispute.handling_agency == court.court
    assert one.dispute.source == "court" and [p.name for p in one.dispute.parties.all()] == ["张1", "某公司1"]
    assert "张1" in one.dispute.search_text
    # one "import" entry in each case's and dispute's log, no events, two audit entries (batch)
    log = Transition.objects.filter(name="import")
    assert log.filter(workflow="court.courtcase").count() == 7 and log.filter(workflow="disputes.dispute").count() == 7
    entry = log.get(workflow="court.courtcase", object_id=str(one.pk))
    assert (entry.from_state, entry.to_state, entry.by) == ("received", "confirmed", court.clerk)
    assert entry.data["historical"] is True and entry.data["outcome"] == "judicial_confirmation"
    assert OutboxEvent.objects.count() == events_before
    actions = list(AuditEntry.objects.filter(seq__gt=audit_before).values_list("action", flat=True))
    assert actions == ["dispute.bulk_import", "court.case.import"]


def test_dry_run_writes_nothing_and_reports_what_would_happen(court):
    c = client_for(court.clerk)
    r = post(c, [row(1), row(2)], dry_run=True)
    assert r.status_code == 200, r.content
    assert r.json()["created"] == 2 and r.json()["dry_run"] is True
    assert not CourtCase.objects.exists() and not Dispute.objects.exists()
    assert not Transition.objects.filter(name="import").exists()


def test_reimport_skips_unchanged_and_updates_changed_rows_without_duplicates(court):
    c = client_for(court.clerk)
    assert post(c, [row(1), row(2), row(3, outcome="", outcome_on=None)]).status_code == 200
    changed = row(3, outcome="performed", outcome_on="2022-04-01", title="买卖合同纠纷（更正）")
    r = post(c, [row(1), row(2), changed])
    assert r.status_code == 200, r.content
    assert r.json()["actions"] == ["skip", "skip", "update"]
    assert (r.json()["created"], r.json()["updated"], r.json()["skipped"]) == (0, 1, 2)
    assert CourtCase.objects.count() == 3 and Dispute.objects.count() == 3
    case = CourtCase.objects.get(dispute__external_ref="TZ-2022-0003")
    assert (case.state, case.outcome, case.dispute.state, case.dispute.title) == (
        "resolved", "performed", "closed", "买卖合同纠纷（更正）")
    # matching by case number too: the same number under another ledger reference is refused
    post(c, [row(4, number="（2021）黔0204民诉前调9号")])
    r = post(c, [row(5, number="（2021）黔0204民诉前调9号"), row(4, number="（2021）黔0204民诉前调9号")])
    assert r.status_code == 422
    assert "cases.0.ref" in r.json()["errors"] or "cases.1.number" in r.json()["errors"]


def test_row_errors_name_the_row_and_field_and_nothing_is_written(court):
    c = client_for(court.clerk)
    bad = [
        row(1),
        row(2, outcome_on="2022-02-01"),  # before the delegation
        row(3, received_on="2099-01-01", delegated_on=None, delegated_to="", outcome="", outcome_on=None),
        row(4, outcome="returned"),  # no reason
        row(5, category="nonsense"),
        row(6, delegated_to="court"),  # not a mediation organisation
        row(7, number="（2026）黔0204民诉前调1号"),  # this year's numbers are the platform's
        row(1),  # duplicate reference
        row(8, parties=[{"role": "applicant", "name": "王五", "id_number": "520204199001011235"}]),
    ]
    r = post(c, bad)
    assert r.status_code == 422, r.content
    errors = r.json()["errors"]
    assert set(errors) >= {"cases.1.outcome_on", "cases.2.received_on", "cases.3.return_reason", "cases.4.category",
                           "cases.5.delegated_to", "cases.6.number", "cases.7.ref", "cases.8.parties.0.id_number"}
    assert "cases.0.ref" not in errors
    assert not CourtCase.objects.exists() and not Dispute.objects.exists()
    # the dry run lists the same errors with 200
    r = post(c, bad, dry_run=True)
    assert r.status_code == 200 and r.json()["created"] == 0
    assert {(e["index"], e["field"]) for e in r.json()["errors"]} >= {(1, "outcome_on"), (7, "ref")}
    assert r.json()["actions"] == ["create"] + ["error"] * 8


def test_only_clerks_of_the_court_may_import(court, make_user):
    assert post(client_for(court.judge), [row(1)]).status_code == 403
    assert post(client_for(court.mediator), [row(1)]).status_code == 403
    # a clerk of a tribunal may not import into the court above it
    tribunal_clerk = make_user("court_clerk", "tribunal-dongdi", username="tribunal_clerk")
    r = post(client_for(tribunal_clerk), [row(1)])
    assert r.status_code == 403, r.content
    assert not CourtCase.objects.exists() and not Dispute.objects.exists()
    # but into the tribunal itself
    assert post(client_for(tribunal_clerk), [row(1)], court="tribunal-dongdi").status_code == 200
    assert post(client_for(court.clerk), [row(2)], court="mediation-centre").status_code == 422


def test_a_case_handled_in_the_product_is_not_rewritten_by_import(court):
    case = new_case(court)
    Dispute.objects.filter(pk=case.dispute_id).update(external_ref="TZ-LIVE-1")
    c = client_for(court.clerk)
    r = post(c, [row(1, ref="TZ-LIVE-1")])
    assert r.status_code == 422
    assert "cases.0.ref" in r.json()["errors"]
    case.refresh_from_db()
    assert case.state == "received" and case.outcome == ""


def test_schema_errors_are_422(court):
    c = client_for(court.clerk)
    r = post(c, [row(1, outcome="won")])
    assert r.status_code == 422 and "cases.0.outcome" in r.json()["errors"]
    r = post(c, [row(1, unknown="x")])
    assert r.status_code == 422
