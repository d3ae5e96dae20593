"""Statutory settings: seeded from the data file with their source, typed access, audited
changes (service and admin)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pingan.core import settings_store
from pingan.core.audit import AuditEvent
from pingan.core.errors import ApplicationError
from pingan.core.models import AuditEntry, Setting
from pingan.core.settings_store import (
    SettingMissing,
    SettingTypeError,
    get_period,
    get_setting,
    load_settings_file,
    set_setting,
)
from tests.core.seed import ensure_core_seed

DATA = Path(settings_store.__file__).resolve().parent / "data" / "statutory_settings.json"


@pytest.fixture(autouse=True)
def seeded(db):
    ensure_core_seed()


def test_every_row_of_the_data_file_is_seeded_with_its_source():
    rows = json.loads(DATA.read_text(encoding="utf-8"))["settings"]
    assert len(rows) >= 20
    for row in rows:
        setting = Setting.objects.get(key=row["key"])
        assert setting.value == row["value"]
        assert setting.source and setting.description


@pytest.mark.parametrize(
    ("key", "value", "source_part"),
    [
        ("court.delegated_mediation_days", 30, "特邀调解"),
        ("court.choose_mediator_working_days", 2, "在线调解规则"),
        ("court.mediator_accept_working_days", 3, "第12条"),
        ("court.judicial_confirmation_apply_days", 30, "人民调解法"),
        ("court.special_procedure_days", 30, "第187条"),
        ("procuratorate.recommendation_reply_months", 2, "检察建议工作规定"),
        ("procuratorate.arrest_review_days", 7, "第91条"),
        ("procuratorate.prosecution_review_months", 1, "刑事诉讼法"),
        ("procuratorate.prosecution_review_extension_days", 15, "刑事诉讼法"),
        ("procuratorate.fast_track_days", 10, "第172条"),
        ("procuratorate.fast_track_extended_days", 15, "第172条"),
        ("procuratorate.non_prosecution_appeal_days", 7, "第180条"),
        ("corrections.revocation_decision_days", 30, "社区矫正法"),
        ("corrections.arrest_decision_hours", 48, "社区矫正法"),
        ("corrections.electronic_monitoring_months", 3, "第29条"),
        ("corrections.daily_checkins", 3, ""),
        ("corrections.leave_office_approval_max_days", 7, "verify"),
        ("corrections.warnings_before_revocation", 2, "verify"),
    ],
)
def test_statutory_values(key, value, source_part):
    assert get_setting(key, int) == value
    assert source_part in Setting.objects.get(key=key).source


def test_leave_thresholds_are_marked_verify():
    for key in ("corrections.leave_office_approval_max_days", "corrections.leave_max_days"):
        assert "(verify)" in Setting.objects.get(key=key).description


def test_get_period_infers_the_unit():
    assert get_period("court.delegated_mediation_days") == (30, "natural_days")
    assert get_period("court.mediator_accept_working_days") == (3, "working_days")
    assert get_period("procuratorate.recommendation_reply_months") == (2, "months")
    assert get_period("corrections.arrest_decision_hours") == (48, "hours")
    with pytest.raises(ApplicationError):
        get_period("corrections.daily_checkins")


def test_missing_key_and_wrong_type_are_loud():
    with pytest.raises(SettingMissing) as exc:
        get_setting("court.no_such_period_days")
    assert "court.no_such_period_days" in exc.value.message
    Setting.objects.create(key="test.flag", value=True)
    with pytest.raises(SettingTypeError):
        get_setting("test.flag", int)  # a bool is not an int
    assert get_setting("test.flag", bool) is True
    assert get_setting("court.delegated_mediation_days", float) == 30.0


def test_set_setting_is_audited_and_keeps_periods_positive_integers():
    row = set_setting(key="court.delegated_mediation_days", value=45, by=None, reason="地方试点")
    assert row.value == 45 and get_setting("court.delegated_mediation_days", int) == 45
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.event_type == AuditEvent.SETTING_CHANGED
    assert entry.before["value"] == 30 and entry.after["value"] == 45 and entry.reason == "地方试点"
    for bad in (0, -3, "30", 2.5, True):
        with pytest.raises(ApplicationError):
            set_setting(key="court.delegated_mediation_days", value=bad, by=None)
    assert get_setting("court.delegated_mediation_days") == 45


def test_admin_change_goes_through_the_audited_service(client, django_user_model):
    admin_user = django_user_model.objects.create_superuser("root_s", "root@example.org", "x-Pass-2026-long")
    client.force_login(admin_user)
    row = Setting.objects.get(key="court.special_procedure_days")
    response = client.post(
        f"/admin/core/setting/{row.pk}/change/",
        {"value": "31", "description": row.description, "source": row.source, "reason": "测试"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert get_setting("court.special_procedure_days", int) == 31
    entry = AuditEntry.objects.filter(event_type=AuditEvent.SETTING_CHANGED).order_by("-seq").first()
    assert entry.object_id == str(row.pk) and entry.reason == "测试" and entry.actor_id == admin_user.pk


def test_load_settings_file_adds_missing_keys_and_keeps_edited_ones(tmp_path):
    Setting.objects.filter(key__startswith="test.loaded.").delete()
    Setting.objects.create(key="test.loaded.kept_days", value=9, description="edited", source="admin")
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"settings": [
        {"key": "test.loaded.kept_days", "value": 3, "description": "shipped", "source": "法"},
        {"key": "test.loaded.new_days", "value": 5, "description": "新参数", "source": "《条例》第五条"},
    ]}, ensure_ascii=False), encoding="utf-8")
    load_settings_file(path)
    load_settings_file(path)  # idempotent
    assert get_setting("test.loaded.kept_days") == 9
    new = Setting.objects.get(key="test.loaded.new_days")
    assert (new.value, new.description, new.source) == (5, "新参数", "《条例》第五条")
