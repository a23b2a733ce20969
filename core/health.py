"""GET /health/: is this web process fit to serve? For a load balancer and monitoring.

The database is the source of truth: without it the answer is 503. Redis
(cache and broker) and Celery beat being down degrade the service (alerts and
evaluations wait) but check-ins are still stored, so the answer stays 200
with "status": "degraded" and the failing parts named. No patient data here,
and no log-in needed.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import current_app
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from core.models import Heartbeat

logger = logging.getLogger(__name__)

BEAT_STALE_AFTER = timedelta(minutes=5)  # beat ticks every minute


def heartbeat_touch(name: str) -> None:
    """Record that a periodic job just ran."""
    Heartbeat.objects.update_or_create(name=name, defaults={"at": timezone.now()})


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _cache() -> str:
    cache.set("health-probe", "1", 10)
    return "ok" if cache.get("health-probe") == "1" else "fail"


def _broker() -> str:
    # current_app is the project's Celery app (config.celery), which core may not import.
    with current_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "ok"


def _beat() -> dict:
    beat = Heartbeat.objects.filter(name="beat").first()
    if beat is None:
        return {"status": "fail", "last_tick": None}
    age = timezone.now() - beat.at
    return {
        "status": "ok" if age <= BEAT_STALE_AFTER else "fail",
        "last_tick": beat.at.isoformat(),
        "age_seconds": int(age.total_seconds()),
    }


def _probe(fn):
    try:
        return fn()
    except Exception as exc:  # any failure of a dependency is an answer, not a 500
        logger.warning("health check %s failed: %s", fn.__name__, exc)
        return "fail"


@never_cache
@require_safe
def health(request):
    checks = {"database": _probe(_database)}
    if checks["database"] != "ok":
        return JsonResponse({"status": "down", "checks": checks}, status=503)
    checks["cache"] = _probe(_cache)
    checks["broker"] = _probe(_broker)
    checks["beat"] = _probe(_beat)
    failing = [k for k, v in checks.items() if (v if isinstance(v, str) else v["status"]) != "ok"]
    return JsonResponse({"status": "degraded" if failing else "ok", "failing": failing, "checks": checks})
