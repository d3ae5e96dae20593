"""The seed's figures read back from the statistics API.

Court, 2022 (DOMAIN.md §1): delegated 2983, succeeded 1350 = 调解书 636 + 司法确认 482 +
现场兑现/和好/撤诉 232, success rate 1350/2983 = 45.257…% → 45.26 (two decimals, rounded half-up;
the seed prints 45.25, truncated), new first-instance civil filings −9.38 % year on year.

How the records get in: the 2022 court cohort through the court's ledger import (the JSON batch
API a filing clerk uses for historical cases: each case in its final state with its dates), and
`test_court_api_path_is_counted` drives cases through the court API end to end to show that what
the product writes live is counted the same way. The police figures go through the products' own
paths (disputes API, disputes workflow, policing Excel import), as the policing app's own test does."""

from __future__ import annotations

import datetime as dt
import io
from datetime import date

import pytest
from django.test import Client
from openpyxl import Workbook

from pingan.orgs.demo import ensure_jurisdiction

pytestmark = pytest.mark.django_db
API = "/api/v1/statistics"


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def get(client: Client, key: str, **params) -> dict:
    r = client.get(f"{API}/{key}", params)
    assert r.status_code == 200, r.content
    return r.json()


def load_court_2022(world) -> None:
    """The seed's 2022 cohort through the court's ledger import (POST /api/v1/court/import/cases),
    as the court's filing clerk: 2983 delegated cases with their outcomes and dates."""
    outcomes = (["mediation_document"] * 636 + ["judicial_confirmation"] * 482 + ["performed"] * 100
                + ["reconciled"] * 80 + ["withdrawn"] * 52 + ["returned"] * 1500 + [""] * 133)
    assert len(outcomes) == 2983
    places = [world.shaomi_cun, world.pingqing, world.huangtupo]
    rows = []
    for i, outcome in enumerate(outcomes):
        month, day = 1 + i % 12, 1 + i % 28
        delegated = date(2022, month, day)
        # the last delegations of December end in January 2023: delegated in 2022, counted there;
        # successes among them are dated 31 December so the seed's 1350 stay in 2022
        done = date(2022, month, min(day + 2, 28)) if month < 12 or day < 20 else date(2023, 1, 5)
        if outcome and outcome != "returned" and done.year == 2023:
            done = date(2022, 12, 31)
        rows.append({
            "ref": f"seed-2022-{i}", "title": f"诉前{i}", "facts": "合同纠纷", "claim": "诉讼请求",
            "category": "contract", "jurisdiction": places[i % 3].code, "received_on": delegated.isoformat(),
            "parties": [{"role": "applicant", "name": f"原告{i}"}, {"role": "respondent", "name": f"被告{i}"}],
            "delegated_to": world.committee.code, "delegated_on": delegated.isoformat(), "outcome": outcome,
            "outcome_on": done.isoformat() if outcome else None, "return_reason": "failed" if outcome == "returned" else "",
        })
    r = client_for(world.clerk).post("/api/v1/court/import/cases", {"court": world.court.code, "cases": rows},
                                     content_type="application/json")
    assert r.status_code == 200, r.content[:2000]
    assert (r.json()["created"], r.json()["errors"]) == (2983, [])


def test_court_2022_seed_figures_from_the_statistics_api(world):
    load_court_2022(world)
    c = client_for(world.leader)
    q = {"period": "2022"}
    assert get(c, "court.delegated", **q)["value"] == 2983
    succeeded = get(c, "court.succeeded", **q)
    assert succeeded["value"] == 1350
    assert [b["value"] for b in succeeded["breakdown"]] == [636, 482, 232]
    assert get(c, "court.mediation_document", **q)["value"] == 636
    assert get(c, "court.judicial_confirmation", **q)["value"] == 482
    assert get(c, "court.on_the_spot", **q)["value"] == 232
    rate = get(c, "court.success_rate", **q)
    assert rate["value"] == 45.26 and rate["unit"] == "%"
    # the same through a custom range and the drill-down by township
    ranged = get(c, "court.delegated", **{"from": "2022-01-01", "to": "2022-12-31", "group_by": "jurisdiction"})
    by_code = {r["code"]: r["value"] for r in ranged["rows"]}
    assert by_code[world.shaomi.code] == 1989 and by_code[world.shuangshui.code] == 994
    assert sum(by_code.values()) == 2983
    # 2023 has none of them
    assert get(c, "court.delegated", period="2023")["value"] == 0

    # New first-instance civil filings: the court-wide totals of both years imported with their
    # source (the records only know the cases returned for filing) → −9.38 % year on year.
    for year, value in ((2021, 3200), (2022, 2900)):
        r = c.post(f"{API}/historical", {
            "metric": "court.first_instance_filings", "date_from": f"{year}-01-01", "date_to": f"{year}-12-31",
            "jurisdiction": world.district.code, "value": str(value),
            "source": f"民商事一审新收案件 {year} 年 {value} 件，来源：水城区人民法院 {year + 1} 年工作报告"},
            content_type="application/json")
        assert r.status_code == 201, r.content
    filings = get(c, "court.first_instance_filings", **q)
    assert filings["value"] == 2900 and "2022 年 2900 件" in filings["source"]
    assert filings["year_on_year"]["value"] == 3200
    assert filings["year_on_year"]["change_percent"] == -9.38


