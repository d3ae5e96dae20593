"""Statistics from records loaded through the import/API path, and travel-record cross-checks."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from pingan.corrections import leave, travel
from pingan.corrections.models import Alert, Sanction, TravelRecord

from .conftest import PANZHOU, id_number

API = "/api/v1/corrections"


def csv_upload(header, rows, name="ledger.csv"):
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    return SimpleUploadedFile(name, buf.getvalue().encode("utf-8-sig"), content_type="text/csv")


@pytest.mark.django_db
def test_seed_figures_come_back_from_imported_records(client, org, make_supervisee):
    people = [make_supervisee(name=f"对象{i}")[0] for i in range(6)]
    rows = []
    # 2022-01 … 2023-03: warnings 27 (22 found by the system), admonitions 21 (8 found by the system)
    for i in range(27):
        rows.append([f"JC-W-{i:03d}", people[i % 6].id_number, "警告", f"2022-{i % 12 + 1:02d}-15",
                     "是" if i < 22 else "否", "越界"])
    for i in range(21):
        rows.append([f"JC-A-{i:03d}", people[i % 6].id_number, "训诫", f"2023-0{i % 3 + 1}-10",
                     "是" if i < 8 else "否", "未按时报到"])
    rows.append(["JC-X-001", "520204198001019999", "警告", "2022-05-01", "是", "错号"])  # a bad row
    header = ["台账编号", "身份证号", "措施", "决定日期", "系统发现", "事由"]
    client.force_login(org["officer"])
    r = client.post(f"{API}/sanctions/ledger", {"file": csv_upload(header, rows)})
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["created"], body["duplicates"], list(body["errors"])) == (48, 0, ["50"])
    # importing the same ledger again changes nothing
    r = client.post(f"{API}/sanctions/ledger", {"file": csv_upload(header, rows)})
    assert (r.json()["created"], r.json()["duplicates"]) == (0, 48)
    for i, kind in enumerate(["left_area", "left_area", "silence", "travel_record"]):
        r = client.post(f"{API}/alerts", {"supervisee_id": people[i].pk, "kind": kind, "source": "platform",
                                          "occurred_at": f"2022-0{i + 1}-02T10:00:00+08:00", "evidence": {"n": i}},
                        content_type="application/json")
        assert r.status_code == 201, r.content
    r = client.get(f"{API}/statistics", {"since": "2022-01-01", "until": "2023-03-31"})
    assert r.status_code == 200, r.content
    s = r.json()
    assert s["sanctions"]["warning"] == {"total": 27, "found_by_system": 22}
    assert s["sanctions"]["admonition"] == {"total": 21, "found_by_system": 8}
    assert s["alerts"]["left_area"]["total"] == 2 and s["alerts"]["silence"]["open"] == 1
    assert set(s["checkins"]) >= {"due", "passed", "rate"}
    # a narrower period and another jurisdiction
    r = client.get(f"{API}/statistics", {"since": "2023-01-01", "until": "2023-03-31"})
    assert r.json()["sanctions"]["warning"]["total"] == 0 and r.json()["sanctions"]["admonition"]["total"] == 21
    r = client.get(f"{API}/statistics", {"since": "2022-01-01", "until": "2023-03-31", "jurisdiction": "520204104000"})
    assert r.json()["sanctions"]["warning"]["total"] == 0
    # the other 司法所 sees none of it
    client.force_login(org["staff_b"])
    r = client.get(f"{API}/statistics", {"since": "2022-01-01", "until": "2023-03-31"})
    assert r.json()["sanctions"]["warning"]["total"] == 0 and r.json()["alerts"] == {}
    assert client.get(f"{API}/alerts/{Alert.objects.first().pk}").status_code == 404
    assert Sanction.objects.filter(found_by_system=True).count() == 30


TRAVEL_HEADER = ["记录编号", "类别", "身份证号", "时间", "地点", "行政区划代码", "纬度", "经度"]


@pytest.mark.django_db
def test_travel_records_cross_check(client, org, make_supervisee):
    s, _d, _t = make_supervisee(name="赵六")
    other, _d2, _t2 = make_supervisee(name="钱七")
    trip = leave.apply_leave(supervisee=other, by=org["staff_a"], reason="探亲", destination="盘州市",
                             start_date=dt.date(2026, 11, 1), end_date=dt.date(2026, 11, 5))
    leave.approve_leave(leave=trip, by=org["staff_a"])
    rows = [
        ["T1", "火车票", s.id_number, "2026-11-02 09:00", "六盘水站", "520204", "", ""],       # inside: nothing
        ["T2", "客车票", s.id_number, "2026-11-03 09:00", "盘州客运站", "520281", "", ""],     # outside: alert
        ["T3", "住宿", s.id_number, "2026-11-03 22:00", "盘州某酒店", "", PANZHOU[0], PANZHOU[1]],  # by point
        ["T4", "出入境", s.id_number, "2026-11-04 08:00", "磨憨口岸", "", "", ""],            # always outside
        ["T5", "住宿", other.id_number, "2026-11-03 22:00", "盘州某酒店", "520281", "", ""],  # on approved leave
        ["T6", "网吧", id_number(), "2026-11-03 22:00", "某网吧", "520281", "", ""],  # not a supervisee
        ["T7", "飞机", s.id_number, "2026-11-03", "机场", "", "", ""],                       # bad kind
    ]
    client.force_login(org["staff_a"])
    r = client.post(f"{API}/travel-records/import", {"file": csv_upload(TRAVEL_HEADER, rows, "q.csv")})
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["created"], body["unmatched"], list(body["errors"])) == (6, 1, ["8"])
    assert "类别无效" in body["errors"]["8"][0]["message"]
    flagged = {t.record_id for t in TravelRecord.objects.filter(alert__isnull=False)}
    assert flagged == {"T2", "T3", "T4"}
    assert TravelRecord.objects.get(record_id="T5").covered_by_leave == trip
    a = Alert.objects.get(evidence__record_id="T2")
    assert (a.kind, a.source, a.supervisee) == ("travel_record", "travel_record", s)
    assert s.id_number not in str(TravelRecord.objects.get(record_id="T6").__dict__)
    # the same results again (and through the JSON API): no new rows, no new alerts
    r = client.post(f"{API}/travel-records", [{"record_id": "T2", "kind": "coach", "id_number": s.id_number,
                                               "occurred_at": "2026-11-03T09:00:00+08:00", "region_code": "520281"}],
                    content_type="application/json")
    assert r.json()["duplicates"] == 1
    assert Alert.objects.filter(kind="travel_record").count() == 3


@pytest.mark.django_db
def test_travel_records_from_excel(org, make_supervisee):
    s, _d, _t = make_supervisee()
    wb = Workbook()
    ws = wb.active
    ws.append(TRAVEL_HEADER)
    ws.append(["X1", "机票", s.id_number, dt.datetime(2026, 11, 3, 9, 0), "昆明长水机场", "530100", None, None])
    buf = io.BytesIO()
    wb.save(buf)
    from pingan.corrections.tables import read_table

    result = travel.import_travel_records(rows=read_table(buf.getvalue(), "q.xlsx"), by=org["staff_a"])
    assert result["created"] == 1 and len(result["alerts"]) == 1
    assert Alert.objects.get().occurred_at == dt.datetime(2026, 11, 3, 1, 0, tzinfo=dt.UTC)
