"""Workflow milestones on disputes (core/workflow.py `milestones`): first_mediating_at and
first_closed_at are the times of the first log rows into "mediating" and "closed", written with
the state by the workflow engine, kept through a reopening, stamped for imported records, and
filled from the log by migration 0011 for records that predate them."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from pingan.core.workflow import history, transition
from pingan.disputes import bulk, services
from pingan.disputes.models import Dispute
from pingan.disputes.workflow import DISPUTE

from .conftest import dispute_data, mediating_dispute, person

pytestmark = pytest.mark.django_db


def first_into(dispute: Dispute, state: str):
    return history(dispute).filter(to_state=state).values_list("at", flat=True).first()


def closed(org, categories) -> Dispute:
    dispute = mediating_dispute(org, categories)
    services.record_outcome(dispute=dispute, kind="performed", decided_on=timezone.localdate(),
                            by=org.village_mediator_a, reason="当场支付")
    services.close_dispute(dispute=dispute, by=org.village_mediator_a)
    return Dispute.objects.get(pk=dispute.pk)


def test_the_workflow_stamps_the_first_entry_into_each_milestone_state(org, categories):
    dispute = mediating_dispute(org, categories)
    stored = Dispute.objects.get(pk=dispute.pk)
    assert stored.first_mediating_at is not None and stored.first_closed_at is None
    assert stored.first_mediating_at == first_into(stored, "mediating")
    assert dispute.first_mediating_at == stored.first_mediating_at  # the caller's copy too

    dispute = closed(org, categories)
    assert dispute.first_closed_at == first_into(dispute, "closed")
    assert dispute.first_mediating_at < dispute.first_closed_at


def test_a_reopened_dispute_keeps_its_first_stamps(org, categories):
    dispute = closed(org, categories)
    stamps = (dispute.first_mediating_at, dispute.first_closed_at)
    services.reopen_dispute(dispute=dispute, by=org.village_mediator_a, reason="矛盾再次激化")
    dispute = Dispute.objects.get(pk=dispute.pk)
    assert dispute.state != "closed"
    assert (dispute.first_mediating_at, dispute.first_closed_at) == stamps


def test_a_stale_copy_cannot_move_a_stamp(org, categories):
    dispute = closed(org, categories)
    first = dispute.first_closed_at
    services.reopen_dispute(dispute=dispute, by=org.village_mediator_a, reason="矛盾再次激化")
    services.route_dispute(dispute=Dispute.objects.get(pk=dispute.pk), by=org.township_official)
    services.accept_routing(dispute=Dispute.objects.get(pk=dispute.pk), by=org.village_mediator_a)
    services.start_mediation(dispute=Dispute.objects.get(pk=dispute.pk), by=org.village_mediator_a)
    services.record_outcome(dispute=Dispute.objects.get(pk=dispute.pk), kind="performed",
                            decided_on=timezone.localdate(), by=org.village_mediator_a, reason="当场支付")
    # A copy that believes the dispute never closed: the stored stamp must win.
    stale = Dispute.objects.get(pk=dispute.pk)
    stale.first_closed_at = None
    transition(obj=stale, name="close", by=org.village_mediator_a)
    assert Dispute.objects.get(pk=dispute.pk).first_closed_at == first
    assert Dispute.objects.get(pk=dispute.pk).state == "closed"


def test_imported_records_are_stamped_for_their_state(org, categories):
    items = [bulk.BulkDispute(data=dispute_data(org, categories, external_ref=f"M-{state}"), parties=[person("张三")],
                              state=state) for state in ("mediating", "closed", "received")]
    made = {d.state: d for d in bulk.import_disputes(items=items, by=None, source="court", reason="历史台账")}
    stored = {d.state: d for d in Dispute.objects.filter(pk__in=[d.pk for d in made.values()])}
    assert stored["mediating"].first_mediating_at is not None and stored["mediating"].first_closed_at is None
    assert stored["closed"].first_closed_at is not None and stored["closed"].first_mediating_at is None
    assert stored["received"].first_mediating_at is None and stored["received"].first_closed_at is None
    assert made["closed"].first_closed_at == stored["closed"].first_closed_at
    assert stored["closed"].first_closed_at == first_into(stored["closed"], "closed")


def test_migration_backfill_reads_the_first_log_row(org, categories):
    done = closed(org, categories)
    services.reopen_dispute(dispute=done, by=org.village_mediator_a, reason="矛盾再次激化")
    waiting = mediating_dispute(org, categories, title="第二起")
    Dispute.objects.update(first_mediating_at=None, first_closed_at=None)

    migration = importlib.import_module("pingan.disputes.migrations.0011_milestones")
    # backfill only uses the editor's connection (SQLite refuses a schema editor inside a test's transaction)
    migration.backfill(apps, SimpleNamespace(connection=connection))

    for d in (done, waiting):
        stored = Dispute.objects.get(pk=d.pk)
        assert stored.first_mediating_at == first_into(stored, "mediating")
        assert stored.first_closed_at == first_into(stored, "closed")
    assert Dispute.objects.get(pk=waiting.pk).first_closed_at is None


def test_the_declaration_matches_the_model():
    assert DISPUTE.problems_with_model() == []
    assert set(DISPUTE.milestones) == {"mediating", "closed"}