def test_court_api_path_is_counted(world, make_user):
    """Cases driven through /api/v1/court/ (intake, consent, delegation, mediator, outcome) are
    exactly what the statistics API counts for this year."""
    from pingan.court.models import CourtCase, MediatorProfile
    from pingan.court.seed import seed as court_seed

    court_seed()
    clerk = make_user("court_clerk", "court", username="st_path_clerk")
    judge = make_user("judge", "court", username="st_path_judge")
    mediator = make_user("mediator", "mediation-centre", username="st_path_med")
    village = ensure_jurisdiction("520204104001")
    MediatorProfile.objects.create(user=mediator, organisation=mediator.agency, place=village.parent)
    cc, mc, jc = client_for(clerk), client_for(mediator), client_for(judge)
    today = dt.date.today()

    def post(client, url, data=None):
        r = client.post(f"/api/v1/court{url}", data or {}, content_type="application/json")
        assert r.status_code in (200, 201), (url, r.content)
        return r.json()

    def delegated_case(i: int) -> str:
        case = post(cc, "/cases", {
            "court": "court", "title": f"买卖合同纠纷{i}", "facts": "拖欠货款", "claim": "支付货款",
            "category": "contract", "jurisdiction": village.code, "received_on": today.isoformat(),
            "parties": [{"role": "applicant", "name": f"甲{i}"}, {"role": "respondent", "name": f"乙{i}"}]})
        uuid = case["uuid"]
        post(cc, f"/cases/{uuid}/screen")
        for party in CourtCase.objects.get(uuid=uuid).dispute.parties.all():
            post(cc, f"/cases/{uuid}/consents", {"party": party.pk, "consents": True})
        post(cc, f"/cases/{uuid}/delegate", {"organisation": "mediation-centre"})
        post(cc, f"/cases/{uuid}/mediator", {"mediator": mediator.username})
        post(mc, f"/cases/{uuid}/accept")
        return uuid

    uuids = [delegated_case(i) for i in range(4)]
    for uuid in uuids[:2]:
        post(mc, f"/cases/{uuid}/succeed", {"agreed_terms": "分期支付货款", "agreement_effective_on": today.isoformat()})
    post(mc, f"/cases/{uuids[0]}/resolve", {"outcome": "performed"})
    parties = list(CourtCase.objects.get(uuid=uuids[1]).dispute.parties.values_list("pk", flat=True))
    post(cc, f"/cases/{uuids[1]}/confirmation", {"applicants": parties, "applied_on": today.isoformat()})
    post(jc, f"/cases/{uuids[1]}/ruling", {"confirmed": True, "ruled_on": today.isoformat()})
    post(mc, f"/cases/{uuids[2]}/fail", {"reason": "被告不同意", "undisputed_facts": "欠款属实",
                                         "disputed_matters": "利息"})

    c = client_for(make_user("district_leader", "plc", username="st_path_leader"))
    q = {"period": str(today.year)}
    assert get(c, "court.delegated", **q)["value"] == 4
    assert get(c, "court.on_the_spot", **q)["value"] == 1
    assert get(c, "court.judicial_confirmation", **q)["value"] == 1
    assert get(c, "court.succeeded", **q)["value"] == 2
    assert get(c, "court.returned", **q)["value"] == 1
    assert get(c, "court.success_rate", **q)["value"] == 50.0


def _xlsx(header: list[str], rows: list[list]) -> io.BytesIO:
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


def test_police_three_tier_seed_figures(world, make_user):
    """勺米派出所: 90 reports collected (disputes API), 15 mediated after screening (disputes
    workflow), 15 pushed by letter, replied, closed and revisited (policing Excel import) →
    90 / 15 / 15 / 15 / 100 % from the statistics API."""
    from pingan.core.workflow import transition
    from pingan.disputes.followups import close_dispute, record_follow_up
    from pingan.disputes.models import Dispute
    from pingan.policing.seed import seed as policing_seed

    policing_seed()
    officer = make_user("police_officer", "ps-shaomi", username="st_officer")
    village = ensure_jurisdiction("520204104001")
    client = client_for(officer)
    uuids = []
    for i in range(90):
        r = client.post("/api/v1/disputes/", {
            "title": f"排查纠纷{i}", "facts": "走访排查发现的邻里纠纷", "category": "neighbours",
            "jurisdiction": village.code, "source": "police",
            "parties": [{"role": "applicant", "kind": "person", "name": f"当事人{i}"}],
        }, content_type="application/json")
        assert r.status_code == 201, r.content
        uuids.append(r.json()["uuid"])
    admin = make_user("admin", username="st_disputes_admin", is_superuser=True)
    for u in uuids[:15]:
        d = Dispute.objects.get(uuid=u)
        for name in ("grade", "route", "accept", "start_mediation", "agree"):
            transition(obj=d, name=name, by=admin)
        close_dispute(dispute=d, by=admin)
        record_follow_up(dispute=d, method="phone", satisfaction="satisfied", by=admin)
    year = date.today().year
    sent, replied, revisited = date(year, 1, 10), date(year, 1, 20), date(year, 2, 1)
    r = client.post("/api/v1/policing/import/pushes", {"file": _xlsx(
        ["推送编号", "推送日期", "区划代码", "责任单位", "函件编号", "回复日期", "回复内容", "是否办结", "回访日期", "群众满意"],
        [[f"SM{i:02d}", sent.isoformat(), village.code, "勺米镇国土所", f"勺派函〔{year}〕{i}号",
          replied.isoformat(), "已处理", "是", revisited.isoformat(), "是"] for i in range(15)])})
    assert r.status_code == 200, r.content

    q = {"period": str(year), "jurisdiction": world.shaomi.code}
    figures = {k: get(client, f"policing.three_tier.{k}", **q)["value"] for k in (
        "reports_collected", "mediated_after_screening", "pushed_by_letter", "replied_and_closed",
        "closure_rate", "revisit_rate", "satisfaction_rate")}
    assert figures == {"reports_collected": 90, "mediated_after_screening": 15, "pushed_by_letter": 15,
                       "replied_and_closed": 15, "closure_rate": 100.0, "revisit_rate": 100.0,
                       "satisfaction_rate": 100.0}
