"""Redis down: the API still stores every check-in (red flags and their urgent alerts included) and logs in.

The cache points at a throwaway redis-server of its own, which the test stops:
the shared Redis is never touched.
"""

import json
import logging

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from notifications.models import Alert
from tests.conftest import GOOD_ANSWERS, PASSWORD
from tracker.models import CheckIn

pytestmark = [pytest.mark.redis, pytest.mark.django_db]


@pytest.fixture
def redis_cache_then_down(throwaway_redis_cache):
    throwaway_redis_cache.stop()
    yield


def test_with_redis_down_a_red_flag_check_in_is_stored_and_alerts(
    redis_cache_then_down, patient, api_client_for, caplog
):
    caplog.set_level(logging.WARNING, logger="core.throttles")
    response = api_client_for(patient.user).post(
        reverse("api-checkins"), {**GOOD_ANSWERS, "rf_weakness": True}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert response.status_code == 201, response.content
    assert CheckIn.objects.filter(patient=patient).count() == 1
    assert Alert.objects.get(patient=patient, rule="red_flag").severity == "urgent"
    # Not even a throttle skipped: the check-in's limit is counted by the database, not in the cache.
    assert "cache is unavailable" not in caplog.text


def test_with_redis_down_the_api_log_in_still_answers(redis_cache_then_down, patient):
    response = APIClient().post(
        reverse("api-token"),
        json.dumps({"username": patient.user.username, "password": PASSWORD}),
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["token"]
