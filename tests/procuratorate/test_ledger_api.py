"""The seed figures (DOMAIN.md §2: 975 persons, 294 not approved for arrest, 134 not prosecuted,
6 volunteers all passed and not prosecuted, 378 early involvements) loaded through the Excel/CSV
import API and read back from the statistics API; re-import is idempotent; bad rows → 400 with
row-level messages and nothing written."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from pingan.procuratorate.ledger import CASE_COLUMNS, EARLY_COLUMNS
from pingan.procuratorate.models import EarlyInvolvement, MinorCase, Suspect, VolunteerPlan

from .conftest import valid_id

pytestmark = pytest.mark.django_db
URL = "/api/v1/procuratorate/"
HEADERS = [h for _k, h, _r in CASE_COLUMNS]


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def seed_rows() -> list[dict[str, object]]:
    """975 persons in 925 cases (50 cases with two suspects) between 2022 and 2025."""
    rows = []
    person = 0
    for case_no in range(925):
        received = dt.date(2022, 1, 3) + dt.timedelta(days=(case_no * 37) % 1400)
        for _ in range(2 if case_no < 50 else 1):
            row = {"案件编号": f"水检刑受〔{received.year}〕{case_no + 1}号", "罪名": ["盗窃", "危险驾驶", "交通肇事",
                   "故意伤害（轻伤）"][case_no % 4], "受理日期": received, "移送机关": "勺米派出所",
                   "犯罪嫌疑人": f"嫌疑人{person:04d}", "身份证号": valid_id(person % 1000) if person < 1000 else "",
                   "认罪认罚": "是", "认罪认罚日期": received, "初犯": "是"}
            if person < 500:  # arrest requested: 294 not approved, the rest approved
                decision = "不批准逮捕" if person < 294 else "批准逮捕"
                row.update({"提请逮捕日期": received, "逮捕决定": decision,
                            "逮捕决定日期": received + dt.timedelta(days=5),
                            "不捕理由": "无社会危险性" if person < 294 else ""})
            decided = received + dt.timedelta(days=40)
            row["移送审查起诉日期"] = received + dt.timedelta(days=10)
            if person >= 841:  # 134 not prosecuted: 6 after volunteer service, 120 relative, 8 other
                kind = "相对不起诉" if person < 969 else "其他不起诉"
                row.update({"起诉决定": kind, "起诉决定日期": decided, "决定理由": "犯罪情节轻微"})
                if person < 847:
                    row.update({"志愿服务单位": "交警大队", "志愿服务内容": "交通劝导执勤", "志愿服务时长": 8,
                                "志愿服务评估": "合格", "评估日期": decided - dt.timedelta(days=2)})
            else:
                row.update({"起诉决定": "起诉", "起诉决定日期": decided})
            rows.append(row)
            person += 1
    return rows


def xlsx(rows: list[dict[str, object]], headers=HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "小案台账"
    ws.append(headers)
    for row in rows:
        ws.append([row.get(h, "") for h in headers])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def early_csv(n: int) -> bytes:
    lines = [",".join(h for _k, h, _r in EARLY_COLUMNS)]
    kinds = ["盗窃", "合同诈骗", "电信网络诈骗"]
    for i in range(n):
        started = dt.date(2022, 2, 1) + dt.timedelta(days=(i * 3) % 1300)
        lines.append(f"提前介入-{i + 1},{kinds[i % 3]},{started},双水派出所,,引导取证,已移送审查起诉,")
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


def upload(c: Client, kind: str, data: bytes, name: str, **query):
    qs = "&".join(f"{k}={v}" for k, v in query.items())
    return c.post(f"{URL}imports/{kind}?{qs}", {"file": SimpleUploadedFile(name, data)})


def test_seed_figures_through_import_and_statistics_api(proc, django_assert_max_num_queries):
    from pingan.orgs.demo import ensure_agency

    ensure_agency("ps-shuangshui")
    c = client_for(proc.prosecutor)
    data = xlsx(seed_rows())
    dry = upload(c, "minor_cases", data, "小案台账.xlsx", dry_run="true")
    assert dry.status_code == 200, dry.json()
    assert dry.json()["created"] == 925 and dry.json()["written"] is False
    assert not MinorCase.objects.exists()

    r = upload(c, "minor_cases", data, "小案台账.xlsx")
    assert r.status_code == 200, r.json()
    assert (r.json()["rows"], r.json()["created"], r.json()["written"]) == (975, 925, True)
    r = upload(c, "early_involvements", early_csv(378), "提前介入.csv")
    assert r.status_code == 200, r.json()
    assert r.json()["created"] == 378

    today = timezone.localdate().isoformat()
    with django_assert_max_num_queries(40):  # one COUNT per figure and offence, none per row
        r = c.get(f"{URL}statistics?date_from=2022-01-01&date_to={today}")
    assert r.status_code == 200, r.json()
    stats = r.json()
    assert stats["minor_cases"]["persons"] == 975
    assert stats["minor_cases"]["arrest_not_approved"] == 294
    assert stats["minor_cases"]["non_prosecuted"] == 134
    assert stats["volunteer_service"] == {"participants": 6, "passed": 6, "failed": 0, "in_progress": 0,
                                         "passed_not_prosecuted": 6}
    assert stats["early_involvement"]["total"] == 378
    assert stats["early_involvement"]["by_offence"] == {"theft": 126, "contract_fraud": 126, "telecom_fraud": 126}
    # A period and a jurisdiction narrow the figures (双水街道 has no minor cases here).
    r = c.get(f"{URL}statistics?date_from=2022-01-01&date_to={today}&jurisdiction=520204002000")
    assert r.json()["minor_cases"]["persons"] == 0 and r.json()["early_involvement"]["total"] == 378
    r = c.get(f"{URL}statistics?date_from=2022-01-01&date_to=2022-12-31")
    assert 0 < r.json()["minor_cases"]["persons"] < 975

    # Importing the same ledger again changes nothing.
    again = upload(c, "minor_cases", data, "小案台账.xlsx")
    assert (again.json()["created"], again.json()["updated"], again.json()["unchanged"]) == (0, 0, 925)
    again = upload(c, "early_involvements", early_csv(378), "提前介入.csv")
    assert (again.json()["created"], again.json()["unchanged"]) == (0, 378)
    assert (Suspect.objects.count(), VolunteerPlan.objects.count(), EarlyInvolvement.objects.count()) == (975, 6, 378)

    # The exported ledger (ID numbers masked) re-imports as unchanged.
    export = c.get(f"{URL}ledger.xlsx")
    assert export.status_code == 200
    ws = load_workbook(io.BytesIO(export.content)).active
    assert ws.max_row == 976 and "*" in str(ws.cell(row=2, column=8).value)
    back = upload(c, "minor_cases", export.content, "export.xlsx")
    assert back.status_code == 200, back.json()
    assert back.json()["unchanged"] == 925


def test_changed_row_updates_the_case(proc):
    c = client_for(proc.prosecutor)
    rows = seed_rows()[:3]
    upload(c, "minor_cases", xlsx(rows), "a.xlsx")
    rows[2]["起诉决定"], rows[2]["决定理由"] = "相对不起诉", "情节轻微"
    r = upload(c, "minor_cases", xlsx(rows), "a.xlsx")
    assert (r.json()["updated"], r.json()["unchanged"]) == (1, 1)
    s = Suspect.objects.get(name=rows[2]["犯罪嫌疑人"])
    assert (s.prosecution_decision, s.state) == ("relative", "non_prosecuted")


def test_bad_rows_are_reported_by_row_and_column_and_nothing_is_written(proc):
    c = client_for(proc.prosecutor)
    rows = seed_rows()[100:104]  # four single-suspect cases, one bad value each
    future = timezone.localdate() + dt.timedelta(days=3)
    rows[0]["受理日期"] = future
    rows[1]["罪名"] = "不存在的罪名"
    rows[2]["逮捕决定日期"] = dt.date(2021, 1, 1)  # before the request (row has one)
    rows[3]["身份证号"] = "123"
    r = upload(c, "minor_cases", xlsx(rows), "bad.xlsx")
    assert r.status_code == 422
    errors = r.json()["errors"]
    assert set(errors) == {"第2行·受理日期", "第3行·罪名", "第4行·逮捕决定日期", "第5行·身份证号"}
    assert not MinorCase.objects.exists()
    dry = upload(c, "minor_cases", xlsx(rows), "bad.xlsx", dry_run="true")
    assert dry.status_code == 200 and len(dry.json()["errors"]) >= 4
    r = upload(c, "minor_cases", b"not a workbook", "x.xlsx")
    assert r.status_code == 422 and "file" in r.json()["errors"]
    r = upload(c, "minor_cases", xlsx([], headers=["案件编号"]), "x.xlsx")
    assert r.status_code == 422 and "缺少必需的列" in str(r.json()["errors"]["file"])


def test_police_cannot_import_or_read_statistics_of_cases(proc):
    c = client_for(proc.police_officer)
    r = upload(c, "minor_cases", xlsx(seed_rows()[:1]), "a.xlsx")
    assert r.status_code == 403
    r = c.get(f"{URL}statistics?date_from=2022-01-01&date_to=2030-01-01")
    assert r.status_code == 200 and r.json()["minor_cases"]["persons"] == 0


def test_reimport_with_another_jurisdiction_moves_the_suspects_and_plans_copies(proc):
    c = client_for(proc.prosecutor)
    rows = seed_rows()[841:843]  # two single-suspect cases, each with a volunteer plan
    r = upload(c, "minor_cases", xlsx(rows), "a.xlsx")
    assert r.json()["created"] == 2, r.json()
    for s in Suspect.objects.select_related("case", "volunteer_plan"):
        assert s.jurisdiction_id == s.case.jurisdiction_id == s.volunteer_plan.jurisdiction_id is not None
    for row in rows:
        row["案发地区划代码"] = "520204002000"  # 双水街道
    r = upload(c, "minor_cases", xlsx(rows), "a.xlsx")
    assert r.json()["updated"] == 2, r.json()
    codes = {(s.case.jurisdiction.code, s.jurisdiction.code, s.volunteer_plan.jurisdiction.code)
             for s in Suspect.objects.select_related("case__jurisdiction", "jurisdiction", "volunteer_plan__jurisdiction")}
    assert codes == {("520204002000",) * 3}
    stats = c.get(f"{URL}statistics?date_from=2022-01-01&date_to={timezone.localdate()}&jurisdiction=520204002000")
    assert stats.json()["minor_cases"]["persons"] == 2
    assert stats.json()["volunteer_service"]["participants"] == 2
