"""Redis down while an alert is made: the alert commits, nothing is lost, the sweep sends it later.

Uses a throwaway redis-server on a free port (never the shared one), started
only after the alert was made.
"""

import logging
import time
from contextlib import contextmanager
from datetime import date

import pytest

from notifications.models import Alert, Delivery, Severity
from notifications.services import alert_open
from notifications.tasks import redeliver_pending_task
from tests.conftest import emails_in, require, wait_for
from tests.notifications.stand_ins import ThrowawayRedis

pytestmark = [pytest.mark.worker, pytest.mark.redis]


@pytest.fixture
def throwaway_redis():
    require(ThrowawayRedis.available(), "redis-server is not installed")
    server = ThrowawayRedis()
    yield server
    server.stop()


@pytest.fixture
def celery_worker_extra_env(throwaway_redis, mail_dir):
    return {
        "REDIS_URL": throwaway_redis.url,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
    }


@contextmanager
def publishing_to(url: str):
    """Point this process's Celery publisher at `url` (eager off) and back afterwards."""
    from config.celery import app

    old = (app.conf.broker_url, app.conf.broker_transport_options, app.conf.task_always_eager)
    app.conf.broker_url = url
    app.conf.broker_transport_options = {"visibility_timeout": 3600}
    app.conf.task_always_eager = False
    app._after_fork()  # drop pooled connections to the previous broker
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.broker_transport_options, app.conf.task_always_eager = old
        app._after_fork()


def test_an_alert_made_while_redis_is_down_is_delivered_after_the_sweep(
    request, transactional_db, throwaway_redis, mail_dir, clinician, patient, caplog
):
    with publishing_to(throwaway_redis.url):
        caplog.set_level(logging.WARNING, logger="notifications.services")
        started = time.monotonic()
        alert, created = alert_open(
            patient=patient, rule="red_flag", severity=Severity.URGENT, date=date(2026, 11, 20), evidence="Red flag"
        )
        elapsed = time.monotonic() - started
        print(f"alert_open with the broker down took {elapsed:.2f} s")
        # Red flags are opened inside the patient's request: a dead broker must not hang it.
        assert elapsed < 5
        # The broker refused; the alert and its deliveries are committed anyway, waiting.
        assert created and Alert.objects.filter(pk=alert.pk).exists()
        assert "Broker unavailable" in caplog.text
        rows = Delivery.objects.filter(alert=alert)
        assert sorted(rows.values_list("channel", "status", "attempts")) == [
            ("email", "pending", 0),
            ("in_app", "pending", 0),
        ]

        throwaway_redis.start()
        request.getfixturevalue("celery_worker_process")  # a worker on the revived Redis
        assert redeliver_pending_task() == 2
        wait_for(lambda: set(rows.values_list("status", flat=True)) == {"sent"}, timeout=30)
    (message,) = emails_in(mail_dir)
    assert message["To"] == "nurse.a@example.org"
