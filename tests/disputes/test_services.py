from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from pingan.core.models import AuditEntry, Setting
from pingan.disputes import services
from pingan.disputes.models import Attachment, Category, Dispute, DuplicateCandidate, Party

from .conftest import NamedBytes, dispute_data, person, valid_id

pytestmark = pytest.mark.django_db


def test_categories_seeded_from_data_file(categories):
    assert len(categories) == 13
    assert categories["labour_wages"].name == "劳动争议及欠薪"
    assert list(Category.objects.values_list("code", flat=True))[-1] == "other"


def test_create_dispute_writes_parties_search_text_and_audit(org, categories):
    before = AuditEntry.objects.count()
    d = services.create_dispute(
        data=dispute_data(org, categories),
        parties=[person("张三", id_number=valid_id(1), phone="13800000001"), person("李四", role="respondent")],
        by=org.village_mediator_a,
        source="web",
    )
    assert d.state == "received" and d.grade is None
    assert d.created_by == org.village_mediator_a
    assert [p.name for p in d.parties.all()] == ["张三", "李四"]
    zhang = d.parties.get(name="张三")
    assert zhang.id_number == valid_id(1)  # decrypted on read
    assert zhang.birth_date.isoformat() == "1985-01-01"  # taken from the ID number
    with connection.cursor() as cur:
        cur.execute("SELECT id_number FROM disputes_party WHERE id = %s", [zhang.pk])
        raw = cur.fetchone()[0]
    assert raw.startswith("enc1:") and valid_id(1) not in raw  # encrypted at rest
    assert "张三" in d.search_text and "宅基地" in d.search_text
    entry = AuditEntry.objects.order_by("-seq").first()
    assert AuditEntry.objects.count() == before + 1
    assert entry.action == "dispute.create" and entry.object_id == str(d.pk)
    assert valid_id(1) not in str(entry.after)  # no clear ID number in the audit log


def test_invalid_input_is_reported_per_field_and_nothing_is_written(org, categories):
    with pytest.raises(ValidationError) as exc:
        services.create_dispute(
            data=dispute_data(org, categories, amount=Decimal("-1"), title=""),
            parties=[person("王五", id_number="520204198001010015"), person("", role="respondent")],
            by=org.village_mediator_a,
            source="web",
        )
    errors = exc.value.message_dict
    assert set(errors) >= {"amount", "title", "parties.0.id_number", "parties.1.name"}
    assert "校验位" in errors["parties.0.id_number"][0]
    assert Dispute.objects.count() == 0 and Party.objects.count() == 0


def test_at_least_one_party_required(org, categories):
    with pytest.raises(ValidationError) as exc:
        services.create_dispute(data=dispute_data(org, categories), parties=[], by=None, source="web")
    assert "parties" in exc.value.message_dict


def test_unknown_party_field_rejected(org, categories):
    with pytest.raises(ValidationError) as exc:
        services.create_dispute(
            data=dispute_data(org, categories), parties=[person(nickname="三儿")], by=None, source="web"
        )
    assert "nickname" in exc.value.message_dict


def test_village_mediator_cannot_add_in_another_village(org, categories):
    with pytest.raises(PermissionDenied):
        services.create_dispute(
            data=dispute_data(org, categories, jurisdiction=org.village_c),
            parties=[person()],
            by=org.village_mediator_a,
            source="web",
        )
    assert Dispute.objects.count() == 0 and Party.objects.count() == 0


