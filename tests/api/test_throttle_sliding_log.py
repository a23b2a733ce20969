"""The throttles' count in Redis: DRF's sliding window, one atomic call per request."""

import os
import threading

import pytest
from django.core.cache import caches
from rest_framework.test import APIRequestFactory

from core.throttles import ScopedWriteThrottle
from tests.conftest import require

pytestmark = [pytest.mark.redis, pytest.mark.django_db]


class CheckInView:
    throttle_scope = "test_writes"


@pytest.fixture(autouse=True)
def _ten_an_hour(settings):
    require(bool(os.environ.get("REDIS_URL")), "REDIS_URL is not set: the count under test lives in Redis")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"test_writes": "10/hour"}}


def _request(user):
    request = APIRequestFactory().post("/api/v1/checkins/")
    request.user = user
    return request


def _throttle(at: float) -> ScopedWriteThrottle:
    throttle = ScopedWriteThrottle()
    throttle.timer = lambda: at
    return throttle


def test_it_lets_ten_through_in_any_hour_and_says_when_the_next_may_come(patient):
    allowed = [
        _throttle(1_000_000 + minute * 60).allow_request(_request(patient.user), CheckInView()) for minute in range(10)
    ]
    assert allowed == [True] * 10
    refused = _throttle(1_000_000 + 30 * 60)
    assert not refused.allow_request(_request(patient.user), CheckInView())
    # DRF's arithmetic: the oldest of the ten leaves the window an hour after it came, 30 minutes from now.
    assert refused.wait() == pytest.approx(30 * 60)
    # The window slides: once the first has aged out, one more is let in, and no more.
    assert _throttle(1_000_000 + 3600.5).allow_request(_request(patient.user), CheckInView())
    assert not _throttle(1_000_000 + 3600.6).allow_request(_request(patient.user), CheckInView())


def test_requests_arriving_together_at_the_limit_let_exactly_the_limit_through(patient):
    """A GET and a SET of the history (DRF's way) let two at once both read "nine so far"; one script cannot."""
    results: list[bool] = []
    start = threading.Barrier(25)

    def hit():
        throttle = ScopedWriteThrottle()
        start.wait()
        results.append(throttle.allow_request(_request(patient.user), CheckInView()))

    threads = [threading.Thread(target=hit) for _ in range(25)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == [False] * 15 + [True] * 10


def test_it_neither_reads_nor_writes_the_pickled_history(patient, monkeypatch):
    backend = caches["default"]
    touched: list[str] = []
    monkeypatch.setattr(backend, "get", lambda *a, **k: touched.append("get"))
    monkeypatch.setattr(backend, "set", lambda *a, **k: touched.append("set"))
    assert ScopedWriteThrottle().allow_request(_request(patient.user), CheckInView())
    assert touched == []  # one Redis script call instead


def test_one_patients_count_is_not_anothers(patient, other_patient):
    for _ in range(10):
        assert ScopedWriteThrottle().allow_request(_request(patient.user), CheckInView())
    assert not ScopedWriteThrottle().allow_request(_request(patient.user), CheckInView())
    assert ScopedWriteThrottle().allow_request(_request(other_patient.user), CheckInView())
