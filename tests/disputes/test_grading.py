"""Risk grading by the shipped rule set: explanations, overrides with reasons, re-grading."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from pingan.core.errors import ApplicationError, ConflictError
from pingan.core.models import AuditEntry
from pingan.core.rules import save_ruleset
from pingan.disputes import services
from pingan.disputes.grading import grading_record, people_mentioned
from pingan.disputes.models import Dispute, GradingResult

from .conftest import new_dispute, person, valid_id

pytestmark = pytest.mark.django_db


def test_plain_neighbour_dispute_is_blue_with_explanation(org, categories):
    dispute = new_dispute(org, categories)
    result = services.grade_dispute(dispute=dispute, by=org.village_mediator_a)
    dispute.refresh_from_db()
    assert (dispute.grade, dispute.state) == ("blue", "graded")
    assert result.kind == "rules" and result.fired == [] and result.ruleset_version >= 1
    assert any("没有规则命中" in line for line in result.explanation)
    assert result.record["party_count"] == 2


def test_threat_of_violence_is_red_and_names_the_rule(org, categories):
    dispute = new_dispute(org, categories, facts="李四扬言要砍死张三全家，双方矛盾激化。")
    result = services.grade_dispute(dispute=dispute, by=org.village_mediator_a)
    assert result.grade == "red"
    fired = {f["id"]: f["grade"] for f in result.fired}
    assert fired["violence"] == "red"
    assert fired["escalation_words"] == "yellow"  # every rule that held is listed; the highest wins
    assert any("violence" in line and "命中" in line for line in result.explanation)


@pytest.mark.parametrize(
    ("overrides", "rule", "grade"),
    [
        ({"facts": "施工方拖欠十二名村民劳务费。"}, "many_people", "yellow"),
        ({"facts": "三十余人聚集在镇政府门口讨要征地补偿。"}, "mass_blockade", "red"),
        ({"amount": Decimal("150000")}, "amount_yellow", "yellow"),
        ({"amount": Decimal("2000000")}, "amount_red", "red"),
        ({"facts": "张三多次到县里上访反映宅基地问题。"}, "escalation_words", "yellow"),
    ],
)
def test_default_rules(org, categories, overrides, rule, grade):
    dispute = new_dispute(org, categories, **overrides)
    result = services.grade_dispute(dispute=dispute, by=org.village_mediator_a)
    assert result.grade == grade
    assert rule in {f["id"] for f in result.fired}


def test_minor_and_elderly_from_id_number_birth_dates(org, categories):
    today = date.today()
    from pingan.core.idnumber import check_character

    def born(years: int, n: int) -> str:
        first17 = f"520204{today.year - years}0101{n:03d}"
        return first17 + check_character(first17)

    minor = new_dispute(org, categories, parties=[person("小明", id_number=born(12, 5)), person("李四", role="respondent")])
    elderly = new_dispute(org, categories, parties=[person("王奶奶", id_number=born(80, 6)), person("李四", role="respondent")])
    assert grading_record(minor)["ages"][0] in (11, 12)
    assert "minor" in {f["id"] for f in services.grade_dispute(dispute=minor, by=org.village_mediator_a).fired}
    assert "elderly" in {f["id"] for f in services.grade_dispute(dispute=elderly, by=org.village_mediator_a).fired}


def test_repeated_disputes_between_the_same_parties(org, categories):
    parties = [person("张三", id_number=valid_id(7)), person("李四", role="respondent")]
    for i in range(2):
        new_dispute(org, categories, parties=parties, received_at=_days_ago(100 - i))
    # Same applicant with someone else does not count.
    new_dispute(org, categories, parties=[person("张三", id_number=valid_id(7)), person("王五", role="respondent")],
                received_at=_days_ago(50))
    third = new_dispute(org, categories, parties=parties)
    assert grading_record(third)["repeat_count"] == 2
    assert "repeated" in {f["id"] for f in services.grade_dispute(dispute=third, by=org.village_mediator_a).fired}


def _days_ago(n: int):
    from datetime import timedelta

    from django.utils import timezone

    return timezone.now() - timedelta(days=n)


def test_people_mentioned_reads_chinese_numerals():
    assert people_mentioned("八名村民") == 8
    assert people_mentioned("十二户") == 12
    assert people_mentioned("30余人聚集") == 30
    assert people_mentioned("一百二十人") == 120
    assert people_mentioned("双方口角") == 0


def test_new_ruleset_version_is_used_and_recorded(org, categories):
    save_ruleset(key="disputes.grading", rules=[
        {"id": "all_red", "name": "试行：一律红色", "when": {"attr": "party_count", "op": "gte", "value": 1}, "then": "red"},
    ], default="blue", mode="all", by=None, note="test")
    result = services.grade_dispute(dispute=new_dispute(org, categories), by=org.village_mediator_a)
    assert result.grade == "red" and result.fired[0]["id"] == "all_red"
    assert result.ruleset_version >= 2


def test_override_needs_a_reason_and_keeps_the_rules_result(org, categories):
    dispute = new_dispute(org, categories)
    services.grade_dispute(dispute=dispute, by=org.village_mediator_a)
    with pytest.raises(ValidationError) as exc:
        services.override_grade(dispute=dispute, grade="yellow", reason="  ", by=org.village_mediator_a)
    assert "reason" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.override_grade(dispute=dispute, grade="purple", reason="x", by=org.village_mediator_a)
    row = services.override_grade(dispute=dispute, grade="yellow", reason="双方亲属已多次冲突", by=org.village_mediator_a)
    dispute.refresh_from_db()
    assert dispute.grade == "yellow"
    assert (row.kind, row.rules_grade, row.reason) == ("override", "blue", "双方亲属已多次冲突")
    assert AuditEntry.objects.filter(action="dispute.override_grade", reason="双方亲属已多次冲突").exists()


def test_override_refused_outside_scope_and_before_grading(org, categories):
    dispute = new_dispute(org, categories)
    with pytest.raises(ValidationError):
        services.override_grade(dispute=dispute, grade="red", reason="x", by=org.village_mediator_a)
    services.grade_dispute(dispute=dispute, by=org.village_mediator_a)
    with pytest.raises(PermissionDenied):
        services.override_grade(dispute=dispute, grade="red", reason="x", by=org.village_mediator_b)
    assert GradingResult.objects.filter(dispute=dispute).count() == 1


def test_grading_twice_is_a_clear_refusal_and_stale_copy_conflicts(org, categories):
    dispute = new_dispute(org, categories)
    stale = Dispute.objects.get(pk=dispute.pk)
    services.grade_dispute(dispute=dispute, by=org.village_mediator_a)
    with pytest.raises(ApplicationError) as exc:
        services.grade_dispute(dispute=dispute, by=org.village_mediator_a)
    assert exc.value.code == "transition_not_allowed"
    from pingan.core.workflow import transition

    with pytest.raises(ConflictError):
        transition(obj=stale, name="grade", by=org.village_mediator_a)
    assert GradingResult.objects.filter(dispute=dispute).count() == 1


def test_changed_facts_regrade_and_override_is_only_raised(org, categories):
    dispute = new_dispute(org, categories)
    services.grade_dispute(dispute=dispute, by=org.village_mediator_a)
    dispute, _ = services.update_dispute(dispute=dispute, data={"facts": "李四扬言报复，持刀上门。"}, by=org.village_mediator_a)
    assert dispute.grade == "red"
    regrade = dispute.gradings.first()
    assert regrade.kind == "regrade" and "violence" in {f["id"] for f in regrade.fired}
    services.override_grade(dispute=dispute, grade="red", reason="坚持红色", by=org.village_mediator_a)
    dispute, _ = services.update_dispute(dispute=dispute, data={"facts": "双方已平静协商。"}, by=org.village_mediator_a)
    assert dispute.grade == "red"  # a person's higher grade is not lowered by the rules
    assert dispute.gradings.first().rules_grade == "blue"
    # Untouched facts do not regrade.
    count = dispute.gradings.count()
    services.update_dispute(dispute=dispute, data={"number": "X-1"}, by=org.village_mediator_a)
    assert dispute.gradings.count() == count