def test_database_refuses_negative_amount_and_duplicate_external_ref(org, categories):
    d = services.create_dispute(
        data=dispute_data(org, categories, external_ref="TZ-1"), parties=[person()], by=None, source="excel"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Dispute.objects.filter(pk=d.pk).update(amount=Decimal("-5"))
    with pytest.raises(ValidationError) as exc:
        services.create_dispute(
            data=dispute_data(org, categories, external_ref="TZ-1"), parties=[person()], by=None, source="excel"
        )
    assert "external_ref" in exc.value.message_dict
    # the same reference from another source is a different record
    services.create_dispute(
        data=dispute_data(org, categories, external_ref="TZ-1"), parties=[person()], by=None, source="police"
    )


def test_duplicate_flagged_by_id_number_within_window_never_blocks(org, categories):
    first = services.create_dispute(
        data=dispute_data(org, categories), parties=[person("张三", id_number=valid_id(2))], by=None, source="web"
    )
    second = services.create_dispute(
        data=dispute_data(org, categories, title="再次反映宅基地纠纷"),
        parties=[person("张叁", id_number=valid_id(2))],
        by=None,
        source="web",
    )
    flag = DuplicateCandidate.objects.get(dispute=second)
    assert flag.candidate == first and flag.matched_on == ["id_number"]
    # another category is not a duplicate
    third = services.create_dispute(
        data=dispute_data(org, categories, category=categories["contract"]),
        parties=[person("张三", id_number=valid_id(2))],
        by=None,
        source="web",
    )
    assert not DuplicateCandidate.objects.filter(dispute=third).exists()


def test_duplicate_by_name_and_phone_and_window_from_setting(org, categories):
    old = services.create_dispute(
        data=dispute_data(org, categories, received_at=timezone.now() - timedelta(days=40)),
        parties=[person("李四", phone="13900000002")],
        by=None,
        source="web",
    )
    Setting.objects.update_or_create(key="disputes.duplicate_window_days", defaults={"value": 30})
    new = services.create_dispute(
        data=dispute_data(org, categories), parties=[person("李四", phone="13900000002")], by=None, source="web"
    )
    assert not DuplicateCandidate.objects.filter(dispute=new).exists()
    Setting.objects.filter(key="disputes.duplicate_window_days").update(value=60)
    newer = services.create_dispute(
        data=dispute_data(org, categories), parties=[person("李四", phone="13900000002")], by=None, source="web"
    )
    assert set(DuplicateCandidate.objects.filter(dispute=newer).values_list("candidate", flat=True)) == {old.pk, new.pk}
    assert DuplicateCandidate.objects.get(dispute=newer, candidate=old).matched_on == ["name_phone"]


def test_link_duplicate(org, categories):
    a = services.create_dispute(data=dispute_data(org, categories), parties=[person(id_number=valid_id(3))], by=None, source="web")
    b = services.create_dispute(data=dispute_data(org, categories), parties=[person(id_number=valid_id(3))], by=None, source="web")
    services.link_duplicate(dispute=b, original=a, by=org.village_mediator_a, reason="同一事项重复登记")
    b.refresh_from_db()
    assert b.duplicate_of == a and a in b.related.all()
    assert DuplicateCandidate.objects.get(dispute=b, candidate=a).status == "linked"
    with pytest.raises(ValidationError):
        services.link_duplicate(dispute=a, original=b, by=None)
    with pytest.raises(ValidationError):
        services.link_duplicate(dispute=a, original=a, by=None)


def test_update_dispute_audits_before_and_after_and_skips_no_change(org, categories):
    d = services.create_dispute(data=dispute_data(org, categories), parties=[person()], by=None, source="web")
    count = AuditEntry.objects.count()
    _, changed = services.update_dispute(dispute=d, data={"title": d.title}, by=org.village_mediator_a)
    assert not changed and AuditEntry.objects.count() == count
    d, changed = services.update_dispute(
        dispute=d, data={"amount": Decimal("8000.50"), "facts": "新增事实：涉及多人"}, by=org.village_mediator_a, reason="补充"
    )
    assert changed and d.amount == Decimal("8000.50")
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.before["amount"] == "5000.00" and entry.after["amount"] == "8000.50" and entry.reason == "补充"
    assert "涉及多人" in Dispute.objects.get(pk=d.pk).search_text
    with pytest.raises(PermissionDenied):
        services.update_dispute(dispute=d, data={"title": "x"}, by=org.village_mediator_b)


def test_add_party_updates_search_and_flags(org, categories):
    d = services.create_dispute(data=dispute_data(org, categories), parties=[person()], by=None, source="web")
    services.add_party(dispute=d, data=person("某某建筑公司", role="respondent", kind="organisation", credit_code="91520204MA6DXXXX1A"), by=org.village_mediator_a)
    assert "某某建筑公司" in Dispute.objects.get(pk=d.pk).search_text
    with pytest.raises(ValidationError) as exc:
        services.add_party(dispute=d, data=person("某公司", kind="organisation", id_number=valid_id(4)), by=None)
    assert "id_number" in exc.value.message_dict


def test_attachments_type_size_and_content(org, categories, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.PINGAN_DISPUTE_ATTACHMENT_MAX_BYTES = 1000
    d = services.create_dispute(
        data=dispute_data(org, categories),
        parties=[person()],
        by=org.village_mediator_a,
        source="web",
        attachments=[NamedBytes(b"%PDF-1.4 minimal", "现场照片 说明.pdf")],
    )
    att = Attachment.objects.get(dispute=d)
    assert att.original_name == "现场照片 说明.pdf" and att.extension == "pdf"
    assert "现场照片" not in att.file.name and att.file.name.endswith(".pdf")  # random stored name
    assert (tmp_path / att.file.name).read_bytes() == b"%PDF-1.4 minimal"
    for upload, code in [
        (NamedBytes(b"MZ\x90\x00", "virus.exe"), "不支持"),
        (NamedBytes(b"MZ\x90\x00", "fake.pdf"), "不符"),
        (NamedBytes(b"%PDF-" + b"x" * 2000, "big.pdf"), "过大"),
    ]:
        with pytest.raises(ValidationError) as exc:
            services.add_attachment(dispute=d, file=upload, by=org.village_mediator_a)
        assert code in exc.value.message_dict["file"][0]
    assert Attachment.objects.filter(dispute=d).count() == 1
