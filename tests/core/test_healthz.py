from __future__ import annotations

import os
from datetime import timedelta

import pytest
from django.utils import timezone

from pingan.core.models import WorkerHeartbeat


@pytest.mark.django_db
def test_healthz_503_without_a_worker(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "fail", "checks": {"database": "ok", "worker": "never seen"}}


@pytest.mark.django_db
def test_healthz_200_with_a_recent_worker_and_503_when_stale(client, settings):
    beat = WorkerHeartbeat.objects.create(name="w1", pid=os.getpid(), host="test")
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "worker": "ok"}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    WorkerHeartbeat.objects.filter(pk=beat.pk).update(
        seen_at=timezone.now() - timedelta(seconds=settings.PINGAN_WORKER_STALE_SECONDS + 5)
    )
    stale = client.get("/healthz")
    assert stale.status_code == 503
    assert stale.json()["checks"]["worker"].startswith("stale since")


@pytest.mark.django_db
def test_healthz_needs_no_login_and_no_two_factor(client):
    assert client.get("/healthz").status_code in (200, 503)
    assert client.get("/healthz")["Content-Type"] == "application/json"
