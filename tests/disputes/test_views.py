from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from pingan.core.models import AuditEntry
from pingan.disputes import services
from pingan.disputes.models import Dispute, DuplicateCandidate, ImportJob

from .conftest import dispute_data, person, valid_id

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def form_post(org, **overrides):
    data = {
        "title": "宅基地纠纷", "category": "", "jurisdiction": str(org.village_a.pk), "received_on": "2024-05-01",
        "amount": "3000", "facts": "两家因宅基地界址争执。", "latitude": "", "longitude": "",
        "parties-TOTAL_FORMS": "3", "parties-INITIAL_FORMS": "0", "parties-MIN_NUM_FORMS": "1", "parties-MAX_NUM_FORMS": "20",
        "parties-0-role": "applicant", "parties-0-kind": "person", "parties-0-name": "张三",
        "parties-0-id_number": valid_id(21), "parties-0-phone": "13800000021",
        "parties-1-role": "applicant", "parties-1-kind": "person",
        "parties-2-role": "applicant", "parties-2-kind": "person",
    }
    data.update(overrides)
    return data


def test_list_scoped_with_filters_and_htmx_partial(org, categories, django_assert_max_num_queries):
    mine = services.create_dispute(data=dispute_data(org, categories, title="勺米村邻里纠纷"), parties=[person("张三")], by=None, source="web")
    other = services.create_dispute(
        data=dispute_data(org, categories, jurisdiction=org.village_c, title="黄土坡物业纠纷"), parties=[person("李四")], by=None, source="web"
    )
    r = client_for(org.village_mediator_a).get(reverse("disputes:list"))
    assert r.status_code == 200
    body = r.content.decode()
    assert "勺米村邻里纠纷" in body and "黄土坡物业纠纷" not in body and "<html" in body
    leader = client_for(org.district_leader)
    with django_assert_max_num_queries(14):
        r = leader.get(reverse("disputes:list"))
    assert "黄土坡物业纠纷" in r.content.decode()
    r = leader.get(reverse("disputes:list"), {"q": "物业"}, HTTP_HX_REQUEST="true")
    body = r.content.decode()
    assert "<html" not in body and 'id="results"' in body
    assert "黄土坡物业纠纷" in body and "勺米村邻里纠纷" not in body
    r = leader.get(reverse("disputes:list"), {"jurisdiction": "520204999999"})
    assert r.status_code == 200 and "未知的区划代码" in r.content.decode()
    assert client_for(org.outsider).get(reverse("disputes:list")).status_code == 403
    assert mine and other


def test_detail_masks_and_other_village_gets_404(org, categories):
    d = services.create_dispute(
        data=dispute_data(org, categories, handling_agency=org.committee_a),
        parties=[person("张三", id_number=valid_id(22), phone="13800000022")], by=None, source="web",
    )
    url = reverse("disputes:detail", args=[d.uuid])
    assert client_for(org.village_mediator_b).get(url).status_code == 404
    c = client_for(org.village_mediator_a)
    body = c.get(url).content.decode()
    assert valid_id(22) not in body and "520204********" + valid_id(22)[-4:] in body and "138****0022" in body
    assert not AuditEntry.objects.filter(action="view_sensitive").exists()
    body = c.get(url, {"reveal": "1"}).content.decode()
    assert valid_id(22) in body
    assert AuditEntry.objects.filter(action="view_sensitive", actor=org.village_mediator_a).count() == 1
    body = client_for(org.district_leader).get(url, {"reveal": "1"}).content.decode()
    assert valid_id(22) not in body  # the leader sees the case, not the full ID number


def test_intake_form_inline_check_then_create(org, categories):
    c = client_for(org.village_mediator_a)
    assert c.get(reverse("disputes:create")).status_code == 200
    cat = str(categories["neighbours"].pk)
    # htmx inline check: field errors come back as the form partial; nothing is written
    r = c.post(reverse("disputes:create"), form_post(org, category=cat, **{"parties-0-id_number": "520204198001010015", "_check": "1"}),
               HTTP_HX_REQUEST="true")
    body = r.content.decode()
    assert r.status_code == 200 and "<html" not in body and 'id="dispute-form"' in body and "校验位" in body
    assert Dispute.objects.count() == 0
    r = c.post(reverse("disputes:create"), form_post(org, category=cat, amount="-1"))
    assert r.status_code == 200 and Dispute.objects.count() == 0
    r = c.post(reverse("disputes:create"), form_post(org, category=cat, **{"parties-1-name": "李四", "parties-1-role": "respondent"}))
    d = Dispute.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("disputes:detail", args=[d.uuid])
    assert d.source == "web" and [p.name for p in d.parties.all()] == ["张三", "李四"]


