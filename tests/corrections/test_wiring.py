"""The declared workflows match the models, and the scans are registered as periodic jobs."""

from __future__ import annotations

from pingan.core.tasks import periodic_jobs
from pingan.corrections.workflow import ALERT, LEAVE, SANCTION


def test_workflows_match_models():
    for wf in (ALERT, SANCTION, LEAVE):
        assert wf.problems_with_model() == []


def test_scans_are_periodic_jobs():
    names = {j.name for j in periodic_jobs()}
    assert {"corrections.scan_silence", "corrections.escalate_alerts", "corrections.scan_late_returns"} <= names
