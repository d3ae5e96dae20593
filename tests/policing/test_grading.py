"""The officer's grading of a hazard: the rule set proposes, the officer decides with a reason;
both are kept, audited, refused for other stations and once the hazard is resolved."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from pingan.core.errors import ApplicationError
from pingan.core.models import AuditEntry
from pingan.policing import services

pytestmark = pytest.mark.django_db


def test_officer_grades_over_the_rule_proposal(police):
    h = services.report_hazard(data={"title": "排水沟纠纷", "description": "两户争吵", "jurisdiction": police.group1},
                               by=police.aux)
    assert h.grade == "blue"  # the rule set's proposal
    with pytest.raises(ValidationError) as exc:
        services.grade_hazard(hazard=h, by=police.aux, grade="yellow", reason=" ")
    assert "reason" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.grade_hazard(hazard=h, by=police.aux, grade="purple", reason="x")
    with pytest.raises(PermissionDenied):
        services.grade_hazard(hazard=h, by=police.other_officer, grade="red", reason="x")
    h = services.grade_hazard(hazard=h, by=police.aux, grade="yellow", reason="双方情绪激动，有激化可能")
    h.refresh_from_db()
    assert h.grade == "yellow" and h.grading["proposed"] == "blue"
    assert h.grading["officer"]["reason"] == "双方情绪激动，有激化可能"
    entry = AuditEntry.objects.filter(action="policing.hazard.grade").latest("pk")
    assert entry.before == {"grade": "blue"} and entry.after == {"grade": "yellow", "proposed": "blue"}
    services.resolve_hazard(hazard=h, by=police.aux, resolution="已调解")
    with pytest.raises(ApplicationError):
        services.grade_hazard(hazard=h, by=police.aux, grade="red", reason="x")
