"""The seed's figures (DOMAIN.md §3), loaded through the Excel import API and read back from the
statistics API:

- 包保走访: 28 townships, 189 villages, 2705 village groups, 11800 households covered;
- hazards found 163, resolved 140, pushed 300+ ("rate > 90%" — see the resolution-rate test);
- 勺米派出所 三级联调: 90 reports collected, 15 mediated after screening, 15 pushed by letter,
  15 replied and closed; closure, revisit and satisfaction rates 100%.

Villages and groups below the real townships are generated here and marked as demo data."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import Workbook

from pingan.orgs.models import Jurisdiction

TOWNSHIPS, VILLAGES, GROUPS, HOUSEHOLDS = 28, 189, 2705, 11800
FOUND, RESOLVED, PUSHED = 163, 140, 312


def spread(total: int, buckets: int) -> list[int]:
    base, extra = divmod(total, buckets)
    return [base + (1 if i < extra else 0) for i in range(buckets)]


def make_divisions(district: Jurisdiction) -> list[Jurisdiction]:
    """189 demo villages under 28 townships and 2705 demo groups under them; returns the groups."""
    townships = list(Jurisdiction.objects.filter(parent=district, level=2, is_active=True).order_by("code")[:TOWNSHIPS])
    assert len(townships) == TOWNSHIPS
    villages = []
    for t, n in zip(townships, spread(VILLAGES, TOWNSHIPS), strict=True):
        for k in range(n):
            code = f"{t.code[:9]}{700 + k:03d}"
            villages.append(Jurisdiction(code=code, name=f"{t.name}测试村{k + 1}", level=3, kind="村", parent=t,
                                         path=f"{t.path}{code}/", is_demo=True, source="测试数据"))
    Jurisdiction.objects.bulk_create(villages)
    villages = list(Jurisdiction.objects.filter(code__in=[v.code for v in villages]).order_by("code"))
    groups = []
    for v, n in zip(villages, spread(GROUPS, VILLAGES), strict=True):
        for g in range(n):
            code = f"{v.code}{g + 1:03d}"
            groups.append(Jurisdiction(code=code, name=f"{v.name}第{g + 1}组", level=4, kind="组", parent=v,
                                       path=f"{v.path}{code}/", is_demo=True, source="测试数据"))
    Jurisdiction.objects.bulk_create(groups, batch_size=1000)
    return list(Jurisdiction.objects.filter(code__in=[g.code for g in groups]).order_by("code"))


def xlsx(header: list[str], rows: list[list]) -> io.BytesIO:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("台账")
    ws.append(header)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "ledger.xlsx"
    return buf


def upload(client: Client, kind: str, buf: io.BytesIO) -> dict:
    resp = client.post(f"/api/v1/policing/import/{kind}", {"file": buf})
    assert resp.status_code == 200, resp.content[:2000]
    body = resp.json()
    assert body["written"] and not body["errors"]
    return body


@pytest.mark.django_db
def test_visit_and_hazard_seed_figures_through_import_and_statistics_api(police):
    groups = make_divisions(police.shaomi.parent)
    importer = police.bureau_officer  # 区公安局: the whole district is its patch
    client = Client()
    client.force_login(importer)
    now = timezone.localtime()

    group_of_household = [g for g, n in zip(groups, spread(HOUSEHOLDS, GROUPS), strict=True) for _ in range(n)]
    upload(client, "households", xlsx(
        ["户编号", "区划代码", "住址", "户主姓名", "联系电话", "包保民警账号"],
        [[f"H{i:05d}", g.code, f"{g.name}{i}号", f"户主{i}", f"139{i:08d}", importer.username]
         for i, g in enumerate(group_of_household)],
    ))
    visited = (now - dt.timedelta(days=10)).strftime("%Y-%m-%d %H:%M")
    upload(client, "visits", xlsx(
        ["走访编号", "走访时间", "走访民警账号", "户编号", "走访对象", "走访情况"],
        [[f"V{i:05d}", visited, importer.username, f"H{i:05d}", "户主", "无异常"] for i in range(HOUSEHOLDS)],
    ))
    found = (now - dt.timedelta(days=60)).strftime("%Y-%m-%d")
    resolved = (now - dt.timedelta(days=30)).strftime("%Y-%m-%d")
    open_steps = ["盯", "联", "管", "推"]
    upload(client, "hazards", xlsx(
        ["隐患编号", "发现日期", "区划代码", "隐患简题", "隐患情况", "涉及人数", "七字工作法环节", "化解日期", "化解情况"],
        [[f"Z{i:03d}", found, groups[i * 16].code, f"隐患{i}", "邻里因排水沟发生争执", 2,
          "化" if i < RESOLVED else open_steps[i % 4], resolved if i < RESOLVED else None,
          "调解达成一致" if i < RESOLVED else None] for i in range(FOUND)],
    ))
    sent = (now - dt.timedelta(days=50)).strftime("%Y-%m-%d")
    upload(client, "pushes", xlsx(
        ["推送编号", "推送日期", "区划代码", "责任单位", "函件编号", "隐患编号"],
        [[f"P{i:03d}", sent, groups[i * 8].code, "镇国土所", f"水公函〔2023〕{i}号", f"Z{i % FOUND:03d}" if i < FOUND else None]
         for i in range(PUSHED)],
    ))

    resp = client.get("/api/v1/policing/statistics")
    assert resp.status_code == 200, resp.content
    figures = resp.json()
    assert (figures["townships"], figures["villages"], figures["village_groups"]) == (TOWNSHIPS, VILLAGES, GROUPS)
    assert figures["households_assigned"] == HOUSEHOLDS
    assert figures["households_visited"] == HOUSEHOLDS and figures["coverage_rate"] == 1.0
    assert figures["hazards_found"] == FOUND
    assert figures["hazards_resolved"] == RESOLVED
    assert figures["pushed"] == PUSHED and figures["pushed"] >= 300
    # The seed says "rate > 90%", but 140 of 163 is 85.9%: the records give what they give.
    assert figures["resolution_rate"] == round(RESOLVED / FOUND, 4) == 0.8589

    # The same figures for one township's subtree come from the same records.
    township = groups[0].parent.parent
    sub = client.get("/api/v1/policing/statistics", {"jurisdiction": township.code}).json()
    expected_found = sum(1 for i in range(FOUND) if groups[i * 16].path.startswith(township.path))
    assert sub["hazards_found"] == expected_found and sub["townships"] == 1

    # Importing the same files again changes nothing (idempotent by ledger number).
    again = client.post("/api/v1/policing/import/hazards", {"file": xlsx(
        ["隐患编号", "发现日期", "区划代码", "隐患简题", "隐患情况"],
        [[f"Z{i:03d}", found, groups[0].code, "重复", "重复"] for i in range(FOUND)])})
    assert again.status_code == 200 and again.json()["skipped"] == FOUND and again.json()["created"] == 0
    assert client.get("/api/v1/policing/statistics").json()["hazards_found"] == FOUND


@pytest.mark.django_db
def test_three_tier_seed_figures_of_shaomi_station(police, categories, make_user):
    """90 police-collected dispute reports (through the disputes API), 15 mediated through the
    disputes workflow, 15 letters replied, closed and revisited (through the policing API)."""
    from pingan.core.workflow import transition
    from pingan.disputes.followups import close_dispute, record_follow_up
    from pingan.disputes.models import Dispute

    officer = police.officer  # 勺米派出所
    client = Client()
    client.force_login(officer)
    uuids = []
    for i in range(90):
        resp = client.post("/api/v1/disputes/", {
            "title": f"排查纠纷{i}", "facts": "走访排查发现的邻里纠纷", "category": "neighbours",
            "jurisdiction": police.village.code, "source": "police",
            "parties": [{"role": "applicant", "kind": "person", "name": f"当事人{i}"}],
        }, content_type="application/json")
        assert resp.status_code == 201, resp.content
        uuids.append(resp.json()["uuid"])
    # Screening and mediation are the disputes app's work: 15 of the 90 go through its workflow
    # to agreement, closure and a follow-up visit.
    admin = make_user("admin", username="disputes_admin", is_superuser=True)
    for u in uuids[:15]:
        d = Dispute.objects.get(uuid=u)
        for name in ("grade", "route", "accept", "start_mediation", "agree"):
            transition(obj=d, name=name, by=admin)
        close_dispute(dispute=d, by=admin)
        record_follow_up(dispute=d, method="phone", satisfaction="satisfied", by=admin)

    resp = client.post("/api/v1/policing/import/pushes", {"file": xlsx(
        ["推送编号", "推送日期", "区划代码", "责任单位", "函件编号", "回复日期", "回复内容", "是否办结", "回访日期", "群众满意"],
        [[f"SM{i:02d}", "2023-01-10", police.village.code, "勺米镇国土所", f"勺派函〔2023〕{i}号", "2023-01-20",
          "已处理", "是", "2023-02-01", "是"] for i in range(15)])})
    assert resp.status_code == 200, resp.content

    figures = client.get("/api/v1/policing/statistics/three-tier", {"jurisdiction": police.shaomi.code}).json()
    assert figures["reports_collected"] == 90
    assert figures["mediated_after_screening"] == 15
    assert figures["pushed_by_letter"] == 15
    assert figures["replied_and_closed"] == 15
    assert figures["closure_rate"] == figures["revisit_rate"] == figures["satisfaction_rate"] == 1.0