def test_intake_form_outside_scope_is_an_error_not_a_write(org, categories):
    c = client_for(org.village_mediator_a)
    r = c.post(reverse("disputes:create"), form_post(org, category=str(categories["neighbours"].pk), jurisdiction=str(org.village_c.pk)))
    assert r.status_code == 200 and Dispute.objects.count() == 0


def test_duplicate_link_from_detail(org, categories):
    a = services.create_dispute(data=dispute_data(org, categories), parties=[person(id_number=valid_id(23))], by=None, source="web")
    b = services.create_dispute(data=dispute_data(org, categories), parties=[person(id_number=valid_id(23))], by=None, source="web")
    flag = DuplicateCandidate.objects.get(dispute=b)
    c = client_for(org.village_mediator_a)
    assert "疑似重复" in c.get(reverse("disputes:detail", args=[b.uuid])).content.decode()
    r = c.post(reverse("disputes:duplicate_decide", args=[b.uuid, flag.pk]), {"decision": "link"})
    assert r.status_code == 302
    b.refresh_from_db()
    assert b.duplicate_of == a
    assert client_for(org.village_mediator_b).post(reverse("disputes:duplicate_decide", args=[b.uuid, flag.pk]), {"decision": "link"}).status_code == 404


def test_import_pages_upload_preview_confirm(org, categories, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    c = client_for(org.village_mediator_a)
    r = c.get(reverse("disputes:import_template"))
    assert r.status_code == 200 and load_workbook(io.BytesIO(r.content)).sheetnames[0] == "台账"
    wb = load_workbook(io.BytesIO(r.content))
    ws = wb["台账"]
    ws.append(["P1", "欠薪", "劳动争议及欠薪", org.village_a.code, "2024-01-05", "100", "欠薪事实", None, None, "王五"])
    ws.append(["P2", "欠薪", "劳动争议及欠薪", org.village_a.code, "2024-02-30", "100", "欠薪事实", None, None, "赵六"])
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "台账.xlsx"
    r = c.post(reverse("disputes:import"), {"file": buf})
    assert r.status_code == 302, r.content.decode()[-3000:]
    job = ImportJob.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("disputes:import_detail", args=[job.uuid])
    page = c.get(r["Location"]).content.decode()
    assert "日期不存在" in page and "新增" in page
    report = c.get(reverse("disputes:import_errors", args=[job.uuid]))
    assert load_workbook(io.BytesIO(report.content)).active.cell(row=2, column=1).value == 3
    assert client_for(org.village_mediator_b).get(reverse("disputes:import_detail", args=[job.uuid])).status_code == 404
    r = c.post(reverse("disputes:import_detail", args=[job.uuid]), {"mode": "valid"})
    job.refresh_from_db()
    assert job.status == "done" and Dispute.objects.get().external_ref == "P1"
    progress = c.get(reverse("disputes:import_progress", args=[job.uuid]), HTTP_HX_REQUEST="true").content.decode()
    assert 'id="progress"' in progress and "<html" not in progress and "every 1s" not in progress
    bad = io.BytesIO(b"not excel")
    bad.name = "x.xlsx"
    r = c.post(reverse("disputes:import"), {"file": bad})
    assert r.status_code == 200 and "xlsx" in r.content.decode()
    assert Workbook  # openpyxl is what wrote the files above


def test_categories_read_in_the_page_language(org, categories):
    neighbours = categories["neighbours"]
    assert neighbours.name_en and neighbours.name_en != neighbours.name
    d = services.create_dispute(data=dispute_data(org, categories), parties=[person("张三")], by=None, source="web")
    c = client_for(org.district_leader)
    for url in (reverse("disputes:list"), reverse("disputes:detail", args=[d.uuid])):
        assert neighbours.name in c.get(url).content.decode(), url
    c.post("/i18n/setlang/", {"language": "en", "next": "/"})
    for url in (reverse("disputes:list"), reverse("disputes:detail", args=[d.uuid])):
        body = c.get(url).content.decode()
        assert neighbours.name_en in body and f">{neighbours.name}<" not in body, url
    mediator = client_for(org.village_mediator_a)
    assert f">{neighbours.name}</option>" in mediator.get(reverse("disputes:create")).content.decode()
    mediator.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert f">{neighbours.name_en}</option>" in mediator.get(reverse("disputes:create")).content.decode()
