"""The workflow engine, exercised on a real model: core.Deadline's status field, declared here as
a workflow purely for the tests."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import connection, connections
from django.utils import timezone

from pingan.core.audit import AuditEvent
from pingan.core.errors import ApplicationError, ConflictError
from pingan.core.models import AuditEntry, Deadline, OutboxEvent, Transition
from pingan.core.workflow import (
    T,
    Workflow,
    allowed_transitions,
    get_workflow,
    history,
    register,
    transition,
    unregister,
    workflow_for,
)


def not_overdue(obj, by, data):
    return "期限已届满，不能中止" if obj.due < timezone.now() else None


def needs_reason(obj, by, data):
    return None if data.get("basis") else "须说明中止依据"


DEADLINE = Workflow(
    name="tests.deadline",
    model="core.deadline",
    field="status",
    states=dict(Deadline.Status.choices),
    initial="running",
    transitions=[
        T("pause", source=["running"], target="paused", permission="pause", guards=[not_overdue, needs_reason], label="中止"),
        T("resume", source=["paused"], target="running", permission="pause", label="恢复"),
        T("meet", source=["running", "paused"], target="met", label="完成"),
        T("cancel", source=["*"], target="cancelled", permission="cancel", label="取消"),
    ],
)


@pytest.fixture(autouse=True)
def _registered():
    register(DEADLINE)
    yield
    unregister(DEADLINE.name)


@pytest.fixture
def boss(django_user_model):
    return django_user_model.objects.create_superuser(username="boss", password="x" * 12)


@pytest.fixture
def clerk(django_user_model):
    return django_user_model.objects.create_user(username="clerk", password="x" * 12)


def grant(user, *actions):
    from pingan.orgs.models import ObjectPermission, Role

    role = Role.objects.create(code=f"r-{user.username}", name="期限管理")
    perm = ObjectPermission.objects.create(name=f"p-{user.username}", object_types=["core.deadline"], actions=list(actions))
    perm.roles.add(role)
    user.roles.add(role)
    user.__dict__.pop("_pingan_grants", None)


@pytest.fixture
def deadline(boss):
    now = timezone.now()
    return Deadline.objects.create(
        content_type=ContentType.objects.get_for_model(type(boss)), object_id=str(boss.pk), kind="mediation",
        start=now, amount=30, unit="natural_days", due=now + timedelta(days=30), source="人民调解法第二十八条",
    )


@pytest.mark.django_db
def test_transition_writes_state_log_outbox_and_audit(deadline, boss):
    row = transition(obj=deadline, name="pause", by=boss, reason="当事人住院", data={"basis": "病历"})
    assert deadline.status == "paused"
    deadline.refresh_from_db()
    assert deadline.status == "paused"
    assert (row.from_state, row.to_state, row.name, row.by, row.reason, row.data) == (
        "running", "paused", "pause", boss, "当事人住院", {"basis": "病历"}
    )
    event = OutboxEvent.objects.get()
    assert event.topic == "tests.deadline.pause"
    assert event.payload == {
        "workflow": "tests.deadline", "transition": "pause", "transition_id": row.pk,
        "object_type": "core.deadline", "object_id": str(deadline.pk), "from": "running", "to": "paused", "by": boss.pk,
    }
    audit = AuditEntry.objects.get(event_type=AuditEvent.TRANSITION)
    assert (audit.action, audit.before, audit.after["status"], audit.reason) == (
        "tests.deadline.pause", {"status": "running"}, "paused", "当事人住院"
    )
    assert audit.object_type == "core.deadline" and audit.object_id == str(deadline.pk)


@pytest.mark.django_db
def test_transition_not_allowed_lists_the_allowed_ones(deadline, boss):
    transition(obj=deadline, name="meet", by=boss)
    with pytest.raises(ApplicationError) as exc:
        transition(obj=deadline, name="pause", by=boss, data={"basis": "x"})
    assert exc.value.code == "transition_not_allowed"
    assert exc.value.extra["allowed"] == ["cancel"]
    assert exc.value.message == "当前状态「已完成」不能执行「pause」。可执行：取消"
    with pytest.raises(ApplicationError):
        transition(obj=deadline, name="no-such", by=boss)
    assert Transition.objects.count() == 1


@pytest.mark.django_db
def test_permission_is_checked_through_the_choke_point(deadline, clerk):
    with pytest.raises(PermissionDenied):
        transition(obj=deadline, name="pause", by=clerk, data={"basis": "x"})
    assert Deadline.objects.get(pk=deadline.pk).status == "running"
    # "meet" names no permission: anyone who reached the object may do it
    grant(clerk, "pause")
    transition(obj=deadline, name="pause", by=clerk, data={"basis": "x"})
    assert Deadline.objects.get(pk=deadline.pk).status == "paused"
    with pytest.raises(PermissionDenied):
        transition(obj=deadline, name="cancel", by=clerk)


@pytest.mark.django_db
def test_guards_refuse_with_their_messages_and_write_nothing(deadline, boss):
    with pytest.raises(ApplicationError) as exc:
        transition(obj=deadline, name="pause", by=boss)
    assert exc.value.code == "guard_failed"
    assert exc.value.message == "须说明中止依据"
    Deadline.objects.filter(pk=deadline.pk).update(due=timezone.now() - timedelta(days=1))
    deadline.refresh_from_db()
    with pytest.raises(ApplicationError) as exc:
        transition(obj=deadline, name="pause", by=boss)
    assert exc.value.extra["reasons"] == ["期限已届满，不能中止", "须说明中止依据"]
    assert not Transition.objects.exists() and not OutboxEvent.objects.exists() and not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_stale_copy_gets_a_conflict(deadline, boss):
    other_copy = Deadline.objects.get(pk=deadline.pk)
    transition(obj=deadline, name="meet", by=boss)
    with pytest.raises(ConflictError) as exc:
        transition(obj=other_copy, name="cancel", by=boss)
    assert exc.value.status == 409 and exc.value.code == "state_changed"
    assert Deadline.objects.get(pk=deadline.pk).status == "met"
    assert Transition.objects.count() == 1 and OutboxEvent.objects.count() == 1


@pytest.mark.django_db
def test_updates_are_written_with_the_state(deadline, boss):
    new_due = deadline.due + timedelta(days=10)
    transition(obj=deadline, name="pause", by=boss, data={"basis": "x"}, updates={"due": new_due})
    deadline.refresh_from_db()
    assert (deadline.status, deadline.due) == ("paused", new_due)


@pytest.mark.django_db
def test_allowed_transitions_and_history(deadline, boss, clerk):
    grant(clerk, "pause")
    options = {a.name: a for a in allowed_transitions(deadline, clerk)}
    assert set(options) == {"pause", "meet", "cancel"}
    assert options["pause"].allowed is False and options["pause"].reasons == ["须说明中止依据"]
    assert options["meet"].allowed is True and options["meet"].target_label == "已完成"
    assert options["cancel"].allowed is False and options["cancel"].reasons == ["无权执行此操作。"]
    assert allowed_transitions(deadline, clerk, data={"basis": "x"})[0].allowed is True

    transition(obj=deadline, name="pause", by=clerk, data={"basis": "x"})
    transition(obj=deadline, name="resume", by=boss)
    transition(obj=deadline, name="cancel", by=boss, reason="撤回申请")
    assert [(t.name, t.by.username) for t in history(deadline)] == [
        ("pause", "clerk"), ("resume", "boss"), ("cancel", "boss")
    ]
    assert allowed_transitions(deadline, boss) == []


def test_declaration_mistakes_are_caught():
    with pytest.raises(ImproperlyConfigured, match="unknown target state"):
        Workflow(name="x", model="core.deadline", field="status", states={"a": "A"}, transitions=[T("go", ["a"], "b")])
    with pytest.raises(ImproperlyConfigured, match="declared twice"):
        Workflow(name="x", model="core.deadline", field="status", states={"a": "A", "b": "B"},
                 transitions=[T("go", ["a"], "b"), T("go", ["a"], "a")])
    with pytest.raises(ImproperlyConfigured, match="already registered"):
        register(Workflow(name="tests.deadline", model="core.deadline", field="status", states={"a": "A"}, transitions=[]))
    assert get_workflow("tests.deadline") is DEADLINE
    assert workflow_for(Deadline) is DEADLINE
    assert DEADLINE.problems_with_model() == []
    odd = Workflow(name="x", model="core.deadline", field="status", states={"running": "R", "frozen": "F"}, transitions=[])
    assert odd.problems_with_model() == ["state 'frozen' is not among core.deadline.status choices"]
    assert Workflow(name="x", model="core.deadline", field="nope", states={}, transitions=[]).problems_with_model()
    assert Workflow(name="x", model="core.nothing", field="status", states={}, transitions=[]).problems_with_model()


@pytest.mark.django_db(transaction=True)
def test_concurrent_transitions_only_one_wins(boss):
    """Several threads (own connections) race to move the same row out of "running"."""
    now = timezone.now()
    d = Deadline.objects.create(
        content_type=ContentType.objects.get_for_model(type(boss)), object_id=str(boss.pk), kind="k",
        start=now, amount=1, unit="natural_days", due=now + timedelta(days=1),
    )
    outcomes: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(4)

    def worker(name):
        obj = Deadline.objects.get(pk=d.pk)  # every thread reads "running" before anyone moves
        barrier.wait()
        try:
            transition(obj=obj, name=name, by=boss, data={"basis": "x"})
            result = "ok"
        except ConflictError:
            result = "conflict"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    if connection.vendor == "postgresql":
        threads = [threading.Thread(target=worker, args=(n,)) for n in ["pause", "meet", "cancel", "meet"]]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    else:
        # SQLite's in-memory test database cannot take concurrent writers from threads; replay the
        # same race in one thread: four stale copies, applied one after another.
        copies = [Deadline.objects.get(pk=d.pk) for _ in range(4)]
        for obj, name in zip(copies, ["pause", "meet", "cancel", "meet"], strict=True):
            try:
                transition(obj=obj, name=name, by=boss, data={"basis": "x"})
                outcomes.append("ok")
            except ConflictError:
                outcomes.append("conflict")
    assert sorted(outcomes) == ["conflict", "conflict", "conflict", "ok"]
    assert Transition.objects.filter(object_id=str(d.pk)).count() == 1
    assert OutboxEvent.objects.count() == 1
