"""The outbox: events commit with their cause and are handled exactly once, by one drainer or
many; stalled claims are reclaimed; failing handlers back off and finally give up."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from pingan.core import outbox
from pingan.core.models import OutboxEvent, Setting

TOPIC = "tests.outbox"


@pytest.fixture
def effects():
    """A handler whose effect is a database row (unique per event, so a duplicate would fail
    loudly) plus an in-memory log of calls."""
    calls: list[int] = []
    lock = threading.Lock()

    @outbox.handles(TOPIC)
    def handler(event):
        Setting.objects.create(key=f"effect.{event.pk}", value=event.payload)
        with lock:
            calls.append(event.pk)

    yield calls
    outbox.unregister_handler(handler)


@pytest.mark.django_db
def test_publish_belongs_to_the_callers_transaction():
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.publish(TOPIC, {"id": 1})
        raise RuntimeError("the change failed")
    assert not OutboxEvent.objects.exists()
    outbox.publish(TOPIC, {"id": 2})
    assert OutboxEvent.objects.get().payload == {"id": 2}


@pytest.mark.django_db
def test_drain_runs_matching_handlers_once(effects):
    other: list[str] = []

    @outbox.handles("tests")
    def broad(event):
        other.append(event.topic)

    try:
        a = outbox.publish(TOPIC, {"n": 1})
        b = outbox.publish(f"{TOPIC}.sub", {"n": 2})
        c = outbox.publish("tests-other", {"n": 3})  # no handler: "tests" is not a dotted prefix of it
        later = outbox.publish(TOPIC, {"n": 4}, delay=timedelta(hours=1))
        result = outbox.drain(worker_name="w1")
        assert (result.claimed, result.processed) == (3, 3)
        assert sorted(effects) == [a.pk, b.pk]
        assert sorted(other) == [TOPIC, f"{TOPIC}.sub"]
        c.refresh_from_db()
        assert c.processed_at is not None and c.attempts == 1  # nobody listens: done, not stuck
        assert outbox.drain(worker_name="w1").claimed == 0  # nothing twice
        later.refresh_from_db()
        assert later.processed_at is None  # not available yet
        assert outbox.pending_count() == 1
    finally:
        outbox.unregister_handler(broad)


@pytest.mark.django_db
def test_cas_claim_lets_only_one_of_two_readers_win():
    """Two drainers read the same candidates (the SQLite path); only the first CAS wins each."""
    ids = [outbox.publish(TOPIC, {"n": i}).pk for i in range(5)]
    seen_a = outbox.candidates(10)
    seen_b = outbox.candidates(10)
    assert [pk for pk, _ in seen_a] == [pk for pk, _ in seen_b] == ids
    won_a = [pk for pk, seen in seen_a if outbox.cas_claim(pk, seen, "a/1")]
    won_b = [pk for pk, seen in seen_b if outbox.cas_claim(pk, seen, "b/1")]
    assert won_a == ids and won_b == []
    assert set(OutboxEvent.objects.values_list("claimed_by", flat=True)) == {"a/1"}


@pytest.mark.django_db
def test_a_killed_workers_claim_is_reclaimed_after_the_timeout(effects, settings):
    settings.PINGAN_OUTBOX_CLAIM_TIMEOUT_SECONDS = 60
    dead = outbox.publish(TOPIC, {"n": 1})
    busy = outbox.publish(TOPIC, {"n": 2})
    now = timezone.now()
    OutboxEvent.objects.filter(pk=dead.pk).update(claimed_at=now - timedelta(seconds=61), claimed_by="dead/1")
    OutboxEvent.objects.filter(pk=busy.pk).update(claimed_at=now - timedelta(seconds=5), claimed_by="alive/1")
    result = outbox.drain(worker_name="rescuer")
    assert result.processed == 1 and effects == [dead.pk]
    dead.refresh_from_db()
    assert dead.processed_at is not None and dead.claimed_by.startswith("rescuer/")
    busy.refresh_from_db()
    assert busy.processed_at is None and busy.claimed_by == "alive/1"  # a live claim is left alone


@pytest.mark.django_db
def test_a_drainer_whose_claim_was_taken_over_rolls_back(settings):
    """Simulated in one connection: while the handler runs, the row's claim changes hands (as
    when another worker reclaims a stalled row); our mark matches nothing, so our writes roll back."""

    @outbox.handles(TOPIC)
    def slow(event):
        Setting.objects.create(key=f"effect.{event.pk}", value=1)
        OutboxEvent.objects.filter(pk=event.pk).update(claimed_by="someone-else/1")

    try:
        event = outbox.publish(TOPIC)
        result = outbox.drain(worker_name="slow")
        assert result.lost == 1 and result.processed == 0
        assert not Setting.objects.filter(key=f"effect.{event.pk}").exists()
    finally:
        outbox.unregister_handler(slow)


@pytest.mark.django_db
def test_failing_handler_backs_off_then_gives_up(settings):
    settings.PINGAN_OUTBOX_MAX_ATTEMPTS = 3
    settings.PINGAN_OUTBOX_BACKOFF_SECONDS = 10

    @outbox.handles(TOPIC)
    def broken(event):
        Setting.objects.create(key="half-written", value=1)
        raise ValueError("对方系统不可用")

    try:
        event = outbox.publish(TOPIC)
        delays = []
        for attempt in (1, 2):
            before = timezone.now()
            result = outbox.drain(worker_name="w")
            assert result.failed == 1
            event.refresh_from_db()
            assert event.attempts == attempt and event.processed_at is None
            assert "对方系统不可用" in event.last_error and event.claimed_at is None
            delays.append((event.available_at - before).total_seconds())
            assert outbox.drain(worker_name="w").claimed == 0  # waits for its backoff
            OutboxEvent.objects.filter(pk=event.pk).update(available_at=timezone.now())
        assert 9 <= delays[0] <= 11 and 19 <= delays[1] <= 21  # 10 s, then 20 s
        result = outbox.drain(worker_name="w")
        assert result.gave_up == 1
        event.refresh_from_db()
        assert event.attempts == 3 and event.processed_at is not None and "ValueError" in event.last_error
        assert not Setting.objects.filter(key="half-written").exists()  # every failed run rolled back
        assert outbox.drain(worker_name="w").claimed == 0
    finally:
        outbox.unregister_handler(broken)


@pytest.mark.django_db(transaction=True)
def test_concurrent_drainers_process_each_event_exactly_once(effects):
    ids = [outbox.publish(TOPIC, {"n": i}).pk for i in range(120)]
    if connection.vendor == "postgresql":
        errors: list[BaseException] = []

        def drainer(n):
            try:
                while outbox.drain(batch=7, worker_name=f"w{n}").claimed:
                    pass
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=drainer, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
    else:
        # SQLite (in-memory test database) takes one writer at a time: interleave four drainers
        # in small batches instead; the CAS race itself is covered by the test above.
        while any(outbox.drain(batch=7, worker_name=f"w{n}").claimed for n in range(4)):
            pass
    assert sorted(effects) == ids  # every event once, none twice
    assert Setting.objects.filter(key__startswith="effect.").count() == 120
    assert not OutboxEvent.objects.filter(processed_at__isnull=True).exists()
    assert OutboxEvent.objects.values("claimed_by").distinct().count() > 1


@pytest.mark.django_db(transaction=True)
def test_reclaim_race_between_real_connections_keeps_one_effect(settings):
    """A drainer stalls inside its handler; another drainer (its own connection) reclaims the row
    and finishes it. The stalled one's mark then fails and its writes roll back."""
    settings.PINGAN_OUTBOX_CLAIM_TIMEOUT_SECONDS = 0
    inner = threading.local()
    runs: list[str] = []

    @outbox.handles(TOPIC)
    def handler(event):
        who = getattr(inner, "name", "first")
        Setting.objects.create(key=f"effect.{event.pk}.{who}", value=1)
        runs.append(who)
        if who == "first":
            if connection.vendor == "postgresql":
                def rescuer():
                    inner.name = "rescuer"
                    try:
                        outbox.drain(worker_name="rescuer")
                    finally:
                        connections.close_all()

                t = threading.Thread(target=rescuer)
                t.start()
                t.join()
            else:
                # SQLite: the second drainer's claim is simulated in the same connection.
                OutboxEvent.objects.filter(pk=event.pk).update(claimed_by="rescuer/1")

    try:
        event = outbox.publish(TOPIC)
        result = outbox.drain(worker_name="first")
        assert result.lost == 1
        keys = list(Setting.objects.filter(key__startswith=f"effect.{event.pk}.").values_list("key", flat=True))
        if connection.vendor == "postgresql":
            assert runs == ["first", "rescuer"]
            assert keys == [f"effect.{event.pk}.rescuer"]
            event.refresh_from_db()
            assert event.processed_at is not None and event.claimed_by.startswith("rescuer/")
        else:
            assert keys == []
    finally:
        outbox.unregister_handler(handler)


@pytest.mark.django_db
def test_admin_lists_are_read_only(client, django_user_model):
    admin = django_user_model.objects.create_superuser(username="ops", password="x" * 12)
    ok = outbox.publish(TOPIC)
    OutboxEvent.objects.filter(pk=ok.pk).update(processed_at=timezone.now())
    dead = outbox.publish("tests.dead")
    OutboxEvent.objects.filter(pk=dead.pk).update(processed_at=timezone.now(), attempts=8, last_error="Traceback…\nValueError: 对方系统不可用")
    client.force_login(admin)
    r = client.get("/admin/core/outboxevent/?status=gave_up")
    body = r.content.decode()
    assert r.status_code == 200
    assert "ValueError: 对方系统不可用" in body and "tests.dead" in body and f">{ok.pk}<" not in body
    assert client.get("/admin/core/outboxevent/add/").status_code == 403
    assert client.get("/admin/core/transition/").status_code == 200
