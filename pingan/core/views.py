from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache


@never_cache
def healthz(request):
    """Database reachable and a worker seen recently. 200 when both, 503 otherwise."""
    from .models import WorkerHeartbeat

    checks: dict[str, object] = {}
    ok = True
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
            cur.fetchone()
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
        checks["database"] = f"error: {exc.__class__.__name__}"
        ok = False
    if ok:
        stale = timezone.now() - timedelta(seconds=settings.PINGAN_WORKER_STALE_SECONDS)
        latest = WorkerHeartbeat.objects.order_by("-seen_at").first()
        if latest is None:
            checks["worker"] = "never seen"
            ok = False
        elif latest.seen_at < stale:
            checks["worker"] = f"stale since {latest.seen_at.isoformat()}"
            ok = False
        else:
            checks["worker"] = "ok"
    return JsonResponse({"status": "ok" if ok else "fail", "checks": checks}, status=200 if ok else 503)
