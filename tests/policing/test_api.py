"""/api/v1/policing/: permissions allowed and denied, masking, bad input → clear 4xx with nothing
written, Excel import row errors and idempotent re-import, export, query counts of the lists."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from openpyxl import Workbook, load_workbook

from pingan.core.audit import AuditEvent
from pingan.core.models import AuditEntry
from pingan.policing import services
from pingan.policing.models import Hazard, Household, Visit

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def xlsx(header, rows) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    ws.append(header)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "ledger.xlsx"
    return buf


def test_visit_from_phone_with_hazard_and_scope(police):
    c = client_for(police.aux)
    h = police.households[0]
    resp = c.post("/api/v1/policing/visits", {
        "household": str(h.uuid), "people_met": "户主张大山", "notes": "邻里矛盾", "latitude": "26.551234",
        "longitude": "104.951234",
        "hazards": [{"title": "排水沟纠纷", "description": "两户争吵", "contact_name": "张大山", "contact_phone": "13800001111"}],
    }, content_type="application/json")
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["jurisdiction"] == police.group1.code and len(body["hazards"]) == 1
    hazard_uuid = body["hazards"][0]
    detail = c.get(f"/api/v1/policing/hazards/{hazard_uuid}").json()
    assert detail["contact_name"] == "张**" and detail["contact_phone"].startswith("138") and detail["masked"]
    assert detail["timeline"][0]["label"] == "发现隐患"
    assert {a["name"] for a in detail["actions"]} >= {"link", "push", "resolve", "control"}
    # The 双水 officer: the hazard is a 404 (same as missing), the household too.
    other = client_for(police.other_officer)
    assert other.get(f"/api/v1/policing/hazards/{hazard_uuid}").status_code == 404
    resp = other.post("/api/v1/policing/visits", {"household": str(h.uuid)}, content_type="application/json")
    assert resp.status_code == 404


def test_reveal_is_audited_and_leader_gets_masked(police, district_leader):
    hazard = services.report_hazard(data={"title": "纠纷", "description": "争吵", "jurisdiction": police.group1,
                                          "contact_name": "张大山", "contact_phone": "13800001111"}, by=police.aux)
    views = AuditEntry.objects.filter(event_type=AuditEvent.SENSITIVE_VIEWED).count()
    body = client_for(police.aux).get(f"/api/v1/policing/hazards/{hazard.uuid}?reveal=true").json()
    assert body["contact_name"] == "张大山" and not body["masked"]
    assert AuditEntry.objects.filter(event_type=AuditEvent.SENSITIVE_VIEWED).count() == views + 1
    leader = client_for(district_leader).get(f"/api/v1/policing/hazards/{hazard.uuid}?reveal=true").json()
    assert leader["masked"] and leader["contact_name"] == "张**"
    # Leaders read, never write.
    resp = client_for(district_leader).post(f"/api/v1/policing/hazards/{hazard.uuid}/transitions",
                                            {"name": "link"}, content_type="application/json")
    assert resp.status_code == 403


def test_village_mediator_sees_no_hazards(police, village_mediator):
    services.report_hazard(data={"title": "纠纷", "description": "争吵", "jurisdiction": police.group1}, by=police.aux)
    c = client_for(village_mediator)
    assert c.get("/api/v1/policing/hazards").json()["count"] == 0
    assert c.get("/api/v1/policing/statistics").status_code == 403


def test_bad_input_gives_field_errors_and_writes_nothing(police):
    c = client_for(police.aux)
    counts = (Visit.objects.count(), Hazard.objects.count())
    cases = [
        ({"jurisdiction": "999999999999"}, "jurisdiction"),
        ({"jurisdiction": police.village.code, "latitude": "26.5"}, "longitude"),
        ({"jurisdiction": police.village.code, "oops": 1}, "oops"),
        ({"jurisdiction": police.village.code, "hazards": [{"title": "x"}]}, None),
        ({}, "jurisdiction"),
    ]
    for payload, field in cases:
        resp = c.post("/api/v1/policing/visits", payload, content_type="application/json")
        assert 400 <= resp.status_code < 500, (payload, resp.content)
        body = resp.json()
        assert body["detail"]
        if field:
            assert any(field in key for key in body["errors"]), (field, body)
    assert (Visit.objects.count(), Hazard.objects.count()) == counts
    hazard = services.report_hazard(data={"title": "纠纷", "description": "争吵", "jurisdiction": police.group1},
                                    by=police.aux)
    resp = c.post(f"/api/v1/policing/hazards/{hazard.uuid}/transitions", {"name": "publicise"},
                  content_type="application/json")
    assert resp.status_code == 400 and "不能执行" in resp.json()["detail"]
    resp = c.post(f"/api/v1/policing/hazards/{hazard.uuid}/to-dispute", {"category": "nope"},
                  content_type="application/json")
    assert resp.status_code in (400, 422) and "category" in resp.json()["errors"]
    hazard.refresh_from_db()
    assert hazard.state == "watching" and hazard.dispute is None


def test_to_dispute_letter_reply_and_three_tier_api(police, categories):
    c = client_for(police.officer)
    hazard = services.report_hazard(data={"title": "土地纠纷", "description": "两户争地", "jurisdiction": police.group1,
                                          "contact_name": "王五"}, by=police.aux)
    resp = c.post(f"/api/v1/policing/hazards/{hazard.uuid}/to-dispute", {"category": "neighbours"},
                  content_type="application/json")
    assert resp.status_code == 201 and resp.json()["channel"] == "dispute" and resp.json()["dispute"]
    resp = c.post(f"/api/v1/policing/hazards/{hazard.uuid}/letters", {"target_name": "镇国土所"},
                  content_type="application/json")
    assert resp.status_code == 201
    push = resp.json()["uuid"]
    assert c.post(f"/api/v1/policing/pushes/{push}/revisit", {"satisfied": True},
                  content_type="application/json").status_code == 400
    assert c.post(f"/api/v1/policing/pushes/{push}/reply", {"reply": "已处理"},
                  content_type="application/json").status_code == 200
    assert c.post(f"/api/v1/policing/pushes/{push}/revisit", {"satisfied": True},
                  content_type="application/json").status_code == 200
    figures = c.get("/api/v1/policing/statistics/three-tier", {"jurisdiction": police.shaomi.code}).json()
    assert figures["reports_collected"] == 1 and figures["pushed_by_letter"] == 1
    assert figures["replied_and_closed"] == 1 and figures["satisfaction_rate"] == 1.0
    stats = c.get("/api/v1/policing/statistics", {"jurisdiction": police.shaomi.code}).json()
    assert stats["hazards_found"] == 1 and stats["pushed"] == 2 and stats["hazards_to_dispute"] == 1
    assert c.get("/api/v1/policing/statistics", {"jurisdiction": "1"}).status_code == 422
    assert c.get("/api/v1/policing/statistics", {"date_from": "2026-02-01", "date_to": "2026-01-01"}).status_code == 422


def test_import_row_errors_write_nothing_then_reimport_is_idempotent(police):
    c = client_for(police.officer)
    header = ["户编号", "区划代码", "住址", "户主姓名", "联系电话", "包保民警账号"]
    bad = xlsx(header, [
        ["A1", police.group1.code, "一组1号", "甲", "13900000001", police.aux.username],
        ["A2", "520204999999", "x", "乙", "", ""],
        ["A1", police.group1.code, "一组1号", "甲", "", ""],
        ["A3", police.group1.code, "", "丙", "12", "nobody"],
        ["A4", police.other_village.code, "黄土坡", "丁", "", ""],
    ])
    before = Household.objects.count()
    resp = c.post("/api/v1/policing/import/households", {"file": bad})
    assert resp.status_code == 422
    errors = resp.json()["errors"]
    assert "3:区划代码" in errors and "4:户编号" in errors and "5:包保民警账号" in errors
    assert Household.objects.count() == before
    # Outside the officer's patch: refused per row, nothing written.
    out = xlsx(header, [["B1", police.other_village.code, "黄土坡1号", "丁", "", ""]])
    resp = c.post("/api/v1/policing/import/households", {"file": out})
    assert resp.status_code == 422 and "无权" in str(resp.json()["errors"])
    assert Household.objects.count() == before
    good = [["A1", police.group1.code, "一组1号", "甲", "13900000001", police.aux.username],
            ["A2", police.group2.code, "二组2号", "乙", "", ""]]
    dry = c.post("/api/v1/policing/import/households?dry_run=true", {"file": xlsx(header, good)}).json()
    assert dry["created"] == 2 and not dry["written"] and Household.objects.count() == before
    first = c.post("/api/v1/policing/import/households", {"file": xlsx(header, good)}).json()
    assert first["created"] == 2 and first["written"]
    again = c.post("/api/v1/policing/import/households", {"file": xlsx(header, good)}).json()
    assert again["created"] == 0 and again["skipped"] == 2
    assert Household.objects.count() == before + 2
    assert police.aux.policing_assignments.filter(household__external_ref="A1").exists()
    # Hazard ledger: a resolved step without a date is a row error.
    hz = xlsx(["隐患编号", "发现日期", "区划代码", "隐患简题", "隐患情况", "七字工作法环节", "化解日期"],
              [["Z1", "2023-01-01", police.group1.code, "纠纷", "争吵", "化", None],
               ["Z2", "2023-13-01", police.group1.code, "纠纷", "争吵", "盯", None]])
    resp = c.post("/api/v1/policing/import/hazards", {"file": hz})
    assert resp.status_code == 422
    assert set(resp.json()["errors"]) == {"2:化解日期", "3:发现日期"}
    assert not Hazard.objects.filter(external_ref__in=["Z1", "Z2"]).exists()
    bad_file = io.BytesIO(b"not a workbook")
    bad_file.name = "x.xlsx"
    assert c.post("/api/v1/policing/import/hazards", {"file": bad_file}).status_code == 422
    assert c.post("/api/v1/policing/import/nope", {"file": xlsx(["x"], [])}).status_code == 400


def test_template_and_export(police):
    c = client_for(police.officer)
    resp = c.get("/api/v1/policing/import/hazards/template")
    assert resp.status_code == 200
    wb = load_workbook(io.BytesIO(resp.content))
    assert wb["台账"]["A1"].value == "隐患编号*"
    services.report_hazard(data={"title": "纠纷", "description": "争吵", "jurisdiction": police.group1,
                                 "contact_name": "张大山"}, by=police.aux)
    exports = AuditEntry.objects.filter(event_type=AuditEvent.EXPORTED).count()
    resp = c.get("/api/v1/policing/export/hazards")
    assert resp.status_code == 200
    rows = list(load_workbook(io.BytesIO(resp.content))["台账"].iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][9] == "张**"
    assert AuditEntry.objects.filter(event_type=AuditEvent.EXPORTED).count() == exports + 1
    assert client_for(police.other_officer).get("/api/v1/policing/export/visits").status_code == 200


def test_lists_paginate_with_bounded_queries(police, django_assert_max_num_queries):
    for i in range(30):
        services.record_visit(data={"household": police.households[i % 3], "notes": f"第{i}次"}, by=police.aux,
                              hazards=[{"title": f"隐患{i}", "description": "争吵"}] if i % 2 else [])
    c = client_for(police.officer)
    with django_assert_max_num_queries(12):
        body = c.get("/api/v1/policing/visits", {"page_size": 20}).json()
    assert body["count"] == 30 and len(body["items"]) == 20
    with django_assert_max_num_queries(12):
        body = c.get("/api/v1/policing/hazards", {"page": 2, "page_size": 10}).json()
    assert body["count"] == 15 and len(body["items"]) == 5
    # 17: hazard and push figures read the days that writes marked dirty, then the daily-count
    # cache and the dirty days' records in one statement each (policing/rollup.py)
    with django_assert_max_num_queries(17):
        assert c.get("/api/v1/policing/statistics").status_code == 200
    assert client_for(police.other_officer).get("/api/v1/policing/visits").json()["count"] == 0
