"""GET /health/ for a load balancer: database, cache, broker and beat."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import Heartbeat
from core.tasks import heartbeat_task

pytestmark = pytest.mark.django_db

UNREACHABLE_REDIS = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
}


def test_with_everything_up_it_is_ok_and_never_cached(client):
    heartbeat_task()
    response = client.get(reverse("health"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok", body
    assert body["checks"]["database"] == body["checks"]["cache"] == body["checks"]["broker"] == "ok"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_no_beat_tick_for_five_minutes_is_degraded_not_down(client):
    Heartbeat.objects.create(name="beat", at=timezone.now() - timedelta(minutes=6))
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json()["status"] == "degraded" and response.json()["failing"] == ["beat"]
    assert response.json()["checks"]["beat"]["age_seconds"] >= 360


def test_an_unreachable_cache_is_degraded_because_check_ins_still_save(client, settings):
    heartbeat_task()
    settings.CACHES = UNREACHABLE_REDIS  # Django's setting_changed handler drops the cached connections
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert "cache" in response.json()["failing"]


def test_the_heartbeat_task_moves_the_last_tick_forward():
    heartbeat_task()
    first = Heartbeat.objects.get(name="beat").at
    heartbeat_task()
    assert Heartbeat.objects.get(name="beat").at >= first and Heartbeat.objects.count() == 1
